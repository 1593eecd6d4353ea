//! Summary statistics of durations: count, mean, median, 90th percentile (linear interpolation
//! between order statistics, numpy's default), min, max and total — undefined (None) when empty.

use serde::Serialize;

/// Statistics of a set of durations, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct DurationStats {
    pub count: u64,
    pub total_s: f64,
    pub mean_s: Option<f64>,
    pub median_s: Option<f64>,
    pub p90_s: Option<f64>,
    pub min_s: Option<f64>,
    pub max_s: Option<f64>,
}

const US: f64 = 1_000_000.0;

/// The `q`-quantile (0 ≤ q ≤ 1) of sorted values, interpolated linearly.
pub fn quantile_sorted(sorted: &[i64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (sorted[lo] as f64, sorted[hi] as f64);
    Some(a + (b - a) * (pos - lo as f64))
}

impl DurationStats {
    /// Statistics of durations in microseconds; sorts `us` in place.
    pub fn from_micros(us: &mut [i64]) -> DurationStats {
        us.sort_unstable();
        let total: i128 = us.iter().map(|&v| i128::from(v)).sum();
        let n = us.len();
        let q = |p: f64| quantile_sorted(us, p).map(|v| v / US);
        DurationStats {
            count: n as u64,
            total_s: total as f64 / US,
            mean_s: (n > 0).then(|| total as f64 / n as f64 / US),
            median_s: q(0.5),
            p90_s: q(0.9),
            min_s: us.first().map(|&v| v as f64 / US),
            max_s: us.last().map(|&v| v as f64 / US),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        // numpy.percentile([1,2,3,4], 90) = 3.7; median 2.5
        let mut v = vec![4_000_000, 1_000_000, 3_000_000, 2_000_000];
        let s = DurationStats::from_micros(&mut v);
        assert_eq!(s.count, 4);
        assert_eq!(s.median_s, Some(2.5));
        assert!((s.p90_s.unwrap() - 3.7).abs() < 1e-12);
        assert_eq!(s.mean_s, Some(2.5));
        assert_eq!(s.total_s, 10.0);
        assert_eq!(s.min_s, Some(1.0));
        let empty = DurationStats::from_micros(&mut []);
        assert_eq!(empty.mean_s, None);
        assert_eq!(empty.median_s, None);
    }
}

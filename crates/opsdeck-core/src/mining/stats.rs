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
    let (pos, lo, hi) = ranks(sorted.len(), q);
    Some(interpolate(sorted[lo], sorted[hi], pos, lo))
}

/// [`quantile_sorted`] of values in any order, found by selection instead of a sort (the
/// values are reordered).
pub fn quantile_unsorted(v: &mut [i64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let (pos, lo, hi) = ranks(v.len(), q);
    let (_, &mut a, above) = v.select_nth_unstable(lo);
    // the next order statistic is the least of the values above the `lo`-th
    let b = if hi == lo { a } else { *above.iter().min()? };
    Some(interpolate(a, b, pos, lo))
}

/// The fractional rank of the `q`-quantile among `n` values and the ranks either side.
fn ranks(n: usize, q: f64) -> (f64, usize, usize) {
    let pos = q * (n - 1) as f64;
    (pos, pos.floor() as usize, pos.ceil() as usize)
}

fn interpolate(a: i64, b: i64, pos: f64, lo: usize) -> f64 {
    let (a, b) = (a as f64, b as f64);
    a + (b - a) * (pos - lo as f64)
}

impl DurationStats {
    /// Statistics of durations in microseconds; reorders `us`.
    pub fn from_micros(us: &mut [i64]) -> DurationStats {
        let total: i128 = us.iter().map(|&v| i128::from(v)).sum();
        let n = us.len();
        let q = |us: &mut [i64], p: f64| quantile_unsorted(us, p).map(|v| v / US);
        DurationStats {
            count: n as u64,
            total_s: total as f64 / US,
            mean_s: (n > 0).then(|| total as f64 / n as f64 / US),
            median_s: q(us, 0.5),
            p90_s: q(us, 0.9),
            min_s: us.iter().min().map(|&v| v as f64 / US),
            max_s: us.iter().max().map(|&v| v as f64 / US),
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
        assert_eq!(empty.min_s, None);
        assert_eq!(empty.mean_s, None);
        assert_eq!(empty.median_s, None);
    }

    proptest::proptest! {
        /// Quantiles found by selection equal those of the sorted values, bit for bit.
        #[test]
        fn selection_gives_the_sorted_quantiles(
            v in proptest::collection::vec(-1_000_000_000i64..1_000_000_000, 1..300),
            q in 0.0f64..=1.0,
        ) {
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let mut any = v.clone();
            proptest::prop_assert_eq!(
                quantile_unsorted(&mut any, q).map(f64::to_bits),
                quantile_sorted(&sorted, q).map(f64::to_bits)
            );
        }
    }
}

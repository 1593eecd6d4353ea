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
    /// Statistics of durations in microseconds; reorders `us`. The median is selected first and
    /// the 90th percentile among the values above it (the order statistics above the median's
    /// rank are exactly those of that part), so the second selection and the extremes look at
    /// part of the values only.
    pub fn from_micros(us: &mut [i64]) -> DurationStats {
        let n = us.len();
        let total: i128 = us.iter().map(|&v| i128::from(v)).sum();
        let s = |v: i64| v as f64 / US;
        if n == 0 {
            return DurationStats {
                total_s: 0.0,
                ..DurationStats::default()
            };
        }
        let (pos50, lo50, hi50) = ranks(n, 0.5);
        let (pos90, lo90, hi90) = ranks(n, 0.9);
        let (below, &mut a50, above) = us.select_nth_unstable(lo50);
        // `above` holds the values of rank lo50 + 1 .. n - 1, in some order
        let least_above = |v: &[i64]| v.iter().min().copied();
        let b50 = if hi50 == lo50 {
            a50
        } else {
            least_above(above).unwrap_or(a50)
        };
        let min = below.iter().copied().min().map_or(a50, |m| m.min(a50));
        let (a90, b90, max) = if lo90 == lo50 {
            let max = above.iter().copied().max().map_or(a50, |m| m.max(a50));
            let b90 = if hi90 == lo90 {
                a50
            } else {
                least_above(above).unwrap_or(a50)
            };
            (a50, b90, max)
        } else {
            let (_, &mut a90, above90) = above.select_nth_unstable(lo90 - lo50 - 1);
            let b90 = if hi90 == lo90 {
                a90
            } else {
                least_above(above90).unwrap_or(a90)
            };
            let max = above90.iter().copied().max().map_or(a90, |m| m.max(a90));
            (a90, b90, max)
        };
        DurationStats {
            count: n as u64,
            total_s: total as f64 / US,
            mean_s: Some(total as f64 / n as f64 / US),
            median_s: Some(interpolate(a50, b50, pos50, lo50) / US),
            p90_s: Some(interpolate(a90, b90, pos90, lo90) / US),
            min_s: Some(s(min)),
            max_s: Some(s(max)),
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

    /// [`DurationStats::from_micros`] computed the plain way, from sorted values.
    fn stats_of_sorted(v: &[i64]) -> DurationStats {
        let mut sorted = v.to_vec();
        sorted.sort_unstable();
        let total: i128 = v.iter().map(|&x| i128::from(x)).sum();
        let n = v.len();
        DurationStats {
            count: n as u64,
            total_s: total as f64 / US,
            mean_s: (n > 0).then(|| total as f64 / n as f64 / US),
            median_s: quantile_sorted(&sorted, 0.5).map(|x| x / US),
            p90_s: quantile_sorted(&sorted, 0.9).map(|x| x / US),
            min_s: sorted.first().map(|&x| x as f64 / US),
            max_s: sorted.last().map(|&x| x as f64 / US),
        }
    }

    proptest::proptest! {
        /// The statistics equal those computed from the sorted values, bit for bit, for any
        /// count (the median and the 90th percentile share a rank for small counts), with
        /// repeated values.
        #[test]
        fn stats_equal_those_of_the_sorted_values(
            v in proptest::collection::vec(-5i64..5, 0..40),
            wide in proptest::collection::vec(-1_000_000_000i64..1_000_000_000, 0..300),
        ) {
            for v in [v, wide] {
                let want = stats_of_sorted(&v);
                let got = DurationStats::from_micros(&mut v.clone());
                proptest::prop_assert_eq!(format!("{got:?}"), format!("{want:?}"));
            }
        }
    }
}

//! Scales shared by the charts: cleaning of input values, the linear value→pixel map and "nice"
//! axis ticks at 1, 2, 2.5 or 5 × 10^k.

/// Values beyond this magnitude are treated as this magnitude when scaling (their tooltips still
/// show the real value), so that spans and steps stay finite.
const VALUE_LIMIT: f64 = 1.0e300;

/// A value fit for drawing: `None` for missing, NaN or infinite input; clamped to ±1e300.
pub(crate) fn clean(v: Option<f64>) -> Option<f64> {
    match v {
        Some(x) if x.is_finite() => Some(x.clamp(-VALUE_LIMIT, VALUE_LIMIT)),
        _ => None,
    }
}

/// Minimum and maximum over the clean values, `None` when there are none.
pub(crate) fn extent(values: impl IntoIterator<Item = Option<f64>>) -> Option<(f64, f64)> {
    let mut out: Option<(f64, f64)> = None;
    for v in values.into_iter().filter_map(clean) {
        out = Some(match out {
            None => (v, v),
            Some((lo, hi)) => (lo.min(v), hi.max(v)),
        });
    }
    out
}

/// A caller-given range made usable: finite, ordered, non-empty; `None` if it cannot be.
pub(crate) fn clean_range(r: Option<(f64, f64)>) -> Option<(f64, f64)> {
    let (a, b) = r?;
    let (a, b) = (clean(Some(a))?, clean(Some(b))?);
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    (hi > lo).then_some((lo, hi))
}

/// Linear map from a value domain onto a pixel range; outputs are clamped to the range.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Linear {
    pub(crate) d0: f64,
    pub(crate) d1: f64,
    pub(crate) r0: f64,
    pub(crate) r1: f64,
}

impl Linear {
    pub(crate) fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        Linear {
            d0: domain.0,
            d1: domain.1,
            r0: range.0,
            r1: range.1,
        }
    }

    pub(crate) fn map(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        let t = if span.is_finite() && span != 0.0 && v.is_finite() {
            ((v - self.d0) / span).clamp(0.0, 1.0)
        } else {
            0.5
        };
        let out = self.r0 + t * (self.r1 - self.r0);
        if out.is_finite() {
            out
        } else {
            self.r0
        }
    }
}

/// Axis ticks and the domain they cover.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ticks {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) values: Vec<f64>,
}

/// Most ticks an axis ever gets, whatever is asked for.
const MAX_TICKS: usize = 25;

/// Ticks for `[lo, hi]` at a nice step (1, 2, 2.5 or 5 × 10^k) giving about `target` intervals.
/// With `extend`, the domain grows outward to the nearest ticks (the axis ends on a tick);
/// otherwise the domain is kept and only the ticks inside it are returned.
/// A zero-width or unusable domain is widened first (0 → 0..1, v → around v).
pub(crate) fn nice_ticks(lo: f64, hi: f64, target: usize, extend: bool) -> Ticks {
    let (mut lo, mut hi) = match (clean(Some(lo)), clean(Some(hi))) {
        (Some(a), Some(b)) if a <= b => (a, b),
        (Some(a), Some(b)) => (b, a),
        _ => (0.0, 1.0),
    };
    if hi - lo <= 0.0 || !(hi - lo).is_finite() {
        if lo == 0.0 {
            hi = 1.0;
        } else {
            let d = lo.abs() * 0.1;
            // keep zero as the baseline when the single value is on one side of it
            if lo > 0.0 {
                lo = (lo - d).max(0.0);
                hi += d;
            } else {
                lo -= d;
                hi = (hi + d).min(0.0);
            }
        }
    }
    let target = target.clamp(1, MAX_TICKS - 1);
    let fallback = Ticks {
        lo,
        hi,
        values: vec![lo, hi],
    };
    let span = hi - lo;
    let rough = span / target as f64;
    if !(rough.is_finite() && rough > 0.0) {
        return fallback;
    }
    let exp = rough.log10().floor() as i32;
    // steps as (mantissa, exponent) so tick values are computed from integers: 3 × 2 / 10 = 0.6
    let mut chosen = None;
    for (m, e) in [
        (1.0, exp),
        (2.0, exp),
        (2.5, exp),
        (5.0, exp),
        (1.0, exp + 1),
    ] {
        if step_value(m, e, 1) >= rough * (1.0 - 1e-9) {
            chosen = Some((m, e));
            break;
        }
    }
    let Some((m, e)) = chosen else {
        return fallback;
    };
    let step = step_value(m, e, 1);
    if !(step.is_finite() && step > 0.0) {
        return fallback;
    }
    let eps = 1e-9;
    let (k0, k1) = if extend {
        ((lo / step + eps).floor(), (hi / step - eps).ceil())
    } else {
        ((lo / step - eps).ceil(), (hi / step + eps).floor())
    };
    if !(k0.is_finite() && k1.is_finite()) || k1 < k0 || k1 - k0 > MAX_TICKS as f64 {
        return fallback;
    }
    let (k0, k1) = (k0 as i64, k1 as i64);
    let values: Vec<f64> = (k0..=k1).map(|k| step_value(m, e, k)).collect();
    if extend {
        let lo = values.first().copied().unwrap_or(lo);
        let hi = values.last().copied().unwrap_or(hi);
        if hi > lo {
            return Ticks { lo, hi, values };
        }
        return fallback;
    }
    Ticks { lo, hi, values }
}

/// `k × m × 10^e`, computed so that decimal steps stay exact where they can (divide by 10^-e).
fn step_value(m: f64, e: i32, k: i64) -> f64 {
    let km = k as f64 * m;
    if e < 0 {
        km / 10f64.powi(-e)
    } else {
        km * 10f64.powi(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_range_gets_tenths_of_two() {
        let t = nice_ticks(0.0, 0.87, 5, true);
        assert_eq!(t.values, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!((t.lo, t.hi), (0.0, 1.0));
        let t = nice_ticks(0.0, 0.87, 5, false);
        assert_eq!(t.values, vec![0.0, 0.2, 0.4, 0.6, 0.8]);
        assert_eq!((t.lo, t.hi), (0.0, 0.87));
    }

    #[test]
    fn steps_are_one_two_two_and_a_half_or_five() {
        assert_eq!(
            nice_ticks(0.0, 100.0, 5, true).values,
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(
            nice_ticks(0.0, 10.0, 4, true).values,
            vec![0.0, 2.5, 5.0, 7.5, 10.0]
        );
        assert_eq!(
            nice_ticks(-30.0, 45.0, 3, true).values,
            vec![-50.0, -25.0, 0.0, 25.0, 50.0]
        );
        assert_eq!(
            nice_ticks(78.2, 86.1, 4, true).values,
            vec![78.0, 80.0, 82.0, 84.0, 86.0, 88.0]
        );
    }

    #[test]
    fn degenerate_domains_widen() {
        assert_eq!(nice_ticks(0.0, 0.0, 5, true).values.first(), Some(&0.0));
        let t = nice_ticks(5.0, 5.0, 5, true);
        assert!(t.lo < 5.0 && t.hi > 5.0 && t.lo >= 0.0);
        let t = nice_ticks(f64::NAN, f64::INFINITY, 5, true);
        assert!(t.hi > t.lo);
        let t = nice_ticks(-1e308, 1e308, 5, true);
        assert!(t.hi > t.lo && t.values.len() <= MAX_TICKS + 1);
        let t = nice_ticks(0.0, 1e-320, 5, true);
        assert!(t.hi > t.lo);
        let t = nice_ticks(1e15, 1e15 + 0.5, 5, true);
        assert!(t.values.len() <= MAX_TICKS + 1);
    }

    #[test]
    fn linear_clamps_and_survives_zero_span() {
        let s = Linear::new((0.0, 10.0), (100.0, 0.0));
        assert_eq!(s.map(5.0), 50.0);
        assert_eq!(s.map(20.0), 0.0);
        assert_eq!(Linear::new((3.0, 3.0), (0.0, 10.0)).map(3.0), 5.0);
    }
}

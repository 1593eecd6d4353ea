//! Erlang B and Erlang C through the inverse Erlang B recursion `1/B(k) = 1 + (k/A)·1/B(k−1)`,
//! started close to the load so thousands of agents cost O(√A) steps, and the Erlang C
//! required-agents search (a fast walk, with a bit-exact port of pyworkforce for near ties).

use super::{occupancy_floor, Staffing, StaffingInput};
use serde::Serialize;

/// A service level this close to the target is decided by pyworkforce's exact operation order.
const TIE: f64 = 1e-9;

/// `1/B(k, A)` for increasing k, one O(1) step at a time.
///
/// Perturbations of `1/B` shrink by `k/A` per step while `k < A` and never grow relative to the
/// value, so the walk may start at `k0 = A − 9√A − 10` from the rough guess `A/(A − k0)`: its
/// error is damped by about `exp(−40)` before k reaches A.
#[derive(Debug, Clone, Copy)]
struct Walker {
    load: f64,
    inv_load: f64,
    k: u64,
    inv_b: f64,
}

impl Walker {
    /// Positioned at `k = n`. `load` must be > 0.
    fn new(load: f64, n: u64) -> Walker {
        let k0 = (load - 9.0 * load.sqrt() - 10.0).floor();
        let (k, inv_b) = if k0 >= 1.0 && (n as f64) > k0 {
            (k0 as u64, load / (load - k0))
        } else {
            (0, 1.0)
        };
        let mut w = Walker {
            load,
            inv_load: 1.0 / load,
            k,
            inv_b,
        };
        w.advance_to(n);
        w
    }

    /// Walk on to `k = n`. Four steps at a time the recursion is unrolled as
    /// `x₄ = (1 + a₄ + a₄a₃ + a₄a₃a₂) + a₄a₃a₂a₁·x` (aᵢ = (k + i)/A), so the chain that
    /// depends on `x` is one multiply-add per four agents instead of four; the products are
    /// independent of `x`. Same value to a few ulps; ties are re-decided by `required_exact`.
    fn advance_to(&mut self, n: u64) {
        let il = self.inv_load;
        let (mut k, mut x) = (self.k, self.inv_b);
        while k + 4 <= n {
            let kf = k as f64;
            let (a1, a2, a3, a4) = (
                (kf + 1.0) * il,
                (kf + 2.0) * il,
                (kf + 3.0) * il,
                (kf + 4.0) * il,
            );
            let p = a4 * a3;
            let q = p * a2;
            x = (1.0 + a4 + p + q) + (q * a1) * x;
            k += 4;
        }
        while k < n {
            k += 1;
            x = 1.0 + x * (k as f64 * il);
        }
        self.k = k;
        self.inv_b = x;
    }

    fn measures(&self, aht_s: f64, answer_s: f64) -> ErlangC {
        measures(self.k, self.load, 1.0 / self.inv_b, aht_s, answer_s)
    }
}

/// Erlang C measures of N agents at load A.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErlangC {
    /// Erlang B blocking probability B(N, A).
    pub blocking: f64,
    /// C(N, A); 1 when N ≤ A (unstable queue).
    pub wait_probability: f64,
    /// `max(0, 1 − C·exp(−(N − A)·T/AHT))`; 0 when N ≤ A.
    pub service_level: f64,
    /// Mean wait over all arrivals `C·AHT/(N − A)`; `None` (infinite) when N ≤ A.
    pub asa_s: Option<f64>,
    /// A/N, or 1 when N ≤ A (every agent busy); `None` for N = 0.
    pub occupancy: Option<f64>,
}

impl ErlangC {
    /// Measures of `n` agents at `load` Erlangs with handle time `aht_s` and threshold
    /// `answer_s` (seconds).
    pub fn at(n: u64, load: f64, aht_s: f64, answer_s: f64) -> ErlangC {
        measures(n, load, erlang_b(n, load), aht_s, answer_s)
    }
}

fn measures(n: u64, load: f64, b: f64, aht_s: f64, answer_s: f64) -> ErlangC {
    let nf = n as f64;
    let occupancy = (n > 0).then(|| if nf > load { load / nf } else { 1.0 });
    if load <= 0.0 {
        return ErlangC {
            blocking: b,
            wait_probability: 0.0,
            service_level: 1.0,
            asa_s: Some(0.0),
            occupancy: occupancy.map(|_| 0.0),
        };
    }
    if nf <= load {
        return ErlangC {
            blocking: b,
            wait_probability: 1.0,
            service_level: 0.0,
            asa_s: None,
            occupancy,
        };
    }
    let pw = nf * b / (nf - load * (1.0 - b));
    let sl = (1.0 - pw * ((-(nf - load)) * (answer_s / aht_s)).exp()).max(0.0);
    ErlangC {
        blocking: b,
        wait_probability: pw,
        service_level: sl,
        asa_s: Some(pw * aht_s / (nf - load)),
        occupancy,
    }
}

/// Erlang B blocking probability B(N, A), stable for any N and load.
pub fn erlang_b(n: u64, load: f64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    if load <= 0.0 {
        return 0.0;
    }
    1.0 / Walker::new(load, n).inv_b
}

/// Erlang C probability of waiting C(N, A); 1 when N ≤ A.
pub fn erlang_c(n: u64, load: f64) -> f64 {
    ErlangC::at(n, load, 1.0, 0.0).wait_probability
}

/// Raw agents with pyworkforce's search: start at `round_half_even(A + 1)`, step while
/// SL < target, then the occupancy cap. `load` > 0.
///
/// The answer is the first N from the start with SL(N) ≥ target. SL grows with N, so it is
/// found by galloping (SL at start + 1, 2, 4, … steps) and bisecting the last bracket, from
/// snapshots of the `1/B` walk: a handful of service-level evaluations instead of one per
/// agent. Only N and N − 1
/// can lie within `TIE` of the target; either does → pyworkforce's exact operation order.
pub(super) fn required(input: &StaffingInput, load: f64) -> Staffing {
    let (target, aht, t) = (input.target_sl, input.aht_s, input.answer_s);
    let sl = |w: &Walker| w.measures(aht, t).service_level;
    let start = (load + 1.0).round_ties_even() as u64;
    let mut hi = Walker::new(load, start);
    let mut below: Option<Walker> = None; // the last walk position with SL < target
    let mut step = 1;
    while sl(&hi) < target {
        below = Some(hi);
        hi.advance_to(hi.k + step);
        step = step.saturating_mul(2);
    }
    let near = |w: &Walker| (sl(w) - target).abs() <= TIE;
    if let Some(mut lo) = below {
        while hi.k - lo.k > 1 {
            let mut mid = lo;
            mid.advance_to(lo.k + (hi.k - lo.k) / 2);
            if sl(&mid) >= target {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        if near(&lo) {
            return required_exact(input, load);
        }
    }
    if near(&hi) {
        return required_exact(input, load);
    }
    let mut w = hi;
    if load / w.k as f64 > input.max_occupancy {
        let raw = occupancy_floor(load, input.max_occupancy);
        if raw >= w.k {
            w.advance_to(raw);
        } else {
            w = Walker::new(load, raw);
        }
    }
    staffing(load, w.k, w.measures(aht, t))
}

fn staffing(load: f64, raw: u64, m: ErlangC) -> Staffing {
    Staffing {
        load,
        raw_agents: raw,
        agents: raw,
        service_level: Some(m.service_level),
        occupancy: m.occupancy,
        wait_probability: Some(m.wait_probability),
        asa_s: m.asa_s,
        abandon_rate: None,
    }
}

/// pyworkforce 0.5.1's arithmetic in its exact operation order (shared/peers/erlang_spec.py),
/// with `1/B` carried forward from N to N + 1 (the same operations, so the same bits).
pub(super) fn required_exact(input: &StaffingInput, load: f64) -> Staffing {
    let (aht, t) = (input.aht_s, input.answer_s);
    let mut inv = 1.0_f64;
    let mut k = 0_u64;
    let mut advance = |to: u64, inv: &mut f64| {
        while k < to {
            k += 1;
            *inv = 1.0 + (*inv * k as f64 / load);
        }
    };
    let pw = |n: u64, inv: f64| {
        let b = 1.0 / inv;
        let n = n as f64;
        n * b / (n - load * (1.0 - b))
    };
    let sl = |n: u64, pw: f64| (1.0 - (pw * ((-(n as f64 - load)) * (t / aht)).exp())).max(0.0);
    let mut n = (load + 1.0).round_ties_even() as u64;
    advance(n, &mut inv);
    let mut p = pw(n, inv);
    let mut s = sl(n, p);
    while s < input.target_sl {
        n += 1;
        advance(n, &mut inv);
        p = pw(n, inv);
        s = sl(n, p);
    }
    let mut raw = n;
    if load / n as f64 > input.max_occupancy {
        raw = occupancy_floor(load, input.max_occupancy);
        if raw < n {
            // not reachable with IEEE division (A/n > cap ⇒ A/cap > n), kept total
            inv = 1.0 / erlang_b(raw, load);
        } else {
            advance(raw, &mut inv);
        }
        p = pw(raw, inv);
        s = sl(raw, p);
    }
    let nf = raw as f64;
    Staffing {
        load,
        raw_agents: raw,
        agents: raw,
        service_level: Some(s),
        occupancy: Some(load / nf),
        wait_probability: Some(p),
        asa_s: Some(p * aht / (nf - load)),
        abandon_rate: None,
    }
}

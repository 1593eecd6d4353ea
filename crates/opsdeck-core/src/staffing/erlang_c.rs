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

    fn advance_to(&mut self, n: u64) {
        while self.k < n {
            self.k += 1;
            self.inv_b = 1.0 + self.inv_b * (self.k as f64 * self.inv_load);
        }
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
pub(super) fn required(input: &StaffingInput, load: f64) -> Staffing {
    let start = (load + 1.0).round_ties_even() as u64;
    let mut w = Walker::new(load, start);
    loop {
        let sl = w.measures(input.aht_s, input.answer_s).service_level;
        if (sl - input.target_sl).abs() <= TIE {
            return required_exact(input, load);
        }
        if sl >= input.target_sl {
            break;
        }
        w.advance_to(w.k + 1);
    }
    if load / w.k as f64 > input.max_occupancy {
        let raw = occupancy_floor(load, input.max_occupancy);
        if raw >= w.k {
            w.advance_to(raw);
        } else {
            w = Walker::new(load, raw);
        }
    }
    staffing(load, w.k, w.measures(input.aht_s, input.answer_s))
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

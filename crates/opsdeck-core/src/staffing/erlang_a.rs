//! Erlang A (Palm, M/M/N+M): the stationary birth–death chain in log space, the measures of
//! DOMAIN-REFERENCE §2.5, and the service level P(answered within T) over all arrivals by a
//! tagged caller solved with uniformisation (abandoners count as failures).

use super::{erlang_c, Staffing, StaffingError, StaffingInput};
use serde::Serialize;

/// Queue states whose weight is below `exp(-40)` of the largest are dropped.
const LOG_TAIL: f64 = -40.0;

/// Erlang A measures of N agents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErlangA {
    /// P(an arrival waits) = Σ_{n ≥ N} p_n.
    pub wait_probability: f64,
    /// P(abandon) = θ·Lq/λ.
    pub abandon_rate: f64,
    /// Mean wait over all arrivals, abandoners included: Lq/λ (pyworkforce's "ASA").
    pub asa_s: f64,
    /// λ(1 − P(ab))/(Nμ); `None` for N = 0.
    pub occupancy: Option<f64>,
    /// P(answered within T) over all arrivals.
    pub service_level: f64,
}

/// Erlang A measures for `n` agents, `arrival_rate_per_s` arrivals per second, handle time
/// `aht_s`, mean patience `patience_s` and threshold `answer_s`. Stable for any load (also
/// N ≤ A) and for thousands of agents.
pub fn erlang_a(
    n: u64,
    arrival_rate_per_s: f64,
    aht_s: f64,
    patience_s: f64,
    answer_s: f64,
) -> ErlangA {
    let lam = arrival_rate_per_s;
    let mu = 1.0 / aht_s;
    let theta = 1.0 / patience_s;
    let load = lam / mu;
    if lam <= 0.0 {
        return ErlangA {
            wait_probability: 0.0,
            abandon_rate: 0.0,
            asa_s: 0.0,
            occupancy: (n > 0).then_some(0.0),
            service_level: 1.0,
        };
    }
    if n == 0 {
        return ErlangA {
            wait_probability: 1.0,
            abandon_rate: 1.0,
            asa_s: patience_s,
            occupancy: None,
            service_level: 0.0,
        };
    }
    // Weights relative to p_N: Σ_{k<N} p_k / p_N = 1/B(N, A) − 1.
    let b = erlang_c::erlang_b(n, load);
    if b == 0.0 {
        // so many agents that the chance of all being busy is below the smallest f64: nobody
        // waits (the weights below would be infinite and give NaN)
        return ErlangA {
            wait_probability: 0.0,
            abandon_rate: 0.0,
            asa_s: 0.0,
            occupancy: Some(load / n as f64),
            service_level: 1.0,
        };
    }
    let inv_b = 1.0 / b;
    let log_below = (inv_b - 1.0).ln();
    let serve = n as f64 * mu;
    let mut lq = vec![0.0_f64];
    let mut peak = log_below.max(0.0);
    loop {
        let j = lq.len() as f64;
        let next = lq[lq.len() - 1] + (lam / (serve + j * theta)).ln();
        let falling = next < lq[lq.len() - 1];
        peak = peak.max(next);
        lq.push(next);
        if (falling && next - peak < LOG_TAIL) || lq.len() > 10_000_000 {
            break;
        }
    }
    let below = (log_below - peak).exp();
    let mut q: Vec<f64> = lq.iter().map(|l| (l - peak).exp()).collect();
    let z = below + q.iter().sum::<f64>();
    let below = below / z;
    q.iter_mut().for_each(|x| *x /= z);
    let wait_probability: f64 = q.iter().sum();
    let lq_mean: f64 = q.iter().enumerate().map(|(j, x)| j as f64 * x).sum();
    let abandon_rate = (theta * lq_mean / lam).min(1.0);
    let served_in_queue = served_within(&mut q, serve, theta, answer_s);
    ErlangA {
        wait_probability,
        abandon_rate,
        asa_s: lq_mean / lam,
        occupancy: Some(load * (1.0 - abandon_rate) / n as f64),
        service_level: (below + served_in_queue).min(1.0),
    }
}

/// Σ_j q_j · P(a caller with j ahead is answered within t). With j ahead the caller moves up
/// at rate `serve + jθ` (reaching an agent from j = 0 at rate `serve`) and abandons at rate θ;
/// the transient is solved by uniformisation. Consumes `q`.
fn served_within(q: &mut [f64], serve: f64, theta: f64, t: f64) -> f64 {
    if t <= 0.0 || q.is_empty() {
        return 0.0;
    }
    let last = (q.len() - 1) as f64;
    let uni = serve + last * theta + theta;
    let lt = uni * t;
    let stop = lt + 12.0 * lt.sqrt() + 30.0;
    let mut served = 0.0;
    let mut total = 0.0;
    let mut log_w = -lt;
    let mut k = 0.0;
    while k <= stop {
        total += log_w.exp() * served;
        served += q[0] * serve / uni;
        for j in 0..q.len() {
            let jf = j as f64;
            let stay = 1.0 - (serve + jf * theta + theta) / uni;
            let up = q
                .get(j + 1)
                .map_or(0.0, |x| x * (serve + (jf + 1.0) * theta) / uni);
            q[j] = q[j] * stay + up;
        }
        k += 1.0;
        log_w += (lt / k).ln();
    }
    total
}

/// Fewest agents whose Erlang A service level meets the target and whose occupancy is within
/// the cap (both monotone in N): doubling from ⌈A⌉, then bisection.
pub(super) fn required(
    input: &StaffingInput,
    load: f64,
    patience_s: f64,
) -> Result<Staffing, StaffingError> {
    let lam = input.calls / input.interval_s;
    let eval = |n: u64| erlang_a(n, lam, input.aht_s, patience_s, input.answer_s);
    let ok = |m: &ErlangA| {
        m.service_level >= input.target_sl && m.occupancy.is_some_and(|o| o <= input.max_occupancy)
    };
    let limit = ((load / input.max_occupancy).ceil() as u64).saturating_mul(4) + 1000;
    let mut lo = 0_u64;
    let mut hi = (load.ceil() as u64).max(1);
    let mut best = eval(hi);
    while !ok(&best) {
        if hi > limit {
            return Err(StaffingError::NoSolution { load, limit });
        }
        lo = hi;
        hi *= 2;
        best = eval(hi);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let m = eval(mid);
        if ok(&m) {
            hi = mid;
            best = m;
        } else {
            lo = mid;
        }
    }
    Ok(Staffing {
        load,
        raw_agents: hi,
        agents: hi,
        service_level: Some(best.service_level),
        occupancy: best.occupancy,
        wait_probability: Some(best.wait_probability),
        asa_s: Some(best.asa_s),
        abandon_rate: Some(best.abandon_rate),
    })
}

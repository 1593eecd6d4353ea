//! Staffing mathematics: Erlang B, Erlang C and Erlang A (M/M/N+M) measures, and the required
//! agents per interval with pyworkforce's conventions (search start, occupancy cap, shrinkage).
//!
//! All times are seconds. Conventions (DOMAIN-REFERENCE §2.4, shared/peers/erlang_spec.py):
//! `A = (calls / interval_s) * aht_s` in that order; the Erlang C search starts at
//! `round_half_even(A + 1)` and steps up while `SL(N) < target`; then, if `A / N > max_occupancy`,
//! raw = `ceil(A / max_occupancy)`; agents = `ceil(raw / (1 - shrinkage))` in plain f64. The
//! agent counts equal pyworkforce 0.5.1's on every row of the shared oracle.

mod erlang_a;
mod erlang_c;

pub use erlang_a::{erlang_a, ErlangA};
pub use erlang_c::{erlang_b, erlang_c, ErlangC};

use serde::Serialize;

/// One interval to staff. Times in seconds; ratios as fractions (0.8, not 80).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StaffingInput {
    /// Contacts offered in the interval (fractional values are allowed, as in pyworkforce).
    pub calls: f64,
    pub aht_s: f64,
    pub interval_s: f64,
    /// Service-level target in (0, 1): share of contacts answered within `answer_s`.
    pub target_sl: f64,
    /// The service-level threshold T.
    pub answer_s: f64,
    /// Occupancy cap in (0, 1]; 1 disables it.
    pub max_occupancy: f64,
    /// Shrinkage in [0, 1).
    pub shrinkage: f64,
}

/// The queueing model used for the requirement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// M/M/N, infinite patience (pyworkforce's conventions).
    ErlangC,
    /// M/M/N+M with exponential patience of mean `patience_s`: the fewest N whose Erlang A
    /// service level (abandoners count as failures) meets the target and whose occupancy is
    /// within the cap.
    ErlangA { patience_s: f64 },
}

/// Required staffing of one interval. Undefined measures (no calls) are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Staffing {
    /// Offered load A in Erlangs.
    pub load: f64,
    /// Agents needed on the phones (before shrinkage).
    pub raw_agents: u64,
    /// Agents to schedule: `ceil(raw / (1 - shrinkage))`.
    pub agents: u64,
    pub service_level: Option<f64>,
    pub occupancy: Option<f64>,
    pub wait_probability: Option<f64>,
    /// Erlang C: mean wait over all arrivals `C·AHT/(N−A)`; Erlang A: mean wait over all
    /// arrivals, abandoners included (`Lq/λ`).
    pub asa_s: Option<f64>,
    /// Erlang A only.
    pub abandon_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StaffingError {
    #[error("{field} is {value}: {reason}")]
    Invalid {
        field: &'static str,
        value: f64,
        reason: &'static str,
    },
    #[error("no agent count up to {limit} meets the target (load {load} erlangs)")]
    NoSolution { load: f64, limit: u64 },
}

fn check(
    field: &'static str,
    value: f64,
    ok: bool,
    reason: &'static str,
) -> Result<(), StaffingError> {
    if ok && value.is_finite() {
        Ok(())
    } else {
        Err(StaffingError::Invalid {
            field,
            value,
            reason,
        })
    }
}

impl StaffingInput {
    /// Every field in its domain; the error names the first field that is not.
    pub fn validate(&self) -> Result<(), StaffingError> {
        check("calls", self.calls, self.calls >= 0.0, "must be ≥ 0")?;
        check("aht_seconds", self.aht_s, self.aht_s > 0.0, "must be > 0")?;
        check(
            "interval_seconds",
            self.interval_s,
            self.interval_s > 0.0,
            "must be > 0",
        )?;
        check(
            "target_sl",
            self.target_sl,
            self.target_sl > 0.0 && self.target_sl < 1.0,
            "must be strictly between 0 and 1",
        )?;
        check(
            "target_answer_seconds",
            self.answer_s,
            self.answer_s >= 0.0,
            "must be ≥ 0",
        )?;
        check(
            "max_occupancy",
            self.max_occupancy,
            self.max_occupancy > 0.0 && self.max_occupancy <= 1.0,
            "must be in (0, 1]",
        )?;
        check(
            "shrinkage",
            self.shrinkage,
            self.shrinkage >= 0.0 && self.shrinkage < 1.0,
            "must be in [0, 1)",
        )
    }

    /// Offered load in Erlangs, with pyworkforce's operation order (the bits decide some
    /// occupancy ceilings: (1224/1800)·300 = 204.00000000000003).
    pub fn load(&self) -> f64 {
        (self.calls / self.interval_s) * self.aht_s
    }
}

impl Model {
    /// A positive, finite patience for Erlang A.
    pub fn validate(&self) -> Result<(), StaffingError> {
        match *self {
            Model::ErlangC => Ok(()),
            Model::ErlangA { patience_s } => check(
                "patience_seconds",
                patience_s,
                patience_s > 0.0,
                "must be > 0",
            ),
        }
    }
}

/// Agents to schedule for `raw` agents on the phones: plain f64 division and ceiling, no
/// epsilon (`21 / (1 − 0.3) = 30.000000000000004 → 31`, as pyworkforce).
pub fn with_shrinkage(raw: u64, shrinkage: f64) -> u64 {
    (raw as f64 / (1.0 - shrinkage)).ceil() as u64
}

/// Agents the occupancy cap alone requires: `ceil(A / max_occupancy)`.
pub fn occupancy_floor(load: f64, max_occupancy: f64) -> u64 {
    (load / max_occupancy).ceil() as u64
}

/// Required agents for one interval under `model`. Zero calls need zero agents (measures
/// undefined).
pub fn required_agents(input: &StaffingInput, model: Model) -> Result<Staffing, StaffingError> {
    input.validate()?;
    model.validate()?;
    let load = input.load();
    if input.calls == 0.0 {
        return Ok(Staffing {
            load,
            raw_agents: 0,
            agents: 0,
            service_level: None,
            occupancy: None,
            wait_probability: None,
            asa_s: None,
            abandon_rate: None,
        });
    }
    let mut s = match model {
        Model::ErlangC => erlang_c::required(input, load),
        Model::ErlangA { patience_s } => erlang_a::required(input, load, patience_s)?,
    };
    s.agents = with_shrinkage(s.raw_agents, input.shrinkage);
    Ok(s)
}

#[cfg(test)]
mod tests;

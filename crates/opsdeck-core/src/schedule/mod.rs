//! Shift scheduling: how many agents to put on each shift pattern on each day so coverage meets
//! per-interval requirements at minimum cost, with shortages reported instead of infeasibility.
//!
//! Model (set covering with soft demand, DOMAIN-REFERENCE §4): variables are integer counts of
//! *shift instances* (a pattern on one local start date); minimise
//! `Σ cost·count + shortage_penalty · Σ_t max(0, required_t − coverage_t)`.
//!
//! Time: requirements are UTC instants of local-aligned intervals. A shift starts at its local
//! start time on each allowed local date (the earlier instant in a fall-back overlap, the first
//! valid minute after a spring-forward gap) and lasts its length in real minutes, so a shift
//! crossing midnight covers the next day's early intervals and a night shift across a DST
//! change still covers exactly `length` minutes. An interval is covered when it lies wholly
//! inside a working span (the shift minus its breaks). The horizon does not wrap: shifts start
//! on the local dates from the first to the last requirement, and coverage after the last
//! requirement is not counted.

mod lp;
mod solve;

pub use solve::{solve, SolveOptions};

use crate::calendar::{first_instant_at_or_after, local_time};
use chrono::{Datelike, NaiveDate, NaiveTime};
use chrono_tz::Tz;
use serde::Serialize;

/// A paid break: `after_min` minutes after the shift start, lasting `length_min` minutes.
/// Paid, so it costs as the shift does, but the agent covers no interval meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Break {
    pub after_min: u32,
    pub length_min: u32,
}

/// A shift pattern: start time, length, breaks, the weekdays it may start on, its cost.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftPattern {
    pub name: String,
    /// Local start time.
    pub start: NaiveTime,
    pub length_min: u32,
    pub breaks: Vec<Break>,
    /// Allowed start days, Monday first.
    pub days: [bool; 7],
    /// Cost of one agent on one instance of the shift.
    pub cost: f64,
    /// Most agents on one instance (a seat or contract limit), if any.
    pub max_per_day: Option<u32>,
}

/// Agents required in one interval starting at `start_utc` (epoch seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub start_utc: i64,
    pub required: u32,
}

/// What to schedule.
#[derive(Debug, Clone)]
pub struct ScheduleSpec {
    /// Zone of the shifts' local start times.
    pub zone: Tz,
    pub interval_min: u32,
    pub patterns: Vec<ShiftPattern>,
    /// Cost of one agent missing in one interval; defaults to 10 × the dearest shift, so a
    /// shortage is left only where no shift can cover it (or a per-day limit binds).
    pub shortage_penalty: Option<f64>,
}

/// One pattern started on one local date.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub pattern: usize,
    pub date: NaiveDate,
    pub start_utc: i64,
    pub end_utc: i64,
    pub cost: f64,
    pub max: u32,
    /// Indices of the requirements it covers.
    pub covers: Vec<u32>,
}

/// The covering model built from a spec and the requirements.
#[derive(Debug, Clone)]
pub struct Model {
    /// Sorted by start, unique.
    pub requirements: Vec<Requirement>,
    pub instances: Vec<Instance>,
    pub penalty: f64,
}

/// A solution: agents per instance and the coverage it gives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    /// Agents per instance of `Model::instances`.
    pub counts: Vec<u32>,
    /// Agents working per requirement interval.
    pub coverage: Vec<u32>,
    /// Σ cost · count.
    pub shift_cost: f64,
    /// Σ max(0, required − coverage) (agent-intervals).
    pub shortage: u64,
    /// Σ max(0, coverage − required).
    pub over: u64,
    /// shift_cost + penalty · shortage.
    pub objective: f64,
    /// A proven lower bound on the optimal objective (LP relaxations per block, or the proven
    /// optimum where branch-and-bound finished); `None` when a block was too large for the LP.
    pub lower_bound: Option<f64>,
}

impl Schedule {
    /// Σ |coverage − required| = shortage + over.
    pub fn abs_deviation(&self) -> u64 {
        self.shortage + self.over
    }

    /// (objective − lower bound) / objective: how far above the optimum the schedule can be at
    /// most; 0 when both are 0, `None` without a bound.
    pub fn gap(&self) -> Option<f64> {
        let b = self.lower_bound?;
        Some(if self.objective > 0.0 {
            ((self.objective - b) / self.objective).max(0.0)
        } else {
            0.0
        })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("shift {name}: {reason}")]
    Pattern { name: String, reason: String },
    #[error("two requirements for the interval starting at {0} (utc)")]
    DuplicateInterval(chrono::NaiveDateTime),
    #[error("interval of {0} minutes is not supported (use a divisor of 60 or 1440 up to 1440)")]
    Interval(u32),
    #[error("shortage_penalty is {0}: must be > 0")]
    Penalty(f64),
    #[error("no requirements to schedule")]
    Empty,
}

fn check_pattern(p: &ShiftPattern) -> Result<(), ScheduleError> {
    let bad = |reason: String| {
        Err(ScheduleError::Pattern {
            name: p.name.clone(),
            reason,
        })
    };
    if p.length_min == 0 || p.length_min > 24 * 60 {
        return bad(format!(
            "length of {} minutes must be between 1 minute and 24 hours",
            p.length_min
        ));
    }
    if !(p.cost.is_finite() && p.cost >= 0.0) {
        return bad(format!("cost {} must be ≥ 0", p.cost));
    }
    if !p.days.iter().any(|d| *d) {
        return bad("no start day allowed".into());
    }
    let mut breaks = p.breaks.clone();
    breaks.sort_by_key(|b| b.after_min);
    let mut end = 0;
    for b in &breaks {
        if b.length_min == 0 || b.after_min + b.length_min > p.length_min {
            return bad(format!(
                "break after {} minutes for {} minutes is not inside the {}-minute shift",
                b.after_min, b.length_min, p.length_min
            ));
        }
        if b.after_min < end {
            return bad("breaks overlap".into());
        }
        end = b.after_min + b.length_min;
    }
    Ok(())
}

/// Build the covering model. Requirements may come in any order; two for the same interval are
/// an error.
pub fn build_model(
    spec: &ScheduleSpec,
    mut reqs: Vec<Requirement>,
) -> Result<Model, ScheduleError> {
    if spec.interval_min == 0 || spec.interval_min > 1440 || 1440 % spec.interval_min != 0 {
        return Err(ScheduleError::Interval(spec.interval_min));
    }
    for p in &spec.patterns {
        check_pattern(p)?;
    }
    if reqs.is_empty() {
        return Err(ScheduleError::Empty);
    }
    reqs.sort_by_key(|r| r.start_utc);
    if let Some(w) = reqs.windows(2).find(|w| w[0].start_utc == w[1].start_utc) {
        let t = chrono::DateTime::from_timestamp(w[0].start_utc, 0).unwrap_or_default();
        return Err(ScheduleError::DuplicateInterval(t.naive_utc()));
    }
    let dearest = spec.patterns.iter().map(|p| p.cost).fold(0.0, f64::max);
    let penalty = match spec.shortage_penalty {
        Some(p) if p.is_finite() && p > 0.0 => p,
        Some(p) => return Err(ScheduleError::Penalty(p)),
        None => 10.0 * dearest.max(1.0),
    };
    let len_s = i64::from(spec.interval_min) * 60;
    let starts: Vec<i64> = reqs.iter().map(|r| r.start_utc).collect();
    let first = local_time(spec.zone, starts[0]).date();
    let last = local_time(spec.zone, starts[starts.len() - 1]).date();
    let mut instances = Vec::new();
    let mut date = first;
    while date <= last {
        let dow = date.weekday().num_days_from_monday() as usize;
        for (pi, p) in spec.patterns.iter().enumerate() {
            if !p.days[dow] {
                continue;
            }
            let start = first_instant_at_or_after(spec.zone, date.and_time(p.start));
            let end = start + i64::from(p.length_min) * 60;
            let mut covers = Vec::new();
            let mut from = start;
            let mut spans: Vec<(i64, i64)> = Vec::new();
            let mut breaks = p.breaks.clone();
            breaks.sort_by_key(|b| b.after_min);
            for b in &breaks {
                let bs = start + i64::from(b.after_min) * 60;
                spans.push((from, bs));
                from = bs + i64::from(b.length_min) * 60;
            }
            spans.push((from, end));
            for (s, e) in spans {
                let lo = starts.partition_point(|&t| t < s);
                let hi = starts.partition_point(|&t| t + len_s <= e);
                covers.extend((lo..hi.max(lo)).map(|i| i as u32));
            }
            instances.push(Instance {
                pattern: pi,
                date,
                start_utc: start,
                end_utc: end,
                cost: p.cost,
                max: p.max_per_day.unwrap_or(u32::MAX),
                covers,
            });
        }
        let Some(next) = date.succ_opt() else { break };
        date = next;
    }
    Ok(Model {
        requirements: reqs,
        instances,
        penalty,
    })
}

#[cfg(test)]
mod tests;

//! Service and waiting time per activity.
//!
//! - **Service time** of an activity instance = its completion − its start; only instances
//!   with a start event have one (a log without lifecycle transitions has none).
//! - **Waiting time** of an instance = its start − the completion of the instance directly
//!   before it in its case (the directly-follows predecessor; the first instance of a case has
//!   none). It is negative when the instance started before that one completed (overlap):
//!   such waits are counted and kept in the statistics, as pm4py's performance DFG of an
//!   interval log keeps them. Per activity, the waits are exactly the times of the DFG edges
//!   into it. Without lifecycle transitions it is the gap from the previous event (work and
//!   wait together).

use super::log::EventLog;
use super::stats::DurationStats;
use serde::Serialize;

/// Service and waiting time of one activity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityTimes {
    pub activity: String,
    /// Instances (events, without lifecycle) of the activity.
    pub instances: u64,
    /// Cases in which it occurs.
    pub cases: u64,
    /// Service time of the instances with a start event (`count` of them).
    pub service: DurationStats,
    /// Waiting time of the instances with a predecessor in their case (`count` of them).
    pub waiting: DurationStats,
    /// Waits below zero (started before the instance before it completed).
    pub overlapping: u64,
}

/// Service and waiting time of every activity, by name.
pub fn activity_times(log: &EventLog) -> Vec<ActivityTimes> {
    let n_act = log.activity.dict.len();
    let acts = &log.activity.ids;
    let ts = &log.ts_us;
    let mut service: Vec<Vec<i64>> = vec![Vec::new(); n_act];
    let mut waiting: Vec<Vec<i64>> = vec![Vec::new(); n_act];
    let mut instances = vec![0u64; n_act];
    let mut cases = vec![0u64; n_act];
    let mut seen_in = vec![usize::MAX; n_act];
    let from_us = log
        .intervals
        .as_ref()
        .map_or(&log.ts_us, |iv| &iv.complete_us);
    for c in 0..log.n_cases() {
        let r = log.case_range(c);
        for i in r.clone() {
            let a = acts[i] as usize;
            instances[a] += 1;
            if seen_in[a] != c {
                seen_in[a] = c;
                cases[a] += 1;
            }
            if i > r.start {
                waiting[a].push(ts[i] - from_us[i - 1]);
            }
            if let Some(iv) = &log.intervals {
                if iv.started[i] {
                    service[a].push(iv.complete_us[i] - ts[i]);
                }
            }
        }
    }
    let mut v: Vec<ActivityTimes> = (0..n_act)
        .filter(|&a| instances[a] > 0)
        .map(|a| ActivityTimes {
            activity: log.activity.dict[a].clone(),
            instances: instances[a],
            cases: cases[a],
            overlapping: waiting[a].iter().filter(|&&w| w < 0).count() as u64,
            service: DurationStats::from_micros(&mut service[a]),
            waiting: DurationStats::from_micros(&mut waiting[a]),
        })
        .collect();
    v.sort_by(|x, y| x.activity.cmp(&y.activity));
    v
}

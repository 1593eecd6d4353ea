//! Activity instances from lifecycle transitions (XES `lifecycle:transition`): within a case,
//! each `complete` closes the earliest unmatched `start` of the same activity (pm4py's
//! `interval_lifecycle.to_interval`), so a work item recorded as SCHEDULE / START / COMPLETE
//! is one occurrence of its activity, not three.
//!
//! - A `complete` without an open `start` is an instance of its own (start = completion; its
//!   service time is unknown). An event without a transition value counts as `complete`.
//! - A `start` never completed in its case is left out (counted as unmatched).
//! - Every other transition (`schedule`, `assign`, `suspend`, `resume`, `withdraw`,
//!   `ate_abort`, …) is left out and counted by value: suspending does not split an instance,
//!   its service time runs from start to complete, suspended time included.
//! - Transitions are compared ignoring ASCII case.
//! - Instances are ordered by start, ties in the order they completed (pm4py sorts stably by
//!   start the instances it made at each completion); with [`Order::File`], by the position of
//!   the event that opened them (the start, or the lone complete).
//! - An instance carries the attributes of its complete event; a value the complete event
//!   lacks (e.g. its resource) is taken from the start event. Its source line is the complete's.
//! - A case left without instances is dropped.

use super::log::{Column, EventLog, Intervals, Order, NONE};
use serde::Serialize;

/// A transition value and how many events carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitionCount {
    pub transition: String,
    pub events: u64,
}

/// What pairing the transitions did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleReport {
    /// The lifecycle column read.
    pub column: String,
    /// Events of the log before pairing.
    pub events: u64,
    /// Activity instances made.
    pub instances: u64,
    /// Instances with a start event (their service time is measured).
    pub started: u64,
    /// Start events no complete closed (left out).
    pub unmatched_starts: u64,
    /// Cases left without any instance (dropped).
    pub cases_without_instances: u64,
    /// Events of other transitions (left out), by value as written; sorted by value.
    pub other: Vec<TransitionCount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transition {
    Start,
    Complete,
    Other,
}

fn classify(value: &str) -> Transition {
    if value.eq_ignore_ascii_case("complete") {
        Transition::Complete
    } else if value.eq_ignore_ascii_case("start") {
        Transition::Start
    } else {
        Transition::Other
    }
}

/// Whether any event of `log` has a transition other than `complete` (only then do
/// [`instances`] differ from the events).
pub fn has_transitions(col: &Column) -> bool {
    let kinds: Vec<Transition> = col.dict.iter().map(|v| classify(v)).collect();
    col.ids
        .iter()
        .any(|&id| id != NONE && kinds[id as usize] != Transition::Complete)
}

/// One instance while a case is paired: its start and complete event (indices into the log).
#[derive(Clone, Copy)]
struct Pending {
    start: Option<usize>,
    complete: usize,
    /// Sort key within the case: start time, or position of the opening event.
    key: i64,
}

/// The log's activity instances, from the transitions in `col` (one value per event).
pub fn instances(log: &EventLog, col: &Column) -> EventLog {
    let kinds: Vec<Transition> = col.dict.iter().map(|v| classify(v)).collect();
    let kind = |i: usize| match col.ids.get(i) {
        Some(&id) if id != NONE => kinds[id as usize],
        _ => Transition::Complete,
    };
    let mut other = vec![0u64; col.dict.len()];
    let (mut unmatched, mut dropped_cases) = (0u64, 0u64);
    // per case: open starts (activity, event) in the order they came, and the instances made
    let mut open: Vec<(u32, usize)> = Vec::new();
    let mut made: Vec<Pending> = Vec::new();
    let mut all: Vec<Pending> = Vec::with_capacity(log.n_events());
    let mut cases = Vec::new();
    let mut case_start = vec![0usize];
    let acts = &log.activity.ids;
    for c in 0..log.n_cases() {
        open.clear();
        made.clear();
        for i in log.case_range(c) {
            match kind(i) {
                Transition::Start => open.push((acts[i], i)),
                Transition::Complete => {
                    let start = open
                        .iter()
                        .position(|&(a, _)| a == acts[i])
                        .map(|k| open.remove(k).1);
                    let opened = start.unwrap_or(i);
                    let key = match log.order {
                        Order::Timestamp => log.ts_us[opened],
                        Order::File => opened as i64,
                    };
                    made.push(Pending {
                        start,
                        complete: i,
                        key,
                    });
                }
                Transition::Other => {
                    if let Some(&id) = col.ids.get(i) {
                        other[id as usize] += 1;
                    }
                }
            }
        }
        unmatched += open.len() as u64;
        if made.is_empty() {
            dropped_cases += 1;
            continue;
        }
        // stable: ties keep the order of completion
        made.sort_by_key(|p| p.key);
        all.extend_from_slice(&made);
        cases.push(log.cases[c].clone());
        case_start.push(all.len());
    }
    // an instance's value of a column: its complete event's, else its start event's
    let pick = |src: &Column| -> Column {
        Column {
            name: src.name.clone(),
            dict: src.dict.clone(),
            ids: all
                .iter()
                .map(|p| match (src.ids[p.complete], p.start) {
                    (NONE, Some(s)) => src.ids[s],
                    (id, _) => id,
                })
                .collect(),
        }
    };
    let mut other: Vec<TransitionCount> = other
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(id, &n)| TransitionCount {
            transition: col.dict[id].clone(),
            events: n,
        })
        .collect();
    other.sort_by(|a, b| a.transition.cmp(&b.transition));
    let report = LifecycleReport {
        column: col.name.clone(),
        events: log.n_events() as u64,
        instances: all.len() as u64,
        started: all.iter().filter(|p| p.start.is_some()).count() as u64,
        unmatched_starts: unmatched,
        cases_without_instances: dropped_cases,
        other,
    };
    EventLog {
        cases,
        case_start,
        activity: pick(&log.activity),
        ts_us: all
            .iter()
            .map(|p| log.ts_us[p.start.unwrap_or(p.complete)])
            .collect(),
        resource: log.resource.as_ref().map(pick),
        team: log.team.as_ref().map(pick),
        attributes: log.attributes.iter().map(pick).collect(),
        source_line: if log.source_line.is_empty() {
            Vec::new()
        } else {
            all.iter().map(|p| log.source_line[p.complete]).collect()
        },
        order: log.order,
        out_of_order: log.out_of_order,
        intervals: Some(Intervals {
            complete_us: all.iter().map(|p| log.ts_us[p.complete]).collect(),
            started: all.iter().map(|p| p.start.is_some()).collect(),
            report,
        }),
    }
}

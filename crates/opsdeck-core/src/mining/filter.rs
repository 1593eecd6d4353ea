//! Filters applied to the events as read, before lifecycle pairing and the analyses.
//!
//! - **Attribute values** keep whole cases (pm4py's `filter_event_attribute_values(…,
//!   level="case")`, and `filter_trace_attribute_values` for a case attribute): a case is kept
//!   when one of its events has one of the values. Values of one attribute OR together,
//!   different attributes AND (each may be met by a different event).
//! - **Time range** `[from, to]`, both ends included, by [`TimeMode`].

use super::log::{Column, EventLog};
use serde::Serialize;

/// What a time range keeps (pm4py's `filter_time_range` modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeMode {
    /// Cases whose events all lie in the range (`traces_contained`).
    #[default]
    Contained,
    /// Cases whose first event lies in the range (`traces_starting_in`).
    Started,
    /// The events in the range (`events`): cases may lose their first or last events.
    Events,
}

/// One attribute and the values that keep a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub attribute: String,
    pub values: Vec<String>,
}

/// The filters of one run; empty keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub conditions: Vec<Condition>,
    /// Range bounds, µs since 1970 UTC, both included.
    pub from_us: Option<i64>,
    pub to_us: Option<i64>,
    pub time_mode: TimeMode,
}

impl Filter {
    /// Keep cases where `attribute` has `value` (ORed with the values already given for it).
    pub fn add(&mut self, attribute: &str, value: &str) {
        match self
            .conditions
            .iter_mut()
            .find(|c| c.attribute == attribute)
        {
            Some(c) => c.values.push(value.to_string()),
            None => self.conditions.push(Condition {
                attribute: attribute.to_string(),
                values: vec![value.to_string()],
            }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty() && self.from_us.is_none() && self.to_us.is_none()
    }
}

/// Cases and events before and after the filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FilterReport {
    pub cases_in: u64,
    pub events_in: u64,
    pub cases_kept: u64,
    pub events_kept: u64,
}

/// The column an attribute names: the activity column or [`EventLog::column`].
fn column<'a>(log: &'a EventLog, name: &str) -> Option<&'a Column> {
    if log.activity.name == name {
        Some(&log.activity)
    } else {
        log.column(name)
    }
}

/// Apply `f` to `log`. An attribute the log does not have, or that no event carries, is an
/// error (naming it).
pub fn filter(log: &EventLog, f: &Filter) -> Result<(EventLog, FilterReport), String> {
    let mut keep = vec![true; log.n_cases()];
    for cond in &f.conditions {
        let col = column(log, &cond.attribute).ok_or_else(|| {
            format!(
                "filter on {}: the log has no such attribute",
                cond.attribute
            )
        })?;
        if col.dict.is_empty() {
            return Err(format!(
                "filter on {}: no event has this attribute",
                cond.attribute
            ));
        }
        let mut wanted = vec![false; col.dict.len()];
        for (id, v) in col.dict.iter().enumerate() {
            wanted[id] = cond.values.iter().any(|w| w == v);
        }
        for (c, k) in keep.iter_mut().enumerate() {
            if *k {
                *k = col.ids[log.case_range(c)]
                    .iter()
                    .any(|&id| wanted.get(id as usize).copied().unwrap_or(false));
            }
        }
    }
    let from = f.from_us.unwrap_or(i64::MIN);
    let to = f.to_us.unwrap_or(i64::MAX);
    let in_range = |t: i64| from <= t && t <= to;
    let timed = f.from_us.is_some() || f.to_us.is_some();
    let mut keep_event = None;
    if timed {
        match f.time_mode {
            TimeMode::Contained | TimeMode::Started => {
                for (c, k) in keep.iter_mut().enumerate() {
                    let span = &log.ts_us[log.case_range(c)];
                    let (Some(&lo), Some(&hi)) = (span.iter().min(), span.iter().max()) else {
                        continue;
                    };
                    *k = *k
                        && match f.time_mode {
                            TimeMode::Contained => in_range(lo) && in_range(hi),
                            _ => in_range(lo),
                        };
                }
            }
            TimeMode::Events => {
                keep_event = Some(log.ts_us.iter().map(|&t| in_range(t)).collect::<Vec<_>>());
            }
        }
    }
    let out = log.select(&keep, keep_event.as_deref());
    let report = FilterReport {
        cases_in: log.n_cases() as u64,
        events_in: log.n_events() as u64,
        cases_kept: out.n_cases() as u64,
        events_kept: out.n_events() as u64,
    };
    Ok((out, report))
}

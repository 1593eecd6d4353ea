//! Ticket / case SLA clocks (ServiceNow 2011+ engine semantics, DOMAIN-REFERENCE §5): start,
//! stop, pause, resume, reset and cancel conditions on a case's fields, evaluated on every
//! update in a fixed order, counting business time in a calendar (zone, business hours,
//! holidays, DST) and actual time. Breach when elapsed > target (strictly).
//!
//! Input is one case's updates in time order, each a timestamp and the fields it sets; the
//! case's record is the fields merged so far. On each update:
//! - no active clock: attach one when `start` holds and `stop` does not (not again after a clock
//!   completed; a cancelled clock may be followed by a new one), then apply `pause` at once;
//! - active clock, the first rule that applies wins: (1) `stop` → completed; (2) `reset` and
//!   `start` → completed, and a new clock attaches at the same instant (paused at once if
//!   `pause` holds); (3) cancel rule → cancelled; (4) in progress and `pause` → paused;
//!   (5) paused and resumed (the `resume` condition, or `pause` no longer holding when there
//!   is none) → in progress.
//!
//! The clock's elapsed time is business time when the policy has a schedule, actual time
//! otherwise; breach time is the instant the running elapsed time reaches the target (for a
//! clock still running at `as_of` and not yet breached: the planned instant if it kept
//! running; none while paused or once stopped unbreached).

use crate::calendar::Calendar;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One update of a case: when, and the fields it sets (absent fields keep their value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    pub at_utc: i64,
    pub fields: BTreeMap<String, String>,
}

/// A test on one field; a field never set reads as the empty string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    pub field: String,
    /// The field's value is one of these …
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "in")]
    pub any_of: Vec<String>,
    /// … and none of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_in: Vec<String>,
}

impl Clause {
    fn holds(&self, record: &BTreeMap<String, String>) -> bool {
        let v = record.get(&self.field).map_or("", String::as_str);
        (self.any_of.is_empty() || self.any_of.iter().any(|x| x == v))
            && !self.not_in.iter().any(|x| x == v)
    }
}

/// All clauses hold (an empty condition always holds).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Condition(pub Vec<Clause>);

impl Condition {
    pub fn holds(&self, record: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|c| c.holds(record))
    }
}

/// When an attached clock is cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CancelRule {
    /// The start condition no longer holds (ServiceNow's default).
    #[default]
    StartNoLongerMet,
    When(Condition),
    Never,
}

/// What a clock measures, for the case facts of a workspace (stand-alone runs ignore it).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Measures {
    /// Time to resolution: the clock stops when the case is resolved.
    #[default]
    Resolution,
    /// Time to the first response.
    FirstResponse,
}

impl Measures {
    pub fn as_str(self) -> &'static str {
        match self {
            Measures::Resolution => "resolution",
            Measures::FirstResponse => "first_response",
        }
    }
}

/// A clock definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockPolicy {
    pub name: String,
    /// Resolution (default) or first response.
    pub measures: Measures,
    /// Target elapsed time, seconds (business seconds with a schedule).
    pub target_s: i64,
    pub start: Condition,
    pub stop: Option<Condition>,
    pub pause: Option<Condition>,
    /// Without one, a paused clock resumes when `pause` no longer holds.
    pub resume: Option<Condition>,
    pub reset: Option<Condition>,
    pub cancel: CancelRule,
    /// Business time in this calendar; actual (24 × 7) time without one.
    pub schedule: Option<Calendar>,
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    InProgress,
    Paused,
    Completed,
    Cancelled,
}

/// One clock of a case (a reset starts another).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockResult {
    /// 1 for the first clock of the case, counting up with resets.
    pub attempt: u32,
    pub stage: Stage,
    pub start_utc: i64,
    /// When it completed or was cancelled.
    pub stop_utc: Option<i64>,
    /// Business seconds while running (no schedule: equal to `actual_elapsed_s`).
    pub business_elapsed_s: i64,
    /// Wall-clock seconds while running: end − start − paused.
    pub actual_elapsed_s: i64,
    /// Wall-clock seconds paused.
    pub paused_s: i64,
    pub breach_utc: Option<i64>,
    pub breached: bool,
}

#[derive(Debug, Clone)]
struct Clock {
    attempt: u32,
    stage: Stage,
    start: i64,
    end: Option<i64>,
    /// Closed running spans, and the open one's start while in progress.
    runs: Vec<(i64, i64)>,
    run_from: Option<i64>,
}

impl Clock {
    fn new(attempt: u32, t: i64) -> Clock {
        Clock {
            attempt,
            stage: Stage::InProgress,
            start: t,
            end: None,
            runs: vec![],
            run_from: Some(t),
        }
    }
    fn pause(&mut self, t: i64) {
        if let Some(f) = self.run_from.take() {
            self.runs.push((f, t));
        }
        self.stage = Stage::Paused;
    }
    fn resume(&mut self, t: i64) {
        self.run_from = Some(t);
        self.stage = Stage::InProgress;
    }
    fn finish(&mut self, t: i64, stage: Stage) {
        if let Some(f) = self.run_from.take() {
            self.runs.push((f, t));
        }
        self.end = Some(t);
        self.stage = stage;
    }
}

/// Run a policy over one case's updates (sorted here by time, ties kept in the given order)
/// and report every clock as of `as_of` (epoch seconds; open clocks are measured up to it).
pub fn run_clocks(policy: &ClockPolicy, events: &[CaseEvent], as_of: i64) -> Vec<ClockResult> {
    let mut order: Vec<&CaseEvent> = events.iter().collect();
    order.sort_by_key(|e| e.at_utc);
    let mut record: BTreeMap<String, String> = BTreeMap::new();
    let mut clocks: Vec<Clock> = Vec::new();
    let holds = |c: &Option<Condition>, r: &BTreeMap<String, String>| {
        c.as_ref().is_some_and(|c| c.holds(r))
    };
    for ev in order {
        for (k, v) in &ev.fields {
            record.insert(k.clone(), v.clone());
        }
        let t = ev.at_utc;
        let start = policy.start.holds(&record);
        let stop = holds(&policy.stop, &record);
        let pause = holds(&policy.pause, &record);
        let active = clocks
            .iter()
            .rposition(|c| matches!(c.stage, Stage::InProgress | Stage::Paused));
        let attach = |clocks: &mut Vec<Clock>| {
            let mut c = Clock::new(clocks.len() as u32 + 1, t);
            if pause {
                c.pause(t);
            }
            clocks.push(c);
        };
        let Some(i) = active else {
            let completed_before = clocks.iter().any(|c| c.stage == Stage::Completed);
            if start && !stop && !completed_before {
                attach(&mut clocks);
            }
            continue;
        };
        let c = &mut clocks[i];
        let cancel = match &policy.cancel {
            CancelRule::StartNoLongerMet => !start,
            CancelRule::When(cond) => cond.holds(&record),
            CancelRule::Never => false,
        };
        let resumed = match &policy.resume {
            Some(r) => r.holds(&record),
            None => !pause,
        };
        if stop {
            c.finish(t, Stage::Completed);
        } else if holds(&policy.reset, &record) && start {
            c.finish(t, Stage::Completed);
            attach(&mut clocks);
        } else if cancel {
            c.finish(t, Stage::Cancelled);
        } else if c.stage == Stage::InProgress && pause {
            c.pause(t);
        } else if c.stage == Stage::Paused && resumed {
            c.resume(t);
        }
    }
    clocks.iter().map(|c| report(policy, c, as_of)).collect()
}

fn report(p: &ClockPolicy, c: &Clock, as_of: i64) -> ClockResult {
    let end = c.end.unwrap_or(as_of.max(c.start));
    let mut runs = c.runs.clone();
    if let Some(f) = c.run_from {
        runs.push((f, end.max(f)));
    }
    let actual: i64 = runs.iter().map(|(a, b)| b - a).sum();
    let measure = |a: i64, b: i64| match &p.schedule {
        Some(cal) => business_seconds(cal, a, b),
        None => b - a,
    };
    let business: i64 = runs.iter().map(|(a, b)| measure(*a, *b)).sum();
    let elapsed = if p.schedule.is_some() {
        business
    } else {
        actual
    };
    let breached = elapsed > p.target_s;
    let breach = if breached {
        // the instant the cumulative running time reached the target
        let mut acc = 0;
        let mut at = None;
        for (a, b) in &runs {
            let len = measure(*a, *b);
            if acc + len >= p.target_s {
                at = advance(p, *a, p.target_s - acc);
                break;
            }
            acc += len;
        }
        at
    } else if c.stage == Stage::InProgress {
        // still running: the planned breach if nothing pauses it
        advance(p, end, p.target_s - elapsed)
    } else {
        None
    };
    ClockResult {
        attempt: c.attempt,
        stage: c.stage,
        start_utc: c.start,
        stop_utc: c.end,
        business_elapsed_s: business,
        actual_elapsed_s: actual,
        paused_s: (end - c.start) - actual,
        breach_utc: breach,
        breached,
    }
}

fn advance(p: &ClockPolicy, from: i64, secs: i64) -> Option<i64> {
    match &p.schedule {
        Some(cal) => add_business_seconds(cal, from, secs),
        None => Some(from + secs),
    }
}

/// The UTC instant of a local wall-clock time: the earlier one when the time occurs twice
/// (`late` picks the later), the first valid minute after it when DST skips it.
fn utc_of(cal: &Calendar, t: NaiveDateTime, late: bool) -> i64 {
    let mut t = t;
    for _ in 0..240 {
        match cal.zone.from_local_datetime(&t) {
            chrono::LocalResult::Single(d) => return d.timestamp(),
            chrono::LocalResult::Ambiguous(e, l) => {
                return if late { l.timestamp() } else { e.timestamp() }
            }
            chrono::LocalResult::None => t += Duration::minutes(1),
        }
    }
    t.and_utc().timestamp()
}

/// The open spans (UTC) of one local day: empty on holidays.
fn open_spans(cal: &Calendar, day: NaiveDate) -> Vec<(i64, i64)> {
    if cal.holidays.contains_key(&day) {
        return vec![];
    }
    let ranges = &cal.hours.days[day.weekday().num_days_from_monday() as usize];
    ranges
        .iter()
        .map(|(open, close)| {
            let a = utc_of(cal, day.and_time(*open), false);
            let b = if *close == NaiveTime::MIN {
                utc_of(
                    cal,
                    day.succ_opt().unwrap_or(day).and_time(NaiveTime::MIN),
                    false,
                )
            } else {
                utc_of(cal, day.and_time(*close), true)
            };
            (a, b)
        })
        .collect()
}

fn local_day(cal: &Calendar, utc_s: i64) -> NaiveDate {
    crate::calendar::local_time(cal.zone, utc_s).date()
}

/// Business seconds of the calendar inside `[from, to)`.
pub fn business_seconds(cal: &Calendar, from: i64, to: i64) -> i64 {
    if to <= from {
        return 0;
    }
    let mut total = 0;
    let mut day = local_day(cal, from).pred_opt().unwrap_or(NaiveDate::MIN);
    let last = local_day(cal, to);
    while day <= last {
        for (a, b) in open_spans(cal, day) {
            total += (b.min(to) - a.max(from)).max(0);
        }
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    total
}

/// The instant `secs` business seconds after `from` (with `secs` ≤ 0: `from`, or the next
/// opening when `from` is closed); `None` when the calendar has no open time within ten
/// years.
pub fn add_business_seconds(cal: &Calendar, from: i64, secs: i64) -> Option<i64> {
    let mut left = secs.max(0);
    let mut day = local_day(cal, from).pred_opt()?;
    for _ in 0..3700 {
        for (a, b) in open_spans(cal, day) {
            let s = a.max(from);
            if b <= s {
                continue;
            }
            if left <= b - s {
                return Some(s + left);
            }
            left -= b - s;
        }
        day = day.succ_opt()?;
    }
    None
}

#[cfg(test)]
mod tests;

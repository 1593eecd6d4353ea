//! What the clock policy makes of a case: its record (priority and status of its last update,
//! opening, the first-response and resolution clocks with their elapsed time, target and
//! breach instant, reopenings) and, from the records of a client, the additive case facts per
//! queue × local day × priority (opened, resolved, within target, resolution seconds, backlog at
//! the end of the day by age band, breached and still open).
//!
//! Choices (docs/formats.md §9b): the case's clock of a kind is the completed one that stopped
//! last, else the one still running (cancelled clocks — a priority change — are replaced by
//! the clock the new priority attaches); a case is resolved when its resolution clock
//! completes, and stays resolved at that instant in the backlog even when it reopens (a
//! reopening is counted, on the day of the first one); every instant of a record but the
//! opening is independent of when the data ends, so a record does not change as later data
//! arrives for other cases.

use super::read::CaseUpdate;
use chrono::NaiveDate;
use chrono_tz::Tz;
use opsdeck_core::calendar::local_time;
use opsdeck_core::clock::{run_clocks, CaseEvent, ClockPolicy, ClockResult, Measures, Stage};
use std::collections::BTreeMap;

/// The upper bounds (seconds) of the backlog age bands `0–1 d`, `1–3 d`, `3–7 d`, `7–30 d`;
/// older cases are in the last band (`> 30 d`).
pub const AGE_BANDS: [i64; 4] = [86_400, 3 * 86_400, 7 * 86_400, 30 * 86_400];
/// The bands' names, as columns.
pub const AGE_BAND_NAMES: [&str; 5] = [
    "backlog_0_1d",
    "backlog_1_3d",
    "backlog_3_7d",
    "backlog_7_30d",
    "backlog_over_30d",
];

/// One clock of a case, as the record keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockOutcome {
    pub clock: String,
    pub target_s: i64,
    pub stage: Stage,
    /// When it completed (or was cancelled).
    pub stop_utc: Option<i64>,
    /// The measured time: business seconds with a schedule, actual seconds without.
    pub elapsed_s: i64,
    pub business_s: i64,
    pub actual_s: i64,
    /// When it breached, or (still running) will breach if nothing pauses it.
    pub breach_utc: Option<i64>,
}

impl ClockOutcome {
    fn of(p: &ClockPolicy, r: &ClockResult) -> ClockOutcome {
        ClockOutcome {
            clock: p.name.clone(),
            target_s: p.target_s,
            stage: r.stage,
            stop_utc: r.stop_utc,
            elapsed_s: if p.schedule.is_some() {
                r.business_elapsed_s
            } else {
                r.actual_elapsed_s
            },
            business_s: r.business_elapsed_s,
            actual_s: r.actual_elapsed_s,
            breach_utc: r.breach_utc,
        }
    }

    /// Completed, and when.
    pub fn done_at(&self) -> Option<i64> {
        (self.stage == Stage::Completed)
            .then_some(self.stop_utc)
            .flatten()
    }

    /// Completed within `within_s` of measured time.
    pub fn within(&self, within_s: i64) -> bool {
        self.elapsed_s <= within_s
    }

    /// Breached at or before `t` (a completed clock only when it breached before it stopped).
    pub fn breached_by(&self, t: i64) -> bool {
        self.breach_utc.is_some_and(|b| b <= t)
            && (self.stage != Stage::Completed || self.elapsed_s > self.target_s)
    }
}

/// A case as its updates and the clock policy leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub case_id: String,
    pub client: String,
    pub queue: String,
    /// Of the last update that has one.
    pub priority: String,
    /// Of the last update.
    pub status: String,
    pub opened_utc: i64,
    pub last_update_utc: i64,
    pub updates: u64,
    pub response: Option<ClockOutcome>,
    pub resolution: Option<ClockOutcome>,
    pub reopens: u64,
    pub first_reopen_utc: Option<i64>,
    /// When the case last entered a resolved state, if its last update leaves it resolved.
    pub last_resolved_utc: Option<i64>,
}

impl CaseRecord {
    pub fn resolved_utc(&self) -> Option<i64> {
        self.resolution.as_ref().and_then(ClockOutcome::done_at)
    }

    /// Open at instant `t`: opened, and neither resolved and not yet reopened, nor resolved
    /// for the last time (between a second resolution and a second reopening a case counts
    /// as open).
    pub fn open_at(&self, t: i64) -> bool {
        let first = self
            .resolved_utc()
            .is_some_and(|r| r <= t && self.first_reopen_utc.is_none_or(|o| t < o));
        let last = self.last_resolved_utc.is_some_and(|r| r <= t);
        self.opened_utc <= t && !first && !last
    }
}

/// The case's record under `policies` (updates in time order, ties in file order).
pub fn case_record(
    case_id: &str,
    client: &str,
    queue: &str,
    updates: &[CaseUpdate],
    policies: &[ClockPolicy],
) -> CaseRecord {
    let events: Vec<CaseEvent> = updates.iter().map(event).collect();
    let last_update_utc = updates.iter().map(|u| u.at_utc).max().unwrap_or(0);
    let mut pick: BTreeMap<Measures, (ClockOutcome, i64)> = BTreeMap::new();
    for p in policies {
        for r in run_clocks(p, &events, last_update_utc) {
            // completed ones first, by stop; an active one when none completed
            let rank = match r.stage {
                Stage::Completed => r.stop_utc.unwrap_or(0),
                Stage::InProgress | Stage::Paused => i64::MIN + 1,
                Stage::Cancelled => continue,
            };
            if pick.get(&p.measures).is_none_or(|(_, best)| rank >= *best) {
                pick.insert(p.measures, (ClockOutcome::of(p, &r), rank));
            }
        }
    }
    // resolved means the stop condition of the case's resolution clock (any when it has none)
    let chosen: Vec<&ClockPolicy> = match pick.get(&Measures::Resolution) {
        Some((o, _)) => policies.iter().filter(|p| p.name == o.clock).collect(),
        None => policies
            .iter()
            .filter(|p| p.measures == Measures::Resolution)
            .collect(),
    };
    let (reopens, first_reopen_utc, last_resolved_utc) = reopenings(&events, &chosen);
    let last_non_empty = |f: fn(&CaseUpdate) -> &String| {
        updates
            .iter()
            .rev()
            .map(f)
            .find(|v| !v.is_empty())
            .cloned()
            .unwrap_or_default()
    };
    CaseRecord {
        case_id: case_id.to_string(),
        client: client.to_string(),
        queue: queue.to_string(),
        priority: last_non_empty(|u| &u.priority),
        status: updates.last().map(|u| u.status.clone()).unwrap_or_default(),
        opened_utc: updates.iter().map(|u| u.at_utc).min().unwrap_or(0),
        last_update_utc,
        updates: updates.iter().filter(|u| !u.synthetic).count() as u64,
        response: pick.remove(&Measures::FirstResponse).map(|(o, _)| o),
        resolution: pick.remove(&Measures::Resolution).map(|(o, _)| o),
        reopens,
        first_reopen_utc,
        last_resolved_utc,
    }
}

/// The update as clock input: the canonical fields (a missing value is empty, as on a
/// record where it was never set).
fn event(u: &CaseUpdate) -> CaseEvent {
    CaseEvent {
        at_utc: u.at_utc,
        fields: [
            ("status", &u.status),
            ("priority", &u.priority),
            ("group", &u.group),
            ("assignee", &u.assignee),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect(),
    }
}

/// Times the case left a resolved state (the resolution clock's stop condition held on the
/// record and no longer does on the next update), the first time it did, and when it last
/// entered a resolved state if it ends in one.
fn reopenings(events: &[CaseEvent], policies: &[&ClockPolicy]) -> (u64, Option<i64>, Option<i64>) {
    let stops: Vec<_> = policies.iter().filter_map(|p| p.stop.as_ref()).collect();
    if stops.is_empty() {
        return (0, None, None);
    }
    let mut record = BTreeMap::new();
    let (mut was, mut n, mut first, mut since) = (false, 0, None, None);
    for e in events {
        for (k, v) in &e.fields {
            record.insert(k.clone(), v.clone());
        }
        let resolved = stops.iter().any(|s| s.holds(&record));
        if was && !resolved {
            n += 1;
            first.get_or_insert(e.at_utc);
        }
        if resolved && !was {
            since = Some(e.at_utc);
        }
        was = resolved;
    }
    (n, first, since.filter(|_| was))
}

/// The case facts of one queue × local day × priority; every count is additive over days,
/// queues and priorities (the backlog is a level: add it over queues, not over days).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseDay {
    pub client: String,
    pub queue: String,
    pub day: NaiveDate,
    pub priority: String,
    pub opened: i64,
    pub resolved: i64,
    pub resolved_within_target: i64,
    pub reopened: i64,
    pub first_responses: i64,
    pub responded_within_target: i64,
    /// Sums over the cases resolved that day.
    pub resolution_business_s: i64,
    pub resolution_actual_s: i64,
    /// Open at the end of the day, by age band ([`AGE_BANDS`]).
    pub backlog: [i64; 5],
    /// Open at the end of the day with their resolution clock breached.
    pub breached_open: i64,
}

impl CaseDay {
    pub fn backlog_total(&self) -> i64 {
        self.backlog.iter().sum()
    }
}

/// The band of an age in seconds.
pub fn age_band(age_s: i64) -> usize {
    AGE_BANDS
        .iter()
        .position(|b| age_s < *b)
        .unwrap_or(AGE_BANDS.len())
}

/// The UTC instant local day `d` of `zone` ends (the next day's first instant).
pub fn day_end_utc(zone: Tz, d: NaiveDate) -> i64 {
    let next = d.succ_opt().unwrap_or(d);
    opsdeck_core::calendar::local_midnight_utc(zone, next)
}

type Days = BTreeMap<(String, NaiveDate, String), CaseDay>;

/// The row of `r`'s queue and priority on day `d` (none after the last day with data).
fn slot<'a>(
    days: &'a mut Days,
    r: &CaseRecord,
    d: NaiveDate,
    last: NaiveDate,
) -> Option<&'a mut CaseDay> {
    (d <= last).then(|| {
        days.entry((r.queue.clone(), d, r.priority.clone()))
            .or_insert_with(|| CaseDay {
                client: r.client.clone(),
                queue: r.queue.clone(),
                day: d,
                priority: r.priority.clone(),
                ..CaseDay::default()
            })
    })
}

/// The case facts per queue × local day × priority of `records`, from each queue's first
/// opening through `through` (the last day the data covers, per queue's zone of
/// `data_end_utc`). `zone_of` gives a queue's zone.
pub fn case_days(
    records: &[CaseRecord],
    data_end_utc: i64,
    zone_of: &dyn Fn(&str) -> Tz,
) -> Vec<CaseDay> {
    let mut days: Days = BTreeMap::new();
    for r in records {
        let zone = zone_of(&r.queue);
        let day_of = |t: i64| local_time(zone, t).date();
        let last = day_of(data_end_utc);
        if let Some(x) = slot(&mut days, r, day_of(r.opened_utc), last) {
            x.opened += 1;
        }
        if let Some(t) = r.first_reopen_utc {
            if let Some(x) = slot(&mut days, r, day_of(t), last) {
                x.reopened += 1;
            }
        }
        if let Some(c) = &r.response {
            if let Some(t) = c.done_at() {
                if let Some(x) = slot(&mut days, r, day_of(t), last) {
                    x.first_responses += 1;
                    x.responded_within_target += i64::from(c.within(c.target_s));
                }
            }
        }
        let resolved = r.resolved_utc();
        if let (Some(c), Some(t)) = (&r.resolution, resolved) {
            if let Some(x) = slot(&mut days, r, day_of(t), last) {
                x.resolved += 1;
                x.resolved_within_target += i64::from(c.within(c.target_s));
                x.resolution_business_s += c.business_s;
                x.resolution_actual_s += c.actual_s;
            }
        }
        // the backlog: every day whose end finds the case open
        let mut d = day_of(r.opened_utc);
        let stop = r.last_resolved_utc.map_or(last, |t| day_of(t).min(last));
        while d <= stop {
            let end = day_end_utc(zone, d);
            if r.open_at(end) {
                let band = age_band(end - r.opened_utc);
                let breached = r.resolution.as_ref().is_some_and(|c| c.breached_by(end));
                if let Some(x) = slot(&mut days, r, d, last) {
                    x.backlog[band] += 1;
                    x.breached_open += i64::from(breached);
                }
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
    }
    days.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::clock::{CancelRule, Clause, Condition};

    fn upd(t: i64, status: &str, priority: &str) -> CaseUpdate {
        CaseUpdate {
            at_utc: t,
            status: status.into(),
            priority: priority.into(),
            group: "g".into(),
            assignee: String::new(),
            synthetic: false,
            line: 0,
        }
    }

    fn clause(field: &str, any: &[&str], not: &[&str]) -> Clause {
        Clause {
            field: field.into(),
            any_of: any.iter().map(|s| s.to_string()).collect(),
            not_in: not.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn resolution(p: &str, target_s: i64) -> ClockPolicy {
        ClockPolicy {
            name: format!("{p}-resolution"),
            measures: Measures::Resolution,
            target_s,
            start: Condition(vec![
                clause("priority", &[p], &[]),
                clause("status", &[], &["Resolved", "Closed"]),
            ]),
            stop: Some(Condition(vec![clause(
                "status",
                &["Resolved", "Closed"],
                &[],
            )])),
            pause: None,
            resume: None,
            reset: None,
            cancel: CancelRule::StartNoLongerMet,
            schedule: None,
        }
    }

    const H: i64 = 3600;
    const T0: i64 = 1_756_684_800; // 2025-09-01 00:00 UTC

    #[test]
    fn a_record_keeps_the_resolution_clock_and_counts_reopenings() {
        let ups = [
            upd(T0, "New", "P3"),
            upd(T0 + 2 * H, "Active", "P3"),
            upd(T0 + 30 * H, "Resolved", "P3"),
            upd(T0 + 40 * H, "Active", "P3"),
            upd(T0 + 50 * H, "Resolved", "P3"),
        ];
        let r = case_record("c1", "cl", "q", &ups, &[resolution("P3", 24 * H)]);
        let c = r.resolution.clone().unwrap();
        assert_eq!(c.stage, Stage::Completed);
        assert_eq!(c.elapsed_s, 30 * H);
        assert_eq!(r.resolved_utc(), Some(T0 + 30 * H));
        assert_eq!(c.breach_utc, Some(T0 + 24 * H));
        assert!(!c.within(24 * H) && c.within(30 * H));
        assert_eq!((r.reopens, r.first_reopen_utc), (1, Some(T0 + 40 * H)));
        assert_eq!((r.priority.as_str(), r.status.as_str()), ("P3", "Resolved"));
    }

    #[test]
    fn a_priority_change_keeps_the_new_priority_clock() {
        let ups = [
            upd(T0, "New", "P3"),
            upd(T0 + H, "Active", "P1"),
            upd(T0 + 3 * H, "Resolved", "P1"),
        ];
        let p = [resolution("P1", 4 * H), resolution("P3", 24 * H)];
        let r = case_record("c", "cl", "q", &ups, &p);
        let c = r.resolution.unwrap();
        assert_eq!((c.clock.as_str(), c.elapsed_s), ("P1-resolution", 2 * H));
    }

    #[test]
    fn days_count_openings_resolutions_and_the_backlog_by_age() {
        let p = [resolution("P3", 24 * H)];
        let open = case_record("a", "cl", "q", &[upd(T0 + H, "New", "P3")], &p);
        let done = case_record(
            "b",
            "cl",
            "q",
            &[upd(T0 + H, "New", "P3"), upd(T0 + 50 * H, "Resolved", "P3")],
            &p,
        );
        let end = T0 + 5 * 24 * H - 1; // the last second of day 5
        let days = case_days(&[open, done], end, &|_| chrono_tz::UTC);
        let d = |n: i64| {
            days.iter()
                .find(|x| {
                    x.day
                        == NaiveDate::from_ymd_opt(2025, 9, 1).unwrap()
                            + chrono::Days::new(n as u64)
                })
                .unwrap()
        };
        assert_eq!(days.len(), 5);
        assert_eq!(d(0).opened, 2);
        assert_eq!(d(0).backlog, [2, 0, 0, 0, 0]);
        assert_eq!(d(1).backlog, [0, 2, 0, 0, 0]);
        assert_eq!(d(1).breached_open, 2);
        assert_eq!((d(2).resolved, d(2).resolved_within_target), (1, 0));
        assert_eq!(d(2).resolution_actual_s, 49 * H);
        assert_eq!(d(2).backlog, [0, 1, 0, 0, 0]);
        assert_eq!(d(4).backlog, [0, 0, 1, 0, 0]);
    }
}

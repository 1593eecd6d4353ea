//! Contract SLAs on cases, measured from the workspace's case records with the same windows,
//! exclusions, coverage rule and month verdict as contact-centre SLAs:
//! - `case_resolution` / `case_first_response`: the cases whose clock of that kind completed
//!   on a day of the window (local to the SLA's calendar, else the queue's zone), and the share
//!   of them whose measured time (business time when the clock policy has a schedule) is at
//!   most the SLA's `within_s`;
//! - `backlog_age`: the age of the oldest case open at the end of the window (at the end of
//!   the data, when it ends inside the window); an empty backlog measures 0 s;
//! - coverage: the share of the month's days (in term, not excluded) of the scope's ticket
//!   queues that the case data covers — from a queue's first opening to the client's last
//!   update; a queue with no case at all is not covered.

use super::{conclude, queue_in_scope, sla_zone, window_label, SlaResult, WindowResult};
use crate::cases::CaseRecord;
use crate::views::table::{col, stamp, Column, Kind, Table, Value};
use chrono::NaiveDate;
use opsdeck_core::calendar::local_time;
use opsdeck_core::contract::{Contract, Metric, SlaVersion};
use opsdeck_core::sla::{judge, measure_cases, Measure, NotMeasured, Verdict};
use opsdeck_core::{Channel, Org, YearMonth};
use serde::Serialize;
use std::collections::BTreeMap;

/// Is `r` in the SLA's scope (client, program, queues, channel, priority)?
fn in_scope(v: &SlaVersion, r: &CaseRecord, org: &Org, client: &str) -> bool {
    r.client == client
        && org
            .queues
            .get(&r.queue)
            .is_some_and(|q| queue_in_scope(v, q, client))
        && v.scope.priority.as_ref().is_none_or(|p| *p == r.priority)
}

/// The zone of a case's days for an SLA: the SLA calendar's, else the case's queue's.
fn case_zone(v: &SlaVersion, org: &Org, r: &CaseRecord) -> chrono_tz::Tz {
    sla_zone(
        v,
        org,
        org.queues.get(&r.queue).map_or(chrono_tz::UTC, |q| q.zone),
    )
}

/// The last instant the client's case data covers (its latest update), if it has any.
fn data_end(client: &str, records: &[CaseRecord]) -> Option<i64> {
    records
        .iter()
        .filter(|r| r.client == client)
        .map(|r| r.last_update_utc)
        .max()
}

/// Does the client have case data on some day of the month?
pub(super) fn has_data(client: &str, org: &Org, records: &[CaseRecord], month: YearMonth) -> bool {
    let Some(end) = data_end(client, records) else {
        return false;
    };
    records.iter().filter(|r| r.client == client).any(|r| {
        let zone = org.queues.get(&r.queue).map_or(chrono_tz::UTC, |q| q.zone);
        let (from, to) = (
            local_time(zone, r.opened_utc).date(),
            local_time(zone, end).date(),
        );
        from <= month.last() && to >= month.first
    })
}

/// The instant a case's clock of the SLA's kind completed, and whether within `within_s`.
fn completion(metric: &Metric, r: &CaseRecord) -> Option<(i64, bool, i64)> {
    let (clock, within) = match metric {
        Metric::CaseResolution { within_s } => (r.resolution.as_ref()?, *within_s),
        Metric::CaseFirstResponse { within_s } => (r.response.as_ref()?, *within_s),
        _ => return None,
    };
    clock
        .done_at()
        .map(|t| (t, clock.within(within), clock.elapsed_s))
}

/// Evaluate a case SLA version over one month.
pub(super) fn evaluate(
    c: &Contract,
    v: &SlaVersion,
    org: &Org,
    records: &[CaseRecord],
    month: YearMonth,
    mut base: SlaResult,
) -> SlaResult {
    let end = data_end(&c.client, records);
    let (open, covered) = coverage(c, v, org, records, end, month);
    base.open_intervals = open;
    base.covered_intervals = covered;
    base.coverage = opsdeck_core::kpi::ratio(covered, open);
    let mut excluded: BTreeMap<String, String> = BTreeMap::new();
    let mut note_excluded = |base: &mut SlaResult, day: NaiveDate| -> bool {
        match c.excluded(&v.id, day) {
            Some(e) => {
                if !base.excluded_days.iter().any(|(d, _)| *d == day) {
                    base.excluded_days.push((day, e.reason.clone()));
                }
                excluded
                    .entry(window_label(v.window, day))
                    .or_insert_with(|| e.reason.clone());
                true
            }
            None => false,
        }
    };
    let scoped: Vec<&CaseRecord> = records
        .iter()
        .filter(|r| in_scope(v, r, org, &c.client))
        .collect();
    let zone_of = |r: &CaseRecord| case_zone(v, org, r);
    let mut windows: Vec<WindowResult> = Vec::new();
    let total: Measure;
    if v.metric == Metric::BacklogAge {
        // one measure per window, at its end (or the data's)
        // each window's first and last day that are not excluded
        let mut labels: BTreeMap<String, (NaiveDate, NaiveDate)> = BTreeMap::new();
        let mut day = month.first;
        while day <= month.last() {
            if !note_excluded(&mut base, day) {
                labels
                    .entry(window_label(v.window, day))
                    .and_modify(|w| w.1 = day)
                    .or_insert((day, day));
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        let mut last = None;
        for (label, (first_day, last_day)) in labels {
            let at = |r: &CaseRecord| {
                let e = crate::cases::record::day_end_utc(zone_of(r), last_day) - 1;
                end.map_or(e, |end| e.min(end))
            };
            // measured only when the data reaches into the window: a case opened by its end,
            // and the data's last update on or after its first day
            let covered = end.is_some_and(|end| {
                scoped.iter().any(|r| {
                    local_time(zone_of(r), r.opened_utc).date() <= last_day
                        && local_time(zone_of(r), end).date() >= first_day
                })
            });
            if !covered {
                continue;
            }
            let open: Vec<i64> = scoped
                .iter()
                .filter(|r| r.open_at(at(r)))
                .map(|r| at(r) - r.opened_utc)
                .collect();
            let m = measure_cases(
                &v.metric,
                open.len() as i64,
                0,
                Some(open.iter().copied().max().unwrap_or(0)),
            )
            .unwrap_or(Measure {
                achieved: None,
                volume: 0,
            });
            last = Some(m);
            windows.push(WindowResult {
                window: label,
                verdict: judge(v, m),
            });
        }
        total = last.unwrap_or(Measure {
            achieved: None,
            volume: 0,
        });
    } else {
        let mut by_window: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        let (mut n, mut within) = (0, 0);
        for r in &scoped {
            let Some((t, ok, _)) = completion(&v.metric, r) else {
                continue;
            };
            let day = local_time(zone_of(r), t).date();
            if !month.contains(day) || note_excluded(&mut base, day) {
                continue;
            }
            let w = by_window.entry(window_label(v.window, day)).or_default();
            w.0 += 1;
            w.1 += i64::from(ok);
            n += 1;
            within += i64::from(ok);
        }
        let measure = |n: i64, k: i64| {
            measure_cases(&v.metric, n, k, None).unwrap_or(Measure {
                achieved: None,
                volume: 0,
            })
        };
        windows = by_window
            .into_iter()
            .map(|(label, (n, k))| WindowResult {
                window: label,
                verdict: judge(v, measure(n, k)),
            })
            .collect();
        total = measure(n, within);
    }
    base.excluded_days.sort();
    for (label, reason) in excluded {
        if !windows.iter().any(|w| w.window == label) {
            windows.push(WindowResult {
                window: label,
                verdict: Verdict::not_measured(NotMeasured::Excluded { reason }, None),
            });
        }
    }
    conclude(c, v, base, windows, total)
}

/// Days of the month (in term, not excluded) per ticket queue in scope, and those the case
/// data covers.
fn coverage(
    c: &Contract,
    v: &SlaVersion,
    org: &Org,
    records: &[CaseRecord],
    end: Option<i64>,
    month: YearMonth,
) -> (i64, i64) {
    let mut first: BTreeMap<&str, i64> = BTreeMap::new();
    for r in records.iter().filter(|r| r.client == c.client) {
        let e = first.entry(r.queue.as_str()).or_insert(r.opened_utc);
        *e = (*e).min(r.opened_utc);
    }
    let (mut open, mut covered) = (0, 0);
    for q in org
        .queues
        .values()
        .filter(|q| q.channel == Channel::Ticket && queue_in_scope(v, q, &c.client))
    {
        let span = match (first.get(q.id.as_str()), end) {
            (Some(a), Some(e)) => {
                Some((local_time(q.zone, *a).date(), local_time(q.zone, e).date()))
            }
            _ => None,
        };
        let mut day = month.first;
        while day <= month.last() {
            if c.excluded(&v.id, day).is_none() && c.in_term(day) {
                open += 1;
                if span.is_some_and(|(a, e)| day >= a && day <= e) {
                    covered += 1;
                }
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
    }
    (open, covered)
}

/// A case behind a case SLA's figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseExplainRow {
    pub case_id: String,
    pub queue: String,
    pub priority: String,
    pub window: String,
    pub opened_utc: i64,
    /// When the clock completed (resolution / first response), or the instant the backlog was
    /// measured.
    pub at_utc: i64,
    /// Measured seconds (backlog: the case's age then).
    pub elapsed_s: i64,
    /// Within the SLA's time (backlog: none).
    pub within: Option<bool>,
    pub clock: String,
}

/// The cases behind a case SLA's figure for the month, those that count against it first
/// (outside the time), then by window and case id.
pub fn explain_cases(
    c: &Contract,
    v: &SlaVersion,
    org: &Org,
    records: &[CaseRecord],
    month: YearMonth,
) -> Vec<CaseExplainRow> {
    let zone_of = |r: &CaseRecord| case_zone(v, org, r);
    let mut out = Vec::new();
    let end = data_end(&c.client, records);
    for r in records.iter().filter(|r| in_scope(v, r, org, &c.client)) {
        if v.metric == Metric::BacklogAge {
            let Some(end) = end else { continue };
            let last = month.last();
            let at = (crate::cases::record::day_end_utc(zone_of(r), last) - 1).min(end);
            if r.open_at(at) && local_time(zone_of(r), at).date() >= month.first {
                out.push(CaseExplainRow {
                    case_id: r.case_id.clone(),
                    queue: r.queue.clone(),
                    priority: r.priority.clone(),
                    window: window_label(v.window, local_time(zone_of(r), at).date()),
                    opened_utc: r.opened_utc,
                    at_utc: at,
                    elapsed_s: at - r.opened_utc,
                    within: None,
                    clock: r
                        .resolution
                        .as_ref()
                        .map(|c| c.clock.clone())
                        .unwrap_or_default(),
                });
            }
            continue;
        }
        let Some((t, ok, elapsed)) = completion(&v.metric, r) else {
            continue;
        };
        let day = local_time(zone_of(r), t).date();
        if !month.contains(day) || c.excluded(&v.id, day).is_some() {
            continue;
        }
        let clock = match v.metric {
            Metric::CaseFirstResponse { .. } => r.response.as_ref(),
            _ => r.resolution.as_ref(),
        };
        out.push(CaseExplainRow {
            case_id: r.case_id.clone(),
            queue: r.queue.clone(),
            priority: r.priority.clone(),
            window: window_label(v.window, day),
            opened_utc: r.opened_utc,
            at_utc: t,
            elapsed_s: elapsed,
            within: Some(ok),
            clock: clock.map(|c| c.clock.clone()).unwrap_or_default(),
        });
    }
    out.sort_by(|a, b| {
        (
            a.within,
            std::cmp::Reverse(a.elapsed_s),
            &a.window,
            &a.case_id,
        )
            .cmp(&(
                b.within,
                std::cmp::Reverse(b.elapsed_s),
                &b.window,
                &b.case_id,
            ))
    });
    out
}

/// The columns of the cases behind a case SLA (`opsdeck sla explain` of a case SLA).
pub static CASE_EXPLAIN_COLUMNS: [Column; 9] = [
    col("case_id", Kind::Text, "case id"),
    col("queue", Kind::Text, "queue id"),
    col("priority", Kind::Text, "the case's priority (its last update's)"),
    col("window", Kind::Text, "window the case counts in"),
    col("opened_at", Kind::Timestamp, "when the case opened"),
    col(
        "at",
        Kind::Timestamp,
        "when the clock completed, or when the backlog was measured",
    ),
    col(
        "elapsed_s",
        Kind::Seconds,
        "measured time (business time when the clock policy has a schedule); backlog: the case's age",
    ),
    col("within", Kind::Flag, "within the SLA's time (backlog: empty)"),
    col("clock", Kind::Text, "the clock of the queue's policy"),
];

/// The cases behind a case SLA, as a table.
pub fn case_explain_table(rows: &[CaseExplainRow]) -> Table {
    Table::new(
        CASE_EXPLAIN_COLUMNS.to_vec(),
        rows.iter()
            .map(|r| {
                vec![
                    Value::Text(r.case_id.clone()),
                    Value::Text(r.queue.clone()),
                    Value::Text(r.priority.clone()),
                    Value::Text(r.window.clone()),
                    stamp(Some(r.opened_utc)),
                    stamp(Some(r.at_utc)),
                    Value::Int(r.elapsed_s),
                    Value::Flag(r.within),
                    Value::Text(r.clock.clone()),
                ]
            })
            .collect(),
    )
}

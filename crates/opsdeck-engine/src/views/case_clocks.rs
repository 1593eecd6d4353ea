//! Case SLA clocks over an event log: each case's events (in the log's order) become
//! `opsdeck_core::clock::CaseEvent`s — every column read (activity, resource, team, kept
//! attributes) is a field, a missing value reads as empty — and every clock policy runs on
//! them. Optionally the clock starts at a case's opening time taken from a column, and the
//! verdicts are compared with a per-case "met its SLA" column of the log.

use crate::eventlog::LogIssue;
use crate::io::parse::{parse_stamp, Cell, TsFormat};
use crate::io::LocalResolver;
use crate::views::table::{col, Column as TableColumn, Kind, Table, Value};
use chrono_tz::Tz;
use opsdeck_core::clock::{run_clocks, CaseEvent, ClockPolicy, ClockResult};
use opsdeck_core::mining::{Column, EventLog};
use std::collections::BTreeMap;

/// How to turn a log's cases into clock input.
#[derive(Debug, Clone)]
pub struct ClockRunOptions {
    /// A column holding the case's opening time (its value on the case's first event): a
    /// synthetic first update carrying the first event's fields is placed at that instant when
    /// it is not later than the first event, so clocks start at the opening.
    pub start_at: Option<String>,
    /// The activity (status) of that synthetic opening update (default: the first event's),
    /// e.g. `New` for a log whose first recorded row is already `Resolved`.
    pub start_activity: Option<String>,
    /// How `start_at` values are written, and the zone of those without an offset.
    pub ts_format: TsFormat,
    pub zone: Tz,
    /// Clocks still running are measured up to here (default: the log's last event).
    pub as_of: Option<i64>,
}

/// One clock of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseClock {
    pub case: String,
    pub clock: String,
    pub result: ClockResult,
}

/// The clocks of a log.
#[derive(Debug, Clone)]
pub struct ClockRun {
    pub clocks: Vec<CaseClock>,
    /// Cases left out (their `start_at` value is missing or unreadable), by line.
    pub issues: Vec<LogIssue>,
    pub as_of: i64,
    pub cases: usize,
    /// Cases on which no clock attached.
    pub cases_without_clock: usize,
}

/// Every column of the log, by name.
fn columns(log: &EventLog) -> Vec<&Column> {
    std::iter::once(&log.activity)
        .chain(log.resource.iter())
        .chain(log.team.iter())
        .chain(log.attributes.iter())
        .collect()
}

/// The case's events as clock input (fields: every column; missing values empty).
pub fn case_events(log: &EventLog, c: usize) -> Vec<CaseEvent> {
    let cols = columns(log);
    log.case_range(c)
        .map(|i| CaseEvent {
            at_utc: log.ts_us[i].div_euclid(1_000_000),
            fields: cols
                .iter()
                .map(|col| (col.name.clone(), col.get(i).unwrap_or("").to_string()))
                .collect(),
        })
        .collect()
}

/// Run every policy on every case of the log.
pub fn run_case_clocks(
    log: &EventLog,
    policies: &[ClockPolicy],
    opts: &ClockRunOptions,
) -> ClockRun {
    let as_of = opts.as_of.unwrap_or_else(|| {
        log.ts_us
            .iter()
            .max()
            .map_or(0, |t| t.div_euclid(1_000_000))
    });
    let start_col = opts.start_at.as_ref().and_then(|n| log.column(n));
    let mut resolver = LocalResolver::new(opts.zone);
    let mut run = ClockRun {
        clocks: Vec::new(),
        issues: Vec::new(),
        as_of,
        cases: log.n_cases(),
        cases_without_clock: 0,
    };
    for c in 0..log.n_cases() {
        let mut events = case_events(log, c);
        let Some(first) = log.case_range(c).next() else {
            continue;
        };
        if let (Some(name), Some(col)) = (&opts.start_at, start_col) {
            let opened = col
                .get(first)
                .ok_or_else(|| "no value (the case's opening time is needed)".to_string())
                .and_then(|s| {
                    parse_stamp(Cell::Str(s), &opts.ts_format)?
                        .ok_or_else(|| "no value".to_string())
                })
                .and_then(|st| resolver.resolve(st));
            match opened {
                Ok(t) if t <= events[0].at_utc => {
                    let mut synthetic = events[0].clone();
                    synthetic.at_utc = t;
                    if let Some(a) = &opts.start_activity {
                        synthetic
                            .fields
                            .insert(log.activity.name.clone(), a.clone());
                    }
                    events.insert(0, synthetic);
                }
                Ok(_) => {}
                Err(reason) => {
                    run.issues.push(LogIssue {
                        line: log.source_line[first],
                        field: name.clone(),
                        reason: format!(
                            "case {} left out: {reason}",
                            crate::io::quoted(&log.cases[c])
                        ),
                    });
                    continue;
                }
            }
        }
        let before = run.clocks.len();
        for p in policies {
            for result in run_clocks(p, &events, as_of) {
                run.clocks.push(CaseClock {
                    case: log.cases[c].clone(),
                    clock: p.name.clone(),
                    result,
                });
            }
        }
        if run.clocks.len() == before {
            run.cases_without_clock += 1;
        }
    }
    run
}

/// Agreement of clock verdicts with the log's own per-case verdict, for one group of cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agreement {
    pub group: String,
    pub cases: u64,
    /// Cases with a clock and a true/false expected verdict.
    pub compared: u64,
    pub agree: u64,
    /// Expected met (true) and the clocks met (no clock breached) …
    pub expected_met_clock_met: u64,
    pub expected_met_clock_breached: u64,
    pub expected_missed_clock_met: u64,
    pub expected_missed_clock_breached: u64,
    /// Cases on which no clock attached.
    pub no_clock: u64,
    /// Cases whose expected verdict is neither true nor false.
    pub unknown_expected: u64,
}

impl Agreement {
    /// agree / compared (none when nothing was compared).
    pub fn rate(&self) -> Option<f64> {
        (self.compared > 0).then(|| self.agree as f64 / self.compared as f64)
    }
}

/// Compare per case: the clocks' verdict (breached when any clock of the case breached) with
/// the value of column `expected` on the case's last event (`true` = met; case-insensitive).
/// Grouped by the last value of `group_by` when given; the first row is all cases (`all`).
/// Cases left out of `run` (see its issues) are not counted.
pub fn agreement(
    log: &EventLog,
    run: &ClockRun,
    expected: &Column,
    group_by: Option<&Column>,
) -> Vec<Agreement> {
    let mut breached: BTreeMap<&str, bool> = BTreeMap::new();
    for k in &run.clocks {
        *breached.entry(k.case.as_str()).or_default() |= k.result.breached;
    }
    let left_out: std::collections::HashSet<u64> = run.issues.iter().map(|i| i.line).collect();
    let mut groups: BTreeMap<String, Agreement> = BTreeMap::new();
    let mut all = Agreement {
        group: "all".into(),
        ..Agreement::default()
    };
    for c in 0..log.n_cases() {
        let r = log.case_range(c);
        let (Some(first), Some(last)) = (r.clone().next(), r.last()) else {
            continue;
        };
        if left_out.contains(&log.source_line[first]) {
            continue;
        }
        let exp = match expected.get(last).map(str::to_ascii_lowercase).as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        };
        let verdict = breached.get(log.cases[c].as_str()).copied();
        let g = group_by.map(|col| col.get(last).unwrap_or("").to_string());
        let mut slots = vec![&mut all];
        if let Some(g) = g {
            let e = groups.entry(g.clone()).or_insert_with(|| Agreement {
                group: g,
                ..Agreement::default()
            });
            slots.push(e);
        }
        for a in slots {
            a.cases += 1;
            match (exp, verdict) {
                (_, None) => a.no_clock += 1,
                (None, Some(_)) => a.unknown_expected += 1,
                (Some(met), Some(br)) => {
                    a.compared += 1;
                    if met != br {
                        a.agree += 1;
                    }
                    match (met, br) {
                        (true, false) => a.expected_met_clock_met += 1,
                        (true, true) => a.expected_met_clock_breached += 1,
                        (false, false) => a.expected_missed_clock_met += 1,
                        (false, true) => a.expected_missed_clock_breached += 1,
                    }
                }
            }
        }
    }
    std::iter::once(all).chain(groups.into_values()).collect()
}

// ---------------------------------------------------------------------------------------------
// tables

pub static CLOCK_COLUMNS: [TableColumn; 11] = [
    col("case", Kind::Text, "case id"),
    col("clock", Kind::Text, "clock policy name"),
    col("attempt", Kind::Count, "1, then one more after each reset"),
    col(
        "stage",
        Kind::Text,
        "in_progress, paused, completed or cancelled",
    ),
    col("start", Kind::Timestamp, "when the clock started"),
    col(
        "stop",
        Kind::Timestamp,
        "when it stopped (empty: still running)",
    ),
    col(
        "business_elapsed_s",
        Kind::Seconds,
        "elapsed in the schedule's business time",
    ),
    col("actual_elapsed_s", Kind::Seconds, "elapsed wall-clock time"),
    col("paused_s", Kind::Seconds, "time paused"),
    col(
        "breach_at",
        Kind::Timestamp,
        "when the target is (or was) passed",
    ),
    col("breached", Kind::Flag, "elapsed > target"),
];

fn ts(t: Option<i64>) -> Value {
    match t.and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
        Some(d) => Value::Text(d.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        None => Value::Num(None),
    }
}

/// RFC 3339 text of an instant, as the clock tables write it.
pub fn instant_text(t: i64) -> String {
    match ts(Some(t)) {
        Value::Text(s) => s,
        _ => t.to_string(),
    }
}

pub fn clock_table(run: &ClockRun) -> Table {
    use opsdeck_core::clock::Stage;
    Table::new(
        CLOCK_COLUMNS.to_vec(),
        run.clocks
            .iter()
            .map(|k| {
                let r = &k.result;
                vec![
                    Value::Text(k.case.clone()),
                    Value::Text(k.clock.clone()),
                    Value::Int(i64::from(r.attempt)),
                    Value::Text(
                        match r.stage {
                            Stage::InProgress => "in_progress",
                            Stage::Paused => "paused",
                            Stage::Completed => "completed",
                            Stage::Cancelled => "cancelled",
                        }
                        .into(),
                    ),
                    ts(Some(r.start_utc)),
                    ts(r.stop_utc),
                    Value::Int(r.business_elapsed_s),
                    Value::Int(r.actual_elapsed_s),
                    Value::Int(r.paused_s),
                    ts(r.breach_utc),
                    Value::Flag(Some(r.breached)),
                ]
            })
            .collect(),
    )
}

pub static AGREEMENT_COLUMNS: [TableColumn; 11] = [
    col(
        "group",
        Kind::Text,
        "all, or a value of the compare-by column",
    ),
    col("cases", Kind::Count, "cases in the group"),
    col(
        "compared",
        Kind::Count,
        "cases with a clock and a known expected flag",
    ),
    col(
        "agree",
        Kind::Count,
        "of those, the clock's verdict equals the flag",
    ),
    col("agreement_rate", Kind::Fraction, "agree / compared"),
    col(
        "expected_met_clock_met",
        Kind::Count,
        "flag met, clocks met",
    ),
    col(
        "expected_met_clock_breached",
        Kind::Count,
        "flag met, a clock breached",
    ),
    col(
        "expected_missed_clock_met",
        Kind::Count,
        "flag missed, clocks met",
    ),
    col(
        "expected_missed_clock_breached",
        Kind::Count,
        "flag missed, a clock breached",
    ),
    col("no_clock", Kind::Count, "cases no clock started on"),
    col(
        "unknown_expected",
        Kind::Count,
        "cases whose flag is neither true nor false",
    ),
];

pub fn agreement_table(rows: &[Agreement]) -> Table {
    Table::new(
        AGREEMENT_COLUMNS.to_vec(),
        rows.iter()
            .map(|a| {
                vec![
                    Value::Text(a.group.clone()),
                    Value::count(a.cases),
                    Value::count(a.compared),
                    Value::count(a.agree),
                    Value::Num(a.rate()),
                    Value::count(a.expected_met_clock_met),
                    Value::count(a.expected_met_clock_breached),
                    Value::count(a.expected_missed_clock_met),
                    Value::count(a.expected_missed_clock_breached),
                    Value::count(a.no_clock),
                    Value::count(a.unknown_expected),
                ]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::clock::{CancelRule, Clause, Condition};
    use opsdeck_core::mining::{Interner, Order, RawLog};

    /// Events (case, status, minute, opened minute, flag); the epoch is a Monday.
    fn log(events: &[(&str, &str, i64, &str, &str)]) -> EventLog {
        let mut r = RawLog {
            case: Column::new("case"),
            activity: Column::new("state"),
            attributes: vec![Column::new("opened"), Column::new("made_sla")],
            ..RawLog::default()
        };
        let mut i = [Interner::default(), Interner::default()];
        let (mut ci, mut ai) = (Interner::default(), Interner::default());
        for (k, (c, a, t, o, m)) in events.iter().enumerate() {
            ci.push(&mut r.case, Some(c));
            ai.push(&mut r.activity, Some(a));
            i[0].push(&mut r.attributes[0], Some(o));
            i[1].push(&mut r.attributes[1], (!m.is_empty()).then_some(*m));
            r.ts_us.push(t * 60_000_000);
            r.source_line.push(k as u64 + 2);
        }
        EventLog::from_raw(r, Order::Timestamp)
    }

    fn policy() -> ClockPolicy {
        let closed = || vec!["done".to_string()];
        ClockPolicy {
            name: "res".into(),
            measures: Default::default(),
            target_s: 3600,
            start: Condition(vec![Clause {
                field: "state".into(),
                any_of: vec![],
                not_in: closed(),
            }]),
            stop: Some(Condition(vec![Clause {
                field: "state".into(),
                any_of: closed(),
                not_in: vec![],
            }])),
            pause: None,
            resume: None,
            reset: None,
            cancel: CancelRule::Never,
            schedule: None,
        }
    }

    #[test]
    fn opening_time_starts_the_clock_and_verdicts_are_compared() {
        // a: opened at 0, first row "done" at 90 min; b: 30 min, met; c: flag missing
        let l = log(&[
            ("a", "done", 90, "1970-01-01 00:00:00", "false"),
            ("b", "new", 0, "1970-01-01 00:00:00", "true"),
            ("b", "done", 30, "1970-01-01 00:00:00", "false"),
            ("c", "new", 0, "bad", ""),
        ]);
        let mut opts = ClockRunOptions {
            start_at: None,
            start_activity: None,
            ts_format: TsFormat::Auto,
            zone: chrono_tz::UTC,
            as_of: None,
        };
        let run = run_case_clocks(&l, &[policy()], &opts);
        assert_eq!(run.cases_without_clock, 1, "a starts done: no clock");
        assert_eq!(run.as_of, 90 * 60);
        opts.start_at = Some("opened".into());
        opts.start_activity = Some("new".into());
        let run = run_case_clocks(&l, &[policy()], &opts);
        let a = run.clocks.iter().find(|k| k.case == "a").unwrap();
        assert_eq!((a.result.start_utc, a.result.actual_elapsed_s), (0, 5400));
        assert!(a.result.breached);
        assert_eq!(run.issues.len(), 1);
        assert_eq!(run.issues[0].line, 5);
        assert_eq!(run.issues[0].field, "opened");
        let flag = l.column("made_sla").unwrap();
        let ag = agreement(&l, &run, flag, Some(&l.activity));
        // c left out; b's flag on its last row is false but its clock met
        assert_eq!(ag[0].cases, 2);
        assert_eq!(ag[0].compared, 2);
        assert_eq!(ag[0].agree, 1);
        assert_eq!(ag[0].expected_missed_clock_breached, 1);
        assert_eq!(ag[0].expected_missed_clock_met, 1);
        assert_eq!(ag[0].rate(), Some(0.5));
        assert_eq!(ag[1].group, "done");
    }
}

//! The case tables: the case scorecard of ticket queues (per queue × period × priority, from
//! the day facts: volumes, resolution and first response within target, mean time to resolve
//! in business and actual time, the backlog and its ageing at the period's end) and the
//! backlog of a queue at an instant (open cases with age, priority, status and time to
//! breach, the ones breaching soonest first), replayed from the stored updates.

use crate::cases::{case_record, CaseDay};
use crate::error::Result;
use crate::views::scorecard::{period_of_day, ScorecardQuery};
use crate::views::table::{col, stamp, Column, Kind, Table, Value};
use crate::workspace::cases::queue_policy;
use crate::workspace::Workspace;
use opsdeck_core::kpi::ratio;
use opsdeck_core::{Org, Scope};
use std::collections::BTreeMap;

/// The case scorecard's columns.
pub static CASE_SCORECARD_COLUMNS: [Column; 19] = [
    col("client", Kind::Text, "client id"),
    col("queue", Kind::Text, "ticket queue id"),
    col(
        "period",
        Kind::Period,
        "day, ISO week, month or the whole range (local days)",
    ),
    col(
        "priority",
        Kind::Text,
        "case priority as exported; `all` for every priority",
    ),
    col("opened", Kind::Count, "cases opened"),
    col(
        "resolved",
        Kind::Count,
        "cases resolved (their resolution clock completed)",
    ),
    col(
        "reopened",
        Kind::Count,
        "cases reopened (counted on the day of the first reopening)",
    ),
    col(
        "resolved_within_target",
        Kind::Fraction,
        "share of the resolved cases within their clock's target",
    ),
    col(
        "first_responses",
        Kind::Count,
        "first responses (response clock completed)",
    ),
    col(
        "responded_within_target",
        Kind::Fraction,
        "share of the first responses within their clock's target",
    ),
    col(
        "mttr_business_s",
        Kind::Seconds,
        "mean time to resolve, business time of the clock's schedule (actual time without one)",
    ),
    col(
        "mttr_actual_s",
        Kind::Seconds,
        "mean time to resolve, wall-clock time less pauses",
    ),
    col(
        "backlog",
        Kind::Count,
        "cases open at the end of the period's last day",
    ),
    col(
        "backlog_0_1d",
        Kind::Count,
        "of them, open for less than a day",
    ),
    col("backlog_1_3d", Kind::Count, "of them, open 1 to 3 days"),
    col("backlog_3_7d", Kind::Count, "of them, open 3 to 7 days"),
    col("backlog_7_30d", Kind::Count, "of them, open 7 to 30 days"),
    col(
        "backlog_over_30d",
        Kind::Count,
        "of them, open more than 30 days",
    ),
    col(
        "breached_open",
        Kind::Count,
        "cases open at the period's end whose resolution clock has breached",
    ),
];

/// The columns people see by default.
pub const CASE_HEADLINE: [&str; 11] = [
    "queue",
    "period",
    "priority",
    "opened",
    "resolved",
    "resolved_within_target",
    "responded_within_target",
    "mttr_business_s",
    "backlog",
    "backlog_over_30d",
    "breached_open",
];

#[derive(Default, Clone)]
struct Acc {
    opened: i64,
    resolved: i64,
    within: i64,
    reopened: i64,
    responses: i64,
    responded: i64,
    business: i64,
    actual: i64,
    /// The backlog of the latest day seen: (day, bands, breached).
    end: Option<(chrono::NaiveDate, [i64; 5], i64)>,
}

impl Acc {
    fn add(&mut self, d: &CaseDay) {
        self.opened += d.opened;
        self.resolved += d.resolved;
        self.within += d.resolved_within_target;
        self.reopened += d.reopened;
        self.responses += d.first_responses;
        self.responded += d.responded_within_target;
        self.business += d.resolution_business_s;
        self.actual += d.resolution_actual_s;
        // the backlog is a level: the last day's, summed over the rows of that day
        match &mut self.end {
            Some((day, bands, breached)) if *day == d.day => {
                for (b, v) in bands.iter_mut().zip(d.backlog) {
                    *b += v;
                }
                *breached += d.breached_open;
            }
            Some((day, ..)) if *day > d.day => {}
            _ => self.end = Some((d.day, d.backlog, d.breached_open)),
        }
    }

    fn cells(&self) -> Vec<Value> {
        let mean = |s: i64| ratio(s, self.resolved);
        let (bands, breached) = self.end.map_or(([0; 5], 0), |(_, b, x)| (b, x));
        let mut v = vec![
            Value::Int(self.opened),
            Value::Int(self.resolved),
            Value::Int(self.reopened),
            Value::Num(ratio(self.within, self.resolved)),
            Value::Int(self.responses),
            Value::Num(ratio(self.responded, self.responses)),
            Value::Num(mean(self.business)),
            Value::Num(mean(self.actual)),
            Value::Int(bands.iter().sum()),
        ];
        v.extend(bands.map(Value::Int));
        v.push(Value::Int(breached));
        v
    }
}

/// The case scorecard of the ticket queues the query selects (client, program, queue), per
/// queue × period × priority and per queue × period for all priorities.
pub fn case_scorecard(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    q: &mut ScorecardQuery,
) -> Result<Table> {
    let days = ws.case_days(scope, q.client.as_deref(), q.from, q.to)?;
    if q.from == chrono::NaiveDate::MIN {
        q.from = days.iter().map(|d| d.day).min().unwrap_or(q.from);
    }
    if q.to == chrono::NaiveDate::MAX {
        q.to = days.iter().map(|d| d.day).max().unwrap_or(q.to);
    }
    let q = &*q;
    let mut rows: BTreeMap<(String, String, String, String), Acc> = BTreeMap::new();
    for d in &days {
        let Some(queue) = org.queues.get(&d.queue) else {
            continue;
        };
        if q.queue.as_ref().is_some_and(|x| *x != d.queue)
            || q.program.as_ref().is_some_and(|p| *p != queue.program)
            || q.site
                .as_ref()
                .is_some_and(|s| queue.site.as_ref() != Some(s))
        {
            continue;
        }
        let period = period_of_day(d.day, q.by, q);
        for priority in [d.priority.as_str(), "all"] {
            rows.entry((
                d.client.clone(),
                d.queue.clone(),
                period.clone(),
                priority.to_string(),
            ))
            .or_default()
            .add(d);
        }
    }
    Ok(Table::new(
        CASE_SCORECARD_COLUMNS.to_vec(),
        rows.into_iter()
            .map(|((client, queue, period, priority), acc)| {
                let mut v = vec![
                    Value::Text(client),
                    Value::Text(queue),
                    Value::Text(period),
                    Value::Text(priority),
                ];
                v.extend(acc.cells());
                v
            })
            .collect(),
    ))
}

/// The backlog table's columns.
pub static BACKLOG_COLUMNS: [Column; 10] = [
    col("case_id", Kind::Text, "case id"),
    col("queue", Kind::Text, "ticket queue id"),
    col(
        "priority",
        Kind::Text,
        "priority as of the instant (its last update's)",
    ),
    col("status", Kind::Text, "status as of the instant"),
    col("opened_at", Kind::Timestamp, "when the case opened"),
    col("age_s", Kind::Seconds, "time open at the instant"),
    col("age_band", Kind::Text, "0-1d, 1-3d, 3-7d, 7-30d or >30d"),
    col(
        "breach_at",
        Kind::Timestamp,
        "when the resolution clock breaches (or breached); empty while paused before breaching",
    ),
    col(
        "time_to_breach_s",
        Kind::Seconds,
        "seconds from the instant to the breach; negative: breached that long ago",
    ),
    col(
        "clock",
        Kind::Text,
        "the resolution clock of the queue's policy",
    ),
];

const BAND_LABELS: [&str; 5] = ["0-1d", "1-3d", "3-7d", "7-30d", ">30d"];

/// The open cases of `queue` at `as_of` (default: the client's last update), as their updates
/// up to that instant leave them: breaching within 24 h first (soonest first), then the rest
/// by time to breach, paused ones last.
pub fn backlog(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    queue: &str,
    as_of: Option<i64>,
) -> Result<(Table, i64)> {
    org.require("queue", queue)?;
    let q = &org.queues[queue];
    if q.channel != opsdeck_core::Channel::Ticket {
        return Err(crate::EngineError::invalid(
            "queue",
            format!(
                "queue {queue:?} is a {} queue; the backlog lists the cases of ticket queues",
                q.channel.as_str()
            ),
        ));
    }
    let m = ws.manifest()?;
    let policies = queue_policy(&m, queue, org)?.unwrap_or_default();
    let cases = ws.client_cases(scope, &q.client, Some(queue))?;
    let end = cases
        .values()
        .flat_map(|u| u.iter().map(|u| u.at_utc))
        .max()
        .unwrap_or(0);
    let at = as_of.unwrap_or(end);
    let mut rows = Vec::new();
    for (id, updates) in cases {
        let upto: Vec<_> = updates.into_iter().filter(|u| u.at_utc <= at).collect();
        if upto.is_empty() {
            continue;
        }
        let r = case_record(&id, &q.client, queue, &upto, &policies);
        if !r.open_at(at) {
            continue;
        }
        let age = at - r.opened_utc;
        let breach = r.resolution.as_ref().and_then(|c| c.breach_utc);
        let to_breach = breach.map(|b| b - at);
        rows.push((to_breach, r, age, breach));
    }
    // within 24 h (including already breached) first, soonest first; none (paused) last
    rows.sort_by_key(|(t, r, ..)| (t.is_none(), *t, r.case_id.clone()));
    let table = Table::new(
        BACKLOG_COLUMNS.to_vec(),
        rows.into_iter()
            .map(|(to_breach, r, age, breach)| {
                vec![
                    Value::Text(r.case_id.clone()),
                    Value::Text(r.queue.clone()),
                    Value::Text(r.priority.clone()),
                    Value::Text(r.status.clone()),
                    stamp(Some(r.opened_utc)),
                    Value::Int(age),
                    Value::Text(BAND_LABELS[crate::cases::record::age_band(age)].into()),
                    stamp(breach),
                    to_breach.map_or(Value::Num(None), Value::Int),
                    Value::Text(
                        r.resolution
                            .as_ref()
                            .map(|c| c.clock.clone())
                            .unwrap_or_default(),
                    ),
                ]
            })
            .collect(),
    );
    Ok((table, at))
}

/// The cases of `client` (those `scope` may read) opened in `[from_utc, to_utc)`, as an event
/// log for process mining: one event per stored update (the opening included), the status as
/// the activity, the assignee as the resource and the assignment group as the team; `None`
/// when no case of the client opened then.
pub fn case_log(
    ws: &Workspace,
    scope: &Scope,
    client: &str,
    from_utc: i64,
    to_utc: i64,
) -> Result<Option<opsdeck_core::mining::EventLog>> {
    use opsdeck_core::mining::{Column, EventLog, Interner, Order, RawLog};
    let cases = ws.client_cases(scope, client, None)?;
    let mut raw = RawLog {
        case: Column::new("case"),
        activity: Column::new("status"),
        resource: Some(Column::new("assignee")),
        team: Some(Column::new("group")),
        ..RawLog::default()
    };
    let mut names: [Interner; 4] = Default::default();
    for (id, updates) in &cases {
        let opened = updates.iter().map(|u| u.at_utc).min().unwrap_or(0);
        if opened < from_utc || opened >= to_utc {
            continue;
        }
        for u in updates {
            let [c, a, r, t] = &mut names;
            c.push(&mut raw.case, Some(id));
            a.push(&mut raw.activity, Some(&u.status));
            raw.ts_us.push(u.at_utc * 1_000_000);
            let opt = |s: &str| (!s.is_empty()).then_some(s.to_string());
            if let Some(col) = raw.resource.as_mut() {
                r.push(col, opt(&u.assignee).as_deref());
            }
            if let Some(col) = raw.team.as_mut() {
                t.push(col, opt(&u.group).as_deref());
            }
        }
    }
    if raw.ts_us.is_empty() {
        return Ok(None);
    }
    Ok(Some(EventLog::from_raw(raw, Order::Timestamp)))
}

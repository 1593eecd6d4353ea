//! The contacts behind one interval of a queue — the last step of every drill-down (SLA →
//! window → day → interval → contacts): the stored contacts, as validated at ingest, whose
//! arrival falls in the interval by the same rule the interval facts are summed with
//! ([`opsdeck_core::calendar::interval_start`] in the queue's zone), paged.

use crate::contacts::{read_contacts, validate, ContactSink, Profile, RawContact};
use crate::error::{EngineError, Result};
use crate::io::csv_reader::DEFAULT_MAX_FIELD_BYTES;
use crate::io::{FieldIssue, LocalResolver};
use crate::views::table::{col, Column, Kind, Table, Value};
use crate::workspace::facts::partition_may_hold;
use crate::workspace::Workspace;
use opsdeck_core::calendar::interval_start;
use opsdeck_core::UnknownId;
use opsdeck_core::{Org, Scope};

/// The columns of `interval_contacts`.
pub static CONTACT_COLUMNS: [Column; 15] = [
    col(
        "contact_id",
        Kind::Text,
        "the contact's id in the source system",
    ),
    col("queue", Kind::Text, "queue id"),
    col(
        "arrived_at",
        Kind::Timestamp,
        "when the contact arrived in the queue",
    ),
    col(
        "answered_at",
        Kind::Timestamp,
        "when an agent answered; empty if abandoned",
    ),
    col("ended_at", Kind::Timestamp, "when the contact ended"),
    col(
        "wait_s",
        Kind::Seconds,
        "queue wait: to the answer, or to the abandon",
    ),
    col("answered", Kind::Flag, "an agent answered"),
    col("talk_s", Kind::Seconds, "talk time"),
    col("hold_s", Kind::Seconds, "hold time"),
    col("acw_s", Kind::Seconds, "after-contact work"),
    col("csat", Kind::Count, "1–5 survey score, if answered"),
    col(
        "nps",
        Kind::Count,
        "0–10 likelihood to recommend, if answered",
    ),
    col(
        "resolved_first_contact",
        Kind::Flag,
        "resolved at first contact, if known",
    ),
    col("agent_id", Kind::Text, "the agent, if known"),
    col("site", Kind::Text, "the site, if known"),
];

/// One page of the contacts of an interval.
#[derive(Debug, Clone)]
pub struct IntervalContacts {
    pub table: Table,
    /// Contacts in the interval (all pages).
    pub total: usize,
}

struct Collect<'a> {
    queue: &'a opsdeck_core::org::Queue,
    start: i64,
    resolver: LocalResolver,
    rows: Vec<(i64, String, Vec<Value>)>,
    problems: Vec<String>,
}

use crate::views::table::stamp;

impl ContactSink for Collect<'_> {
    fn contact(&mut self, raw: RawContact<'_>, line: u64) -> std::result::Result<(), FieldIssue> {
        if raw.queue.trim() != self.queue.id {
            return Ok(());
        }
        let c = validate(raw, &mut self.resolver)?;
        let t = &c.timing;
        if interval_start(self.queue.zone, t.arrived_s, self.queue.interval) != self.start {
            return Ok(());
        }
        let o = c.outcome();
        let ids = c.ids.as_ref();
        let text = |s: Option<&str>| Value::Text(s.unwrap_or("").to_string());
        let id = ids.map_or_else(|| format!("row {line}"), |i| i.contact_id.to_string());
        self.rows.push((
            t.arrived_s,
            id.clone(),
            vec![
                Value::Text(id),
                Value::Text(self.queue.id.clone()),
                stamp(Some(t.arrived_s)),
                stamp(t.answered_s),
                stamp(t.ended_s),
                Value::Int(o.wait_s),
                Value::Flag(Some(o.answered)),
                Value::Int(o.talk_s),
                Value::Int(o.hold_s),
                Value::Int(o.acw_s),
                o.csat
                    .map_or(Value::Num(None), |v| Value::Int(i64::from(v))),
                o.nps.map_or(Value::Num(None), |v| Value::Int(i64::from(v))),
                Value::Flag(o.resolved_first_contact),
                text(ids.and_then(|i| i.agent_id.as_deref())),
                text(ids.and_then(|i| i.site.as_deref())),
            ],
        ));
        Ok(())
    }
    fn skip(&mut self, _reason: &'static str) {}
    fn issue(&mut self, line: u64, issue: FieldIssue, _raw: String) {
        self.problems
            .push(format!("row {line}: {}: {}", issue.field, issue.reason));
    }
}

/// The contacts of queue `queue` whose arrival falls in the interval starting at `start_utc`
/// (epoch seconds), in arrival order (ties by id), `limit` of them from `offset`. The queue
/// must be one `org` holds (the caller's scope narrowed it): any other is not found.
pub fn interval_contacts(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    queue: &str,
    start_utc: i64,
    offset: usize,
    limit: usize,
) -> Result<IntervalContacts> {
    org.require("queue", queue)?;
    let q = &org.queues[queue];
    if !scope.allows(&q.client) {
        // unreachable with an organisation narrowed to the scope; outside it is not found
        return Err(UnknownId {
            kind: "queue",
            id: queue.to_string(),
            nearest: Vec::new(),
        }
        .into());
    }
    if interval_start(q.zone, start_utc, q.interval) != start_utc {
        return Err(EngineError::invalid(
            "start",
            format!(
                "{start_utc} is not the start of one of queue {queue}'s {}-minute intervals",
                q.interval.minutes()
            ),
        ));
    }
    let day = chrono::DateTime::from_timestamp(start_utc, 0)
        .map(|t| t.date_naive())
        .ok_or_else(|| EngineError::invalid("start", "the time is out of range".to_string()))?;
    let m = ws.manifest()?;
    let profile = Profile::canonical();
    let mut rows = Vec::new();
    for f in m
        .contacts
        .iter()
        .filter(|f| f.client == q.client && partition_may_hold(&f.month, day, day))
    {
        let path = ws.facts_dir().join(&f.path);
        let sinks = read_contacts(
            &path,
            &profile,
            DEFAULT_MAX_FIELD_BYTES,
            || Collect {
                queue: q,
                start: start_utc,
                resolver: LocalResolver::new(chrono_tz::UTC),
                rows: Vec::new(),
                problems: Vec::new(),
            },
            &|_| {},
        )?;
        for s in sinks {
            if let Some(p) = s.problems.first() {
                return Err(EngineError::Workspace {
                    path: path.clone(),
                    message: format!("stored contacts cannot be read: {p}"),
                });
            }
            rows.extend(s.rows);
        }
    }
    rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let total = rows.len();
    let page = rows
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(_, _, cells)| cells)
        .collect();
    Ok(IntervalContacts {
        table: Table::new(CONTACT_COLUMNS.to_vec(), page),
        total,
    })
}

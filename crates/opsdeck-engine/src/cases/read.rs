//! Reading a case log into validated updates grouped by case, each case given its queue. The
//! profile's layout says how: a state export (CSV, CSV.gz or XES, through the event-log reader
//! `mine` uses: one row per update with the case's whole state), a changelog (CSV or CSV.gz,
//! one row per change of one field, replayed in `changelog`) or Zendesk's ticket audits (JSON,
//! `zendesk`). A row that cannot be read is quarantined with file, line, field and reason; a
//! case that cannot be placed (an unknown status, an assignment group that maps to no ticket
//! queue, an unreadable opening time) is quarantined whole, every one of its rows counted, so
//! that no case is measured on part of its history.

use super::profile::{CaseProfile, Layout, StateColumns};
use crate::error::Result;
use crate::eventlog::{read_event_log, Keep, LogOptions};
use crate::io::parse::{parse_stamp, Cell};
use crate::io::{quoted, LocalResolver, Progress, RowIssue};
use chrono_tz::Tz;
use opsdeck_core::mining::Order;
use opsdeck_core::{Channel, Org};
use std::path::Path;

/// One update of a case, in the canonical fields (a missing value is empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseUpdate {
    /// Epoch seconds, UTC.
    pub at_utc: i64,
    pub status: String,
    pub priority: String,
    /// The assignment group as the export writes it.
    pub group: String,
    pub assignee: String,
    /// The opening update placed at the case's opening time (not a row of the file).
    pub synthetic: bool,
    /// Source line (0 when unknown); not part of what the update is.
    pub line: u64,
}

impl CaseUpdate {
    /// What identifies the update when the same case comes again (the line does not).
    pub fn key(&self) -> (i64, &str, &str, &str, &str, bool) {
        (
            self.at_utc,
            &self.status,
            &self.priority,
            &self.group,
            &self.assignee,
            self.synthetic,
        )
    }
}

/// A case read from a file: its id, queue and client, its updates in time order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadCase {
    pub case_id: String,
    pub queue: String,
    pub client: String,
    pub updates: Vec<CaseUpdate>,
}

/// What a read gave.
#[derive(Debug, Clone, Default)]
pub struct CaseRead {
    pub cases: Vec<ReadCase>,
    /// Quarantined rows, and whole cases left out (one issue each, its rows counted in
    /// `rows_quarantined`).
    pub issues: Vec<RowIssue>,
    pub rows_read: u64,
    pub rows_quarantined: u64,
}

/// Read one case log with `profile`. `queue` sends every case to one queue (else each case
/// goes where its last assignment group maps); `zone` reads timestamps without an offset.
pub fn read_cases(
    path: &Path,
    profile: &CaseProfile,
    org: &Org,
    queue: Option<&str>,
    zone: Tz,
    progress: Progress,
) -> Result<CaseRead> {
    match &profile.layout {
        Layout::State(cols) => read_state(path, profile, cols, org, queue, zone, progress),
        Layout::Changelog(cols) => {
            super::changelog::read_changelog(path, profile, cols, org, queue, zone, progress)
        }
        Layout::ZendeskJson => {
            super::zendesk::read_audits(path, profile, org, queue, zone, progress)
        }
    }
}

/// A state export: one row per update, through the event-log reader.
fn read_state(
    path: &Path,
    profile: &CaseProfile,
    cols: &StateColumns,
    org: &Org,
    queue: Option<&str>,
    zone: Tz,
    progress: Progress,
) -> Result<CaseRead> {
    let opts = LogOptions {
        case: Some(cols.case.clone()),
        activity: Some(cols.status.clone()),
        timestamp: Some(cols.timestamp.clone()),
        resource: cols.assignee.clone(),
        team: None,
        keep: Keep::Named(cols.kept_columns()),
        ts_format: profile.ts_format.clone(),
        zone,
        missing: profile.missing.clone(),
        source_lines: true,
        order: Order::Timestamp,
        missing_column_hint: Some(format!(
            "the case profile {} reads it: name the export's columns in a mapping file ([columns], docs/case-profiles.md)",
            crate::io::quoted(&profile.name)
        )),
        // the quarantine report lists every row left out
        max_issues: usize::MAX,
        ..LogOptions::default()
    };
    let read = read_event_log(path, &opts, progress)?;
    let file = path.display().to_string();
    let log = &read.log;
    let mut out = CaseRead {
        rows_read: read.events_read,
        rows_quarantined: read.issue_count,
        issues: read
            .issues
            .iter()
            .map(|i| RowIssue {
                file: file.clone(),
                line: i.line,
                field: i.field.clone(),
                reason: i.reason.clone(),
                raw: String::new(),
            })
            .collect(),
        ..CaseRead::default()
    };
    let col = |name: &Option<String>| name.as_ref().and_then(|n| log.column(n));
    let (priority, group, opened) = (col(&cols.priority), col(&cols.group), col(&cols.opened));
    let assignee = log.resource.as_ref();
    let group_col = cols.group.clone().unwrap_or_else(|| "group".into());
    let names = Names {
        case: &cols.case,
        status: &|_| (None, cols.status.clone()),
        group: &|_| (None, group_col.clone()),
    };
    let mut resolver = LocalResolver::new(zone);
    for c in 0..log.n_cases() {
        let range = log.case_range(c);
        let n = range.len() as u64;
        let value = |col: Option<&opsdeck_core::mining::Column>, i: usize| {
            col.and_then(|k| k.get(i)).unwrap_or("").to_string()
        };
        let mut updates: Vec<CaseUpdate> = range
            .clone()
            .map(|i| CaseUpdate {
                at_utc: log.ts_us[i].div_euclid(1_000_000),
                status: log.activity.get(i).unwrap_or("").to_string(),
                priority: value(priority, i),
                group: value(group, i),
                assignee: value(assignee, i),
                synthetic: false,
                line: log.source_line.get(i).copied().unwrap_or(0),
            })
            .collect();
        // the case opens at its opening time with the opening status and the first update's
        // other fields
        let opening = match (opened, &cols.opened, updates.first()) {
            (Some(o), Some(name), Some(first)) => {
                let text = value(Some(o), range.start);
                let at = parse_stamp(Cell::Str(&text), &profile.ts_format)
                    .and_then(|s| {
                        s.ok_or_else(|| "no value (the case's opening time is needed)".into())
                    })
                    .and_then(|s| resolver.resolve(s))
                    .map_err(|r| (first.line, name.clone(), r));
                Some(at.map(|at| {
                    let mut open = first.clone();
                    open.at_utc = at;
                    open.synthetic = true;
                    if let Some(s) = &profile.opening_status {
                        open.status = s.clone();
                    }
                    Opening {
                        update: open,
                        status_source: Origin::Update(0),
                        group_source: Origin::Update(0),
                    }
                }))
            }
            _ => None,
        };
        let case_id = &log.cases[c];
        match place(profile, org, queue, &mut updates, opening, &names) {
            Ok(q) => out.cases.push(ReadCase {
                case_id: case_id.clone(),
                client: org.queues[&q].client.clone(),
                queue: q,
                updates,
            }),
            Err(refused) => out.left_out(&file, case_id, n, refused),
        }
    }
    out.issues.sort_by_key(|i| i.line);
    Ok(out)
}

impl CaseRead {
    /// Quarantine a whole case of `rows` rows.
    pub(crate) fn left_out(&mut self, file: &str, case_id: &str, rows: u64, why: Refused) {
        let (line, field, reason) = why;
        self.rows_quarantined += rows;
        self.issues.push(RowIssue {
            file: file.to_string(),
            line,
            field,
            reason: format!("case {} left out ({rows} rows): {reason}", quoted(case_id)),
            raw: String::new(),
        });
    }
}

/// Why a case was left out: line, field, reason.
pub(crate) type Refused = (u64, String, String);

/// Which update gave a value: one of the case's updates (by index), or the opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Update(usize),
    Opening,
}

/// Where a value was read, for a message: its line (None: the update's own) and field.
pub(crate) type Located = (Option<u64>, String);

/// Where the values `place` judges were read, for its messages: the case column, and the line
/// and field (a column, or a JSON path) that gave an update's status and its group.
pub(crate) struct Names<'a> {
    pub case: &'a str,
    pub status: &'a dyn Fn(Origin) -> Located,
    pub group: &'a dyn Fn(Origin) -> Located,
}

/// The update a case opens with, at its opening time, and where its status and group were read.
pub(crate) struct Opening {
    pub update: CaseUpdate,
    /// The update whose line and field gave the opening's status (its own, `Opening`, or one of
    /// the updates').
    pub status_source: Origin,
    pub group_source: Origin,
}

/// Check a case's updates (statuses known), add its opening update (when it is not later than
/// the first update; a case with no update but an opening is that opening), and find its queue
/// (`forced`, else where its last assignment group maps). Both layouts' readers end here.
pub(crate) fn place(
    profile: &CaseProfile,
    org: &Org,
    forced: Option<&str>,
    updates: &mut Vec<CaseUpdate>,
    opening: Option<std::result::Result<Opening, Refused>>,
    names: &Names,
) -> std::result::Result<String, Refused> {
    let known =
        |u: &CaseUpdate| profile.statuses.is_empty() || profile.statuses.contains(&u.status);
    let unknown = |u: &CaseUpdate, at: Origin| {
        let (line, field) = (names.status)(at);
        (
            line.unwrap_or(u.line),
            field,
            format!(
                "unknown status {} (the profile knows {}; add it to `statuses` of a mapping file)",
                quoted(&u.status),
                profile.statuses.join(", ")
            ),
        )
    };
    if let Some(i) = updates.iter().position(|u| !known(u)) {
        return Err(unknown(&updates[i], Origin::Update(i)));
    }
    let open = match opening {
        None => None,
        Some(Err(refused)) => return Err(refused),
        // an opening at the first update's instant with its status would only repeat it
        Some(Ok(o))
            if updates.first().is_none_or(|f| {
                o.update.at_utc < f.at_utc
                    || (o.update.at_utc == f.at_utc && o.update.status != f.status)
            }) =>
        {
            // the opening status a profile names is trusted; one read from the file is checked
            let named = profile.opening_status.as_ref() == Some(&o.update.status);
            if !named && !known(&o.update) {
                return Err(unknown(&o.update, o.status_source));
            }
            Some(o)
        }
        Some(Ok(_)) => None,
    };
    let Some(first) = open
        .as_ref()
        .map(|o| &o.update)
        .or(updates.first())
        .cloned()
    else {
        return Err((0, names.case.to_string(), "no updates".into()));
    };
    // every update in time order with where its group was read
    let line_of = |at: Origin| match at {
        Origin::Update(i) => updates[i].line,
        Origin::Opening => open.as_ref().map_or(0, |o| o.update.line),
    };
    let all: Vec<(&CaseUpdate, Origin)> = open
        .iter()
        .map(|o| (&o.update, o.group_source))
        .chain(
            updates
                .iter()
                .enumerate()
                .map(|(i, u)| (u, Origin::Update(i))),
        )
        .collect();
    let first_group = all.first().map_or(Origin::Opening, |(_, g)| *g);
    let queue = match forced {
        Some(q) => q.to_string(),
        // the case belongs where its last assignment group maps
        None => match all.iter().rev().find(|(u, _)| !u.group.is_empty()) {
            Some((u, at)) => match profile.queues.queue_of(&u.group, org) {
                Some(q) => q.to_string(),
                None => {
                    let (line, field) = (names.group)(*at);
                    return Err((
                        line.unwrap_or(line_of(*at)),
                        field,
                        format!(
                            "assignment group {} maps to no queue (add it under [queues] of the mapping file, or set default_queue)",
                            quoted(&u.group)
                        ),
                    ));
                }
            },
            None => match &profile.queues.default_queue {
                Some(d) => d.clone(),
                None => {
                    return Err((
                        first.line,
                        (names.group)(first_group).1,
                        "no assignment group on any update, and no default_queue".into(),
                    ))
                }
            },
        },
    };
    drop(all);
    let checked = match org.queues.get(&queue) {
        Some(q) if q.channel == Channel::Ticket => Ok(queue),
        Some(q) => Err((
            first.line,
            (names.group)(first_group).1,
            format!(
                "queue {} is a {} queue; cases go to ticket queues",
                quoted(&queue),
                q.channel.as_str()
            ),
        )),
        None => Err((
            first.line,
            (names.group)(first_group).1,
            format!(
                "unknown queue {} (declare it in the setup file)",
                quoted(&queue)
            ),
        )),
    }?;
    if let Some(o) = open {
        updates.insert(0, o.update);
    }
    Ok(checked)
}

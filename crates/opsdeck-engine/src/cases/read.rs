//! Reading a case log (CSV, CSV.gz or XES, through the event-log reader `mine` uses) into
//! validated updates grouped by case, each case given its queue. A row that cannot be read is
//! quarantined with file, line, field and reason; a case that cannot be placed (an unknown
//! status, an assignment group that maps to no ticket queue, an unreadable opening time) is
//! quarantined whole, every one of its rows counted, so that no case is measured on part of
//! its history.

use super::profile::CaseProfile;
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
    /// Quarantined rows (the first ones kept in full; all counted in `rows_quarantined`).
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
    let opts = LogOptions {
        case: Some(profile.case.clone()),
        activity: Some(profile.status.clone()),
        timestamp: Some(profile.timestamp.clone()),
        resource: profile.assignee.clone(),
        team: None,
        keep: Keep::Named(profile.kept_columns()),
        ts_format: profile.ts_format.clone(),
        zone,
        missing: profile.missing.clone(),
        source_lines: true,
        order: Order::Timestamp,
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
    let (priority, group, opened) = (
        col(&profile.priority),
        col(&profile.group),
        col(&profile.opened),
    );
    let assignee = log.resource.as_ref();
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
        let case_id = &log.cases[c];
        let placed = place(
            profile,
            org,
            queue,
            &mut updates,
            opened.map(|o| value(Some(o), range.start)),
            &mut resolver,
        );
        match placed {
            Ok(q) => out.cases.push(ReadCase {
                case_id: case_id.clone(),
                client: org.queues[&q].client.clone(),
                queue: q,
                updates,
            }),
            Err((line, field, reason)) => {
                out.rows_quarantined += n;
                out.issues.push(RowIssue {
                    file: file.clone(),
                    line,
                    field,
                    reason: format!("case {} left out ({n} rows): {reason}", quoted(case_id)),
                    raw: String::new(),
                });
            }
        }
    }
    out.issues.sort_by_key(|i| i.line);
    Ok(out)
}

type Refused = (u64, String, String);

/// Check a case's updates, add its opening update, and find its queue.
fn place(
    profile: &CaseProfile,
    org: &Org,
    forced: Option<&str>,
    updates: &mut Vec<CaseUpdate>,
    opened: Option<String>,
    resolver: &mut LocalResolver,
) -> std::result::Result<String, Refused> {
    let Some(first) = updates.first().cloned() else {
        return Err((0, profile.case.clone(), "no updates".into()));
    };
    if !profile.statuses.is_empty() {
        if let Some(u) = updates
            .iter()
            .find(|u| !profile.statuses.contains(&u.status))
        {
            return Err((
                u.line,
                profile.status.clone(),
                format!(
                    "unknown status {} (the profile knows {}; add it to `statuses` of a mapping file)",
                    quoted(&u.status),
                    profile.statuses.join(", ")
                ),
            ));
        }
    }
    if let (Some(text), Some(name)) = (opened, &profile.opened) {
        let at = parse_stamp(Cell::Str(&text), &profile.ts_format)
            .and_then(|s| s.ok_or_else(|| "no value (the case's opening time is needed)".into()))
            .and_then(|s| resolver.resolve(s))
            .map_err(|r| (first.line, name.clone(), r))?;
        if at <= first.at_utc {
            let mut open = first.clone();
            open.at_utc = at;
            open.synthetic = true;
            if let Some(s) = &profile.opening_status {
                open.status = s.clone();
            }
            updates.insert(0, open);
        }
    }
    let queue = match forced {
        Some(q) => q.to_string(),
        None => {
            let group_col = profile.group.clone().unwrap_or_else(|| "group".into());
            // the case belongs where its last assignment group maps
            match updates.iter().rev().find(|u| !u.group.is_empty()) {
                Some(u) => match profile.queues.queue_of(&u.group, org) {
                    Some(q) => q.to_string(),
                    None => {
                        return Err((
                            u.line,
                            group_col,
                            format!(
                                "assignment group {} maps to no queue (add it under [queues] of the mapping file, or set default_queue)",
                                quoted(&u.group)
                            ),
                        ))
                    }
                },
                None => match &profile.queues.default_queue {
                    Some(d) => d.clone(),
                    None => {
                        return Err((
                            first.line,
                            group_col,
                            "no assignment group on any update, and no default_queue".into(),
                        ))
                    }
                },
            }
        }
    };
    match org.queues.get(&queue) {
        Some(q) if q.channel == Channel::Ticket => Ok(queue),
        Some(q) => Err((
            first.line,
            profile.group.clone().unwrap_or_default(),
            format!(
                "queue {} is a {} queue; cases go to ticket queues",
                quoted(&queue),
                q.channel.as_str()
            ),
        )),
        None => Err((
            first.line,
            profile.group.clone().unwrap_or_default(),
            format!(
                "unknown queue {} (declare it in the setup file)",
                quoted(&queue)
            ),
        )),
    }
}

//! Changelog exports (Jira's issue history, Salesforce's CaseHistory, any system that logs one
//! row per change of one field): rows are grouped by case, each case's changes ordered by time
//! (ties: file order) and replayed into the canonical updates the state layout reads directly.
//!
//! The replay: a field's value before the log starts is the old value of its first change,
//! else the case-level column of its current value (a field the log never changes still has
//! it), else empty. Each distinct change time gives one update, the state after every change
//! made at that time. With a creation time no later than the first change, the case opens
//! there (a synthetic update) with the values before the first change and the profile's
//! `opening_status`, if it names one. Changes of fields the profile does not map are read
//! (their time must be readable) and otherwise ignored. The Zendesk reader (`zendesk`) builds
//! the same changes from ticket audits and ends in the same replay.

use super::profile::{CaseProfile, ChangeColumns};
use super::read::{place, CaseRead, CaseUpdate, Names, Opening, Origin, ReadCase, Refused};
use crate::error::{input_err, Result};
use crate::io::csv_reader::{read_csv_rows, CsvOptions, RowSink};
use crate::io::parse::{parse_stamp, Cell, TsFormat};
use crate::io::{quoted, FieldIssue, LocalResolver, Progress, Row, RowIssue};
use chrono_tz::Tz;
use opsdeck_core::Org;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Where a value was read: its line, and which part of the row or audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Src {
    /// Never set.
    None,
    /// The old value of a change (`pos`: the event's index in a JSON audit, else 0).
    Old { line: u64, pos: u32 },
    /// The new value of a change.
    New { line: u64, pos: u32 },
    /// The case-level column of the field's current value.
    Current { line: u64 },
}

impl Src {
    fn line(self) -> Option<u64> {
        match self {
            Src::None => None,
            Src::Old { line, .. } | Src::New { line, .. } | Src::Current { line } => Some(line),
        }
    }
}

/// Names the field (a column or a JSON path) a value of canonical field `f` was read from.
pub(crate) type Naming<'a> = &'a dyn Fn(Src, usize) -> String;

/// One change of a canonical field ([`super::FIELDS`] index `field`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// Index of the case in [`Parsed::heads`].
    pub case: usize,
    /// Epoch seconds, UTC.
    pub at: i64,
    pub line: u64,
    pub pos: u32,
    pub field: usize,
    /// None: the export gives no old value (a Zendesk Create event).
    pub old: Option<String>,
    pub new: String,
}

/// A case as the export describes it besides its changes: id, rows, and case-level values
/// (the first non-empty one of each column in file order, with its line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Head {
    pub id: String,
    pub rows: u64,
    pub first_line: u64,
    pub created: Option<(u64, String)>,
    pub current: [Option<(u64, String)>; 4],
}

impl Head {
    fn absorb(&mut self, other: Head) {
        self.rows += other.rows;
        self.first_line = self.first_line.min(other.first_line);
        let earlier = |a: &mut Option<(u64, String)>, b: Option<(u64, String)>| {
            if let Some(b) = b {
                if a.as_ref().is_none_or(|a| b.0 < a.0) {
                    *a = Some(b);
                }
            }
        };
        earlier(&mut self.created, other.created);
        for (a, b) in self.current.iter_mut().zip(other.current) {
            earlier(a, b);
        }
    }
}

/// What a changelog or audit reader gives the replay.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub heads: Vec<Head>,
    pub changes: Vec<Change>,
    /// Rows (audits) read, usable or not.
    pub rows_read: u64,
    pub issues: Vec<RowIssue>,
    pub issue_count: u64,
}

/// A time text as an instant: with an offset as written, else in the reader's zone.
pub(crate) fn instant(
    text: &str,
    format: &TsFormat,
    resolver: &mut LocalResolver,
) -> std::result::Result<i64, String> {
    parse_stamp(Cell::Str(text), format)
        .and_then(|s| s.ok_or_else(|| "is empty".to_string()))
        .and_then(|s| resolver.resolve(s))
}

// --- the CSV read ----------------------------------------------------------------------------

/// Header positions of the columns read.
struct Bind {
    case: usize,
    at: usize,
    field: usize,
    old: usize,
    new: usize,
    created: Option<usize>,
    current: [Option<usize>; 4],
    cols: ChangeColumns,
    /// Export field name → canonical field.
    canonical: HashMap<String, usize>,
    format: TsFormat,
    missing: Vec<String>,
    zone: Tz,
}

struct Sink {
    bind: Arc<Bind>,
    resolver: LocalResolver,
    ids: HashMap<String, usize>,
    heads: Vec<Head>,
    changes: Vec<Change>,
    issues: Vec<RowIssue>,
    issue_count: u64,
    rows: u64,
}

impl Sink {
    fn issue(&mut self, line: u64, field: &str, reason: String) {
        self.issue_count += 1;
        let i = FieldIssue::new(field, reason);
        self.issues.push(RowIssue {
            file: String::new(),
            line,
            field: i.field,
            reason: i.reason,
            raw: String::new(),
        });
    }

    /// A value as stored: trimmed, and empty for a "no value" text.
    fn value(&self, v: &str) -> String {
        let t = v.trim();
        if t.is_empty() || self.bind.missing.iter().any(|m| m == t || m == v) {
            String::new()
        } else {
            t.to_string()
        }
    }
}

impl RowSink for Sink {
    fn row<R: Row>(&mut self, row: &R, line: u64) {
        self.rows += 1;
        let b = Arc::clone(&self.bind);
        let mut cells: [&str; 10] = [""; 10];
        let wanted = [
            Some(b.case),
            Some(b.at),
            Some(b.field),
            Some(b.old),
            Some(b.new),
            b.created,
            b.current[0],
            b.current[1],
            b.current[2],
            b.current[3],
        ];
        for (k, ix) in wanted.iter().enumerate() {
            if let Some(i) = ix {
                match row.cell(*i) {
                    Ok(Cell::Str(s)) => cells[k] = s,
                    Ok(_) => {}
                    Err(why) => return self.issue(line, "(row)", why),
                }
            }
        }
        let case = cells[0].trim();
        if case.is_empty() {
            return self.issue(line, &b.cols.case, "is empty".into());
        }
        let (at_text, field) = (cells[1].trim(), cells[2].trim());
        // a row naming no field and no time holds the case's own columns only (an issue with
        // no history); any other row is a change, whose time must be readable
        let at = if field.is_empty() && at_text.is_empty() {
            None
        } else {
            match instant(at_text, &b.format, &mut self.resolver) {
                Ok(t) => Some(t),
                Err(why) => return self.issue(line, &b.cols.at, why),
            }
        };
        let k = match self.ids.get(case) {
            Some(&k) => k,
            None => {
                self.heads.push(Head {
                    id: case.to_string(),
                    first_line: line,
                    ..Head::default()
                });
                self.ids.insert(case.to_string(), self.heads.len() - 1);
                self.heads.len() - 1
            }
        };
        let created = b.created.map(|_| self.value(cells[5]));
        let current: [String; 4] = std::array::from_fn(|f| {
            b.current[f]
                .map(|_| self.value(cells[6 + f]))
                .unwrap_or_default()
        });
        let head = &mut self.heads[k];
        head.rows += 1;
        if let Some(c) = created.filter(|c| !c.is_empty()) {
            head.created.get_or_insert((line, c));
        }
        for (slot, v) in head.current.iter_mut().zip(current) {
            if !v.is_empty() {
                slot.get_or_insert((line, v));
            }
        }
        if let (Some(at), Some(&f)) = (at, b.canonical.get(field)) {
            let (old, new) = (self.value(cells[3]), self.value(cells[4]));
            self.changes.push(Change {
                case: k,
                at,
                line,
                pos: 0,
                field: f,
                old: Some(old),
                new,
            });
        }
    }

    fn bad_row(&mut self, line: u64, issue: FieldIssue, _raw: String) {
        self.rows += 1;
        self.issue(line, &issue.field, issue.reason);
    }
}

fn find_col(header: &[String], name: &str, key: &str, path: &Path) -> Result<usize> {
    header.iter().position(|h| h == name).ok_or_else(|| {
        input_err(
            path,
            format!(
                "line 1: no column {} (the profile's changes.{key}; the header has: {}); name the export's column under [changes] of a mapping file",
                quoted(name),
                crate::io::excerpt(&header.join(", "), 300)
            ),
        )
    })
}

/// Read a changelog CSV (plain or gzip) with `profile` and replay each case.
pub(crate) fn read_changelog(
    path: &Path,
    profile: &CaseProfile,
    cols: &ChangeColumns,
    org: &Org,
    queue: Option<&str>,
    zone: Tz,
    progress: Progress,
) -> Result<CaseRead> {
    let mut canonical = HashMap::new();
    for (f, names) in profile.fields.iter().enumerate() {
        for n in names {
            canonical.insert(n.clone(), f);
        }
    }
    let bind = |header: &[String]| -> Result<Bind> {
        let opt = |name: &Option<String>, key: &str| {
            name.as_ref()
                .map(|n| find_col(header, n, key, path))
                .transpose()
        };
        Ok(Bind {
            case: find_col(header, &cols.case, "case", path)?,
            at: find_col(header, &cols.at, "at", path)?,
            field: find_col(header, &cols.field, "field", path)?,
            old: find_col(header, &cols.old, "old", path)?,
            new: find_col(header, &cols.new, "new", path)?,
            created: opt(&cols.created, "created")?,
            current: [
                opt(&cols.current[0], "status")?,
                opt(&cols.current[1], "priority")?,
                opt(&cols.current[2], "group")?,
                opt(&cols.current[3], "assignee")?,
            ],
            cols: cols.clone(),
            canonical,
            format: profile.ts_format.clone(),
            missing: profile.missing.clone(),
            zone,
        })
    };
    let make = |b: Arc<Bind>| Sink {
        resolver: LocalResolver::new(b.zone),
        bind: b,
        ids: HashMap::new(),
        heads: Vec::new(),
        changes: Vec::new(),
        issues: Vec::new(),
        issue_count: 0,
        rows: 0,
    };
    let sinks = read_csv_rows(path, &CsvOptions::default(), bind, make, progress)?;
    let parsed = merge_sinks(sinks);
    let naming = |s: Src, f: usize| -> String {
        match s {
            Src::None | Src::New { .. } => cols.new.clone(),
            Src::Old { .. } => cols.old.clone(),
            Src::Current { .. } => cols.current[f].clone().unwrap_or_else(|| cols.new.clone()),
        }
    };
    finish(
        path,
        profile,
        cols.created.as_deref(),
        parsed,
        &naming,
        &cols.case,
        org,
        queue,
        zone,
    )
}

/// The workers' cases and changes as one: a case in several chunks is one case, numbered by
/// its first line.
fn merge_sinks(sinks: Vec<Sink>) -> Parsed {
    let mut out = Parsed::default();
    let mut locals: Vec<(u64, usize, usize)> = Vec::new();
    for (w, s) in sinks.iter().enumerate() {
        out.rows_read += s.rows;
        out.issue_count += s.issue_count;
        locals.extend(
            s.heads
                .iter()
                .enumerate()
                .map(|(k, h)| (h.first_line, w, k)),
        );
    }
    locals.sort_unstable();
    let mut global: HashMap<String, usize> = HashMap::new();
    let mut remap: Vec<Vec<usize>> = sinks.iter().map(|s| vec![0; s.heads.len()]).collect();
    let mut sinks = sinks;
    for (_, w, k) in locals {
        let head = std::mem::take(&mut sinks[w].heads[k]);
        let g = match global.get(&head.id) {
            Some(&g) => {
                out.heads[g].absorb(head);
                g
            }
            None => {
                global.insert(head.id.clone(), out.heads.len());
                out.heads.push(head);
                out.heads.len() - 1
            }
        };
        remap[w][k] = g;
    }
    for (w, s) in sinks.into_iter().enumerate() {
        out.issues.extend(s.issues);
        out.changes.extend(s.changes.into_iter().map(|c| Change {
            case: remap[w][c.case],
            ..c
        }));
    }
    out
}

// --- the replay ------------------------------------------------------------------------------

/// A case's updates replayed from its changes (in time order, ties in file order), where each
/// update's status and group were read, and its opening.
struct Replayed {
    updates: Vec<CaseUpdate>,
    /// Per update: where its status and its group were read.
    sources: Vec<[Src; 2]>,
    /// The values before the first change and where they were read.
    initial: [String; 4],
    initial_src: [Src; 4],
}

fn replay(head: &Head, changes: &[Change]) -> Replayed {
    let mut initial: [String; 4] = Default::default();
    let mut initial_src = [Src::None; 4];
    for f in 0..4 {
        let first = changes.iter().find(|c| c.field == f);
        match (
            first.and_then(|c| c.old.as_ref().map(|o| (c, o))),
            &head.current[f],
        ) {
            (Some((c, old)), _) => {
                initial[f] = old.clone();
                initial_src[f] = Src::Old {
                    line: c.line,
                    pos: c.pos,
                };
            }
            // a Create event (no old value): nothing before it
            (None, _) if first.is_some() => {}
            (None, Some((line, v))) => {
                initial[f] = v.clone();
                initial_src[f] = Src::Current { line: *line };
            }
            (None, None) => {}
        }
    }
    let mut state = initial.clone();
    let mut src = initial_src;
    let mut updates: Vec<CaseUpdate> = Vec::new();
    let mut sources = Vec::new();
    let mut i = 0;
    while i < changes.len() {
        let at = changes[i].at;
        let line = changes[i].line;
        while i < changes.len() && changes[i].at == at {
            let c = &changes[i];
            state[c.field] = c.new.clone();
            src[c.field] = Src::New {
                line: c.line,
                pos: c.pos,
            };
            i += 1;
        }
        let [status, priority, group, assignee] = state.clone();
        updates.push(CaseUpdate {
            at_utc: at,
            status,
            priority,
            group,
            assignee,
            synthetic: false,
            line,
        });
        sources.push([src[0], src[2]]);
    }
    Replayed {
        updates,
        sources,
        initial,
        initial_src,
    }
}

/// Replay every case, place it (statuses known, a queue found) and gather what the read gave.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish(
    path: &Path,
    profile: &CaseProfile,
    created_col: Option<&str>,
    mut parsed: Parsed,
    naming: Naming,
    case_field: &str,
    org: &Org,
    forced: Option<&str>,
    zone: Tz,
) -> Result<CaseRead> {
    let file = path.display().to_string();
    for i in &mut parsed.issues {
        i.file = file.clone();
    }
    parsed.issues.sort_by_key(|i| i.line);
    if parsed.heads.is_empty() {
        let why = match parsed.issues.first() {
            Some(i) => format!(
                "has no usable rows (first problem: line {}: {}: {})",
                i.line, i.field, i.reason
            ),
            None => "has no rows".to_string(),
        };
        return Err(input_err(path, why));
    }
    let mut out = CaseRead {
        rows_read: parsed.rows_read,
        rows_quarantined: parsed.issue_count,
        issues: parsed.issues,
        ..CaseRead::default()
    };
    let mut changes = parsed.changes;
    changes.sort_by_key(|c| (c.case, c.at, c.line, c.pos));
    let mut resolver = LocalResolver::new(zone);
    let mut start = 0;
    for (k, head) in parsed.heads.iter().enumerate() {
        let end = start + changes[start..].partition_point(|c| c.case == k);
        let mut r = replay(head, &changes[start..end]);
        start = end;
        if r.updates.is_empty() && created_col.is_none() {
            let why = "no change of a field the profile maps (status, priority, group, assignee) and no creation time";
            out.left_out(
                &file,
                &head.id,
                head.rows,
                (head.first_line, case_field.to_string(), why.into()),
            );
            continue;
        }
        let opening = created_col.map(|col| {
            let Some((line, text)) = &head.created else {
                return Err((
                    head.first_line,
                    col.to_string(),
                    "no value (the case's opening time is needed)".to_string(),
                ));
            };
            let at = instant(text, &profile.ts_format, &mut resolver)
                .map_err(|why| (*line, col.to_string(), why))?;
            let [status, priority, group, assignee] = r.initial.clone();
            Ok(Opening {
                update: CaseUpdate {
                    at_utc: at,
                    status: profile.opening_status.clone().unwrap_or(status),
                    priority,
                    group,
                    assignee,
                    synthetic: true,
                    line: *line,
                },
                status_source: Origin::Opening,
                group_source: Origin::Opening,
            })
        });
        let (sources, initial_src) = (&r.sources, r.initial_src);
        let locate = |at: Origin, f: usize, k: usize| -> (Option<u64>, String) {
            let s = match at {
                Origin::Update(i) => sources[i][k],
                Origin::Opening => initial_src[f],
            };
            (s.line().or(Some(head.first_line)), naming(s, f))
        };
        let status = |at: Origin| locate(at, 0, 0);
        let group = |at: Origin| locate(at, 2, 1);
        let names = Names {
            case: case_field,
            status: &status,
            group: &group,
        };
        let placed: std::result::Result<String, Refused> =
            place(profile, org, forced, &mut r.updates, opening, &names);
        match placed {
            Ok(q) => out.cases.push(ReadCase {
                case_id: head.id.clone(),
                client: org.queues[&q].client.clone(),
                queue: q,
                updates: r.updates,
            }),
            Err(refused) => out.left_out(&file, &head.id, head.rows, refused),
        }
    }
    out.issues.sort_by_key(|i| i.line);
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cases::read_cases;
    use std::io::Write;

    pub(crate) const SETUP: &str = r#"
[[site]]
id = "s1"
name = "Site"
country = "PT"
time_zone = "UTC"
cost_per_productive_hour = 20.0
currency = "USD"

[[client]]
id = "acme"
name = "Acme"

[[program]]
id = "p"
name = "P"
client = "acme"
sites = ["s1"]

[[calendar]]
id = "utc"
time_zone = "UTC"
hours = { mon = "24h", tue = "24h", wed = "24h", thu = "24h", fri = "24h", sat = "24h", sun = "24h" }

[[queue]]
id = "q"
name = "Q"
program = "p"
channel = "ticket"
calendar = "utc"
threshold_s = 3600
short_abandon_s = 0
interval_minutes = 60
sl_target = 0.8
site = "s1"
"#;

    pub(crate) fn org() -> Org {
        let raw: opsdeck_core::org::RawOrg = toml::from_str(SETUP).unwrap();
        Org::from_raw(&raw).unwrap()
    }

    const MAP: &str = r#"
layout = "changelog"
statuses = ["Open", "Waiting", "Done"]
default_queue = "q"
[changes]
case = "id"
at = "at"
field = "field"
old = "old"
new = "new"
created = "created"
status = "status_now"
priority = "prio_now"
[fields]
status = "Status"
priority = "Priority"
group = "Team"
"#;

    const T9: i64 = 1_709_283_600; // 2024-03-01 09:00 UTC
    const H: i64 = 3600;

    fn read(csv: &[u8], name: &str, map: &str) -> Result<CaseRead> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, csv).unwrap();
        let org = org();
        let p = CaseProfile::from_map_file(map, Path::new("map.toml"), &org).unwrap();
        read_cases(&path, &p, &org, None, chrono_tz::UTC, &|_| {})
    }

    fn upd(t: i64, status: &str, priority: &str, synthetic: bool, line: u64) -> CaseUpdate {
        CaseUpdate {
            at_utc: t,
            status: status.into(),
            priority: priority.into(),
            group: String::new(),
            assignee: String::new(),
            synthetic,
            line,
        }
    }

    const LOG: &str = "id,at,field,old,new,created,status_now,prio_now
C1,2024-03-01T12:00:00Z,Status,Waiting,Done,2024-03-01T09:00:00Z,Done,P2
C1,2024-03-01T10:00:00Z,Status,Open,Waiting,2024-03-01T09:00:00Z,Done,P2
C1,2024-03-01T10:00:00Z,Priority,P3,P2,2024-03-01T09:00:00Z,Done,P2
C1,2024-03-01T11:00:00Z,Comment,,hello,2024-03-01T09:00:00Z,Done,P2
C1,yesterday,Status,Done,Open,2024-03-01T09:00:00Z,Done,P2
C2,,,,,2024-03-02T08:00:00Z,Open,P4
C3,2024-03-01T10:00:00Z,Status,Parked,Open,2024-03-01T09:00:00Z,Open,P3
C4,2024-03-01T10:00:00Z,Status,Open,Gone,2024-03-01T09:00:00Z,Gone,P3
C5,2024-03-01T10:00:00+01:00,Status,Open,Waiting,2024-03-01T08:30:00+01:00,Done,P3
C5,2024-03-01T10:00:00+01:00,Status,Waiting,Done,2024-03-01T08:30:00+01:00,Done,P3
";

    #[test]
    fn a_changelog_is_replayed_in_time_order_from_the_old_values() {
        let r = read(LOG.as_bytes(), "log.csv", MAP).unwrap();
        assert_eq!(r.rows_read, 10);
        let case = |id: &str| r.cases.iter().find(|c| c.case_id == id).map(|c| &c.updates);
        // out of order in the file; two changes at 10:00 are one update; the comment is no
        // update; the case opens at `created` with the values before the first change
        assert_eq!(
            case("C1").unwrap(),
            &vec![
                upd(T9, "Open", "P3", true, 2),
                upd(T9 + H, "Waiting", "P2", false, 3),
                upd(T9 + 3 * H, "Done", "P2", false, 2),
            ]
        );
        // no history: the case opens with its case-level values
        assert_eq!(
            case("C2").unwrap(),
            &vec![upd(T9 + 23 * H, "Open", "P4", true, 7)]
        );
        // ties in file order; offsets read as written; a field never changed keeps the
        // case-level value
        assert_eq!(
            case("C5").unwrap(),
            &vec![
                upd(T9 - 30 * 60 - H, "Open", "P3", true, 10),
                upd(T9, "Done", "P3", false, 10),
            ]
        );
        assert_eq!(r.cases.len(), 3);
        assert!(r.cases.iter().all(|c| c.queue == "q" && c.client == "acme"));
    }

    #[test]
    fn bad_rows_and_unknown_statuses_are_quarantined_with_line_and_field() {
        let r = read(LOG.as_bytes(), "log.csv", MAP).unwrap();
        let lines: Vec<(u64, &str)> = r
            .issues
            .iter()
            .map(|i| (i.line, i.field.as_str()))
            .collect();
        // the bad time; C3's status before its first change (the old value); C4's new one
        assert_eq!(lines, [(6, "at"), (8, "old"), (9, "new")]);
        assert!(
            r.issues[0].reason.contains("yesterday"),
            "{:?}",
            r.issues[0]
        );
        assert!(
            r.issues[1].reason.contains("C3") && r.issues[1].reason.contains("Parked"),
            "{:?}",
            r.issues[1]
        );
        assert!(r.issues[2].reason.contains("Gone"), "{:?}", r.issues[2]);
        assert!(r.issues.iter().all(|i| i.file.ends_with("log.csv")));
        assert_eq!(r.rows_quarantined, 3);
    }

    #[test]
    fn a_missing_column_or_opening_time_is_named() {
        let e = read(
            b"id,at,field,old\nC1,2024-03-01T10:00:00Z,Status,Open\n",
            "x.csv",
            MAP,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("x.csv") && e.contains("\"new\""), "{e}");
        // a creation time that cannot be read leaves the case out, named by its column
        let log = "id,at,field,old,new,created,status_now,prio_now
C1,2024-03-01T10:00:00Z,Status,Open,Done,soon,Done,P2
C2,2024-03-01T10:00:00Z,Status,Open,Done,2024-03-01T09:00:00Z,Done,P2
";
        let r = read(log.as_bytes(), "y.csv", MAP).unwrap();
        assert_eq!(r.cases.len(), 1);
        assert_eq!(
            (r.issues[0].line, r.issues[0].field.as_str()),
            (2, "created")
        );
        // every row bad: an error naming the first problem
        let e = read(
            b"id,at,field,old,new,created,status_now,prio_now\nC1,never,Status,Open,Done,,,\n",
            "z.csv",
            MAP,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("z.csv") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn a_gzipped_changelog_reads_like_the_plain_one() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(LOG.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let a = read(LOG.as_bytes(), "log.csv", MAP).unwrap();
        let b = read(&gz, "log.csv.gz", MAP).unwrap();
        assert_eq!(a.cases, b.cases);
        assert_eq!(
            (a.rows_read, a.rows_quarantined),
            (b.rows_read, b.rows_quarantined)
        );
    }

    #[test]
    fn groups_place_cases_through_the_queue_table() {
        let map = MAP.replace("default_queue = \"q\"\n", "[queues]\n\"Desk\" = \"q\"\n");
        let log = "id,at,field,old,new,created,status_now,prio_now
C1,2024-03-01T10:00:00Z,Team,,Desk,2024-03-01T09:00:00Z,Open,P2
C2,2024-03-01T10:00:00Z,Team,Desk,Nobody,2024-03-01T09:00:00Z,Open,P2
";
        let r = read(log.as_bytes(), "g.csv", &map).unwrap();
        assert_eq!(r.cases.len(), 1);
        assert_eq!(r.cases[0].updates[1].group, "Desk");
        let i = &r.issues[0];
        assert_eq!((i.line, i.field.as_str()), (3, "new"));
        assert!(
            i.reason.contains("Nobody") && i.reason.contains("[queues]"),
            "{i:?}"
        );
    }
}

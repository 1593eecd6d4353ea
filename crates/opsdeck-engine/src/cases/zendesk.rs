//! Zendesk's ticket audits (JSON as the API returns them: `{"audits": [...]}` pages, a JSON
//! array of audits, or newline-delimited JSON with one audit — or one page — per line) read
//! into the changes the changelog replay takes: an audit is an update of ticket `ticket_id` at
//! `created_at`; its `Create` and `Change` events set the ticket's fields (`field_name`,
//! `value`, and for a change `previous_value`), mapped to the canonical fields by the
//! profile's `[fields]`; other events are not read.
//!
//! The file is read whole and refused past [`MAX_AUDIT_BYTES`] (also after gzip is inflated).
//! Each audit keeps only what the replay needs. A file that is not JSON is an error naming the
//! file, line and column; an audit that cannot be read (no ticket id, an unreadable time, a
//! mapped field whose value is a list) is quarantined with its number in the file as the line
//! (the first audit is 1) and the JSON path of the value as the field.

use super::changelog::{finish, instant, Change, Head, Parsed, Src};
use super::profile::CaseProfile;
use super::read::CaseRead;
use crate::error::{input_err, Result};
use crate::io::{LocalResolver, Progress, RowIssue};
use chrono_tz::Tz;
use opsdeck_core::Org;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// Largest audit export read (256 MiB, also after gzip is inflated): an export past it is
/// refused; split it (one file per period) and give the files to one ingest, each ticket's
/// audits in one file.
pub const MAX_AUDIT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Deserialize)]
struct RawEvent {
    #[serde(rename = "type", default)]
    kind: Option<Value>,
    #[serde(default)]
    field_name: Option<Value>,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    previous_value: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct RawAudit {
    #[serde(default)]
    ticket_id: Option<Value>,
    #[serde(default)]
    created_at: Option<Value>,
    #[serde(default)]
    events: Option<Vec<RawEvent>>,
}

/// An element of an `audits` array: an audit, or something else (quarantined).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Slot {
    Audit(RawAudit),
    Other(IgnoredAny),
}

/// A top-level object: a page of audits (`audits`), or one audit (a line of NDJSON).
#[derive(Debug, Deserialize)]
struct Top {
    #[serde(default)]
    audits: Option<Vec<Slot>>,
    #[serde(default)]
    ticket_id: Option<Value>,
    #[serde(default)]
    created_at: Option<Value>,
    /// Read as a value, then as events: a bad one quarantines its audit, not the file.
    #[serde(default)]
    events: Option<Value>,
}

/// What the audits gave so far.
struct Reader<'p> {
    profile: &'p CaseProfile,
    resolver: LocalResolver,
    ids: HashMap<String, usize>,
    parsed: Parsed,
    /// JSON path of each audit read (index: its number − 1), ending in `.` when not empty.
    prefixes: Vec<String>,
}

/// A JSON value of a field as text (a number as written, null as empty), or why not.
fn scalar(v: Option<&Value>) -> std::result::Result<String, &'static str> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.trim().to_string()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Bool(b)) => Ok(b.to_string()),
        Some(Value::Array(_)) => Err("is a list, not a single value"),
        Some(Value::Object(_)) => Err("is an object, not a single value"),
    }
}

/// What kind of JSON value `v` is, for a message (never the value itself: it may be huge).
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl Reader<'_> {
    fn issue(&mut self, line: u64, field: String, reason: String) {
        self.parsed.issue_count += 1;
        self.parsed.issues.push(RowIssue {
            file: String::new(),
            line,
            field,
            reason,
            raw: String::new(),
        });
    }

    /// One audit (`None`: not an audit object), at `prefix`.
    fn audit(&mut self, a: Option<RawAudit>, prefix: String) {
        self.parsed.rows_read += 1;
        let line = self.parsed.rows_read;
        let at_path = |k: &str| format!("{prefix}{k}");
        self.prefixes.push(prefix.clone());
        let Some(a) = a else {
            let whole = prefix.trim_end_matches('.').to_string();
            return self.issue(
                line,
                if whole.is_empty() { "(audit)".into() } else { whole },
                "is not a ticket audit (an object with ticket_id, created_at and an events array of objects)".into(),
            );
        };
        let ticket = match scalar(a.ticket_id.as_ref()) {
            Ok(t) if !t.is_empty() => t,
            Ok(_) => {
                return self.issue(
                    line,
                    at_path("ticket_id"),
                    "is missing (the ticket the audit updates)".into(),
                )
            }
            Err(_) => {
                return self.issue(
                    line,
                    at_path("ticket_id"),
                    format!(
                        "is {}, not a ticket id",
                        kind_of(a.ticket_id.as_ref().unwrap_or(&Value::Null))
                    ),
                )
            }
        };
        let at = match a.created_at.as_ref() {
            Some(Value::String(s)) => instant(s, &self.profile.ts_format, &mut self.resolver),
            None | Some(Value::Null) => Err("is missing".to_string()),
            Some(other) => Err(format!("is {}, not a time text", kind_of(other))),
        };
        let at = match at {
            Ok(t) => t,
            Err(why) => return self.issue(line, at_path("created_at"), why),
        };
        let mut changes = Vec::new();
        for (j, e) in a.events.iter().flatten().enumerate() {
            let kind = e.kind.as_ref().and_then(Value::as_str).unwrap_or("");
            if kind != "Create" && kind != "Change" {
                continue;
            }
            let name = e.field_name.as_ref().and_then(Value::as_str).unwrap_or("");
            let Some(f) = self.profile.canonical(name) else {
                continue;
            };
            let norm = |s: String| {
                if self.profile.is_missing(&s) {
                    String::new()
                } else {
                    s
                }
            };
            let new = match scalar(e.value.as_ref()) {
                Ok(v) => norm(v),
                Err(why) => {
                    return self.issue(line, at_path(&format!("events[{j}].value")), why.into())
                }
            };
            let old = if kind == "Create" {
                None
            } else {
                match scalar(e.previous_value.as_ref()) {
                    Ok(v) => Some(norm(v)),
                    Err(why) => {
                        return self.issue(
                            line,
                            at_path(&format!("events[{j}].previous_value")),
                            why.into(),
                        )
                    }
                }
            };
            changes.push((j as u32, f, old, new));
        }
        let k = match self.ids.get(&ticket) {
            Some(&k) => k,
            None => {
                self.parsed.heads.push(Head {
                    id: ticket.clone(),
                    first_line: line,
                    ..Head::default()
                });
                self.ids.insert(ticket, self.parsed.heads.len() - 1);
                self.parsed.heads.len() - 1
            }
        };
        self.parsed.heads[k].rows += 1;
        self.parsed
            .changes
            .extend(changes.into_iter().map(|(pos, field, old, new)| Change {
                case: k,
                at,
                line,
                pos,
                field,
                old,
                new,
            }));
    }

    fn slots(&mut self, slots: Vec<Slot>, prefix: &str) {
        for (i, s) in slots.into_iter().enumerate() {
            let a = match s {
                Slot::Audit(a) => Some(a),
                Slot::Other(_) => None,
            };
            self.audit(a, format!("{prefix}[{i}]."));
        }
    }
}

/// Read a Zendesk ticket audit export with `profile` and replay each ticket.
pub(crate) fn read_audits(
    path: &Path,
    profile: &CaseProfile,
    org: &Org,
    queue: Option<&str>,
    zone: Tz,
    progress: Progress,
) -> Result<CaseRead> {
    let mut bytes =
        crate::io::text::read_capped(path, MAX_AUDIT_BYTES, "a ticket audit export", true)?;
    progress(std::fs::metadata(path).map_or(0, |m| m.len()));
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(input_err(
            path,
            "file is UTF-16 encoded; save it as UTF-8 and try again",
        ));
    }
    if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
        bytes.drain(..3);
    }
    let not_json = |e: serde_json::Error| {
        input_err(
            path,
            format!("is not a Zendesk ticket audit export (JSON): {e}"),
        )
    };
    let mut r = Reader {
        profile,
        resolver: LocalResolver::new(zone),
        ids: HashMap::new(),
        parsed: Parsed::default(),
        prefixes: Vec::new(),
    };
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(input_err(path, "file is empty (expected JSON ticket audits)")),
        Some(b'[') => {
            let slots: Vec<Slot> = serde_json::from_slice(&bytes).map_err(not_json)?;
            r.slots(slots, "");
        }
        Some(b'{') => {
            let stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<Top>();
            for top in stream {
                let top = top.map_err(not_json)?;
                match top.audits {
                    Some(slots) => r.slots(slots, "audits"),
                    None => {
                        let events = top.events.map(serde_json::from_value::<Vec<RawEvent>>);
                        let a = match events {
                            Some(Err(_)) => None,
                            Some(Ok(ev)) => Some(RawAudit {
                                ticket_id: top.ticket_id,
                                created_at: top.created_at,
                                events: Some(ev),
                            }),
                            None => Some(RawAudit {
                                ticket_id: top.ticket_id,
                                created_at: top.created_at,
                                events: None,
                            }),
                        };
                        r.audit(a, String::new());
                    }
                }
            }
        }
        Some(_) => {
            return Err(input_err(
                path,
                "is not a Zendesk ticket audit export (expected JSON: {\"audits\": [...]}, an array of audits, or one audit per line)",
            ))
        }
    }
    if r.parsed.rows_read == 0 {
        return Err(input_err(path, "has no ticket audits"));
    }
    let prefixes = std::mem::take(&mut r.prefixes);
    let pre = |line: u64| {
        prefixes
            .get((line as usize).saturating_sub(1))
            .map_or("", String::as_str)
    };
    let naming = |s: Src, _f: usize| -> String {
        match s {
            Src::Old { line, pos } => format!("{}events[{pos}].previous_value", pre(line)),
            Src::New { line, pos } => format!("{}events[{pos}].value", pre(line)),
            Src::None | Src::Current { .. } => "events".into(),
        }
    };
    finish(
        path,
        profile,
        None,
        r.parsed,
        &naming,
        "ticket_id",
        org,
        queue,
        zone,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::changelog::tests::org;
    use crate::cases::{read_cases, CaseUpdate};

    fn read(text: &str, name: &str) -> Result<CaseRead> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let org = org();
        let p = CaseProfile::built_in("zendesk").unwrap();
        read_cases(&path, &p, &org, Some("q"), chrono_tz::UTC, &|_| {})
    }

    const T9: i64 = 1_709_283_600; // 2024-03-01 09:00 UTC
    const H: i64 = 3600;

    fn upd(t: i64, status: &str, priority: &str, group: &str, line: u64) -> CaseUpdate {
        CaseUpdate {
            at_utc: t,
            status: status.into(),
            priority: priority.into(),
            group: group.into(),
            assignee: String::new(),
            synthetic: false,
            line,
        }
    }

    /// Ticket 1 created, then (out of order) put on hold and raised to urgent at once; a
    /// comment-only audit; ticket 2 seen from a later change only.
    const AUDITS: &str = r#"{"audits": [
 {"id": 11, "ticket_id": 1, "created_at": "2024-03-01T09:00:00Z", "author_id": 5, "events": [
   {"id": 1, "type": "Create", "field_name": "status", "value": "new"},
   {"id": 2, "type": "Create", "field_name": "priority", "value": "normal"},
   {"id": 3, "type": "Create", "field_name": "group_id", "value": "360001"},
   {"id": 4, "type": "Comment", "body": "It is broken", "public": true}]},
 {"id": 13, "ticket_id": 1, "created_at": "2024-03-01T12:00:00Z", "events": [
   {"id": 9, "type": "Change", "field_name": "status", "value": "hold", "previous_value": "open"},
   {"id": 10, "type": "Change", "field_name": "priority", "value": "urgent", "previous_value": "normal"},
   {"id": 11, "type": "Change", "field_name": "tags", "value": ["vip"], "previous_value": []}]},
 {"id": 12, "ticket_id": 1, "created_at": "2024-03-01T10:00:00Z", "events": [
   {"id": 7, "type": "Change", "field_name": "status", "value": "open", "previous_value": "new"},
   {"id": 8, "type": "Notification", "subject": "x"}]},
 {"id": 14, "ticket_id": 1, "created_at": "2024-03-01T13:00:00Z", "events": [
   {"id": 12, "type": "Comment", "body": "on it"}]},
 {"id": 21, "ticket_id": "2", "created_at": "2024-03-01T11:00:00Z", "events": [
   {"id": 20, "type": "Change", "field_name": "status", "value": "solved", "previous_value": "open"}]}
], "next_page": null, "count": 5}"#;

    #[test]
    fn audits_become_updates_per_ticket_in_time_order() {
        let r = read(AUDITS, "audits.json").unwrap();
        assert_eq!((r.rows_read, r.rows_quarantined), (5, 0));
        let t1 = &r.cases.iter().find(|c| c.case_id == "1").unwrap().updates;
        assert_eq!(
            t1,
            &vec![
                upd(T9, "new", "normal", "360001", 1),
                upd(T9 + H, "open", "normal", "360001", 3),
                upd(T9 + 3 * H, "hold", "urgent", "360001", 2),
            ]
        );
        // the ticket's status before its first change is that change's previous value
        let t2 = &r.cases.iter().find(|c| c.case_id == "2").unwrap().updates;
        assert_eq!(t2, &vec![upd(T9 + 2 * H, "solved", "", "", 5)]);
    }

    #[test]
    fn an_array_and_one_audit_per_line_read_like_the_page() {
        let page = read(AUDITS, "a.json").unwrap();
        let v: serde_json::Value = serde_json::from_str(AUDITS).unwrap();
        let audits = v["audits"].as_array().unwrap();
        let array = serde_json::to_string(audits).unwrap();
        let lines: Vec<String> = audits.iter().map(|a| a.to_string()).collect();
        for text in [array, lines.join("\n")] {
            let r = read(&text, "b.json").unwrap();
            assert_eq!(r.cases, page.cases);
        }
    }

    #[test]
    fn bad_audits_are_quarantined_with_their_number_and_json_path() {
        let text = r#"{"audits": [
 {"ticket_id": 1, "created_at": "2024-03-01T09:00:00Z", "events": [
   {"type": "Create", "field_name": "status", "value": "new"}]},
 {"ticket_id": 1, "created_at": "last tuesday", "events": []},
 {"ticket_id": 2, "created_at": "2024-03-01T09:00:00Z", "events": [
   {"type": "Create", "field_name": "status", "value": "parked"}]},
 {"ticket_id": 3, "created_at": "2024-03-01T09:00:00Z", "events": [
   {"type": "Create", "field_name": "priority", "value": ["a", "b"]}]},
 {"created_at": "2024-03-01T09:00:00Z", "events": []},
 42
]}"#;
        let r = read(text, "bad.json").unwrap();
        let got: Vec<(u64, &str)> = r
            .issues
            .iter()
            .map(|i| (i.line, i.field.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "audits[1].created_at"),
                (3, "audits[2].events[0].value"),
                (4, "audits[3].events[0].value"),
                (5, "audits[4].ticket_id"),
                (6, "audits[5]"),
            ]
        );
        assert!(r.issues[1].reason.contains("parked"), "{:?}", r.issues[1]);
        assert!(r.issues.iter().all(|i| i.file.ends_with("bad.json")));
        assert_eq!((r.rows_read, r.rows_quarantined, r.cases.len()), (6, 5, 1));
    }

    #[test]
    fn a_ticket_with_no_field_event_is_left_out_by_name() {
        let text = r#"{"ticket_id": 7, "created_at": "2024-03-01T09:00:00Z", "events": [{"type": "Comment", "body": "hi"}]}
{"ticket_id": 8, "created_at": "2024-03-01T09:00:00Z", "events": [{"type": "Create", "field_name": "status", "value": "new"}]}
"#;
        let r = read(text, "lines.json").unwrap();
        assert_eq!(r.cases.len(), 1);
        let i = &r.issues[0];
        assert_eq!((i.line, i.field.as_str()), (1, "ticket_id"));
        assert!(
            i.reason.contains("\"7\"") && i.reason.contains("no change"),
            "{i:?}"
        );
        assert_eq!(r.rows_quarantined, 1);
    }

    #[test]
    fn malformed_json_is_an_error_naming_the_file_and_place() {
        let e = read("{\"audits\": [{\"ticket_id\": 1,]}", "broken.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("broken.json") && e.contains("line 1"), "{e}");
        let e = read("ticket_id,status\n1,new\n", "c.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.json") && e.contains("JSON"), "{e}");
        let e = read("{\"audits\": []}", "empty.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("empty.json") && e.contains("no ticket audits"),
            "{e}"
        );
    }

    #[test]
    fn an_export_past_the_cap_is_refused_before_it_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.json");
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(MAX_AUDIT_BYTES + 1).unwrap();
        let org = org();
        let p = CaseProfile::built_in("zendesk").unwrap();
        let e = read_cases(&path, &p, &org, Some("q"), chrono_tz::UTC, &|_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("huge.json") && e.contains("256 MiB"), "{e}");
    }
}

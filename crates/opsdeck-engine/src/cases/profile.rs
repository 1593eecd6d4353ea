//! Case export profiles and mapping files: how a vendor's export holds the case id, the update
//! time, the opening time and the canonical fields (status, priority, assignment group,
//! assignee); how times are written; which statuses exist; and which queue of the setup file a
//! case belongs to (by its assignment group). Three layouts share one TOML format:
//! `state` (one row per update holding the case's whole state, `[columns]`), `changelog` (one
//! row per change of one field: case, time, field, old and new value, `[changes]` and
//! `[fields]`) and `zendesk-json` (Zendesk's ticket audits, `[fields]`). The built-in profiles
//! are written in that format (`profiles/*.toml`), so one format covers any system.

use crate::error::{EngineError, Result};
use crate::io::parse::TsFormat;
use chrono_tz::Tz;
use opsdeck_core::Org;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The built-in profiles: name and text.
pub const BUILT_IN: [(&str, &str); 4] = [
    (
        "servicenow-incident",
        include_str!("profiles/servicenow-incident.toml"),
    ),
    (
        "jira-service-management",
        include_str!("profiles/jira-service-management.toml"),
    ),
    (
        "salesforce-case",
        include_str!("profiles/salesforce-case.toml"),
    ),
    ("zendesk", include_str!("profiles/zendesk.toml")),
];

/// The layouts a mapping file may name with `layout = "…"`.
pub const LAYOUTS: [&str; 3] = ["state", "changelog", "zendesk-json"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumns {
    case: Option<String>,
    status: Option<String>,
    timestamp: Option<String>,
    opened: Option<String>,
    priority: Option<String>,
    group: Option<String>,
    assignee: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChanges {
    case: Option<String>,
    at: Option<String>,
    field: Option<String>,
    old: Option<String>,
    new: Option<String>,
    created: Option<String>,
    status: Option<String>,
    priority: Option<String>,
    group: Option<String>,
    assignee: Option<String>,
}

/// One export field name, or several that mean the same canonical field.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Names {
    One(String),
    Many(Vec<String>),
}

impl Names {
    fn list(&self) -> Vec<String> {
        match self {
            Names::One(s) => vec![s.clone()],
            Names::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFields {
    status: Option<Names>,
    priority: Option<Names>,
    group: Option<Names>,
    assignee: Option<Names>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    /// A built-in profile whose keys this file starts from.
    profile: Option<String>,
    name: Option<String>,
    /// `state` (default), `changelog` or `zendesk-json`.
    layout: Option<String>,
    timestamp_format: Option<String>,
    missing: Option<Vec<String>>,
    opening_status: Option<String>,
    statuses: Option<Vec<String>>,
    zone: Option<String>,
    default_queue: Option<String>,
    /// The state layout's columns.
    columns: Option<RawColumns>,
    /// The changelog layout's columns.
    changes: Option<RawChanges>,
    /// Export field name(s) → canonical field (changelog and zendesk-json).
    fields: Option<RawFields>,
    /// Assignment group (as the export writes it) → queue id.
    #[serde(default)]
    queues: BTreeMap<String, String>,
}

/// Where a case goes: by its assignment group through the table, else to the default queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueMap {
    pub by_group: BTreeMap<String, String>,
    pub default_queue: Option<String>,
}

impl QueueMap {
    /// The queue of a group value: the table's, the default, or the value itself when it is a
    /// queue id of the setup file.
    pub fn queue_of<'a>(&'a self, group: &'a str, org: &Org) -> Option<&'a str> {
        if let Some(q) = self.by_group.get(group) {
            return Some(q);
        }
        if org.queues.contains_key(group) {
            return Some(group);
        }
        self.default_queue.as_deref()
    }
}

/// The columns of a state export: one row per update, holding the case's whole state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateColumns {
    pub case: String,
    pub status: String,
    pub timestamp: String,
    pub opened: Option<String>,
    pub priority: Option<String>,
    pub group: Option<String>,
    pub assignee: Option<String>,
}

impl StateColumns {
    /// Columns the read needs besides case, status and timestamp.
    pub fn kept_columns(&self) -> Vec<String> {
        [&self.priority, &self.group, &self.opened]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

/// The columns of a changelog export: one row per change of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeColumns {
    pub case: String,
    /// When the change was made.
    pub at: String,
    /// The export's name of the field changed.
    pub field: String,
    pub old: String,
    pub new: String,
    /// The case's creation time (a case-level column).
    pub created: Option<String>,
    /// Case-level columns of the current value of each canonical field, in
    /// [`FIELDS`](super::FIELDS) order: the value of a field the log never changes.
    pub current: [Option<String>; 4],
}

/// How an export holds a case's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// One row per update with the case's whole state (`[columns]`).
    State(StateColumns),
    /// One row per change of one field (`[changes]`, `[fields]`).
    Changelog(ChangeColumns),
    /// Zendesk's ticket audits as the API returns them (JSON; `[fields]`).
    ZendeskJson,
}

impl Layout {
    /// The layout's name in a mapping file.
    pub fn name(&self) -> &'static str {
        match self {
            Layout::State(_) => LAYOUTS[0],
            Layout::Changelog(_) => LAYOUTS[1],
            Layout::ZendeskJson => LAYOUTS[2],
        }
    }
}

/// A case export's layout, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseProfile {
    pub name: String,
    pub layout: Layout,
    /// The export's field names of each canonical field, in [`FIELDS`](super::FIELDS) order
    /// (changelog and zendesk-json; empty for the state layout).
    pub fields: [Vec<String>; 4],
    pub ts_format: TsFormat,
    pub missing: Vec<String>,
    pub opening_status: Option<String>,
    /// Known statuses; empty: any. An update with another status quarantines its case.
    pub statuses: Vec<String>,
    pub zone: Option<Tz>,
    pub queues: QueueMap,
}

impl CaseProfile {
    /// A built-in profile by name.
    pub fn built_in(name: &str) -> Result<CaseProfile> {
        let Some((_, text)) = BUILT_IN.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
            return Err(EngineError::invalid(
                "profile",
                format!(
                    "unknown case profile {} (built in: {}; or give a mapping file)",
                    crate::io::quoted(name),
                    names.join(", ")
                ),
            ));
        };
        parse(text, Path::new(name))
    }

    /// A mapping file (it may start from a built-in profile with `profile = "NAME"`); its queue
    /// ids are checked against `org`.
    pub fn from_map_file(text: &str, path: &Path, org: &Org) -> Result<CaseProfile> {
        let p = parse(text, path)?;
        p.check_queues(org, path)?;
        Ok(p)
    }

    /// The canonical field (an index into [`FIELDS`](super::FIELDS)) an export's field name
    /// stands for, if any.
    pub fn canonical(&self, export_field: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|names| names.iter().any(|n| n == export_field))
    }

    /// Whether a value is "no value": empty after trimming, or one of `missing`.
    pub fn is_missing(&self, v: &str) -> bool {
        v.trim().is_empty() || self.missing.iter().any(|m| m == v)
    }

    fn check_queues(&self, org: &Org, path: &Path) -> Result<()> {
        let bad = |m: String| EngineError::Mapping {
            path: path.to_path_buf(),
            message: m,
        };
        let targets = self
            .queues
            .by_group
            .iter()
            .map(|(g, q)| (format!("queues.{}", crate::io::quoted(g)), q))
            .chain(
                self.queues
                    .default_queue
                    .iter()
                    .map(|q| ("default_queue".to_string(), q)),
            );
        for (key, q) in targets {
            match org.queues.get(q) {
                None => {
                    return Err(bad(format!(
                        "{key}: unknown queue {}{}",
                        crate::io::quoted(q),
                        opsdeck_core::org::nearest_ids(q, org.queues.keys().map(String::as_str))
                            .first()
                            .map(|n| format!(" (did you mean {n:?}?)"))
                            .unwrap_or_default()
                    )))
                }
                Some(queue) if queue.channel != opsdeck_core::Channel::Ticket => {
                    return Err(bad(format!(
                        "{key}: queue {} is a {} queue; cases go to ticket queues (channel = \"ticket\" in the setup file)",
                        crate::io::quoted(q),
                        queue.channel.as_str()
                    )))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

fn parse(text: &str, path: &Path) -> Result<CaseProfile> {
    let bad = |m: String| EngineError::Mapping {
        path: path.to_path_buf(),
        message: m,
    };
    let raw: RawMap = crate::io::from_toml(text).map_err(&bad)?;
    let raw = match &raw.profile {
        Some(name) => {
            let Some((_, t)) = BUILT_IN.iter().find(|(n, _)| n == name) else {
                let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
                return Err(bad(format!(
                    "profile: unknown case profile {} (built in: {})",
                    crate::io::quoted(name),
                    names.join(", ")
                )));
            };
            let b: RawMap = crate::io::from_toml(t).map_err(EngineError::Internal)?;
            merge(b, raw)
        }
        None => raw,
    };
    let named = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let need = |v: &Option<String>, table: &str, key: &str, what: &str| {
        named(v).ok_or_else(|| bad(format!("{table}.{key}: name the column of the {what}")))
    };
    let zone = raw
        .zone
        .as_deref()
        .map(|z| opsdeck_core::calendar::parse_zone(z).map_err(|e| bad(format!("zone: {e}"))))
        .transpose()?;
    let ts_format = match raw.timestamp_format.as_deref() {
        None | Some("auto") => TsFormat::Auto,
        Some("epoch") => TsFormat::Epoch,
        Some(p) => TsFormat::Pattern(p.to_string()),
    };
    let layout_name = raw.layout.as_deref().unwrap_or(LAYOUTS[0]);
    let misplaced = |table: &str| {
        bad(format!(
            "[{table}] does not belong to layout = {} ({})",
            crate::io::quoted(layout_name),
            match table {
                "columns" => "[columns] names the columns of layout = \"state\"",
                "changes" => "[changes] names the columns of layout = \"changelog\"",
                _ => "[fields] maps the field names of layout = \"changelog\" or \"zendesk-json\"",
            }
        ))
    };
    let layout = match layout_name {
        "state" => {
            if raw.changes.is_some() {
                return Err(misplaced("changes"));
            }
            if raw.fields.is_some() {
                return Err(misplaced("fields"));
            }
            let c = raw.columns.clone().unwrap_or_default();
            Layout::State(StateColumns {
                case: need(&c.case, "columns", "case", "case")?,
                status: need(&c.status, "columns", "status", "status")?,
                timestamp: need(&c.timestamp, "columns", "timestamp", "timestamp")?,
                opened: named(&c.opened),
                priority: named(&c.priority),
                group: named(&c.group),
                assignee: named(&c.assignee),
            })
        }
        "changelog" => {
            if raw.columns.is_some() {
                return Err(misplaced("columns"));
            }
            let c = raw.changes.clone().unwrap_or_default();
            Layout::Changelog(ChangeColumns {
                case: need(&c.case, "changes", "case", "case")?,
                at: need(&c.at, "changes", "at", "change time")?,
                field: need(&c.field, "changes", "field", "field changed")?,
                old: need(&c.old, "changes", "old", "old value")?,
                new: need(&c.new, "changes", "new", "new value")?,
                created: named(&c.created),
                current: [
                    named(&c.status),
                    named(&c.priority),
                    named(&c.group),
                    named(&c.assignee),
                ],
            })
        }
        "zendesk-json" => {
            if raw.columns.is_some() {
                return Err(misplaced("columns"));
            }
            if raw.changes.is_some() {
                return Err(misplaced("changes"));
            }
            Layout::ZendeskJson
        }
        other => {
            return Err(bad(format!(
                "layout: unknown layout {} (one of: {})",
                crate::io::quoted(other),
                LAYOUTS.join(", ")
            )))
        }
    };
    let f = raw.fields.clone().unwrap_or_default();
    let fields: [Vec<String>; 4] = [&f.status, &f.priority, &f.group, &f.assignee].map(|n| {
        n.as_ref()
            .map(Names::list)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect()
    });
    if !matches!(layout, Layout::State(_)) {
        if fields[0].is_empty() {
            return Err(bad(
                "fields.status: name the export's field name of the status (e.g. status = \"Status\")"
                    .into(),
            ));
        }
        for (i, names) in fields.iter().enumerate() {
            for n in names {
                if let Some(j) = fields
                    .iter()
                    .enumerate()
                    .position(|(j, o)| j != i && o.contains(n))
                {
                    return Err(bad(format!(
                        "fields: {} is named for both {} and {}",
                        crate::io::quoted(n),
                        super::FIELDS[i.min(j)],
                        super::FIELDS[i.max(j)]
                    )));
                }
            }
        }
    }
    Ok(CaseProfile {
        name: raw
            .name
            .clone()
            .unwrap_or_else(|| path.display().to_string()),
        layout,
        fields,
        ts_format,
        missing: raw.missing.clone().unwrap_or_default(),
        opening_status: raw.opening_status.clone(),
        statuses: raw.statuses.clone().unwrap_or_default(),
        zone,
        queues: QueueMap {
            by_group: raw.queues.clone(),
            default_queue: raw.default_queue.clone(),
        },
    })
}

/// A mapping file's keys over its base profile's. The tables of columns and fields merge key
/// by key, unless the file names another layout than its base: then only its own count.
fn merge(base: RawMap, over: RawMap) -> RawMap {
    let c = |b: Option<String>, o: Option<String>| o.or(b);
    let base_layout = base.layout.clone().unwrap_or_else(|| LAYOUTS[0].into());
    let same = over.layout.as_ref().is_none_or(|l| *l == base_layout);
    let (bc, bch, bf) = if same {
        (base.columns, base.changes, base.fields)
    } else {
        (None, None, None)
    };
    let columns = match (bc, over.columns) {
        (None, o) => o,
        (Some(b), None) => Some(b),
        (Some(b), Some(o)) => Some(RawColumns {
            case: c(b.case, o.case),
            status: c(b.status, o.status),
            timestamp: c(b.timestamp, o.timestamp),
            opened: c(b.opened, o.opened),
            priority: c(b.priority, o.priority),
            group: c(b.group, o.group),
            assignee: c(b.assignee, o.assignee),
        }),
    };
    let changes = match (bch, over.changes) {
        (None, o) => o,
        (Some(b), None) => Some(b),
        (Some(b), Some(o)) => Some(RawChanges {
            case: c(b.case, o.case),
            at: c(b.at, o.at),
            field: c(b.field, o.field),
            old: c(b.old, o.old),
            new: c(b.new, o.new),
            created: c(b.created, o.created),
            status: c(b.status, o.status),
            priority: c(b.priority, o.priority),
            group: c(b.group, o.group),
            assignee: c(b.assignee, o.assignee),
        }),
    };
    let fields = match (bf, over.fields) {
        (None, o) => o,
        (Some(b), None) => Some(b),
        (Some(b), Some(o)) => Some(RawFields {
            status: o.status.or(b.status),
            priority: o.priority.or(b.priority),
            group: o.group.or(b.group),
            assignee: o.assignee.or(b.assignee),
        }),
    };
    RawMap {
        profile: over.profile,
        name: over.name.or(base.name),
        layout: Some(over.layout.unwrap_or(base_layout)),
        timestamp_format: c(base.timestamp_format, over.timestamp_format),
        missing: over.missing.or(base.missing),
        opening_status: c(base.opening_status, over.opening_status),
        statuses: over.statuses.or(base.statuses),
        zone: c(base.zone, over.zone),
        default_queue: c(base.default_queue, over.default_queue),
        columns,
        changes,
        fields,
        queues: if over.queues.is_empty() {
            base.queues
        } else {
            over.queues
        },
    }
}

/// A profile named on the command line or a mapping file, for error messages and records.
pub fn describe(profile: Option<&str>, map: Option<&PathBuf>) -> String {
    match (profile, map) {
        (_, Some(p)) => p.display().to_string(),
        (Some(n), None) => n.to_string(),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(p: &CaseProfile) -> &StateColumns {
        match &p.layout {
            Layout::State(c) => c,
            other => panic!("not a state layout: {other:?}"),
        }
    }

    fn changes(p: &CaseProfile) -> &ChangeColumns {
        match &p.layout {
            Layout::Changelog(c) => c,
            other => panic!("not a changelog layout: {other:?}"),
        }
    }

    #[test]
    fn the_servicenow_profile_names_the_export_columns() {
        let p = CaseProfile::built_in("servicenow-incident").unwrap();
        let c = state(&p);
        assert_eq!(
            (c.case.as_str(), c.status.as_str(), c.timestamp.as_str()),
            ("number", "incident_state", "sys_updated_at")
        );
        assert_eq!(p.opening_status.as_deref(), Some("New"));
        assert!(p.statuses.iter().any(|s| s == "Awaiting User Info"));
        let e = CaseProfile::built_in("servicenow").unwrap_err().to_string();
        assert!(e.contains("servicenow-incident"), "{e}");
        assert!(
            e.contains("zendesk") && e.contains("salesforce-case"),
            "{e}"
        );
    }

    #[test]
    fn every_built_in_profile_parses_and_maps_the_status() {
        for (name, _) in BUILT_IN {
            let p = CaseProfile::built_in(name).unwrap();
            assert_eq!(p.name, name);
            assert!(!p.statuses.is_empty(), "{name}: statuses");
            if !matches!(p.layout, Layout::State(_)) {
                assert!(p.canonical(&p.fields[0][0]) == Some(0), "{name}");
            }
        }
        let j = CaseProfile::built_in("jira-service-management").unwrap();
        let c = changes(&j);
        assert_eq!(
            [&c.case, &c.at, &c.field, &c.old, &c.new].map(String::as_str),
            ["Issue key", "Changed", "Field", "From", "To"]
        );
        assert_eq!(c.created.as_deref(), Some("Created"));
        assert_eq!(j.canonical("status"), Some(0));
        assert_eq!(j.canonical("Component"), Some(2));
        assert_eq!(j.canonical("resolution"), None);
        let s = CaseProfile::built_in("salesforce-case").unwrap();
        assert_eq!(changes(&s).case, "Case.CaseNumber");
        assert_eq!(s.canonical("Owner"), Some(2));
        let z = CaseProfile::built_in("zendesk").unwrap();
        assert_eq!(z.layout, Layout::ZendeskJson);
        assert_eq!(z.canonical("group_id"), Some(2));
        assert_eq!(z.canonical("assignee_id"), Some(3));
    }

    #[test]
    fn a_mapping_file_starts_from_a_profile() {
        let text = r#"
profile = "servicenow-incident"
zone = "Europe/London"
default_queue = "q"
[queues]
"Group 70" = "q2"
"#;
        let p = parse(text, Path::new("m.toml")).unwrap();
        assert_eq!(state(&p).case, "number");
        assert_eq!(p.zone, Some(chrono_tz::Europe::London));
        assert_eq!(p.queues.by_group["Group 70"], "q2");
        assert_eq!(p.queues.default_queue.as_deref(), Some("q"));
        let e = parse("[columns]\ncase = \"id\"\n", Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("columns.status"), "{e}");
        let e = parse("colums = 1\n", Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("m.toml"), "{e}");
    }

    #[test]
    fn a_changelog_mapping_names_its_columns_and_fields() {
        let text = r#"
layout = "changelog"
statuses = ["Open", "Done"]
[changes]
case = "ticket"
at = "when"
field = "what"
old = "before"
new = "after"
status = "state_now"
[fields]
status = ["Status", "State"]
group = "Team"
"#;
        let p = parse(text, Path::new("m.toml")).unwrap();
        let c = changes(&p);
        assert_eq!(c.current[0].as_deref(), Some("state_now"));
        assert_eq!(c.created, None);
        assert_eq!(
            (p.canonical("State"), p.canonical("Team")),
            (Some(0), Some(2))
        );
        // a file over a changelog profile keeps its columns and replaces one field name
        let over = "profile = \"jira-service-management\"\n[fields]\ngroup = \"Team\"\n";
        let p = parse(over, Path::new("m.toml")).unwrap();
        assert_eq!(changes(&p).case, "Issue key");
        assert_eq!(
            (p.canonical("Team"), p.canonical("Component")),
            (Some(2), None)
        );
        assert_eq!(p.canonical("status"), Some(0));
        for (text, want) in [
            ("layout = \"changelog\"\n[fields]\nstatus = \"s\"\n", "changes.case"),
            (
                "layout = \"changelog\"\n[changes]\ncase = \"c\"\nat = \"t\"\nfield = \"f\"\nold = \"o\"\nnew = \"n\"\n",
                "fields.status",
            ),
            ("layout = \"zendesk-json\"\n[columns]\ncase = \"c\"\n", "[columns] does not belong"),
            ("[changes]\ncase = \"c\"\n", "[changes] does not belong"),
            ("layout = \"events\"\n", "unknown layout"),
            (
                "layout = \"zendesk-json\"\n[fields]\nstatus = \"status\"\ngroup = \"status\"\n",
                "named for both status and group",
            ),
        ] {
            let e = parse(text, Path::new("m.toml")).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("m.toml"), "{text}: {e}");
        }
    }
}

//! Case export profiles and mapping files: which column of an export is the case id, the
//! status, the update time, the opening time, the priority, the assignment group and the
//! assignee; how times are written; which statuses exist; and which queue of the setup file a
//! case belongs to (by its assignment group). The built-in profiles are written in the same
//! TOML format as a user's mapping file (`profiles/*.toml`), so one format covers any system.

use crate::error::{EngineError, Result};
use crate::io::parse::TsFormat;
use chrono_tz::Tz;
use opsdeck_core::Org;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The built-in profiles: name and text.
pub const BUILT_IN: [(&str, &str); 1] = [(
    "servicenow-incident",
    include_str!("profiles/servicenow-incident.toml"),
)];

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
struct RawMap {
    /// A built-in profile whose keys this file starts from.
    profile: Option<String>,
    name: Option<String>,
    timestamp_format: Option<String>,
    missing: Option<Vec<String>>,
    opening_status: Option<String>,
    statuses: Option<Vec<String>>,
    zone: Option<String>,
    default_queue: Option<String>,
    #[serde(default)]
    columns: RawColumns,
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

/// A case export's layout, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseProfile {
    pub name: String,
    pub case: String,
    pub status: String,
    pub timestamp: String,
    pub opened: Option<String>,
    pub priority: Option<String>,
    pub group: Option<String>,
    pub assignee: Option<String>,
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

    /// Columns the read needs besides case, status and timestamp.
    pub fn kept_columns(&self) -> Vec<String> {
        [&self.priority, &self.group, &self.opened]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
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
    let need = |v: &Option<String>, key: &str| {
        v.clone()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| bad(format!("columns.{key}: name the column of the {key}")))
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
    Ok(CaseProfile {
        name: raw
            .name
            .clone()
            .unwrap_or_else(|| path.display().to_string()),
        case: need(&raw.columns.case, "case")?,
        status: need(&raw.columns.status, "status")?,
        timestamp: need(&raw.columns.timestamp, "timestamp")?,
        opened: raw.columns.opened.clone(),
        priority: raw.columns.priority.clone(),
        group: raw.columns.group.clone(),
        assignee: raw.columns.assignee.clone(),
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

/// A mapping file's keys over its base profile's.
fn merge(base: RawMap, over: RawMap) -> RawMap {
    let c = |b: Option<String>, o: Option<String>| o.or(b);
    RawMap {
        profile: over.profile,
        name: over.name.or(base.name),
        timestamp_format: c(base.timestamp_format, over.timestamp_format),
        missing: over.missing.or(base.missing),
        opening_status: c(base.opening_status, over.opening_status),
        statuses: over.statuses.or(base.statuses),
        zone: c(base.zone, over.zone),
        default_queue: c(base.default_queue, over.default_queue),
        columns: RawColumns {
            case: c(base.columns.case, over.columns.case),
            status: c(base.columns.status, over.columns.status),
            timestamp: c(base.columns.timestamp, over.columns.timestamp),
            opened: c(base.columns.opened, over.columns.opened),
            priority: c(base.columns.priority, over.columns.priority),
            group: c(base.columns.group, over.columns.group),
            assignee: c(base.columns.assignee, over.columns.assignee),
        },
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

    #[test]
    fn the_servicenow_profile_names_the_export_columns() {
        let p = CaseProfile::built_in("servicenow-incident").unwrap();
        assert_eq!(
            (p.case.as_str(), p.status.as_str(), p.timestamp.as_str()),
            ("number", "incident_state", "sys_updated_at")
        );
        assert_eq!(p.opening_status.as_deref(), Some("New"));
        assert!(p.statuses.iter().any(|s| s == "Awaiting User Info"));
        let e = CaseProfile::built_in("servicenow").unwrap_err().to_string();
        assert!(e.contains("servicenow-incident"), "{e}");
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
        assert_eq!(p.case, "number");
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
}

//! Case-clock policy files (TOML): one `[[clock]]` per clock definition, turned into
//! `opsdeck_core::clock::ClockPolicy`; the schedule is a calendar declared inline (stand-alone
//! use) or named from the organisation. Errors name the file, the clock and the key.

use crate::error::{EngineError, Result};
use opsdeck_core::clock::{CancelRule, ClockPolicy, Condition};
use opsdeck_core::org::{calendar_from_raw, RawCalendar};
use opsdeck_core::Org;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicyFile {
    #[serde(rename = "clock")]
    clocks: Vec<RawClock>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClock {
    name: String,
    target_s: i64,
    /// `resolution` (default) or `first_response`: which case fact the clock feeds.
    #[serde(default)]
    measures: opsdeck_core::clock::Measures,
    /// A calendar of the organisation, by id.
    #[serde(default)]
    schedule: Option<String>,
    /// A calendar declared here (same shape as a setup file's `[[calendar]]`).
    #[serde(default)]
    calendar: Option<RawCalendar>,
    start: Condition,
    #[serde(default)]
    stop: Option<Condition>,
    #[serde(default)]
    pause: Option<Condition>,
    #[serde(default)]
    resume: Option<Condition>,
    #[serde(default)]
    reset: Option<Condition>,
    /// `start_no_longer_met` (default) or `never`.
    #[serde(default)]
    cancel: Option<String>,
    /// Cancel when this holds (instead of `cancel`).
    #[serde(default)]
    cancel_when: Option<Condition>,
}

/// Parse a policy file; `org` resolves `schedule = "<calendar id>"` (pass `None` stand-alone).
pub fn read_policies(text: &str, path: &Path, org: Option<&Org>) -> Result<Vec<ClockPolicy>> {
    let bad = |message: String| EngineError::Input {
        path: path.to_path_buf(),
        message,
    };
    let raw: RawPolicyFile = crate::io::from_toml(text).map_err(bad)?;
    let mut out = Vec::new();
    for (i, c) in raw.clocks.iter().enumerate() {
        let key = |k: &str| format!("clock[{i}].{k} (clock {})", crate::io::quoted(&c.name));
        if out.iter().any(|p: &ClockPolicy| p.name == c.name) {
            return Err(bad(format!("{}: declared twice", key("name"))));
        }
        if c.target_s <= 0 {
            return Err(bad(format!("{}: must be > 0 seconds", key("target_s"))));
        }
        let schedule = match (&c.schedule, &c.calendar) {
            (Some(_), Some(_)) => {
                return Err(bad(format!(
                "{}: give either schedule (a calendar id) or an inline [clock.calendar], not both",
                key("schedule")
            )))
            }
            (Some(id), None) => Some(org.and_then(|o| o.calendars.get(id)).cloned().ok_or_else(
                || {
                    bad(format!(
                        "{}: unknown calendar {}",
                        key("schedule"),
                        crate::io::quoted(id)
                    ))
                },
            )?),
            (None, Some(rc)) => {
                Some(calendar_from_raw(rc).map_err(|e| bad(format!("{}: {e}", key("calendar"))))?)
            }
            (None, None) => None,
        };
        let cancel = match (c.cancel.as_deref(), &c.cancel_when) {
            (Some(_), Some(_)) => {
                return Err(bad(format!(
                    "{}: give either cancel or cancel_when, not both",
                    key("cancel")
                )))
            }
            (None, Some(w)) => CancelRule::When(w.clone()),
            (None | Some("start_no_longer_met"), None) => CancelRule::StartNoLongerMet,
            (Some("never"), None) => CancelRule::Never,
            (Some(other), None) => {
                return Err(bad(format!(
                    "{}: unknown cancel rule {} (expected start_no_longer_met or never, or use cancel_when)",
                    key("cancel"),
                    crate::io::quoted(other)
                )))
            }
        };
        out.push(ClockPolicy {
            name: c.name.clone(),
            measures: c.measures,
            target_s: c.target_s,
            start: c.start.clone(),
            stop: c.stop.clone(),
            pause: c.pause.clone(),
            resume: c.resume.clone(),
            reset: c.reset.clone(),
            cancel,
            schedule,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::clock::{run_clocks, CaseEvent};

    const POLICY: &str = r#"
[[clock]]
name = "p1-resolution"
target_s = 14400
start = [{ field = "priority", in = ["1"] }, { field = "state", not_in = ["resolved", "closed"] }]
stop = [{ field = "state", in = ["resolved", "closed"] }]
pause = [{ field = "state", in = ["awaiting_caller"] }]

[clock.calendar]
id = "ops"
time_zone = "Europe/Paris"
hours = { mon = "08:00-17:00", tue = "08:00-17:00", wed = "08:00-17:00", thu = "08:00-17:00", fri = "08:00-17:00" }
"#;

    #[test]
    fn a_policy_file_runs() {
        let p = read_policies(POLICY, Path::new("policy.toml"), None).unwrap();
        assert_eq!(p.len(), 1);
        let t = |h: i64| 1_795_406_400 + h * 3600; // Monday 2026-11-23 04:00 UTC
        let ev = |h: i64, f: &[(&str, &str)]| CaseEvent {
            at_utc: t(h),
            fields: f
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        // opened 05:00 local (before hours), resolved 11:00 local: 3 business hours
        let r = run_clocks(
            &p[0],
            &[
                ev(0, &[("priority", "1"), ("state", "new")]),
                ev(6, &[("state", "resolved")]),
            ],
            t(100),
        );
        assert_eq!(r[0].business_elapsed_s, 3 * 3600);
        assert_eq!(r[0].actual_elapsed_s, 6 * 3600);
        assert!(!r[0].breached);
    }

    #[test]
    fn the_servicenow_example_policy_parses() {
        let text = include_str!("../../../../docs/examples/servicenow-priority-policy.toml");
        let p = read_policies(text, Path::new("servicenow-priority-policy.toml"), None).unwrap();
        let names: Vec<_> = p.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "p1-resolution",
                "p2-resolution",
                "p3-resolution",
                "p4-resolution"
            ]
        );
        // a P1 incident resolved after 5 h breaches its 4 h clock; the P3 clock never attaches
        let ev = |h: i64, f: &[(&str, &str)]| CaseEvent {
            at_utc: h * 3600,
            fields: f
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let log = [
            ev(
                0,
                &[("priority", "1 - Critical"), ("incident_state", "New")],
            ),
            ev(5, &[("incident_state", "Resolved")]),
        ];
        let r = run_clocks(&p[0], &log, 100 * 3600);
        assert!(r[0].breached);
        assert_eq!(r[0].breach_utc, Some(4 * 3600));
        assert!(run_clocks(&p[2], &log, 100 * 3600).is_empty());
    }

    #[test]
    fn bad_policies_name_the_file_and_the_key() {
        for (text, expected) in [
            (
                POLICY.replace("target_s = 14400", "target_s = 0"),
                "clock[0].target_s (clock \"p1-resolution\"): must be > 0",
            ),
            (
                POLICY.replace("pause =", "paused ="),
                "unknown field `paused`",
            ),
            (
                POLICY.replace("Europe/Paris", "Mars/Olympus"),
                "clock[0].calendar (clock \"p1-resolution\"): calendar \"ops\": time_zone",
            ),
            (
                POLICY.replace("not_in = [", "notin = ["),
                "unknown field `notin`",
            ),
            (
                POLICY.replace(
                    "[clock.calendar]",
                    "cancel = \"sometimes\"\n[clock.calendar]",
                ),
                "unknown cancel rule \"sometimes\"",
            ),
        ] {
            let e = read_policies(&text, Path::new("p.toml"), None)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("p.toml: "), "{e}");
            assert!(e.contains(expected), "expected {expected:?} in {e}");
        }
        let no_calendar = &POLICY[..POLICY.find("[clock.calendar]").unwrap()];
        let e = read_policies(
            &format!("{no_calendar}schedule = \"nope\"\n"),
            Path::new("p.toml"),
            None,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "p.toml: clock[0].schedule (clock \"p1-resolution\"): unknown calendar \"nope\""
        );
    }
}

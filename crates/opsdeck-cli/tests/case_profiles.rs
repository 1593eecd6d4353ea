//! The built-in case profiles on their samples (docs/examples/cases, docs/case-profiles.md):
//! each sample (five cases: a priority change, a pause, a reopening, two cases still open)
//! ingested with its profile and its example clock policy gives the counts worked out by hand
//! in the scorecard and the backlog; a second ingest stores nothing; a missing column or
//! broken JSON refuses the file by name; an unknown status quarantines its case with line and
//! field; the example mapping files route cases by group and read like the profile.

mod util;

use std::path::PathBuf;
use util::Dir;

const SETUP: &str = r#"
[[site]]
id = "s1"
name = "Site"
country = "PT"
time_zone = "UTC"
cost_per_productive_hour = 20.0
currency = "USD"

[[client]]
id = "acme"
name = "Acme Corp"

[[program]]
id = "acme-itsd"
name = "Acme IT Service Desk"
client = "acme"
sites = ["s1"]

[[calendar]]
id = "utc-24x7"
time_zone = "UTC"
hours = { mon = "24h", tue = "24h", wed = "24h", thu = "24h", fri = "24h", sat = "24h", sun = "24h" }

[[queue]]
id = "itsd"
name = "IT Service Desk"
program = "acme-itsd"
channel = "ticket"
calendar = "utc-24x7"
threshold_s = 3600
short_abandon_s = 0
interval_minutes = 60
sl_target = 0.8
site = "s1"

[[queue]]
id = "itsd-net"
name = "IT Service Desk (network)"
program = "acme-itsd"
channel = "ticket"
calendar = "utc-24x7"
threshold_s = 3600
short_abandon_s = 0
interval_minutes = 60
sl_target = 0.8
site = "s1"
"#;

/// A built-in profile, its sample, the cases still open at the sample's last update, and an
/// unknown status planted in the sample: (text replaced, quarantine line, field).
struct Profile {
    name: &'static str,
    sample: &'static str,
    open: [&'static str; 2],
    unknown: (&'static str, u64, &'static str, &'static str),
    /// A header column renamed (CSV) — or None: the JSON cut in half.
    missing_column: Option<(&'static str, &'static str)>,
}

const PROFILES: [Profile; 4] = [
    Profile {
        name: "servicenow-incident",
        sample: "servicenow-incident-sample.csv",
        open: ["INC0010004", "INC0010005"],
        unknown: ("Awaiting User Info", 6, "incident_state", "INC0010002"),
        missing_column: Some(("sys_updated_at", "updated_at")),
    },
    Profile {
        name: "jira-service-management",
        sample: "jira-service-management-sample.csv",
        open: ["ITSD-104", "ITSD-105"],
        unknown: ("Waiting for customer", 9, "To", "ITSD-102"),
        missing_column: Some(("Changed", "Change date")),
    },
    Profile {
        name: "salesforce-case",
        sample: "salesforce-case-sample.csv",
        open: ["00001004", "00001005"],
        unknown: ("On Hold", 10, "NewValue", "00001002"),
        missing_column: Some(("NewValue", "New Value")),
    },
    Profile {
        name: "zendesk",
        sample: "zendesk-audits-sample.json",
        open: ["204", "205"],
        unknown: ("pending", 5, "audits[4].events[1].value", "202"),
        missing_column: None,
    },
];

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/cases")
}

fn read_example(name: &str) -> String {
    std::fs::read_to_string(examples().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn workspace() -> Dir {
    let dir = Dir::new();
    dir.apply_setup("setup.toml", SETUP);
    dir
}

/// `opsdeck ingest cases FILE --profile P --queue itsd --tz UTC --policy <P>-policy.toml`.
fn ingest(dir: &Dir, p: &Profile, file: &std::path::Path) -> util::Output {
    dir.cmd()
        .args(["ingest", "cases"])
        .arg(file)
        .args([
            "--profile",
            p.name,
            "--queue",
            "itsd",
            "--tz",
            "UTC",
            "--policy",
        ])
        .arg(examples().join(format!("{}-policy.toml", p.name)))
        .run()
}

/// The scorecard's `all` row of a queue over the whole range.
fn total(dir: &Dir, queue: &str) -> serde_json::Value {
    dir.cmd()
        .args(["scorecard", "--cases", "--by", "total", "--format", "json"])
        .run()
        .success()
        .json_rows()
        .into_iter()
        .find(|r| r["queue"] == queue && r["priority"] == "all")
        .unwrap_or_else(|| panic!("no `all` row for {queue}"))
}

fn open_cases(dir: &Dir, queue: &str) -> Vec<String> {
    let mut ids: Vec<String> = dir
        .cmd()
        .args(["backlog", "--queue", queue, "--format", "json"])
        .run()
        .success()
        .json_rows()
        .iter()
        .map(|r| r["case_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn counts(row: &serde_json::Value) -> [i64; 4] {
    ["opened", "resolved", "reopened", "backlog"].map(|k| util::int(row, k))
}

#[test]
fn every_built_in_profile_reads_its_sample_into_the_counts_worked_out_by_hand() {
    for p in &PROFILES {
        let dir = workspace();
        let sample = examples().join(p.sample);
        ingest(&dir, p, &sample)
            .success()
            .stdout_has("5 cases")
            .stdout_has("0 rows quarantined");
        // A, B, C resolved (C reopened once, then resolved again: one resolution); D and E open
        assert_eq!(counts(&total(&dir, "itsd")), [5, 3, 1, 2], "{}", p.name);
        assert_eq!(open_cases(&dir, "itsd"), p.open, "{}", p.name);
        // the same sample again stores nothing and changes nothing
        let before = dir.manifest_bytes().unwrap();
        ingest(&dir, p, &sample)
            .success()
            .stdout_has("0 updates stored")
            .stdout_has("the workspace is unchanged");
        assert_eq!(dir.manifest_bytes().unwrap(), before, "{}", p.name);
    }
}

#[test]
fn a_missing_column_or_broken_json_refuses_the_file_by_name() {
    for p in &PROFILES {
        let dir = workspace();
        let text = read_example(p.sample);
        let (broken, named) = match p.missing_column {
            Some((column, renamed)) => {
                let (header, rest) = text.split_once('\n').unwrap();
                let header = header
                    .split(',')
                    .map(|h| if h == column { renamed } else { h })
                    .collect::<Vec<_>>()
                    .join(",");
                (format!("{header}\n{rest}"), column)
            }
            None => (text[..text.len() / 2].to_string(), "JSON"),
        };
        let name = format!("broken-{}", p.sample);
        let file = dir.write(&name, broken);
        ingest(&dir, p, &file)
            .code(1)
            .stderr_has(&name)
            .stderr_has(named);
        assert!(dir.manifest_bytes().is_none(), "{}: nothing stored", p.name);
    }
}

#[test]
fn an_unknown_status_quarantines_its_case_with_line_and_field() {
    for p in &PROFILES {
        let dir = workspace();
        let (status, line, field, case) = p.unknown;
        let text = read_example(p.sample);
        assert!(text.contains(status), "{}", p.name);
        let name = format!("parked-{}", p.sample);
        let file = dir.write(&name, text.replace(status, "Parked"));
        ingest(&dir, p, &file)
            .code(3)
            .stdout_has("4 cases")
            .stdout_has("rows quarantined");
        let q = dir.quarantine();
        assert_eq!(q.len(), 1, "{}: {q:?}", p.name);
        let r = &q[0];
        assert_eq!(
            (r.line, r.field.as_str()),
            (line, field),
            "{}: {r:?}",
            p.name
        );
        assert!(
            r.reason.contains(case) && r.reason.contains("Parked"),
            "{}: {r:?}",
            p.name
        );
        assert!(r.file.ends_with(&name), "{}: {r:?}", p.name);
        // the other four cases are stored: C resolved and reopened, D and E open
        assert_eq!(counts(&total(&dir, "itsd"))[0], 4, "{}", p.name);
    }
}

#[test]
fn the_example_mapping_files_route_cases_and_read_like_the_profile() {
    let jira = &PROFILES[1];
    let sample = examples().join(jira.sample);
    let policy = examples().join("jira-service-management-policy.toml");
    // a file over the profile: Network issues to itsd-net, the others to the default queue
    let dir = workspace();
    dir.cmd()
        .args(["ingest", "cases"])
        .arg(&sample)
        .arg("--map")
        .arg(examples().join("example-map.toml"))
        .arg("--policy")
        .arg(&policy)
        .run()
        .success()
        .stdout_has("5 cases");
    assert_eq!(counts(&total(&dir, "itsd")), [3, 2, 1, 1]);
    assert_eq!(counts(&total(&dir, "itsd-net")), [2, 1, 0, 1]);
    assert_eq!(open_cases(&dir, "itsd"), ["ITSD-105"]);
    assert_eq!(open_cases(&dir, "itsd-net"), ["ITSD-104"]);
    // a changelog mapping written from scratch for the same columns: the profile's result
    let dir = workspace();
    dir.cmd()
        .args(["ingest", "cases"])
        .arg(&sample)
        .arg("--map")
        .arg(examples().join("example-changelog-map.toml"))
        .arg("--policy")
        .arg(&policy)
        .run()
        .success();
    assert_eq!(counts(&total(&dir, "itsd")), [5, 3, 1, 2]);
    assert_eq!(open_cases(&dir, "itsd"), jira.open);
}

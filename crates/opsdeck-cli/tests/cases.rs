//! Cases in the workspace (`opsdeck ingest cases`, case SLAs, `scorecard --cases`,
//! `backlog`): the real ServiceNow incident log ingested with its profile gives, per priority
//! and month, the same met / breached counts as `opsdeck sla clocks` on the same file (one
//! engine, two entry points), and a contract SLA "P3 resolved within 72 h ≥ 85 %" evaluated
//! from the workspace equals the share computed from `sla clocks`; the batch is idempotent,
//! atomic under SIGKILL and replaceable; hostile files are quarantined or refused with file,
//! line, field and reason.

mod util;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use util::{shared_dir, Dir};

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

[[client]]
id = "other"
name = "Other Corp"

[[program]]
id = "acme-itsd"
name = "Acme IT Service Desk"
client = "acme"
sites = ["s1"]

[[program]]
id = "other-voice"
name = "Other voice"
client = "other"
sites = ["s1"]

[[calendar]]
id = "utc-24x7"
time_zone = "UTC"
hours = { mon = "24h", tue = "24h", wed = "24h", thu = "24h", fri = "24h", sat = "24h", sun = "24h" }

[[calendar]]
id = "ny-24x7"
time_zone = "America/New_York"
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
id = "itsd-ny"
name = "IT Service Desk (New York)"
program = "acme-itsd"
channel = "ticket"
calendar = "ny-24x7"
threshold_s = 3600
short_abandon_s = 0
interval_minutes = 60
sl_target = 0.8
site = "s1"

[[queue]]
id = "other-voice"
name = "Other voice"
program = "other-voice"
channel = "voice"
calendar = "utc-24x7"
threshold_s = 20
short_abandon_s = 5
interval_minutes = 30
sl_target = 0.8
site = "s1"
"#;

/// The fitted ServiceNow policy (docs/sla-clocks-servicenow.md), its conditions on the
/// workspace's canonical `status` field instead of the export's `incident_state` column.
fn workspace_policy() -> String {
    let fitted = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/examples/servicenow-priority-policy-fitted.toml"),
    )
    .expect("the fitted policy");
    fitted.replace("\"incident_state\"", "\"status\"")
}

const PRIORITIES: [(&str, &str, i64); 4] = [
    ("p1-resolution", "1 - Critical", 14_400),
    ("p2-resolution", "2 - High", 28_800),
    ("p3-resolution", "3 - Moderate", 259_200),
    ("p4-resolution", "4 - Low", 432_000),
];

/// A contract with one case_resolution SLA per priority at its clock's target.
fn contract() -> String {
    let mut c = String::from(
        r#"[contract]
id = "acme-itsd"
client = "acme"
name = "Acme IT service desk"
start = "2016-01-01"
currency = "USD"

[[fte_rate]]
program = "acme-itsd"
fte = 20
monthly_rate = 4000

[credits]
at_risk_pct = 10
pool_pct = 100
"#,
    );
    for (clock, priority, target) in PRIORITIES {
        c.push_str(&format!(
            r#"
[[sla]]
id = "{clock}"
name = "{priority} resolved within target"
effective_from = "2016-01-01"
metric = "case_resolution"
within_s = {target}
priority = "{priority}"
queues = ["itsd"]
target = 85
credit_allocation_pct = 25
"#
        ));
    }
    c
}

fn workspace() -> Dir {
    let dir = Dir::new();
    dir.apply_setup("setup.toml", SETUP);
    dir.write("policy.toml", workspace_policy());
    dir
}

/// Month `YYYY-MM` of an RFC 3339 UTC instant.
fn month(ts: &str) -> String {
    ts[..7].to_string()
}

#[test]
fn servicenow_log_in_the_workspace_agrees_with_sla_clocks() {
    let Some(shared) = shared_dir("servicenow_log_in_the_workspace_agrees_with_sla_clocks") else {
        return;
    };
    let log =
        shared.join("data/servicenow_incident_event_log/incident_events_opened_before_cut.csv.gz");
    let dir = workspace();
    let out = dir
        .cmd()
        .args(["ingest", "cases"])
        .arg(&log)
        .args([
            "--profile",
            "servicenow-incident",
            "--queue",
            "itsd",
            "--policy",
            "policy.toml",
            "--json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(out["rows_read"], 102_582);
    assert_eq!(out["cases_read"], 17_442);
    assert_eq!(out["rows_quarantined"], 0);

    // the stand-alone entry point, with the fitted policy as documented
    let fitted = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/examples/servicenow-priority-policy-fitted.toml");
    let clocks = dir
        .cmd()
        .args(["sla", "clocks", "--log"])
        .arg(&log)
        .arg("--policy")
        .arg(&fitted)
        .args([
            "--case",
            "number",
            "--activity",
            "incident_state",
            "--timestamp",
            "sys_updated_at",
            "--timestamp-format",
            "%d/%m/%Y %H:%M",
            "--missing",
            "?",
            "--start-at",
            "opened_at",
            "--start-activity",
            "New",
            "--format",
            "csv",
        ])
        .run()
        .success();
    let rows = util::parse_csv(&clocks.stdout);
    let h = &rows[0];
    let ix = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (case, clock, stage, stop, breached) = (
        ix("case"),
        ix("clock"),
        ix("stage"),
        ix("stop"),
        ix("breached"),
    );
    // per case, the completed clock that stopped last (the workspace record's rule)
    let mut pick: BTreeMap<String, (String, String, bool)> = BTreeMap::new();
    for r in &rows[1..] {
        if r[stage] != "completed" {
            continue;
        }
        let e = pick
            .entry(r[case].clone())
            .or_insert((String::new(), String::new(), false));
        if r[stop] >= e.1 {
            *e = (r[clock].clone(), r[stop].clone(), r[breached] == "true");
        }
    }
    let mut expected: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for (clock, stop, breached) in pick.values() {
        let e = expected.entry((clock.clone(), month(stop))).or_default();
        if *breached {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }
    assert!(expected.len() > 20, "{expected:?}");

    // the workspace entry point: one contract SLA per priority at its clock's target
    dir.write("contract.toml", contract());
    dir.cmd()
        .args(["contract", "apply", "contract.toml"])
        .run()
        .success();
    let months: Vec<&String> = expected.keys().map(|(_, m)| m).collect();
    let (first, last) = (months.iter().min().unwrap(), months.iter().max().unwrap());
    let v = dir
        .cmd()
        .args(["sla", "evaluate", "--period", &format!("{first}..{last}")])
        .args(["--format", "json"])
        .run()
        .success()
        .json();
    let mut got: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for e in v["evaluations"].as_array().unwrap() {
        for s in e["slas"].as_array().unwrap() {
            let volume = s["volume"].as_i64().unwrap();
            if volume == 0 {
                continue;
            }
            let share = s["achieved"].as_f64().expect("a measured share");
            let met = (share * volume as f64).round() as i64;
            got.insert(
                (
                    s["sla"].as_str().unwrap().to_string(),
                    e["period"].as_str().unwrap().to_string(),
                ),
                (met, volume - met),
            );
        }
    }
    assert_eq!(
        got, expected,
        "workspace vs sla clocks, per priority and month"
    );

    // "P3 resolved within 72 h ≥ 85 %": the workspace's share is sla clocks' share
    let p3_month = expected
        .iter()
        .filter(|((c, _), _)| c == "p3-resolution")
        .max_by_key(|(_, (met, breached))| met + breached)
        .map(|((_, m), _)| m.clone())
        .unwrap();
    let (met, breached) = expected[&("p3-resolution".to_string(), p3_month.clone())];
    let share = met as f64 / (met + breached) as f64;
    let e = v["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["period"] == p3_month.as_str())
        .unwrap();
    let p3 = e["slas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sla"] == "p3-resolution")
        .unwrap();
    assert!((p3["achieved"].as_f64().unwrap() - share).abs() < 1e-12);
    assert_eq!(p3["status"], if share >= 0.85 { "met" } else { "missed" });
    eprintln!(
        "P3 within 72 h in {p3_month}: {met} of {} = {share:.4}",
        met + breached
    );

    // the scorecard's resolved counts are the same cases (all priorities)
    let sc = dir
        .cmd()
        .args(["scorecard", "--cases", "--by", "month", "--format", "json"])
        .run()
        .success()
        .json();
    let resolved_in = |m: &str| -> i64 {
        sc.as_array()
            .or_else(|| sc["rows"].as_array())
            .unwrap()
            .iter()
            .filter(|r| r["period"] == m && r["priority"] == "all")
            .map(|r| r["resolved"].as_i64().unwrap())
            .sum()
    };
    let expected_resolved: i64 = expected
        .iter()
        .filter(|((_, m), _)| *m == p3_month)
        .map(|(_, (a, b))| a + b)
        .sum();
    assert_eq!(resolved_in(&p3_month), expected_resolved);

    // the same file again stores nothing and changes nothing
    let before = dir.manifest_bytes().unwrap();
    dir.cmd()
        .args(["ingest", "cases"])
        .arg(&log)
        .args(["--profile", "servicenow-incident", "--queue", "itsd"])
        .run()
        .success()
        .stdout_has("0 updates stored")
        .stdout_has("the workspace is unchanged");
    assert_eq!(dir.manifest_bytes().unwrap(), before);
}

/// A small export in the servicenow-incident layout.
const HEADER: &str =
    "number,incident_state,sys_updated_at,opened_at,priority,assignment_group,assigned_to";

fn log(rows: &[&str]) -> String {
    let mut s = String::from(HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

const MAP: &str = r#"
profile = "servicenow-incident"
zone = "UTC"
[queues]
"Service Desk" = "itsd"
"NY Desk" = "itsd-ny"
"#;

fn ingest(dir: &Dir, file: &str, extra: &[&str]) -> util::Output {
    dir.cmd()
        .args([
            "ingest",
            "cases",
            file,
            "--map",
            "map.toml",
            "--policy",
            "policy.toml",
        ])
        .args(extra)
        .run()
}

fn backlog(dir: &Dir, queue: &str, at: &str) -> Vec<serde_json::Value> {
    dir.cmd()
        .args([
            "backlog", "--queue", queue, "--as-of", at, "--format", "json",
        ])
        .run()
        .success()
        .json_rows()
}

#[test]
fn hostile_case_logs_are_quarantined_or_refused_with_file_line_field_and_reason() {
    let dir = workspace();
    dir.write("map.toml", MAP);
    // a missing column refuses the file before anything is stored
    dir.write(
        "nocol.csv",
        "number,incident_state,opened_at,priority,assignment_group\nINC1,New,01/03/2016 09:00,3 - Moderate,Service Desk\n",
    );
    ingest(&dir, "nocol.csv", &[])
        .code(1)
        .stderr_has("sys_updated_at");
    assert!(dir.manifest_bytes().is_none(), "nothing was committed");

    let rows = [
        // fine
        "INC1,New,01/03/2016 09:00,01/03/2016 09:00,3 - Moderate,Service Desk,?",
        "INC1,Resolved,01/03/2016 12:00,01/03/2016 09:00,3 - Moderate,Service Desk,Resolver 1",
        // an unknown status: the whole case is quarantined
        "INC2,New,01/03/2016 09:00,01/03/2016 09:00,3 - Moderate,Service Desk,?",
        "INC2,Parked,01/03/2016 10:00,01/03/2016 09:00,3 - Moderate,Service Desk,?",
        // a group that maps to no queue
        "INC3,New,01/03/2016 09:00,01/03/2016 09:00,3 - Moderate,Nobody,?",
        // a bad timestamp: that row only
        "INC4,New,yesterday,01/03/2016 09:00,3 - Moderate,Service Desk,?",
        "INC4,Active,01/03/2016 10:00,01/03/2016 09:00,3 - Moderate,Service Desk,?",
    ];
    dir.write("bad.csv", log(&rows));
    ingest(&dir, "bad.csv", &["--max-rejects", "100%"]).code(3);
    let q = dir.quarantine();
    let find = |field: &str| {
        q.iter()
            .find(|r| r.field == field)
            .unwrap_or_else(|| panic!("no quarantine row on {field}: {q:?}"))
    };
    let st = find("incident_state");
    assert_eq!(st.line, 5);
    assert!(
        st.reason.contains("INC2") && st.reason.contains("Parked"),
        "{st:?}"
    );
    let g = find("assignment_group");
    assert_eq!(g.line, 6);
    assert!(
        g.reason.contains("Nobody") && g.reason.contains("[queues]"),
        "{g:?}"
    );
    let t = find("sys_updated_at");
    assert_eq!(t.line, 7);
    assert!(q.iter().all(|r| r.file.ends_with("bad.csv")));
    // the default reject limit refuses the whole batch
    let dir2 = workspace();
    dir2.write("map.toml", MAP);
    dir2.write("bad.csv", log(&rows));
    let many: Vec<String> = (0..20)
        .map(|i| format!("INCX{i},New,01/03/2016 09:00,01/03/2016 09:00,3 - Moderate,Nobody,?"))
        .collect();
    let mut all: Vec<&str> = rows.to_vec();
    all.extend(many.iter().map(String::as_str));
    dir2.write("worse.csv", log(&all));
    ingest(&dir2, "worse.csv", &[])
        .code(4)
        .stdout_has("refused");
    assert!(dir2.manifest_bytes().is_none());
    // a policy that tests an export column instead of a case field is refused by name
    dir2.write(
        "raw-policy.toml",
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../docs/examples/servicenow-priority-policy-fitted.toml"),
        )
        .unwrap(),
    );
    dir2.cmd()
        .args([
            "ingest",
            "cases",
            "bad.csv",
            "--map",
            "map.toml",
            "--policy",
            "raw-policy.toml",
        ])
        .run()
        .code(1)
        .stderr_has("incident_state")
        .stderr_has("status, priority, group, assignee");
    // a queue that is not a ticket queue
    dir2.write(
        "voice-map.toml",
        "profile = \"servicenow-incident\"\nzone = \"UTC\"\ndefault_queue = \"other-voice\"\n",
    );
    dir2.cmd()
        .args(["ingest", "cases", "bad.csv", "--map", "voice-map.toml"])
        .run()
        .code(1)
        .stderr_has("ticket queues");
}

#[test]
fn priority_changes_disorder_reopening_and_zones_are_measured_as_the_policy_says() {
    let dir = workspace();
    dir.write("map.toml", MAP);
    let rows = [
        // out of order in the file; a P3 raised to P1: the P1 clock from the change (2 h)
        "INC10,Resolved,01/03/2016 11:00,01/03/2016 08:00,1 - Critical,Service Desk,R",
        "INC10,New,01/03/2016 08:00,01/03/2016 08:00,3 - Moderate,Service Desk,?",
        "INC10,Active,01/03/2016 09:00,01/03/2016 08:00,1 - Critical,Service Desk,R",
        "INC10,Closed,04/03/2016 11:00,01/03/2016 08:00,1 - Critical,Service Desk,R",
        // resolved, reopened after it was resolved, resolved again: one reopening
        "INC11,New,01/03/2016 08:00,01/03/2016 08:00,3 - Moderate,Service Desk,?",
        "INC11,Resolved,01/03/2016 10:00,01/03/2016 08:00,3 - Moderate,Service Desk,R",
        "INC11,Active,02/03/2016 10:00,01/03/2016 08:00,3 - Moderate,Service Desk,R",
        "INC11,Resolved,02/03/2016 12:00,01/03/2016 08:00,3 - Moderate,Service Desk,R",
        // New York queue: 03:30 UTC on 2 March is still 1 March there
        "INC12,New,02/03/2016 03:30,02/03/2016 03:30,3 - Moderate,NY Desk,?",
    ];
    dir.write("a.csv", log(&rows));
    ingest(&dir, "a.csv", &[]).success();
    let sc = dir
        .cmd()
        .args(["scorecard", "--cases", "--by", "day", "--format", "json"])
        .run()
        .success()
        .json_rows();
    let get = |queue: &str, day: &str, priority: &str, col: &str| -> i64 {
        sc.iter()
            .find(|r| r["queue"] == queue && r["period"] == day && r["priority"] == priority)
            .map(|r| r[col].as_i64().unwrap())
            .unwrap_or_else(|| panic!("no row {queue} {day} {priority}: {sc:?}"))
    };
    // P1 (the last priority) stops only at Closed in the fitted policy: 4 March
    assert_eq!(get("itsd", "2016-03-04", "1 - Critical", "resolved"), 1);
    assert_eq!(get("itsd", "2016-03-01", "3 - Moderate", "resolved"), 1);
    assert_eq!(get("itsd", "2016-03-02", "3 - Moderate", "reopened"), 1);
    assert_eq!(get("itsd-ny", "2016-03-01", "3 - Moderate", "opened"), 1);
    // the backlog replays the updates up to the instant
    let b = backlog(&dir, "itsd", "2016-03-01T10:30:00Z");
    let ids: Vec<&str> = b.iter().map(|r| r["case_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["INC10"], "INC11 was resolved at 10:00");
    assert_eq!(b[0]["status"], "Active");
    assert_eq!(b[0]["priority"], "1 - Critical");
    let b = backlog(&dir, "itsd", "2016-03-02T11:00:00Z");
    let ids: Vec<&str> = b.iter().map(|r| r["case_id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["INC10", "INC11"],
        "P1 breached first, then the reopened P3"
    );
    // a daily backlog-age SLA is measured on the days the data reaches (its last update is
    // 4 March 11:00), never on the days after it
    dir.write(
        "contract.toml",
        r#"[contract]
id = "k"
client = "acme"
name = "Acme"
start = "2016-01-01"
currency = "USD"

[[sla]]
id = "backlog-daily"
effective_from = "2016-01-01"
metric = "backlog_age"
target = 172800
window = "day"
queues = ["itsd"]
"#,
    );
    dir.cmd()
        .args(["contract", "apply", "contract.toml"])
        .run()
        .success();
    let v = dir
        .cmd()
        .args(["sla", "evaluate", "--period", "2016-03", "--format", "json"])
        .run()
        .success()
        .json();
    let sla = &v["evaluations"][0]["slas"][0];
    assert_eq!(sla["windows_measured"], 4, "{sla}");
    // --tz reads the export's times in another zone: the same instants move
    let dir2 = workspace();
    dir2.write("map.toml", MAP);
    dir2.write("a.csv", log(&rows[8..]));
    ingest(&dir2, "a.csv", &["--tz", "America/New_York"]).success();
    let b = backlog(&dir2, "itsd-ny", "2016-03-02T09:00:00Z");
    assert_eq!(b[0]["opened_at"], "2016-03-02T08:30:00Z");
}

#[test]
fn replace_swaps_a_case_and_a_kill_leaves_the_previous_or_the_new_state() {
    let dir = workspace();
    dir.write("map.toml", MAP);
    let first = [
        "INC20,New,01/03/2016 08:00,01/03/2016 08:00,3 - Moderate,Service Desk,?",
        "INC20,Active,01/03/2016 09:00,01/03/2016 08:00,3 - Moderate,Service Desk,R",
    ];
    dir.write("a.csv", log(&first));
    ingest(&dir, "a.csv", &[])
        .success()
        .stdout_has("2 updates stored");
    // a corrected export: the case was resolved, not left active
    let corrected = [
        "INC20,New,01/03/2016 08:00,01/03/2016 08:00,3 - Moderate,Service Desk,?",
        "INC20,Resolved,01/03/2016 09:00,01/03/2016 08:00,3 - Moderate,Service Desk,R",
    ];
    dir.write("b.csv", log(&corrected));
    // without --replace the new update is added to the case (both stay)
    // with --replace the case is the file's
    ingest(&dir, "b.csv", &["--replace"])
        .success()
        .stdout_has("1 stored cases replaced");
    assert!(backlog(&dir, "itsd", "2016-03-01T10:00:00Z").is_empty());
    ingest(&dir, "b.csv", &["--replace"])
        .success()
        .stdout_has("the workspace is unchanged");

    // SIGKILL at many points of a bigger ingest: the manifest is the old one or the new one
    let mut big = String::from(HEADER);
    for i in 0..60_000 {
        let d = 1 + i % 28;
        big.push_str(&format!(
            "\nK{i},New,{d:02}/03/2016 08:00,{d:02}/03/2016 08:00,3 - Moderate,Service Desk,?\nK{i},Resolved,{d:02}/03/2016 1{}:00,{d:02}/03/2016 08:00,3 - Moderate,Service Desk,R",
            i % 10
        ));
    }
    big.push('\n');
    dir.write("big.csv", big);
    let before = dir.manifest_bytes().unwrap();
    let mut interrupted = 0;
    for ms in [0u64, 50, 150, 300, 600, 1000, 1600] {
        let mut child = dir
            .cmd()
            .args(["ingest", "cases", "big.csv", "--map", "map.toml"])
            .spawn();
        let t0 = Instant::now();
        std::thread::sleep(Duration::from_millis(ms));
        let finished = child.try_wait().unwrap().is_some();
        if !finished {
            child.kill().unwrap();
        }
        child.wait().unwrap();
        let now = dir.manifest_bytes().unwrap();
        if now == before {
            interrupted += 1;
            assert!(backlog(&dir, "itsd", "2016-03-31T00:00:00Z").is_empty());
        } else {
            let m: serde_json::Value = serde_json::from_slice(&now).unwrap();
            let rows: u64 = m["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rows"].as_u64().unwrap())
                .sum();
            assert_eq!(rows, 60_001, "a committed batch holds every case");
            eprintln!("committed after {ms} ms ({:?})", t0.elapsed());
            break;
        }
    }
    assert!(
        interrupted >= 2,
        "only {interrupted} kills interrupted the ingest"
    );
    // the next run completes it (or finds it complete) and removes what a kill left
    ingest(&dir, "big.csv", &[]).success();
    let m = dir.manifest().unwrap();
    let named: std::collections::BTreeSet<String> = ["case_events", "cases", "case_days"]
        .iter()
        .flat_map(|k| m[k].as_array().unwrap().iter())
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    for sub in ["case_events", "cases", "case_days"] {
        for f in walk(&dir.home().join("facts").join(sub)) {
            let rel = f
                .strip_prefix(dir.home().join("facts"))
                .unwrap()
                .to_string_lossy()
                .to_string();
            assert!(named.contains(&rel), "a leftover file {rel}");
        }
    }
}

fn walk(d: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(d) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

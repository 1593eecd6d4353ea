//! `opsdeck mine`: the DFG JSON in pm4py's shape (the oracle, end to end), a ping-pong fixture
//! with a hand-computed answer, every subcommand and format, and bad input (exit codes 1 and 3
//! with file, line and reason).

mod util;

use util::{shared_dir, Dir};

#[test]
fn dfg_and_variants_json_match_the_pm4py_oracle() {
    let Some(sh) = shared_dir("dfg_and_variants_json_match_the_pm4py_oracle") else {
        return;
    };
    let oracles = sh.join("peers/oracles");
    let want: serde_json::Value =
        serde_json::from_slice(&std::fs::read(oracles.join("pm4py_10k.json")).unwrap()).unwrap();
    let dir = Dir::new();
    let log = oracles.join("eventlog_10k.csv");
    let got = dir
        .cmd()
        .args(["mine", "dfg", "--format", "json", "--log"])
        .arg(&log)
        .run()
        .success()
        .json();
    for key in [
        "events",
        "cases",
        "activities",
        "start_activities",
        "end_activities",
    ] {
        assert_eq!(got[key], want[key], "{key}");
    }
    let (g, w) = (
        got["dfg"].as_array().unwrap(),
        want["dfg"].as_array().unwrap(),
    );
    assert_eq!(g.len(), w.len());
    for (a, b) in g.iter().zip(w) {
        assert_eq!(
            (&a["from"], &a["to"], &a["count"]),
            (&b["from"], &b["to"], &b["count"])
        );
        let (x, y) = (a["mean_s"].as_f64().unwrap(), b["mean_s"].as_f64().unwrap());
        assert!(((x - y) / y).abs() < 1e-6, "{a} vs {b}");
        assert!(a["median_s"].is_number() && a["p90_s"].is_number());
    }
    let got = dir
        .cmd()
        .args(["mine", "variants", "--format", "json", "--log"])
        .arg(&log)
        .run()
        .success()
        .json();
    let (g, w) = (
        got["variants"].as_array().unwrap(),
        want["variants"].as_array().unwrap(),
    );
    assert_eq!(g.len(), w.len());
    for (a, b) in g.iter().zip(w) {
        assert_eq!((&a["variant"], &a["count"]), (&b["variant"], &b["count"]));
    }
}

const PINGPONG: &str = "\
case_id,activity,timestamp,resource,team
A,open,2025-01-01 00:00:00,ann,L1
A,work,2025-01-01 00:00:10,ann,L1
A,escalate,2025-01-01 00:00:20,bob,L2
A,return,2025-01-01 00:00:30,ann,L1
A,close,2025-01-01 00:01:40,cat,L3
B,open,2025-01-01 00:00:00,ann,L1
B,escalate,2025-01-01 00:00:50,bob,L2
B,note,2025-01-01 00:01:00,bob,
B,return,2025-01-01 00:01:40,ann,L1
B,close,2025-01-01 00:05:00,bob,L2
C,open,2025-01-01 00:00:00,ann,L1
C,escalate,2025-01-01 00:00:20,bob,L2
C,close,2025-01-01 00:00:50,cat,L3
D,open,2025-01-01 00:00:00,ann,
D,close,2025-01-01 00:00:10,ann,
";

#[test]
fn pingpong_fixture_gives_the_known_answer() {
    let dir = Dir::new();
    let log = dir.write("pp.csv", PINGPONG);
    let p = dir
        .cmd()
        .args([
            "mine", "pingpong", "--team", "team", "--format", "json", "--log",
        ])
        .arg(&log)
        .run()
        .success()
        .json();
    assert_eq!(p["by"], "team");
    assert_eq!(p["cases"], 4);
    assert_eq!(p["cases_with_pingpong"], 2);
    assert_eq!(p["cases_without_values"], 1);
    assert_eq!(p["rate"], 0.5);
    assert_eq!(p["patterns"], 3);
    assert_eq!(p["handovers"], 8);
    assert_eq!(p["duration_with"]["mean_s"], 200.0);
    assert_eq!(p["duration_without"]["mean_s"], 30.0);
    assert_eq!(p["mean_difference_s"], 170.0);
    let pairs: Vec<(String, String, u64)> = p["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["from"].as_str().unwrap().to_string(),
                x["via"].as_str().unwrap().to_string(),
                x["occurrences"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [("L1".into(), "L2".into(), 2), ("L2".into(), "L1".into(), 1)]
    );
    // by resource: A ann bob ann cat → one; B ann bob ann bob → two; C none; D none
    let r = dir
        .cmd()
        .args([
            "mine", "pingpong", "--by", "resource", "--format", "json", "--log",
        ])
        .arg(&log)
        .run()
        .success()
        .json();
    assert_eq!(
        (r["cases_with_pingpong"].as_u64(), r["patterns"].as_u64()),
        (Some(2), Some(3))
    );
    // without a team column, ping-pong by team is refused with a hint
    dir.cmd()
        .args(["mine", "pingpong", "--log"])
        .arg(&log)
        .run()
        .code(1)
        .stderr_has("--team COLUMN");
}

#[test]
fn every_subcommand_and_format_runs() {
    let dir = Dir::new();
    let log = dir.write("pp.csv", PINGPONG);
    let run = |args: &[&str]| {
        dir.cmd()
            .args(["mine"])
            .args(args)
            .arg("--log")
            .arg(&log)
            .run()
            .success()
    };
    let dot = run(&["dfg", "--format", "dot"]);
    assert!(dot.stdout.starts_with("digraph dfg {"), "{}", dot.stdout);
    assert!(dot.stdout.contains("\"open\" -> \"escalate\""));
    run(&["dfg", "--format", "csv"]).stdout_has("from,to,count,mean_s,median_s,p90_s");
    run(&["variants", "--format", "table"]).stdout_has("open → escalate");
    let rework = run(&["rework", "--format", "csv"]);
    assert!(rework
        .stdout
        .contains("activity,cases_with_activity,cases_with_rework"));
    let b = run(&["bottlenecks", "--format", "json", "--top", "1"]).json_rows();
    assert_eq!(b.len(), 1);
    assert_eq!(
        (b[0]["from"].as_str(), b[0]["to"].as_str()),
        (Some("return"), Some("close"))
    );
    let a = run(&["automation", "--format", "json", "--cost-per-hour", "60"]).json_rows();
    assert!(!a.is_empty());
    for c in &a {
        let cost = c["cost_saved"].as_f64().unwrap();
        let hours = c["saved_s"].as_f64().unwrap() / 3600.0;
        assert!((cost - hours * 60.0).abs() <= 1e-9 * cost.abs(), "{c}");
    }
    let s = run(&["summary", "--team", "team", "--format", "json"]).json();
    assert_eq!(s["cases"], 4);
    assert_eq!(s["pingpong_team"]["cases_with_pingpong"], 2);
    run(&["summary", "--team", "team"]).stdout_has("ping-pong by team: 2 of 4 cases (50.0 %)");
    dir.cmd()
        .args(["mine", "variants", "--format", "dot", "--log"])
        .arg(&log)
        .run()
        .code(1)
        .stderr_has("--format dot is for `mine dfg` only");
}

#[test]
fn bad_input_names_file_line_and_reason() {
    let dir = Dir::new();
    let rows = dir.write(
        "rows.csv",
        "case_id,activity,timestamp\nc1,a,2025-01-01 00:00:00\nc1,b,31/01/2025\nc1,c,2025-01-01 00:00:09\n",
    );
    dir.cmd()
        .args(["mine", "dfg", "--log"])
        .arg(&rows)
        .run()
        .code(3)
        .stderr_has("1 left out")
        .stderr_has("line 3: timestamp: \"31/01/2025\" is not a timestamp");
    let nocol = dir.write("nocol.csv", "case,act,ts\nc1,a,2025-01-01 00:00:00\n");
    dir.cmd()
        .args(["mine", "dfg", "--log"])
        .arg(&nocol)
        .run()
        .code(1)
        .stderr_has("nocol.csv: line 1: no case column \"case_id\" (the header has: case, act, ts); name it with --case");
    let xes = dir.write(
        "bad.xes",
        "<log>\n<trace><string key=\"concept:name\" value=\"1\"/>\n<event><date key=\"time:timestamp\" value=\"2025-01-01T00:00:00Z\"/>\n</trace>\n</log>\n",
    );
    dir.cmd()
        .args(["mine", "variants", "--log"])
        .arg(&xes)
        .run()
        .code(1)
        .stderr_has("bad.xes: line 4: malformed XML: expected </event>, found </trace>");
    dir.cmd()
        .args(["mine", "dfg", "--log", "nowhere.csv"])
        .run()
        .code(1)
        .stderr_has("nowhere.csv");
}

#[test]
fn bpi2012_xes_and_csv_give_the_same_graph() {
    let Some(sh) = shared_dir("bpi2012_xes_and_csv_give_the_same_graph") else {
        return;
    };
    let d = sh.join("data/bpi2012_loan_application");
    let dir = Dir::new();
    let xes = dir
        .cmd()
        .args(["mine", "dfg", "--format", "json", "--log"])
        .arg(d.join("bpic2012.xes.gz"))
        .run()
        .success()
        .json();
    let csv = dir
        .cmd()
        .args([
            "mine",
            "dfg",
            "--format",
            "json",
            "--case",
            "case:concept:name",
            "--activity",
            "concept:name",
            "--timestamp",
            "time:timestamp",
            "--resource",
            "org:resource",
            "--log",
        ])
        .arg(d.join("bpic2012_events.csv.gz"))
        .run()
        .success()
        .json();
    assert_eq!(xes["events"], 262_200);
    assert_eq!(xes["cases"], 13_087);
    assert_eq!(xes, csv);
}

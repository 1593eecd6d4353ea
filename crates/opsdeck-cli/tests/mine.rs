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
    // every event an occurrence (XES --no-lifecycle, CSV without --lifecycle), then activity
    // instances (XES by default, CSV with --lifecycle)
    for (lifecycle, events) in [(false, 262_200), (true, 164_506)] {
        let xes = dir
            .cmd()
            .args(["mine", "dfg", "--format", "json", "--log"])
            .arg(d.join("bpic2012.xes.gz"))
            .args(if lifecycle {
                &[][..]
            } else {
                &["--no-lifecycle"][..]
            })
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
            .args(if lifecycle {
                &["--lifecycle", "lifecycle:transition"][..]
            } else {
                &[][..]
            })
            .run()
            .success()
            .json();
        assert_eq!(xes["events"], events);
        assert_eq!(xes["cases"], 13_087);
        assert_eq!(xes, csv, "lifecycle {lifecycle}");
    }
}

/// The pm4py oracle of BPI 2012 with lifecycle transitions (tests/fixtures/README.md).
fn bpi2012_oracle() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pm4py_bpi2012_lifecycle.json"
    );
    serde_json::from_slice(&std::fs::read(path).expect("read the oracle")).expect("oracle JSON")
}

/// `a` and `b` agree to a microsecond in a second (timestamps are kept to the µs).
fn close(a: &serde_json::Value, b: &serde_json::Value, what: &str) {
    let (x, y) = (
        a.as_f64()
            .unwrap_or_else(|| panic!("{what}: {a} is not a number")),
        b.as_f64()
            .unwrap_or_else(|| panic!("{what}: {b} is not a number")),
    );
    assert!(
        (x - y).abs() <= 1e-6 * y.abs().max(1.0),
        "{what}: opsdeck {x} vs pm4py {y}"
    );
}

#[test]
fn bpi2012_lifecycle_matches_pm4py_interval_statistics() {
    let Some(sh) = shared_dir("bpi2012_lifecycle_matches_pm4py_interval_statistics") else {
        return;
    };
    let want = bpi2012_oracle();
    let dir = Dir::new();
    let out = dir
        .cmd()
        .args(["mine", "summary", "--format", "json", "--top", "0", "--log"])
        .arg(sh.join("data/bpi2012_loan_application/bpic2012.xes.gz"))
        .run()
        .success();
    out.stderr_has(
        "lifecycle \"lifecycle:transition\": 262200 events paired into 164506 activity instances \
         (71373 with a start, 93133 complete only); left out: 26318 SCHEDULE, 3 starts never completed",
    );
    let s = out.json();
    assert_eq!(s["events"], want["instances"]);
    assert_eq!(s["cases"], want["cases"]);
    let l = &s["lifecycle"];
    assert_eq!(l["events"], want["events"]);
    assert_eq!(l["instances"], want["instances"]);
    assert_eq!(
        l["other"][0]["events"],
        want["events_by_transition"]["SCHEDULE"]
    );
    // per activity: instances, cases, started, service time (start → complete)
    let times = s["activity_times"].as_array().expect("activity_times");
    let acts = want["activities"].as_object().expect("activities");
    assert_eq!(times.len(), acts.len());
    let mut started = 0;
    for t in times {
        let name = t["activity"].as_str().expect("name");
        let w = &acts[name];
        assert_eq!(
            (&t["instances"], &t["cases"], &t["service"]["count"]),
            (&w["instances"], &w["cases"], &w["started"]),
            "{name}"
        );
        started += t["service"]["count"].as_u64().expect("count");
        let svc = &w["service_started"];
        if svc["count"] == 0 {
            assert!(t["service"]["mean_s"].is_null(), "{name}");
            continue;
        }
        for k in ["total_s", "mean_s", "median_s", "p90_s", "max_s"] {
            close(&t["service"][k], &svc[k], &format!("{name} service {k}"));
        }
        // pm4py's service time counts an instance without a start as 0 s
        close(
            &t["service"]["total_s"],
            &w["pm4py_service_time"]["sum"],
            name,
        );
        let per_instance =
            t["service"]["total_s"].as_f64().unwrap() / t["instances"].as_f64().unwrap();
        close(&per_instance.into(), &w["pm4py_service_time"]["mean"], name);
    }
    assert_eq!(l["started"], started);
    // the directly-follows graph of instances: completion of one to the start of the next
    let edges = s["bottlenecks"].as_array().expect("bottlenecks");
    let want_edges = want["dfg"].as_array().expect("dfg");
    assert_eq!(edges.len(), want_edges.len());
    for w in want_edges {
        let e = edges
            .iter()
            .find(|e| e["from"] == w["from"] && e["to"] == w["to"])
            .unwrap_or_else(|| panic!("no edge {} -> {}", w["from"], w["to"]));
        let what = format!("{} -> {}", w["from"], w["to"]);
        assert_eq!(e["count"], w["count"], "{what}");
        close(&e["mean_s"], &w["mean_s"], &what);
        close(&e["median_s"], &w["median_s"], &what);
        close(&e["total_s"], &w["sum_s"], &what);
    }
    // waiting time of an activity = the times of the edges into it
    for t in times {
        let into = want_edges.iter().filter(|w| w["to"] == t["activity"]);
        let (n, sum) = into.fold((0, 0.0), |(n, s), w| {
            (
                n + w["count"].as_u64().unwrap(),
                s + w["sum_s"].as_f64().unwrap(),
            )
        });
        assert_eq!(t["waiting"]["count"], n, "{}", t["activity"]);
        if n > 0 {
            close(&t["waiting"]["total_s"], &sum.into(), "waiting");
        }
    }
    assert_eq!(s["start_activities"].as_array().unwrap().len(), 1);
    assert_eq!(
        s["start_activities"][0]["count"],
        want["start_activities"]["A_SUBMITTED"]
    );
    let ends = s["end_activities"].as_array().expect("ends");
    assert_eq!(
        ends.len(),
        want["end_activities"].as_object().unwrap().len()
    );
    for e in ends {
        assert_eq!(
            e["count"],
            want["end_activities"][e["activity"].as_str().unwrap()]
        );
    }
    assert_eq!(s["variants"], want["n_variants"]);
    for (g, w) in s["top_variants"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want["top_variants"].as_array().unwrap())
    {
        assert_eq!((&g["variant"], &g["count"]), (&w["variant"], &w["count"]));
    }
    let rework: serde_json::Map<String, serde_json::Value> = s["rework"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["activity"].as_str().unwrap().to_string(),
                r["cases_with_rework"].clone(),
            )
        })
        .collect();
    assert_eq!(serde_json::Value::Object(rework), want["rework_cases"]);
}

#[test]
fn bpi2012_work_items_show_no_rework_or_self_loop_from_their_transitions() {
    let Some(sh) =
        shared_dir("bpi2012_work_items_show_no_rework_or_self_loop_from_their_transitions")
    else {
        return;
    };
    let want = bpi2012_oracle();
    let dir = Dir::new();
    let csv = sh.join("data/bpi2012_loan_application/bpic2012_events.csv.gz");
    let run = |lifecycle: bool| {
        let mut c = dir.cmd();
        c.args([
            "mine",
            "summary",
            "--format",
            "json",
            "--top",
            "0",
            "--case",
            "case:concept:name",
            "--activity",
            "concept:name",
            "--timestamp",
            "time:timestamp",
            "--log",
        ])
        .arg(&csv);
        if lifecycle {
            c.args(["--lifecycle", "lifecycle:transition"]);
        }
        c.run().success().json()
    };
    let (paired, events) = (run(true), run(false));
    let find = |s: &serde_json::Value, list: &str, key: &str, name: &str| -> u64 {
        s[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x[key] == name)
            .map_or(0, |x| {
                x["count"]
                    .as_u64()
                    .or(x["cases_with_rework"].as_u64())
                    .unwrap_or(0)
            })
    };
    let loop_count = |s: &serde_json::Value, a: &str| -> u64 {
        s["bottlenecks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["from"] == a && e["to"] == a)
            .map_or(0, |e| e["count"].as_u64().unwrap())
    };
    let mut checked = 0;
    for (a, times) in want["activities"].as_object().unwrap() {
        if !a.starts_with("W_") {
            continue;
        }
        checked += 1;
        // rework = cases with more than one *completed* work item, not more than one event
        let rework = find(&paired, "rework", "activity", a);
        let complete_twice = want["recorded_repeat_complete_cases"][a]
            .as_u64()
            .unwrap_or(0);
        let any_twice = want["recorded_repeat_cases"][a].as_u64().unwrap_or(0);
        assert_eq!(rework, complete_twice, "{a}");
        assert_eq!(find(&events, "rework", "activity", a), any_twice, "{a}");
        assert!(rework < any_twice, "{a}: {rework} vs {any_twice}");
        // a self-loop joins two instances: at most instances − cases of them, and as pm4py
        // counts them; counting events, START → COMPLETE pairs made many more
        let instances = times["instances"].as_u64().unwrap();
        let cases = times["cases"].as_u64().unwrap();
        let loops = loop_count(&paired, a);
        assert!(loops + cases <= instances, "{a}");
        let pm4py = want["dfg"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["from"] == a.as_str() && e["to"] == a.as_str())
            .map_or(0, |e| e["count"].as_u64().unwrap());
        assert_eq!(loops, pm4py, "{a}");
        assert!(loop_count(&events, a) > loops, "{a}");
    }
    assert_eq!(checked, 6);
}

#[test]
fn bpi2012_filters_keep_what_pm4py_keeps() {
    let Some(sh) = shared_dir("bpi2012_filters_keep_what_pm4py_keeps") else {
        return;
    };
    let want = &bpi2012_oracle()["filters"];
    let dir = Dir::new();
    let xes = sh.join("data/bpi2012_loan_application/bpic2012.xes.gz");
    let kept = |args: &[&str]| -> (serde_json::Value, serde_json::Value) {
        let out = dir
            .cmd()
            .args([
                "mine",
                "variants",
                "--format",
                "json",
                "--top",
                "1",
                "--no-lifecycle",
                "--log",
            ])
            .arg(&xes)
            .args(args)
            .run()
            .success();
        let j = out.json();
        out.stderr_has(&format!(
            "filters kept {} of 13087 cases, {} of 262200 events",
            j["cases"], j["events"]
        ));
        (j["cases"].clone(), j["events"].clone())
    };
    let pair = |k: &str| (want[k]["cases"].clone(), want[k]["events"].clone());
    let month = ["--from", "2011-11-01", "--to", "2011-11-30"];
    assert_eq!(kept(&month), pair("traces_contained"));
    let started: Vec<&str> = month
        .iter()
        .copied()
        .chain(["--time-mode", "started"])
        .collect();
    assert_eq!(kept(&started), pair("traces_starting_in"));
    // the same range as instants, the end written with an offset
    let events = [
        "--from",
        "2011-11-01T00:00:00Z",
        "--to",
        "2011-12-01T00:59:59.999999+01:00",
        "--time-mode",
        "events",
    ];
    assert_eq!(kept(&events), pair("events"));
    let chained = [
        "--where",
        "case:AMOUNT_REQ=5000",
        "--where",
        "org:resource=11169",
        "--where",
        "case:AMOUNT_REQ=10000",
        "--where",
        "org:resource=10972",
    ];
    let all: Vec<&str> = chained.iter().chain(month.iter()).copied().collect();
    assert_eq!(kept(&all), pair("amount_and_resource_and_contained"));
}

#[test]
fn filters_and_lifecycle_options_are_checked() {
    let dir = Dir::new();
    let log = dir.write(
        "lc.csv",
        "case_id,activity,timestamp,life,channel\n\
         1,a,2025-01-01 00:00:00,start,phone\n\
         1,a,2025-01-01 00:01:00,complete,phone\n\
         1,b,2025-01-01 00:05:00,COMPLETE,phone\n\
         2,a,2025-01-02 00:00:00,schedule,mail\n\
         2,a,2025-01-02 00:00:30,start,mail\n\
         2,a,2025-01-02 00:02:30,complete,mail\n",
    );
    let run = |args: &[&str]| {
        let mut c = dir.cmd();
        c.args(["mine"]).args(args).arg("--log").arg(&log);
        c.run()
    };
    let t = run(&["activities", "--lifecycle", "life", "--format", "json"]).success();
    t.stderr_has("lifecycle \"life\": 6 events paired into 3 activity instances (2 with a start, 1 complete only); left out: 1 schedule");
    let rows = t.json_rows();
    assert_eq!(rows[0]["activity"], "a");
    assert_eq!(
        (rows[0]["instances"].as_u64(), rows[0]["started"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(rows[0]["service_mean_s"], 90.0);
    assert_eq!(rows[1]["waiting_mean_s"], 240.0);
    run(&["activities", "--lifecycle", "life"])
        .success()
        .stdout_has("1 m 30 s");
    // without --lifecycle a CSV log is read event by event
    let plain = run(&["rework", "--format", "json"]).success().json_rows();
    assert_eq!(plain[0]["cases_with_rework"], 2);
    let f = run(&[
        "variants",
        "--format",
        "json",
        "--where",
        "channel=mail",
        "--lifecycle",
        "life",
    ])
    .success();
    f.stderr_has("filters kept 1 of 2 cases, 3 of 6 events");
    assert_eq!(f.json()["variants"][0]["variant"], serde_json::json!(["a"]));
    run(&["dfg", "--lifecycle", "nope"])
        .code(1)
        .stderr_has("no lifecycle column \"nope\"");
    run(&["dfg", "--where", "colour=red"])
        .code(2)
        .stderr_has("line 1: filter on colour: no such column (the header has: case_id, activity, timestamp, life, channel) (set with --where)");
    run(&["dfg", "--where", "timestamp=1"]).code(2).stderr_has(
        "\"timestamp\" is the timestamp column: filter times by a time range instead (set with --where)",
    );
    run(&["dfg", "--where", "=x"])
        .code(1)
        .stderr_has("--where \"=x\": expected ATTR=VALUE");
    run(&["dfg", "--from", "yesterday"])
        .code(1)
        .stderr_has("--from \"yesterday\" is not a date (YYYY-MM-DD) or a timestamp");
    run(&["dfg", "--from", "2025-01-03", "--to", "2025-01-02"])
        .code(1)
        .stderr_has("--from \"2025-01-03\" is after --to \"2025-01-02\"");
    // a range both cases lie in; one day holds only case 1
    let day = run(&[
        "variants",
        "--format",
        "json",
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-01",
    ])
    .success();
    day.stderr_has("filters kept 1 of 2 cases, 3 of 6 events");
    let xes = dir.write(
        "nolc.xes",
        "<log><trace><string key=\"concept:name\" value=\"1\"/>\n\
         <event><string key=\"concept:name\" value=\"a\"/><date key=\"time:timestamp\" value=\"2025-01-01T00:00:00Z\"/></event>\n\
         </trace></log>\n",
    );
    dir.cmd()
        .args(["mine", "dfg", "--where", "case:channel=phone", "--log"])
        .arg(&xes)
        .run()
        .code(2)
        .stderr_has(
            "nolc.xes: filter on case:channel: no event has this attribute (set with --where)",
        );
}

//! `opsdeck staffing` end to end: the pyworkforce oracle through the binary, Erlang A, bad rows
//! named by line and field, file-level errors.

mod util;

use util::{parse_csv, Dir, TestCommand};

const HEADER: &str = "interval_id,calls,aht_seconds,interval_seconds,target_sl,target_answer_seconds,max_occupancy,shrinkage";

#[test]
fn agent_counts_equal_pyworkforce_on_the_oracle() {
    let Some(shared) = util::shared_dir("agent_counts_equal_pyworkforce_on_the_oracle") else {
        return;
    };
    let dir = Dir::new();
    let oracles = shared.join("peers/oracles");
    let out = TestCommand::bare(dir.root())
        .arg("staffing")
        .arg("--input")
        .arg(oracles.join("erlang_1000_input.csv"))
        .run()
        .success();
    let ours = parse_csv(&out.stdout);
    let peer = parse_csv(&std::fs::read_to_string(oracles.join("erlang_1000.csv")).unwrap());
    assert_eq!(ours[0][..3], ["interval_id", "raw_agents", "agents"]);
    assert_eq!(ours.len(), 1001);
    for (o, p) in ours.iter().zip(&peer).skip(1) {
        assert_eq!((&o[0], &o[1], &o[2]), (&p[0], &p[2], &p[3]), "row {}", p[0]);
    }
    // zero-call rows: measures undefined (empty), not 0
    assert_eq!(ours[1][1..], ["0", "0", "", "", "", ""]);
}

#[test]
fn erlang_a_adds_abandonment_and_needs_fewer_agents() {
    let dir = Dir::new();
    let f = dir.write(
        "a.csv",
        format!("{HEADER},patience_seconds\nx,100,180,1800,0.8,20,1,0.3,300\n"),
    );
    let out = dir
        .cmd()
        .args([
            "staffing", "--model", "erlang-a", "--format", "json", "--input",
        ])
        .arg(&f)
        .run()
        .success();
    let rows = out.json_rows();
    assert_eq!(rows[0]["raw_agents"], 13);
    assert_eq!(rows[0]["agents"], 19);
    let ab = rows[0]["abandon_rate"].as_f64().unwrap();
    assert!((ab - 0.0250).abs() < 5e-5, "{ab}");
    let c = dir
        .cmd()
        .args(["staffing", "--input"])
        .arg(&f)
        .run()
        .success();
    assert!(c.stdout.contains("x,14,20,"), "{}", c.stdout);
    assert!(!c.stdout.contains("abandon_rate"));
}

#[test]
fn bad_rows_are_named_by_line_and_field() {
    let dir = Dir::new();
    let f = dir.write(
        "bad.csv",
        format!(
            "{HEADER}\nok,100,180,1800,0.8,20,1,0.3\nneg,-5,180,1800,0.8,20,1,0.3\n\
             shr,10,180,1800,0.8,20,0.9,1\ntgt,10,180,1800,1,20,0.9,0.2\ntgt0,10,180,1800,0,20,0.9,0.2\n\
             txt,10,abc,1800,0.8,20,0.9,0.2\nempty,10,180,,0.8,20,0.9,0.2\n"
        ),
    );
    let out = dir.cmd().args(["staffing", "--input"]).arg(&f).run();
    out.code(3)
        .stdout_has("ok,14,20,")
        .stderr_has("6 rows rejected")
        .stderr_has("bad.csv:3: calls: -5 is out of range: must be ≥ 0")
        .stderr_has("bad.csv:4: shrinkage: 1 is out of range: must be in [0, 1)")
        .stderr_has("bad.csv:5: target_sl: 1 is out of range: must be strictly between 0 and 1")
        .stderr_has("bad.csv:6: target_sl: 0 is out of range")
        .stderr_has("bad.csv:7: aht_seconds: not a number: \"abc\"")
        .stderr_has("bad.csv:8: interval_seconds: missing value");
    assert!(!out.stdout.contains("neg"));
}

#[test]
fn file_level_problems_stop_with_a_message() {
    let dir = Dir::new();
    let f = dir.write("cols.csv", "interval_id,calls,aht_seconds\n1,2,3\n");
    // a column a flag can stand in for is the user's to fix on the command line (2)
    dir.cmd()
        .args(["staffing", "--input"])
        .arg(&f)
        .run()
        .code(2)
        .stderr_has("missing column interval_seconds")
        .stderr_has("(set with --interval-s)");
    let f = dir.write("c.csv", format!("{HEADER}\nx,1,180,1800,0.8,20,1,0.3\n"));
    dir.cmd()
        .args(["staffing", "--model", "erlang-a", "--input"])
        .arg(&f)
        .run()
        .code(2)
        .stderr_has("missing column patience_seconds")
        .stderr_has("(set with --patience-s)");
    let f = dir.write("h.csv", format!("{HEADER}\n"));
    dir.cmd()
        .args(["staffing", "--input"])
        .arg(&f)
        .run()
        .code(1)
        .stderr_has("has a header but no data rows");
}

#[test]
fn a_forecast_is_an_input_with_values_for_every_interval() {
    let dir = Dir::new();
    let fc = dir.write(
        "fc.csv",
        "ts,forecast,lower,upper\n2025-03-31 09:00:00,100,90,110\n2025-03-31 09:30:00,0,0,0\n",
    );
    let flags = [
        "--aht-s",
        "180",
        "--interval-s",
        "1800",
        "--target-sl",
        "0.8",
        "--answer-s",
        "20",
        "--max-occupancy",
        "1",
        "--shrinkage",
        "0.3",
    ];
    let out = dir
        .cmd()
        .args(["staffing", "--input"])
        .arg(&fc)
        .args(flags)
        .run()
        .success();
    let rows = parse_csv(&out.stdout);
    assert_eq!(rows.len(), 3);
    // the reference vector of DOMAIN-REFERENCE §8: A = 10, 14 raw agents, 20 with shrinkage
    assert_eq!(rows[1][..3], ["2025-03-31 09:00:00", "14", "20"]);
    assert_eq!(rows[2][..3], ["2025-03-31 09:30:00", "0", "0"]);
    // a value given replaces the file's column
    let full = dir.write("full.csv", format!("{HEADER}\nx,100,180,1800,0.8,20,1,0\n"));
    let out = dir
        .cmd()
        .args(["staffing", "--shrinkage", "0.3", "--input"])
        .arg(&full)
        .run()
        .success();
    assert!(out.stdout.contains("x,14,20,"), "{}", out.stdout);
    // what neither the file nor the command line gives is named with its flag
    dir.cmd()
        .args(["staffing", "--aht-s", "180", "--input"])
        .arg(&fc)
        .run()
        .code(2)
        .stderr_has("fc.csv: missing column interval_seconds; give the column or one value for every interval (set with --interval-s)");
    let mut bad = flags.to_vec();
    bad[11] = "1.2";
    dir.cmd()
        .args(["staffing", "--input"])
        .arg(&fc)
        .args(&bad)
        .run()
        .code(2)
        .stderr_has("shrinkage is 1.2: must be in [0, 1) (the value given for every interval) (set with --shrinkage)");
    // a bad forecast row is named by its own column
    let neg = dir.write("neg.csv", "ts,forecast\n2025-03-31 09:00:00,-4\n");
    dir.cmd()
        .args(["staffing", "--input"])
        .arg(&neg)
        .args(flags)
        .run()
        .code(3)
        .stderr_has("neg.csv:2: forecast: -4 is out of range: must be ≥ 0");
}

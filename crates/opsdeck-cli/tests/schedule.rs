//! `opsdeck schedule` end to end: overnight coverage, reported shortages, a DST day, and input
//! errors naming file, line and field.

mod util;

use util::Dir;

/// Hourly requirements for `days` days from `from` (a local date), `f(day, hour)` each.
fn hourly(from_day: u32, days: u32, f: impl Fn(u32, u32) -> u32) -> String {
    let mut s = String::from("interval_start,required\n");
    for d in 0..days {
        for h in 0..24 {
            s.push_str(&format!(
                "2026-03-{:02} {h:02}:00,{}\n",
                from_day + d,
                f(d, h)
            ));
        }
    }
    s
}

/// `opsdeck schedule --format json` on the two files, asserting success.
fn schedule_json(dir: &Dir, req: &std::path::Path, shifts: &std::path::Path) -> serde_json::Value {
    dir.cmd()
        .args(["schedule", "--format", "json", "--requirements"])
        .arg(req)
        .arg("--shifts")
        .arg(shifts)
        .run()
        .success()
        .json()
}

#[test]
fn overnight_shift_covers_the_next_day_and_gaps_are_reported() {
    let dir = Dir::new();
    // two days; 2 agents 22:00–06:00 each night; 1 agent at 12:00 on day 2 that no shift covers
    let req = dir.write(
        "req.csv",
        hourly(2, 2, |d, h| match (d, h) {
            (0, 22..) | (1, 0..6) | (1, 22..) => 2,
            (1, 12) => 1,
            _ => 0,
        }),
    );
    let shifts = dir.write(
        "shifts.toml",
        "zone = \"UTC\"\ninterval_minutes = 60\n\n[[shift]]\nname = \"night\"\nstart = \"22:00\"\nlength = \"8h\"\ncost = 10\n",
    );
    let doc = schedule_json(&dir, &req, &shifts);
    let sum = &doc["summary"];
    assert_eq!(sum["agents"], 4, "{doc}");
    assert_eq!(sum["shortage"], 1);
    assert_eq!(sum["short_intervals"], 1);
    assert_eq!(sum["shift_cost"], 40.0);
    // 40 + the default penalty (10 × 10) for the uncoverable agent-interval, proven optimal
    assert_eq!(sum["objective"], 140.0);
    assert_eq!(
        (&sum["lower_bound"], &sum["gap"]),
        (&140.0.into(), &0.0.into())
    );
    let shifts = doc["shifts"].as_array().unwrap();
    assert_eq!(shifts[0]["start"], "2026-03-02 22:00");
    assert_eq!(shifts[0]["end"], "2026-03-03 06:00");
    let short: Vec<&serde_json::Value> = doc["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["shortage"].as_i64() != Some(0))
        .collect();
    assert_eq!(short.len(), 1);
    assert_eq!(short[0]["interval_start"], "2026-03-03 12:00");
}

#[test]
fn dst_night_covers_eight_real_hours() {
    let dir = Dir::new();
    // Paris, Saturday 2026-03-28 22:00 to Sunday 07:30 local: 2:00–2:59 does not exist
    let mut req = String::from("interval_start,required\n2026-03-28 22:00,1\n2026-03-28 23:00,1\n");
    for h in [0, 1, 3, 4, 5, 6, 7] {
        req.push_str(&format!("2026-03-29 {h:02}:00,1\n"));
    }
    let req = dir.write("req.csv", req);
    let shifts = dir.write(
        "shifts.toml",
        "zone = \"Europe/Paris\"\ninterval_minutes = 60\n\n[[shift]]\nname = \"night\"\nstart = \"22:00\"\nlength = \"8h\"\ndays = [\"sat\"]\n",
    );
    let doc = schedule_json(&dir, &req, &shifts);
    // 22:00 + 8 h of real time ends at 07:00 CEST: 07:00 stays short
    assert_eq!(doc["shifts"][0]["end"], "2026-03-29 07:00", "{doc}");
    assert_eq!(doc["summary"]["shortage"], 1);
    assert_eq!(doc["summary"]["agents"], 1);
}

#[test]
fn bad_inputs_name_file_line_and_field() {
    let dir = Dir::new();
    let shifts = dir.write(
        "shifts.toml",
        "zone = \"Europe/Paris\"\ninterval_minutes = 60\n[[shift]]\nname = \"day\"\nstart = \"09:00\"\nlength = \"8h\"\n",
    );
    let run = |req: &str| {
        let p = dir.write("req.csv", req);
        dir.cmd()
            .args(["schedule", "--requirements"])
            .arg(&p)
            .arg("--shifts")
            .arg(&shifts)
            .run()
    };
    run("interval_start,required\n2026-03-02 09:00,1\n2026-03-02 10:00,-1\n")
        .code(1)
        .stderr_has("req.csv: line 3: required: \"-1\" is not a whole number of agents ≥ 0");
    run("interval_start,required\n2026-03-29 02:00,1\n")
        .code(1)
        .stderr_has(
            "req.csv: line 2: interval_start: local time 2026-03-29 02:00 does not exist in Europe/Paris",
        );
    run("interval_start,required\n2026-03-02 09:30,1\n")
        .code(1)
        .stderr_has("is not on a 60-minute boundary");
    run("interval_start,required\n2026-03-02 09:00,1\n2026-03-02 09:00,2\n")
        .code(1)
        .stderr_has("req.csv: line 3: interval_start: 2026-03-02 09:00 appears twice");
    let bad = dir.write(
        "bad.toml",
        "[[shift]]\nname = \"x\"\nstart = \"25:00\"\nlength = \"8h\"\n",
    );
    let req = dir.write("ok.csv", "interval_start,required\n2026-03-02 09:00,1\n");
    dir.cmd()
        .args(["schedule", "--requirements"])
        .arg(&req)
        .arg("--shifts")
        .arg(&bad)
        .run()
        .code(1)
        .stderr_has("shift \"x\": start: \"25:00\" is not a time (write HH:MM)");
}

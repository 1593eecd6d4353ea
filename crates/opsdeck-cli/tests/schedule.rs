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
    assert_eq!(sum["agent_shifts"], 4, "{doc}");
    assert_eq!(sum["shifts"], 2, "one night shift on each day");
    assert_eq!(sum["paid_s"], 4.0 * 8.0 * 3600.0);
    assert!(sum["labour_cost"].is_null() && sum["currency"].is_null());
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
    assert_eq!(doc["summary"]["agent_shifts"], 1);
    assert_eq!(doc["summary"]["paid_s"], 8.0 * 3600.0, "eight real hours");
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

/// A day shift 09:00–17:30 with a 30-minute break after four hours, Mondays to Fridays.
const DAY_SHIFT: &str = "[[shift]]\nname = \"day\"\nstart = \"09:00\"\nlength = \"8h30m\"\nbreaks = [{ after = \"4h\", length = \"30m\" }]\ndays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\n";

#[test]
fn staffing_and_plan_outputs_are_requirements() {
    let dir = Dir::new();
    let shifts = dir.write(
        "shifts.toml",
        format!("zone = \"America/New_York\"\ninterval_minutes = 30\n\n{DAY_SHIFT}"),
    );
    // `opsdeck staffing`'s columns: the interval id is the start, `agents` the requirement
    let staffing = dir.write(
        "staffing.csv",
        "interval_id,raw_agents,agents,service_level,occupancy,wait_probability,asa_s\n\
         2026-03-02 09:00:00,2,3,0.9,0.8,0.2,4.5\n2026-03-02 09:30:00,3,4,0.9,0.8,0.2,4.5\n",
    );
    let doc = schedule_json(&dir, &staffing, &shifts);
    assert_eq!(doc["summary"]["agent_shifts"], 4, "{doc}");
    let iv = doc["intervals"].as_array().unwrap();
    assert_eq!(iv.len(), 2);
    assert_eq!(
        (&iv[0]["required"], &iv[1]["required"]),
        (&3.into(), &4.into())
    );
    // `opsdeck plan --by interval`'s columns: `start`, `required`, and any column by name
    let plan = dir.write(
        "plan.csv",
        "start,offered_baseline,offered,aht_s,required_baseline,required,staffed_mnl,staffed_bog,staffed,gap\n\
         2026-03-02 09:00,10,10,300,3,3,2,1,3,0\n2026-03-02 09:30,20,20,300,5,5,3,1,4,1\n",
    );
    let doc = schedule_json(&dir, &plan, &shifts);
    assert_eq!(doc["summary"]["agent_shifts"], 5, "{doc}");
    let doc = dir
        .cmd()
        .args([
            "schedule",
            "--format",
            "json",
            "--required-column",
            "staffed_mnl",
        ])
        .arg("--requirements")
        .arg(&plan)
        .arg("--shifts")
        .arg(&shifts)
        .run()
        .success()
        .json();
    assert_eq!(doc["summary"]["agent_shifts"], 3, "{doc}");
    dir.cmd()
        .args([
            "schedule",
            "--required-column",
            "staffed_xyz",
            "--requirements",
        ])
        .arg(&plan)
        .arg("--shifts")
        .arg(&shifts)
        .run()
        .code(2)
        .stderr_has("plan.csv: no column \"staffed_xyz\" (the header has start, offered_baseline")
        .stderr_has("(set with --required-column)");
    let none = dir.write("none.csv", "when,how_many\n2026-03-02 09:00,1\n");
    dir.cmd()
        .args(["schedule", "--requirements"])
        .arg(&none)
        .arg("--shifts")
        .arg(&shifts)
        .run()
        .code(1)
        .stderr_has("none.csv: missing column interval_start (or start, interval_id, ts)");
}

#[test]
fn a_site_in_the_shifts_file_prices_the_working_hours() {
    let dir = Dir::new();
    let setup = dir.write(
        "setup.toml",
        "[[site]]\nid = \"mnl\"\nname = \"Manila\"\ncountry = \"PH\"\ntime_zone = \"Asia/Manila\"\ncost_per_productive_hour = 14.5\ncurrency = \"USD\"\n",
    );
    let req = dir.write(
        "req.csv",
        "interval_start,required\n2026-03-02 09:00,2\n2026-03-02 16:30,2\n",
    );
    let shifts = |site: &str| {
        dir.write(
            "shifts.toml",
            format!(
                "zone = \"Asia/Manila\"\ninterval_minutes = 30\nsite = \"{site}\"\n\n{DAY_SHIFT}"
            ),
        )
    };
    let p = shifts("mnl");
    // no workspace yet: the site cannot be priced
    dir.cmd()
        .args(["schedule", "--requirements"])
        .arg(&req)
        .arg("--shifts")
        .arg(&p)
        .run()
        .code(2)
        .stderr_has("no workspace at");
    dir.cmd()
        .args(["setup", "apply"])
        .arg(&setup)
        .run()
        .success();
    let out = dir
        .cmd()
        .args(["schedule", "--format", "json", "--requirements"])
        .arg(&req)
        .arg("--shifts")
        .arg(&p)
        .run()
        .success();
    let sum = &out.json()["summary"];
    assert_eq!(sum["agent_shifts"], 2);
    assert_eq!(sum["paid_s"], 2.0 * 8.5 * 3600.0);
    assert_eq!(sum["working_s"], 2.0 * 8.0 * 3600.0);
    assert_eq!(
        (&sum["site"], &sum["currency"]),
        (&"mnl".into(), &"USD".into())
    );
    assert_eq!(sum["cost_per_productive_hour"], 14.5);
    assert_eq!(sum["labour_cost"], 16.0 * 14.5);
    out.stderr_has("2 agent-shifts on 1 shifts; 17.0 h paid (16.0 h working, breaks excluded); labour cost USD 232.00 (USD 14.50 per productive hour at site mnl)");
    let p = shifts("mnla");
    dir.cmd()
        .args(["schedule", "--requirements"])
        .arg(&req)
        .arg("--shifts")
        .arg(&p)
        .run()
        .code(2)
        .stderr_has("shifts.toml: site \"mnla\": unknown site \"mnla\" (did you mean \"mnl\"?)");
}

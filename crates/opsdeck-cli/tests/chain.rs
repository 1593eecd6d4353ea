//! The planning chain end to end, each output the next command's input: `opsdeck forecast` of
//! the real US-bank series (5-minute counts summed to 30 minutes) → `opsdeck staffing` from the
//! forecast → `opsdeck schedule` from the staffing; and `opsdeck plan --by interval` →
//! `opsdeck schedule` for one site, priced at the site's rate.

mod util;

use serde_json::Value;
use std::collections::BTreeMap;
use util::{parse_csv, Dir, TestCommand};

/// Shifts covering the bank's weekdays 07:00–21:30 (New York time), 30-minute intervals.
const BANK_SHIFTS: &str = r#"zone = "America/New_York"
interval_minutes = 30

[[shift]]
name = "early"
start = "07:00"
length = "8h30m"
breaks = [{ after = "4h", length = "30m" }]
days = ["mon", "tue", "wed", "thu", "fri"]

[[shift]]
name = "day"
start = "09:00"
length = "8h30m"
breaks = [{ after = "4h", length = "30m" }]
days = ["mon", "tue", "wed", "thu", "fri"]

[[shift]]
name = "mid"
start = "11:00"
length = "8h30m"
breaks = [{ after = "4h", length = "30m" }]
days = ["mon", "tue", "wed", "thu", "fri"]

[[shift]]
name = "late"
start = "13:00"
length = "8h30m"
breaks = [{ after = "4h30m", length = "30m" }]
days = ["mon", "tue", "wed", "thu", "fri"]

[[shift]]
name = "evening"
start = "17:30"
length = "4h"
days = ["mon", "tue", "wed", "thu", "fri"]
"#;

fn int(v: &Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{key} is not a whole number in {v}"))
}

#[test]
fn us_bank_forecast_feeds_staffing_feeds_schedule() {
    let Some(shared) = util::shared_dir("us_bank_forecast_feeds_staffing_feeds_schedule") else {
        return;
    };
    let history =
        shared.join("data/us_bank_call_volume_2003/calls_5min_2003-03-03_to_2003-08-14.csv.gz");
    if !history.is_file() {
        eprintln!(
            "SKIPPED us_bank_forecast_feeds_staffing_feeds_schedule: {} is missing",
            history.display()
        );
        return;
    }
    let dir = Dir::new();
    let (fc, st) = (dir.path("forecast.csv"), dir.path("staffing.csv"));
    let iv = dir.path("intervals.csv");
    let shifts = dir.write("shifts.toml", BANK_SHIFTS);

    // 1. a week of 30-minute forecasts after the history's last day (Thursday 14 August)
    TestCommand::bare(dir.root())
        .args(["forecast", "--input"])
        .arg(&history)
        .args(["--ts-column", "interval_start", "--volume-column", "calls"])
        .args(["--interval-minutes", "30", "--horizon-days", "7", "-o"])
        .arg(&fc)
        .run()
        .success()
        .stderr_has("30-minute intervals; opening hours: Mon 07:00–21:30")
        .stderr_has("Sat closed, Sun closed");
    let fc_rows = parse_csv(&std::fs::read_to_string(&fc).unwrap());
    assert_eq!(fc_rows[0], ["ts", "forecast", "lower", "upper"]);
    let fc_rows = &fc_rows[1..];
    assert_eq!(
        fc_rows.len(),
        5 * 29,
        "Fri 15 and Mon 18–Thu 21 August, 29 half-hours"
    );
    assert_eq!(fc_rows[0][0], "2003-08-15 07:00:00");
    assert_eq!(fc_rows[fc_rows.len() - 1][0], "2003-08-21 21:00:00");
    let calls: Vec<f64> = fc_rows.iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(
        calls.iter().all(|c| *c > 0.0),
        "every open half-hour has calls"
    );
    let day: f64 = calls[29..58].iter().sum();
    assert!(
        (20_000.0..45_000.0).contains(&day),
        "Monday forecast {day} calls, the bank takes about 32,500 a day"
    );

    // 2. staffing from the forecast: what it lacks is given once for every interval
    TestCommand::bare(dir.root())
        .args(["staffing", "--input"])
        .arg(&fc)
        .args([
            "--aht-s",
            "240",
            "--interval-s",
            "1800",
            "--target-sl",
            "0.8",
        ])
        .args([
            "--answer-s",
            "20",
            "--max-occupancy",
            "0.85",
            "--shrinkage",
            "0.3",
            "-o",
        ])
        .arg(&st)
        .run()
        .success();
    let st_rows = parse_csv(&std::fs::read_to_string(&st).unwrap());
    assert_eq!(st_rows[0][..3], ["interval_id", "raw_agents", "agents"]);
    let st_rows = &st_rows[1..];
    assert_eq!(st_rows.len(), fc_rows.len());
    let mut agents = BTreeMap::new();
    for (s, f) in st_rows.iter().zip(fc_rows) {
        assert_eq!(
            s[0], f[0],
            "staffing keeps the forecast's intervals in order"
        );
        let (raw, sched): (u64, u64) = (s[1].parse().unwrap(), s[2].parse().unwrap());
        let load = f[1].parse::<f64>().unwrap() * 240.0 / 1800.0;
        assert!(raw as f64 >= load / 0.85 - 1e-9, "{s:?}: occupancy cap");
        assert_eq!(sched, (raw as f64 / 0.7).ceil() as u64, "{s:?}: shrinkage");
        let sl: f64 = s[3].parse().unwrap();
        assert!(sl >= 0.8, "{s:?}: service level");
        agents.insert(f[0][..16].to_string(), sched as i64);
    }

    // 3. schedule from the staffing: `interval_id` is the start, `agents` the requirement
    let out = TestCommand::bare(dir.root())
        .args(["schedule", "--format", "json", "--requirements"])
        .arg(&st)
        .arg("--shifts")
        .arg(&shifts)
        .arg("--intervals")
        .arg(&iv)
        .run()
        .success();
    out.stderr_has("agent-shifts on");
    let doc = out.json();
    let sum = &doc["summary"];
    let intervals = doc["intervals"].as_array().unwrap();
    assert_eq!(
        intervals.len(),
        st_rows.len(),
        "one interval per staffing row"
    );
    assert_eq!(
        parse_csv(&std::fs::read_to_string(&iv).unwrap()).len(),
        intervals.len() + 1
    );
    let mut shortage = 0;
    for r in intervals {
        let start = r["interval_start"].as_str().unwrap();
        assert_eq!(int(r, "required"), agents[start], "{r}");
        let (req, cov, short) = (int(r, "required"), int(r, "coverage"), int(r, "shortage"));
        assert_eq!(short, (req - cov).max(0), "{r}");
        if short == 0 {
            assert!(cov >= req, "{r}");
        }
        shortage += short;
    }
    assert_eq!(int(sum, "shortage"), shortage);
    assert_eq!(shortage, 0, "the shifts cover every open half-hour: {sum}");
    // agent-shifts and paid hours add up over the shifts table
    let shifts_out = doc["shifts"].as_array().unwrap();
    let agent_shifts: i64 = shifts_out.iter().map(|s| int(s, "agents")).sum();
    assert_eq!(int(sum, "agent_shifts"), agent_shifts);
    let paid: f64 = shifts_out
        .iter()
        .map(|s| {
            let h = if s["shift"] == "evening" { 4.0 } else { 8.5 };
            int(s, "agents") as f64 * h * 3600.0
        })
        .sum();
    assert_eq!(sum["paid_s"].as_f64(), Some(paid));
    let breaks: f64 = shifts_out
        .iter()
        .filter(|s| s["shift"] != "evening")
        .map(|s| int(s, "agents") as f64 * 1800.0)
        .sum();
    assert_eq!(sum["working_s"].as_f64(), Some(paid - breaks));
    assert!(sum["labour_cost"].is_null(), "no site, no money");
}

#[test]
fn plan_intervals_feed_schedule_for_one_site_with_its_rate() {
    let dir = Dir::new();
    TestCommand::bare(dir.root())
        .arg("demo")
        .arg("--dir")
        .arg(dir.home())
        .args(["--days", "28", "--scale", "0.2"])
        .run()
        .success();
    let out = dir
        .cmd()
        .args([
            "plan",
            "--queue",
            "nwb-cards-voice",
            "--from",
            "2025-09-29",
            "--days",
            "5",
        ])
        .args([
            "--history-weeks",
            "4",
            "--by",
            "interval",
            "--format",
            "csv",
        ])
        .run()
        .success();
    let plan = dir.write("plan.csv", &out.stdout);
    let rows = parse_csv(&out.stdout);
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let (c_start, c_mnl) = (col("start"), col("staffed_mnl"));
    // the queue's calendar (New York) is the shifts' zone; the Manila site's agents work them
    let shifts = dir.write(
        "shifts.toml",
        "zone = \"America/New_York\"\ninterval_minutes = 30\nsite = \"mnl\"\n\n\
         [[shift]]\nname = \"open\"\nstart = \"08:00\"\nlength = \"8h\"\n\n\
         [[shift]]\nname = \"close\"\nstart = \"12:00\"\nlength = \"8h\"\n\n\
         [[shift]]\nname = \"half\"\nstart = \"09:00\"\nlength = \"4h\"\n",
    );
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
    let intervals = doc["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), rows.len() - 1, "one interval per plan row");
    for (r, p) in intervals.iter().zip(&rows[1..]) {
        assert_eq!(r["interval_start"], p[c_start].as_str());
        assert_eq!(int(r, "required").to_string(), p[c_mnl]);
        if int(r, "shortage") == 0 {
            assert!(int(r, "coverage") >= int(r, "required"), "{r}");
        }
    }
    let sum = &doc["summary"];
    assert_eq!(sum["site"], "mnl");
    assert_eq!(sum["currency"], "USD");
    let working = sum["working_s"].as_f64().unwrap();
    assert_eq!(working, sum["paid_s"].as_f64().unwrap(), "no breaks");
    let cost = sum["labour_cost"].as_f64().unwrap();
    assert!((cost - working / 3600.0 * 14.5).abs() < 1e-6, "{sum}");
    assert!(cost > 0.0);
}

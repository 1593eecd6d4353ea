//! `opsdeck plan` end to end on a small demo workspace (built through the ingest path): a site
//! outage whose other site has binding seat caps moves load and lowers the projected service
//! level in the window only; bad scenario inputs are named by file, key and reason.

mod util;

use serde_json::Value;
use util::{answered, Dir, TestCommand};

const QUEUE: &str = "nwb-cards-voice"; // program nwb-cards, sites mnl and bog
const FROM: &str = "2025-09-29"; // the Monday after four weeks of demo data

fn demo(dir: &Dir) {
    TestCommand::bare(dir.root())
        .arg("demo")
        .arg("--dir")
        .arg(dir.home())
        .args(["--days", "28", "--scale", "0.2"])
        .run()
        .success();
}

fn plan(dir: &Dir, scenario: &std::path::Path, extra: &[&str]) -> Value {
    dir.cmd()
        .args(["plan", "--queue", QUEUE, "--from", FROM, "--days", "5"])
        .args(["--history-weeks", "4", "--format", "json", "--scenario"])
        .arg(scenario)
        .args(extra)
        .run()
        .success()
        .json()
}

fn rows<'a>(v: &'a Value, table: &str) -> &'a Vec<Value> {
    v[table]
        .as_array()
        .unwrap_or_else(|| panic!("no {table} in {v}"))
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

fn in_window(row: &Value) -> bool {
    let start = row["start"].as_str().unwrap();
    start.starts_with("2025-10-01") || start.starts_with("2025-10-02")
}

#[test]
fn an_outage_moves_load_and_lowers_projected_service_level() {
    let dir = Dir::new();
    demo(&dir);
    // equal shares, no caps: find the largest requirement
    let free = dir.write(
        "free.toml",
        "[sites.mnl]\nshare = 0.5\n[sites.bog]\nshare = 0.5\n",
    );
    let probe = plan(&dir, &free, &[]);
    let peak = rows(&probe, "intervals")
        .iter()
        .map(|r| r["required"].as_i64().unwrap())
        .max()
        .unwrap();
    assert!(peak >= 5, "peak requirement {peak} too small to test caps");
    // caps that never bind while both sites work, but bind when one carries everything
    let seats = (peak + 1) / 2 + 1;
    let capped = dir.write(
        "capped.toml",
        format!(
            "[sites.mnl]\nshare = 0.5\nseats = {seats}\n[sites.bog]\nshare = 0.5\nseats = {seats}\n"
        ),
    );
    let base = plan(&dir, &capped, &[]);
    let what_if = plan(&dir, &capped, &["--outage", "bog:2025-10-01:2025-10-02"]);
    assert!(base["estimates"]["patience_s"].is_number());
    assert_eq!(what_if["estimates"]["projection_model"], "erlang-a");

    let (b, w) = (rows(&base, "intervals"), rows(&what_if, "intervals"));
    assert_eq!(b.len(), w.len());
    assert!(b.iter().any(in_window));
    let (mut moved, mut gaps) = (0, 0);
    for (x, y) in b.iter().zip(w) {
        assert_eq!(x["start"], y["start"]);
        assert_eq!(x["gap"], 0, "caps bind in the baseline: {x}");
        if !in_window(x) {
            assert_eq!(x, y, "outside the outage nothing changes");
            continue;
        }
        assert_eq!(y["staffed_bog"], 0, "the site on outage has nobody: {y}");
        let (bm, wm) = (
            x["staffed_mnl"].as_i64().unwrap(),
            y["staffed_mnl"].as_i64().unwrap(),
        );
        assert!(wm >= bm, "mnl lost agents: {x} vs {y}");
        assert!(wm <= seats, "mnl over its seats: {y}");
        moved += i64::from(wm > bm);
        let gap = y["gap"].as_i64().unwrap();
        gaps += i64::from(gap > 0);
        assert_eq!(
            wm + gap,
            y["required"].as_i64().unwrap(),
            "staffed + gap = required: {y}"
        );
        if gap > 0 {
            assert!(
                num(y, "service_level") < num(x, "service_level"),
                "a gap lowers the projected service level: {x} vs {y}"
            );
        }
        // the plan's own baseline column is the baseline run's projection
        assert_eq!(y["baseline_service_level"], x["service_level"]);
    }
    assert!(moved > 0, "no load moved to mnl");
    assert!(gaps > 0, "the caps never bound during the outage");

    // per day: lower in the window, identical outside
    for (x, y) in rows(&base, "days").iter().zip(rows(&what_if, "days")) {
        let date = x["date"].as_str().unwrap();
        if date == "2025-10-01" || date == "2025-10-02" {
            assert!(num(y, "service_level") < num(x, "service_level"), "{date}");
            assert!(num(y, "agent_hours_gap") > 0.0, "{date}");
        } else {
            assert_eq!(x, y, "{date}");
        }
    }
    // per site: hours move from bog to mnl; the unstaffed row holds the gap
    let site = |v: &Value, id: &str| -> Value {
        rows(v, "sites")
            .iter()
            .find(|r| r["site"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no site {id}"))
    };
    assert!(num(&site(&what_if, "mnl"), "agent_hours") > num(&site(&base, "mnl"), "agent_hours"));
    assert!(num(&site(&what_if, "bog"), "agent_hours") < num(&site(&base, "bog"), "agent_hours"));
    let unstaffed = num(&site(&what_if, "unstaffed"), "agent_hours");
    let day_gap: f64 = rows(&what_if, "days")
        .iter()
        .map(|d| num(d, "agent_hours_gap"))
        .sum();
    assert!(unstaffed > 0.0 && (unstaffed - day_gap).abs() < 1e-9);

    // the table format shows the estimates and the chosen view
    dir.cmd()
        .args(["plan", "--queue", QUEUE, "--from", FROM, "--days", "5"])
        .args([
            "--history-weeks",
            "4",
            "--by",
            "site",
            "--volume-pct",
            "-10",
        ])
        .run()
        .success()
        .stdout_has("projection erlang-a (patience ")
        .stdout_has("scenario: volume -10 %")
        .stdout_has("agent_hours_baseline");
}

#[test]
fn bad_plan_inputs_are_named() {
    let dir = Dir::new();
    demo(&dir);
    let run = |extra: &[&str]| {
        dir.cmd()
            .args([
                "plan",
                "--from",
                FROM,
                "--days",
                "5",
                "--history-weeks",
                "4",
            ])
            .args(extra)
            .run()
    };
    let q = ["--queue", QUEUE];
    run(&["--queue", "nope"])
        .code(2)
        .stderr_has("unknown queue \"nope\" (did you mean one of ");
    run(&[&q[..], &["--outage", "krk:2025-09-30:2025-09-30"]].concat())
        .code(1)
        .stderr_has("--outage krk:2025-09-30:2025-09-30: site \"krk\" does not serve program nwb-cards of queue nwb-cards-voice (sites: mnl, bog)");
    run(&[&q[..], &["--outage", "bog:2025-09-30:2025-10-09"]].concat())
        .code(1)
        .stderr_has("outage 2025-09-30..2025-10-09 of site bog is outside the plan dates 2025-09-29..2025-10-03");
    run(&[&q[..], &["--outage", "bog:2025-09-30"]].concat())
        .code(2)
        .stderr_has("outage bog:2025-09-30: not three parts")
        .stderr_has("(set with --outage)");
    run(&[&q[..], &["--volume-pct", "-120"]].concat())
        .code(2)
        .stderr_has(
            "volume change: -120 must be a number > -100 (percent) (set with --volume-pct)",
        );
    run(&[&q[..], &["--shrinkage", "1.2"]].concat())
        .code(1)
        .stderr_has("shrinkage is 1.2: must be in [0, 1)");
    // too little history: the first days of the data
    dir.cmd()
        .args([
            "plan",
            "--queue",
            QUEUE,
            "--from",
            "2025-09-04",
            "--days",
            "3",
        ])
        .args(["--history-weeks", "1"])
        .run()
        .code(1)
        .stderr_has("complete day(s) of history in 2025-08-28..2025-09-03")
        .stderr_has("at least 5 are needed");

    let bad = |name: &str, text: &str, want: &str| {
        let p = dir.write(name, text);
        run(&[&q[..], &["--scenario", p.to_str().unwrap()]].concat())
            .code(1)
            .stderr_has(name)
            .stderr_has(want);
    };
    bad(
        "date.toml",
        "[[outage]]\nsite = \"bog\"\nfrom = \"2025-10-1x\"\nto = \"2025-10-02\"\n",
        "outage[0].from: \"2025-10-1x\" is not a date YYYY-MM-DD",
    );
    bad(
        "order.toml",
        "[[outage]]\nsite = \"bog\"\nfrom = 2025-10-02\nto = 2025-10-01\n",
        "outage[0].to: 2025-10-01 is before from 2025-10-02",
    );
    bad(
        "seats.toml",
        "[sites.mnl]\nseats = -3\n",
        "sites.mnl.seats: -3 must be ≥ 0",
    );
    bad(
        "share.toml",
        "[sites.krk]\nshare = 0.5\n",
        "sites.krk: site \"krk\" does not serve program nwb-cards",
    );
    bad("key.toml", "volume = 10\n", "unknown field `volume`");
    bad(
        "volume.toml",
        "volume_pct = -100\n",
        "volume_pct: -100 must be a number > -100",
    );
}

/// Two sites serve the program; a quarter of the handled contacts carry no site. No contact
/// abandons, so there is no patience estimate.
const TWO_SITES: &str = r#"
[[site]]
id = "s1"
name = "Site one"
country = "GB"
time_zone = "Europe/London"
cost_per_productive_hour = 20.0

[[site]]
id = "s2"
name = "Site two"
country = "GB"
time_zone = "Europe/London"
cost_per_productive_hour = 20.0

[[client]]
id = "c1"
name = "Client one"

[[program]]
id = "p1"
name = "Program one"
client = "c1"
sites = ["s1", "s2"]

[[calendar]]
id = "cal1"
time_zone = "Europe/London"
hours = { mon = "09:00-11:00", tue = "09:00-11:00", wed = "09:00-11:00", thu = "09:00-11:00", fri = "09:00-11:00", sat = "09:00-11:00", sun = "09:00-11:00" }

[[queue]]
id = "q1"
name = "Queue one"
program = "p1"
channel = "voice"
calendar = "cal1"
threshold_s = 20
"#;

#[test]
fn shares_come_from_handled_contacts_by_site_and_erlang_a_needs_abandonments() {
    let dir = Dir::new();
    dir.apply_setup("setup.toml", TWO_SITES);
    // 14 days × 4 half-hours × 4 contacts: three at s1, one without a site
    let mut csv = format!("{},site\n", util::HEADER);
    let start = chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
    for d in 0..14 {
        let day = start + chrono::Days::new(d);
        for slot in 0..4u32 {
            for k in 0..4u32 {
                let t = day
                    .and_hms_opt(9 + slot / 2, 30 * (slot % 2) + 1 + 6 * k, 0)
                    .unwrap()
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string();
                let id = format!("c{d}-{slot}-{k}");
                let site = if k < 3 { "s1" } else { "" };
                csv.push_str(&format!("{},{site}\n", answered(&id, "q1", &t, 5, 200)));
            }
        }
    }
    let file = dir.write("contacts.csv", csv);
    dir.cmd()
        .args(["ingest", "contacts"])
        .arg(&file)
        .run()
        .success();
    let run = |extra: &[&str]| {
        dir.cmd()
            .args([
                "plan",
                "--queue",
                "q1",
                "--from",
                "2025-03-17",
                "--days",
                "2",
            ])
            .args(["--history-weeks", "2"])
            .args(extra)
            .run()
    };
    let v = run(&["--format", "json"]).success().json();
    let e = &v["estimates"];
    assert_eq!(e["history_offered"], 14 * 16);
    assert_eq!(e["handled_without_site"], 14 * 4);
    // s1: (12 + 4/2) / 16 per day; s2: (0 + 4/2) / 16
    assert_eq!(e["sites"][0]["site"], "s1");
    assert_eq!(e["sites"][0]["share"], 0.875);
    assert_eq!(e["sites"][0]["share_source"], "history");
    assert_eq!(e["sites"][1]["share"], 0.125);
    assert_eq!(e["sites"][1]["handled"], 0);
    // AHT = talk 200 + ACW 10 in every slot
    assert_eq!(e["aht_s"], 210.0);
    assert!(e["patience_s"].is_null());
    assert_eq!(e["projection_model"], "erlang-c");
    assert!(e["notes"][0]
        .as_str()
        .unwrap()
        .contains("no abandonments in the history"));
    // 2 days × 4 open half-hours
    let intervals = rows(&v, "intervals");
    assert_eq!(intervals.len(), 8);
    assert_eq!(intervals[0]["start"], "2025-03-17 09:00");
    for i in intervals {
        // Erlang C projects no abandonment
        assert!(i["abandon_rate"].is_null(), "{i}");
        assert_eq!(i["aht_s"], 210.0);
    }
    run(&["--model", "erlang-a"])
        .code(1)
        .stderr_has("Erlang A needs a patience estimate, but queue q1 has no abandoned contacts");
}

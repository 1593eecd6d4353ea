//! `opsdeck contract apply/show` and `opsdeck sla evaluate/explain` end to end: idempotent
//! apply with revisions kept, evaluation from ingested contacts (worked by hand), earlier
//! revisions shown beside the latest, the rows behind a figure, and bad files named clearly.

mod util;

use util::{answered, Dir, Setup};

const CONTRACT: &str = r#"
[contract]
id = "c1-msa"
client = "c1"
start = "2026-01-01"
end = "2026-12-31"
currency = "EUR"
# the workspace has data on one day a month: judge on it (coverage is tested on its own)
min_coverage = 0.0

[[fte_rate]]
program = "p1"
fte = 10
monthly_rate = 1000

[credits]
at_risk_pct = 10
pool_pct = 100
earn_back_periods = 1

[[sla]]
id = "sl"
effective_from = "2026-01-01"
metric = "service_level"
target = 80
min_volume = 10
credit_allocation_pct = 50
"#;

/// October: 10 of 20 answered within 20 s (50 %); November: 20 of 20 (100 %).
fn workspace() -> Dir {
    let dir = Dir::new();
    dir.apply_setup("setup.toml", &Setup::new("UTC").queue("q1").toml());
    let mut rows = Vec::new();
    for i in 0..20 {
        let wait = if i < 10 { 5 } else { 60 };
        rows.push(answered(
            &format!("o{i}"),
            "q1",
            &format!("2026-10-05 09:{i:02}:00"),
            wait,
            100,
        ));
        rows.push(answered(
            &format!("n{i}"),
            "q1",
            &format!("2026-11-05 09:{i:02}:00"),
            5,
            100,
        ));
    }
    dir.write_csv("contacts.csv", &rows);
    dir.cmd()
        .args(["ingest", "contacts", "contacts.csv"])
        .run()
        .success();
    dir
}

/// Write `text` as contract.toml and apply it (asserting success).
fn apply(dir: &Dir, text: &str) {
    let f = dir.write("contract.toml", text);
    dir.cmd()
        .args(["contract", "apply"])
        .arg(&f)
        .run()
        .success();
}

fn evaluate(dir: &Dir, period: &str) -> serde_json::Value {
    dir.cmd()
        .args([
            "sla", "evaluate", "--client", "c1", "--period", period, "--format", "json",
        ])
        .run()
        .success()
        .json()
}

#[test]
fn apply_is_idempotent_and_keeps_revisions() {
    let dir = workspace();
    let f = dir.write("contract.toml", CONTRACT);
    dir.cmd()
        .args(["contract", "apply"])
        .arg(&f)
        .run()
        .success()
        .stdout_has("stored as revision 1");
    dir.cmd()
        .args(["contract", "apply"])
        .arg(&f)
        .run()
        .success()
        .stdout_has("unchanged (revision 1 is identical)");
    let f2 = dir.write(
        "contract.toml",
        CONTRACT.replace("target = 80", "target = 40"),
    );
    let r = dir
        .cmd()
        .args(["contract", "apply", "--json"])
        .arg(&f2)
        .run()
        .success()
        .json();
    assert_eq!(
        (r["revision"].as_i64(), r["changed"].as_bool()),
        (Some(2), Some(true))
    );
    dir.cmd()
        .args(["contract", "show"])
        .run()
        .success()
        .stdout_has("# contract c1-msa revision 2")
        .stdout_has("target = 40.0");
    let revs = dir
        .cmd()
        .args(["contract", "show", "--revisions", "--format", "json"])
        .run()
        .success()
        .json();
    assert_eq!(revs.as_array().unwrap().len(), 2);
    assert_eq!(revs[0]["contract"]["sla"][0]["target"].as_f64(), Some(80.0));
}

#[test]
fn evaluate_missed_month_with_earn_back_earned() {
    let dir = workspace();
    apply(&dir, CONTRACT);
    // October: 50 % < 80 % → missed; credit = 100 % × 50 % × (10 % × 10,000) = 500;
    // November met → earned back, nothing payable
    let v = evaluate(&dir, "2026-10");
    assert_eq!(v["format_version"].as_i64(), Some(2));
    let e = &v["evaluations"][0];
    let s = &e["slas"][0];
    assert_eq!(s["status"], "missed");
    assert_eq!(
        (s["unit"].as_str(), s["target"].as_f64()),
        (Some("fraction"), Some(0.8))
    );
    assert_eq!(s["achieved"].as_f64(), Some(0.5));
    assert_eq!(s["volume"].as_i64(), Some(20));
    assert!((s["margin"].as_f64().unwrap() + 0.3).abs() < 1e-12, "{s}");
    assert_eq!(s["credit"].as_f64(), Some(500.0));
    assert_eq!(s["earn_back"], "earned");
    assert_eq!(e["invoice"]["base"].as_f64(), Some(10_000.0));
    assert_eq!(e["credits"]["payable"].as_f64(), Some(0.0));
    assert_eq!(e["net"].as_f64(), Some(10_000.0));
    // November: met, no credit
    let v = evaluate(&dir, "2026-11");
    assert_eq!(v["evaluations"][0]["slas"][0]["status"], "met");
    // the table and CSV forms carry the same row
    let csv = dir
        .cmd()
        .args([
            "sla", "evaluate", "--client", "c1", "--period", "2026-10", "--format", "csv",
        ])
        .run()
        .success()
        .stdout;
    let rows = util::parse_csv(&csv);
    assert_eq!(rows.len(), 2, "{csv}");
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    assert_eq!(rows[1][col("status")], "missed");
    assert_eq!(rows[1][col("achieved")], "0.5");
    assert_eq!(rows[1][col("currency")], "EUR");
    dir.cmd()
        .args(["sla", "evaluate", "--client", "c1", "--period", "2026-10"])
        .run()
        .success()
        .stdout_has("missed: 50.0 % (target >= 80.0 %)")
        .stdout_has("EUR 500.00")
        .stdout_has("EUR 10,000.00");
    // re-evaluating is idempotent
    assert_eq!(evaluate(&dir, "2026-10"), evaluate(&dir, "2026-10"));
}

#[test]
fn a_changed_definition_shows_the_earlier_revision_beside_the_latest() {
    let dir = workspace();
    apply(&dir, CONTRACT);
    apply(&dir, &CONTRACT.replace("target = 80", "target = 40"));
    let v = evaluate(&dir, "2026-10");
    assert_eq!(v["evaluations"][0]["revision"].as_i64(), Some(2));
    assert_eq!(v["evaluations"][0]["slas"][0]["status"], "met");
    let old = &v["earlier_revisions"][0];
    assert_eq!(old["revision"].as_i64(), Some(1));
    assert_eq!(old["slas"][0]["status"], "missed");
    assert_eq!(old["slas"][0]["target"].as_f64(), Some(0.8));
}

#[test]
fn explain_lists_the_rows_behind_the_figure() {
    let dir = workspace();
    apply(&dir, CONTRACT);
    let rows = dir
        .cmd()
        .args([
            "sla", "explain", "sl", "--period", "2026-10", "--format", "json",
        ])
        .run()
        .success()
        .json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["period"], "2026-10-05");
    assert_eq!(rows[0]["inclusion"], "included");
    assert_eq!(rows[0]["offered"].as_i64(), Some(20));
    assert_eq!(rows[0]["answered_within_t"].as_i64(), Some(10));
    dir.cmd()
        .args(["sla", "explain", "sl", "--period", "2026-10"])
        .run()
        .success()
        .stdout_has("re-sum to 50.0 % over volume 20");
    let by_interval = dir
        .cmd()
        .args([
            "sla",
            "explain",
            "sl",
            "--period",
            "2026-10",
            "--by-interval",
            "--format",
            "json",
        ])
        .run()
        .success()
        .json();
    // 09:00–09:19 arrivals fall in one 30-minute interval
    assert_eq!(by_interval.as_array().unwrap().len(), 1);
    assert_eq!(by_interval[0]["period"], "2026-10-05 09:00+00:00");
}

#[test]
fn bad_contracts_and_periods_are_refused_clearly() {
    let dir = workspace();
    let f = dir.write(
        "bad.toml",
        CONTRACT.replace("min_volume = 10", "min_volumes = 10"),
    );
    dir.cmd()
        .args(["contract", "apply"])
        .arg(&f)
        .run()
        .code(1)
        .stderr_has("bad.toml")
        .stderr_has("unknown field `min_volumes`");
    let f = dir.write(
        "bad2.toml",
        CONTRACT.replace("target = 80", "target = 80\nwindow = \"fortnight\""),
    );
    dir.cmd()
        .args(["contract", "apply"])
        .arg(&f)
        .run()
        .code(1)
        .stderr_has("bad2.toml: sla[0].window (sla \"sl\"): unknown window \"fortnight\"");
    dir.cmd()
        .args(["sla", "evaluate", "--client", "c1", "--period", "2026-10"])
        .run()
        .code(1)
        .stderr_has("client \"c1\" has no stored contract covering 2026-10");
    apply(&dir, CONTRACT);
    dir.cmd()
        .args(["sla", "evaluate", "--client", "c1", "--period", "2027-01"])
        .run()
        .code(1)
        .stderr_has("no stored contract covering 2027-01");
    dir.cmd()
        .args(["sla", "evaluate", "--client", "c1", "--period", "2026-13"])
        .run()
        .code(2)
        .stderr_has("\"2026-13\" is not a period");
    dir.cmd()
        .args(["sla", "evaluate", "--client", "c1", "--period", "2026-W40"])
        .run()
        .code(2)
        .stderr_has("SLAs are evaluated by calendar month");
    dir.cmd()
        .args(["sla", "evaluate", "--client", "c2", "--period", "2026-10"])
        .run()
        .code(2)
        .stderr_has("unknown client \"c2\" (did you mean \"c1\"?)");
}

/// A month with a missing week is `insufficient_data`, its credit provisional and the summary
/// says so; once the week is ingested it is met. A quarter gives each month and the total.
#[test]
fn a_missing_week_gives_no_verdict_until_it_is_ingested() {
    let dir = Dir::new();
    dir.apply_setup("setup.toml", &Setup::new("UTC").queue("q1").toml());
    let day_rows = |d: u32| -> Vec<String> {
        (0..12)
            .map(|i| {
                answered(
                    &format!("d{d}-{i}"),
                    "q1",
                    &format!("2026-10-{d:02} {:02}:05:00", i * 2),
                    5,
                    100,
                )
            })
            .collect()
    };
    let rows: Vec<String> = (1..=31)
        .filter(|d| !(8..=14).contains(d))
        .flat_map(day_rows)
        .collect();
    dir.write_csv("partial.csv", &rows);
    dir.cmd()
        .args(["ingest", "contacts", "partial.csv"])
        .run()
        .success();
    apply(&dir, &CONTRACT.replace("min_coverage = 0.0", ""));
    let v = evaluate(&dir, "2026-10");
    let e = &v["evaluations"][0];
    let s = &e["slas"][0];
    assert_eq!(s["status"], "insufficient_data", "{s}");
    assert_eq!(s["provisional_status"], "met");
    assert!(
        (s["coverage"].as_f64().unwrap() - 24.0 / 31.0).abs() < 1e-12,
        "{s}"
    );
    assert_eq!(e["provisional"], true);
    assert_eq!(e["credits"]["provisional_slas"][0], "sl");
    dir.cmd()
        .args(["sla", "evaluate", "--client", "c1", "--period", "2026-10"])
        .run()
        .success()
        .stdout_has("insufficient data: coverage 77.4 % < 100.0 %")
        .stdout_has("provisional (coverage below the contract's minimum")
        .stdout_has("c1 2026-10: sl");
    let missing = dir
        .cmd()
        .args([
            "sla",
            "explain",
            "sl",
            "--period",
            "2026-10",
            "--missing",
            "--format",
            "csv",
        ])
        .run()
        .success()
        .stdout;
    let missing = util::parse_csv(&missing);
    assert_eq!(missing.len(), 1 + 7, "{missing:?}");
    assert_eq!(missing[1], ["q1", "2026-10-08", "48"]);
    // the missing week arrives
    let week: Vec<String> = (8..=14).flat_map(day_rows).collect();
    dir.write_csv("week.csv", &week);
    dir.cmd()
        .args(["ingest", "contacts", "week.csv"])
        .run()
        .success();
    let v = evaluate(&dir, "2026-10");
    let s = &v["evaluations"][0]["slas"][0];
    assert_eq!(
        (s["status"].as_str(), s["coverage"].as_f64()),
        (Some("met"), Some(1.0))
    );
    assert_eq!(v["evaluations"][0]["provisional"], false);
    // a quarter: each month with data under the contract, then the total
    let q = dir
        .cmd()
        .args([
            "sla", "evaluate", "--period", "2026-Q4", "--view", "money", "--format", "csv",
        ])
        .run()
        .success()
        .stdout;
    let q = util::parse_csv(&q);
    let periods: Vec<&str> = q[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        periods,
        ["2026-10", "2026-11", "2026-12", "2026-Q4"],
        "{q:?}"
    );
}

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
    let e = &v["evaluation"];
    let s = &e["slas"][0];
    assert_eq!(s["status"], "missed");
    assert_eq!(s["achieved"].as_f64(), Some(50.0));
    assert_eq!(s["volume"].as_i64(), Some(20));
    assert_eq!(s["margin"].as_f64(), Some(-30.0));
    assert_eq!(s["credit"].as_f64(), Some(500.0));
    assert_eq!(s["earn_back"], "earned");
    assert_eq!(e["invoice"]["base"].as_f64(), Some(10_000.0));
    assert_eq!(e["credits"]["payable"].as_f64(), Some(0.0));
    assert_eq!(e["net"].as_f64(), Some(10_000.0));
    // November: met, no credit
    let v = evaluate(&dir, "2026-11");
    assert_eq!(v["evaluation"]["slas"][0]["status"], "met");
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
    assert_eq!(rows[1][col("achieved")], "50.0");
    dir.cmd()
        .args(["sla", "evaluate", "--client", "c1", "--period", "2026-10"])
        .run()
        .success()
        .stdout_has("net 10000.00 EUR");
    // re-evaluating is idempotent
    assert_eq!(evaluate(&dir, "2026-10"), evaluate(&dir, "2026-10"));
}

#[test]
fn a_changed_definition_shows_the_earlier_revision_beside_the_latest() {
    let dir = workspace();
    apply(&dir, CONTRACT);
    apply(&dir, &CONTRACT.replace("target = 80", "target = 40"));
    let v = evaluate(&dir, "2026-10");
    assert_eq!(v["revision"].as_i64(), Some(2));
    assert_eq!(v["evaluation"]["slas"][0]["status"], "met");
    let old = &v["earlier_revisions"][0];
    assert_eq!(old["revision"].as_i64(), Some(1));
    assert_eq!(old["sla"]["status"], "missed");
    assert_eq!(old["sla"]["target"].as_f64(), Some(80.0));
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
        .stdout_has("re-sum to 50.0000 % over volume 20");
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
        .code(1)
        .stderr_has("period \"2026-13\": expected a month as YYYY-MM");
}

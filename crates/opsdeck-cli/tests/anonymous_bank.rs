//! The real Anonymous Bank (Israel, 1999) call log through `--profile anonymous-bank`: the
//! offered / answered / abandoned counts of `ingest` + `scorecard` and of `kpi` equal a count made
//! here, independently, from the same gzip file with the documented rules.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use util::{int, Dir, Setup, TestCommand};

const QUEUES: [&str; 6] = ["PS", "PE", "IN", "NE", "NW", "TT"];

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    offered: i64,
    answered: i64,
    abandoned: i64,
}

#[derive(Debug, Default)]
struct Expected {
    total: Counts,
    by_queue: BTreeMap<String, Counts>,
    phantom: u64,
    left_in_vru: u64,
    rows: u64,
}

/// Count the file with the rules of the data's PROVENANCE.md: PHANTOM calls are ignored, a HANG
/// that never queued (q_start 0:00:00) left in the VRU and is ignored; offered = AGENT + HANG
/// with a queue, answered = AGENT, abandoned = HANG with a queue.
fn expected(path: &Path) -> Expected {
    let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap());
    let mut rdr = csv::Reader::from_reader(gz);
    let h = rdr.headers().unwrap().clone();
    let ix = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (ty, q_start, outcome) = (ix("type"), ix("q_start"), ix("outcome"));
    let mut e = Expected::default();
    for r in rdr.records() {
        let r = r.unwrap();
        e.rows += 1;
        let c = e.by_queue.entry(r[ty].trim().to_string()).or_default();
        match (r[outcome].trim(), r[q_start].trim() != "0:00:00") {
            ("PHANTOM", _) => e.phantom += 1,
            ("HANG", false) => e.left_in_vru += 1,
            ("HANG", true) => {
                c.offered += 1;
                c.abandoned += 1;
            }
            ("AGENT", _) => {
                c.offered += 1;
                c.answered += 1;
            }
            (other, _) => panic!("unexpected outcome {other:?}"),
        }
    }
    e.by_queue.retain(|_, c| c.offered > 0);
    for c in e.by_queue.values() {
        e.total.offered += c.offered;
        e.total.answered += c.answered;
        e.total.abandoned += c.abandoned;
    }
    e
}

fn counts(v: &serde_json::Value) -> Counts {
    Counts {
        offered: int(v, "offered"),
        answered: int(v, "answered"),
        abandoned: int(v, "abandoned"),
    }
}

fn calls_file(test: &str) -> Option<PathBuf> {
    let shared = util::shared_dir(test)?;
    let p =
        shared.join("data/anonymous_bank_call_center_1999/calls_1999-02-01_to_1999-02-20.csv.gz");
    assert!(p.is_file(), "{} is missing", p.display());
    Some(p)
}

fn check_expected_against_provenance(e: &Expected) {
    // the counts PROVENANCE.md states for this file, as a check of the independent count itself
    assert_eq!(e.rows, 24_223);
    assert_eq!(e.phantom, 209);
    assert_eq!(
        e.total,
        Counts {
            offered: 22_685,
            answered: 19_844,
            abandoned: 2_841
        }
    );
    assert_eq!(
        e.by_queue.keys().map(String::as_str).collect::<Vec<_>>(),
        {
            let mut q = QUEUES.to_vec();
            q.sort_unstable();
            q
        },
        "every service type has calls"
    );
}

#[test]
fn ingest_and_scorecard_match_an_independent_count() {
    let Some(file) = calls_file("ingest_and_scorecard_match_an_independent_count") else {
        return;
    };
    let e = expected(&file);
    check_expected_against_provenance(&e);

    let dir = Dir::new();
    let setup = QUEUES
        .iter()
        .fold(Setup::new("Asia/Jerusalem"), |s, q| s.queue(q));
    dir.apply_setup("bank.toml", &setup.toml());
    let out = dir
        .cmd()
        .args(["ingest", "contacts", "--profile", "anonymous-bank"])
        .arg(&file)
        .run()
        .success();
    out.stdout_has(&format!(
        "{} rows read, {} new contacts stored, 0 already stored, 0 quarantined",
        e.rows, e.total.offered
    ))
    .stdout_has(&format!("{} rows skipped: phantom call", e.phantom))
    .stdout_has(&format!(
        "{} rows skipped: hung up in the VRU before queueing",
        e.left_in_vru
    ));

    let total = dir.scorecard_total(&[]);
    assert_eq!(total.len(), 1, "{total:?}");
    assert_eq!(counts(&total[0]), e.total);
    assert_eq!(
        total[0]["period"].as_str(),
        Some("1999-02-01..1999-02-20"),
        "local days of the data"
    );

    let by_queue = dir.scorecard_total(&["--level", "queue"]);
    let got: BTreeMap<String, Counts> = by_queue
        .iter()
        .map(|r| (r["queue"].as_str().unwrap().to_string(), counts(r)))
        .collect();
    assert_eq!(got, e.by_queue);

    // the day roll-up re-sums to the same totals
    let days = dir
        .cmd()
        .args(["scorecard", "--by", "day", "--format", "json"])
        .run()
        .success()
        .json_rows();
    assert_eq!(days.len(), 20);
    let mut sum = Counts::default();
    for d in &days {
        let c = counts(d);
        sum.offered += c.offered;
        sum.answered += c.answered;
        sum.abandoned += c.abandoned;
    }
    assert_eq!(sum, e.total);
}

#[test]
fn kpi_matches_an_independent_count() {
    let Some(file) = calls_file("kpi_matches_an_independent_count") else {
        return;
    };
    let e = expected(&file);
    check_expected_against_provenance(&e);
    let dir = Dir::new();
    let out = TestCommand::bare(dir.root())
        .arg("kpi")
        .arg("--input")
        .arg(&file)
        .args(["--profile", "anonymous-bank", "--format", "json"])
        .run()
        .success();
    out.stderr_has(&format!("{} rows read", e.rows))
        .stderr_has(&format!(
            "{} skipped by the profile",
            e.phantom + e.left_in_vru
        ))
        .stderr_has("0 rejected");
    let mut got: BTreeMap<String, Counts> = BTreeMap::new();
    for r in out.json_rows() {
        let c = counts(&r);
        assert_eq!(c.offered, c.answered + c.abandoned, "{r}");
        let q = got
            .entry(r["queue"].as_str().unwrap().to_string())
            .or_default();
        q.offered += c.offered;
        q.answered += c.answered;
        q.abandoned += c.abandoned;
    }
    assert_eq!(got, e.by_queue);
    let total = got.values().fold(Counts::default(), |a, c| Counts {
        offered: a.offered + c.offered,
        answered: a.answered + c.answered,
        abandoned: a.abandoned + c.abandoned,
    });
    assert_eq!(total, e.total);
}

#[test]
fn a_pack_of_the_bank_carries_the_scorecards_figures() {
    use opsdeck_engine::views::table::{duration, percent, thousands};
    let Some(file) = calls_file("a_pack_of_the_bank_carries_the_scorecards_figures") else {
        return;
    };
    let dir = Dir::new();
    let setup = QUEUES
        .iter()
        .fold(Setup::new("Asia/Jerusalem"), |s, q| s.queue(q));
    dir.apply_setup("bank.toml", &setup.toml());
    dir.cmd()
        .args(["ingest", "contacts", "--profile", "anonymous-bank"])
        .arg(&file)
        .run()
        .success();
    let out = dir.path("packs");
    // the PDF too when the tools are here (scripts/test.sh installs them; CI must have them)
    let pdf = opsdeck_report::pdf::chromium().is_some()
        && std::process::Command::new("pdftotext")
            .arg("-v")
            .output()
            .is_ok();
    assert!(
        pdf || std::env::var("CI").as_deref() != Ok("true"),
        "chromium and pdftotext are needed"
    );
    let mut texts = Vec::new();
    for kind in ["monthly", "qbr"] {
        let files = dir
            .cmd()
            .args([
                "report", kind, "--client", "c1", "--period", "1999-02", "--format",
            ])
            .arg(if pdf { "both" } else { "html" })
            .arg("--out")
            .arg(&out)
            .run()
            .success()
            .stdout;
        let mut lines = files.lines();
        texts.push(std::fs::read_to_string(lines.next().unwrap()).unwrap());
        if let Some(p) = lines.next() {
            let t = std::process::Command::new("pdftotext")
                .arg(p)
                .arg("-")
                .output()
                .unwrap();
            let words: Vec<String> = String::from_utf8_lossy(&t.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            texts.push(words.join(" "));
        }
    }
    let html = texts[0].clone();
    // the scorecard the pack quotes, as the CLI gives it for the same query
    let card = dir
        .cmd()
        .args([
            "scorecard",
            "--client",
            "c1",
            "--period",
            "1999-02",
            "--level",
            "program",
            "--by",
            "month",
            "--format",
            "json",
        ])
        .run()
        .success();
    let rows: serde_json::Value = serde_json::from_str(&card.stdout).unwrap();
    let rows = rows.as_array().expect("scorecard rows");
    assert!(!rows.is_empty());
    for r in rows {
        let expect = [
            thousands(r["offered"].as_i64().unwrap()),
            percent(r["service_level"].as_f64().unwrap()),
            percent(r["abandon_rate"].as_f64().unwrap()),
            duration(r["aht_s"].as_f64().unwrap()),
        ];
        for f in expect {
            for t in &texts {
                assert!(
                    t.contains(&f),
                    "a pack (HTML or PDF text) lacks the scorecard's {f:?}"
                );
            }
        }
    }
    assert!(html.contains("Client one") && html.contains("Scorecard by program"));
}

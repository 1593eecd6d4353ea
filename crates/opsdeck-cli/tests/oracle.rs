//! `opsdeck kpi` against the DuckDB oracle of ../shared/peers/oracles: the per queue × 30-minute
//! KPI table of 10,000 contacts, value for value.

mod util;

use util::{parse_csv, Dir, Setup, TestCommand};

/// Oracle column → opsdeck column. The oracle's CSAT is a percentage, opsdeck's a fraction
/// (`PERCENT` is compared divided by 100).
const PERCENT: &str = "csat_top2_pct";
const COLUMNS: [(&str, &str); 11] = [
    ("queue", "queue"),
    ("interval_start", "interval_start"),
    ("offered", "offered"),
    ("answered", "answered"),
    ("abandoned", "abandoned"),
    ("answered_within_20s", "answered_within_threshold"),
    ("service_level", "service_level"),
    ("asa_s", "asa_s"),
    ("aht_s", "aht_s"),
    ("abandon_rate", "abandon_rate"),
    ("csat_top2_pct", "csat_top2_rate"),
];
const TEXT: [&str; 2] = ["queue", "interval_start"];
const INTS: [&str; 4] = ["offered", "answered", "abandoned", "answered_within_20s"];

/// Records of a CSV as (header, rows).
fn table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut recs = parse_csv(text);
    assert!(!recs.is_empty(), "CSV without a header");
    let header = recs.remove(0);
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(
            r.len(),
            header.len(),
            "record {} has the wrong width",
            i + 2
        );
    }
    (header, recs)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// Compare a KPI table printed by `opsdeck kpi --format csv` with the oracle, value for value.
fn assert_matches_oracle(oracle: &str, got: &str) {
    let (oh, orows) = table(oracle);
    let (gh, grows) = table(got);
    assert_eq!(orows.len(), 312, "the oracle has 312 queue × interval rows");
    assert_eq!(grows.len(), orows.len(), "row count");

    let mut compared = [0usize; 3];
    for (i, (o, g)) in orows.iter().zip(&grows).enumerate() {
        let line = i + 2;
        for (oname, gname) in COLUMNS {
            let (ov, gv) = (&o[col(&oh, oname)], &g[col(&gh, gname)]);
            if TEXT.contains(&oname) {
                assert_eq!(gv, ov, "line {line}: {gname}");
                compared[0] += 1;
            } else if ov.is_empty() || gv.is_empty() {
                assert!(
                    ov.is_empty() && gv.is_empty(),
                    "line {line}: {gname}: oracle {ov:?}, opsdeck {gv:?}"
                );
            } else if INTS.contains(&oname) {
                let (a, b): (i64, i64) = (ov.parse().unwrap(), gv.parse().unwrap());
                assert_eq!(b, a, "line {line}: {gname}");
                assert!(
                    !gv.contains('.'),
                    "line {line}: {gname} {gv:?} is not an integer"
                );
                compared[1] += 1;
            } else {
                let (a, b): (f64, f64) = (ov.parse().unwrap(), gv.parse().unwrap());
                let a = if oname == PERCENT { a / 100.0 } else { a };
                assert!(
                    close(a, b),
                    "line {line}: {gname}: oracle {a:e}, opsdeck {b:e}"
                );
                compared[2] += 1;
            }
        }
    }
    // every row compared its 2 key and 4 integer columns; most of the float cells are defined
    assert_eq!(compared[0], 2 * 312);
    assert_eq!(compared[1], 4 * 312);
    assert!(compared[2] > 3 * 312, "only {} float cells", compared[2]);
}

#[test]
fn kpi_csv_matches_the_duckdb_oracle() {
    let Some(shared) = util::shared_dir("kpi_csv_matches_the_duckdb_oracle") else {
        return;
    };
    let oracles = shared.join("peers/oracles");
    let out = kpi_of_oracle_contacts(&oracles, "csv");
    let oracle = std::fs::read_to_string(oracles.join("kpi_10k.csv")).unwrap();
    assert_matches_oracle(&oracle, &out.stdout);
    out.stderr_has("10000 rows read").stderr_has("0 rejected");
}

/// The same table from Parquet: the workspace stores ingested contacts as Parquet files in the
/// canonical columns, so `kpi` over those files (UTC calendar, UTC alignment) must reproduce the
/// oracle too.
#[test]
fn kpi_over_the_stored_parquet_copy_matches_the_oracle() {
    let Some(shared) = util::shared_dir("kpi_over_the_stored_parquet_copy_matches_the_oracle")
    else {
        return;
    };
    let oracles = shared.join("peers/oracles");
    let dir = workspace_with_oracle_contacts(&oracles);
    let mut parquet = Vec::new();
    let mut stack = vec![dir.home().join("facts/contacts")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                parquet.push(p);
            }
        }
    }
    assert!(!parquet.is_empty(), "no stored Parquet contact files");
    let mut magic = [0u8; 4];
    std::io::Read::read_exact(&mut std::fs::File::open(&parquet[0]).unwrap(), &mut magic).unwrap();
    assert_eq!(&magic, b"PAR1");
    let out = TestCommand::bare(dir.root())
        .arg("kpi")
        .arg("--input")
        .args(&parquet)
        .args(["--format", "csv"])
        .run()
        .success();
    let oracle = std::fs::read_to_string(oracles.join("kpi_10k.csv")).unwrap();
    assert_matches_oracle(&oracle, &out.stdout);
    out.stderr_has("10000 rows read").stderr_has("0 rejected");
}

#[test]
fn kpi_json_has_null_where_the_oracle_is_empty() {
    let Some(shared) = util::shared_dir("kpi_json_has_null_where_the_oracle_is_empty") else {
        return;
    };
    let oracles = shared.join("peers/oracles");
    let rows = kpi_of_oracle_contacts(&oracles, "json").json_rows();
    let (oh, orows) = table(&std::fs::read_to_string(oracles.join("kpi_10k.csv")).unwrap());
    assert_eq!(rows.len(), orows.len());
    let (q, t, c) = (
        col(&oh, "queue"),
        col(&oh, "interval_start"),
        col(&oh, "csat_top2_pct"),
    );
    let mut nulls = 0;
    for (o, j) in orows.iter().zip(&rows) {
        assert_eq!(j["queue"].as_str(), Some(o[q].as_str()));
        assert_eq!(j["interval_start"].as_str(), Some(o[t].as_str()));
        assert!(j["offered"].is_i64(), "offered is an integer: {j}");
        let v = &j["csat_top2_rate"];
        if o[c].is_empty() {
            assert!(v.is_null(), "csat_top2_rate must be null, not {v}: {j}");
            nulls += 1;
        } else {
            let want: f64 = o[c].parse::<f64>().unwrap() / 100.0;
            let got = v.as_f64().unwrap_or_else(|| panic!("csat_top2_rate: {j}"));
            assert!(close(want, got), "{want} vs {got}: {j}");
        }
    }
    assert!(nulls > 0, "the oracle has undefined csat_top2_pct cells");
}

/// And from the workspace's interval facts: `scorecard --by interval --level queue` of the
/// ingested file (UTC calendar) holds the oracle's numbers in the oracle's order.
#[test]
fn scorecard_by_interval_matches_the_oracle() {
    let Some(shared) = util::shared_dir("scorecard_by_interval_matches_the_oracle") else {
        return;
    };
    let oracles = shared.join("peers/oracles");
    let dir = workspace_with_oracle_contacts(&oracles);
    let out = dir
        .cmd()
        .args([
            "scorecard",
            "--by",
            "interval",
            "--level",
            "queue",
            "--format",
            "csv",
        ])
        .run()
        .success();
    // rename the period column and drop its offset, to read it as the KPI table
    let (h, rows) = table(&out.stdout);
    let period = col(&h, "period");
    let mut text = h
        .iter()
        .map(|c| {
            if c == "period" {
                "interval_start"
            } else {
                c.as_str()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    text.push('\n');
    for r in rows {
        let mut r = r.clone();
        let p = r[period]
            .strip_suffix("+00:00")
            .unwrap_or_else(|| panic!("{} is not a UTC label", r[period]))
            .to_string();
        r[period] = format!("{p}:00");
        text.push_str(&r.join(","));
        text.push('\n');
    }
    let oracle = std::fs::read_to_string(oracles.join("kpi_10k.csv")).unwrap();
    assert_matches_oracle(&oracle, &text);
}

/// A workspace whose eight oracle queues run on a UTC calendar, with the oracle's 10k contacts
/// ingested.
fn workspace_with_oracle_contacts(oracles: &std::path::Path) -> Dir {
    let dir = Dir::new();
    let setup = [
        "billing",
        "collections",
        "general",
        "onboarding",
        "retention",
        "sales",
        "tech_support",
        "vip",
    ]
    .iter()
    .fold(Setup::new("UTC"), |s, q| s.queue(q));
    dir.apply_setup("setup.toml", &setup.toml());
    dir.cmd()
        .args(["ingest", "contacts"])
        .arg(oracles.join("contacts_10k.csv"))
        .run()
        .success()
        .stdout_has("10000 new contacts stored");
    dir
}

/// `opsdeck kpi` over the oracle's 10k contacts, in a scratch directory.
fn kpi_of_oracle_contacts(oracles: &std::path::Path, format: &str) -> util::Output {
    let dir = Dir::new();
    TestCommand::bare(dir.root())
        .arg("kpi")
        .arg("--input")
        .arg(oracles.join("contacts_10k.csv"))
        .args(["--format", format])
        .run()
        .success()
}

//! The scale path run for real: the reference aggregation (docs/reference-aggregation*.sql) on
//! DuckDB, Apache DataFusion, Ballista and Apache Spark (local mode) over the contact Parquet files a
//! workspace's manifest names gives opsdeck's interval facts row for row — on a demo workspace
//! (its autumn DST nights included) and on contacts spanning both DST nights of two zones — and
//! a contact changed in a facts file outside opsdeck makes every engine's diff fail. The same
//! for the case day facts (docs/reference-case-facts*.sql) from the demo's case records.
//! `scripts/check-reference-sql.sh` installs each engine into the peers' venv; an engine that
//! cannot be installed here is skipped with a notice (DuckDB never is).

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;
use util::{shared_dir, Dir};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `check-reference-sql.sh --engine E WS`: (exit code, stdout + stderr).
fn check(engine: &str, ws: &Path) -> (i32, String) {
    let out = Command::new("bash")
        .arg(repo().join("scripts/check-reference-sql.sh"))
        .args(["--engine", engine])
        .arg(ws)
        .env("OPSDECK_BIN", env!("CARGO_BIN_EXE_opsdeck"))
        .output()
        .expect("run bash");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

const SETUP: &str = r#"
[[site]]
id = "s1"
name = "Site"
country = "GB"
time_zone = "Europe/London"
cost_per_productive_hour = 20.0
currency = "USD"

[[client]]
id = "c1"
name = "Client"

[[program]]
id = "p1"
name = "Program"
client = "c1"
sites = ["s1"]

[[calendar]]
id = "london"
time_zone = "Europe/London"
hours = { mon = "24h", tue = "24h", wed = "24h", thu = "24h", fri = "24h", sat = "24h", sun = "24h" }

[[calendar]]
id = "new-york"
time_zone = "America/New_York"
hours = { mon = "24h", tue = "24h", wed = "24h", thu = "24h", fri = "24h", sat = "24h", sun = "24h" }

[[queue]]
id = "uk"
name = "UK voice"
program = "p1"
channel = "voice"
calendar = "london"
threshold_s = 20
short_abandon_s = 5
interval_minutes = 30
sl_target = 0.8

[[queue]]
id = "us"
name = "US voice"
program = "p1"
channel = "voice"
calendar = "new-york"
threshold_s = 20
short_abandon_s = 5
interval_minutes = 15
sl_target = 0.8
"#;

/// Contacts every 7 minutes over the 36 hours around both 2025 DST nights of London (30 March,
/// 26 October) and New York (9 March, 2 November), written in UTC; one in nine abandoned.
fn dst_workspace(dir: &Dir) -> PathBuf {
    dir.apply_setup("setup.toml", SETUP);
    let mut rows: Vec<String> = Vec::new();
    let nights = [
        ("uk", "2025-03-29T12:00:00Z"),
        ("uk", "2025-10-25T12:00:00Z"),
        ("us", "2025-03-08T18:00:00Z"),
        ("us", "2025-11-01T18:00:00Z"),
    ];
    let mut n = 0;
    for (queue, from) in nights {
        let t0 = chrono::DateTime::parse_from_rfc3339(from)
            .unwrap()
            .timestamp();
        let mut t = t0;
        while t < t0 + 36 * 3600 {
            let at = |s: i64| {
                chrono::DateTime::from_timestamp(s, 0)
                    .unwrap()
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            };
            let wait = (n * 13) % 50;
            rows.push(if n % 9 == 0 {
                format!("d{n},{queue},voice,{},,{},,,,,", at(t), at(t + wait))
            } else {
                format!(
                    "d{n},{queue},voice,{},{},{},{},0,10,A1,{}",
                    at(t),
                    at(t + wait),
                    at(t + wait + 180),
                    180,
                    1 + n % 5
                )
            });
            n += 1;
            t += 7 * 60;
        }
    }
    dir.write_csv("dst.csv", &rows);
    dir.cmd()
        .args(["ingest", "contacts", "dst.csv"])
        .run()
        .success();
    dir.home()
}

#[test]
fn the_reference_sql_agrees_on_every_engine_and_catches_a_changed_contact() {
    if shared_dir("the_reference_sql_agrees_on_every_engine_and_catches_a_changed_contact")
        .is_none()
    {
        return; // the peers' venv is made from ../shared/peers
    }
    let demo = Dir::new();
    // 1 September to 9 November: the demo's DST nights (London 26 October, New York and
    // Chicago 2 November) are in it
    demo.cmd()
        .args(["demo", "--days", "70", "--scale", "0.05"])
        .run()
        .success();
    let dst = Dir::new();
    let dst_ws = dst_workspace(&dst);
    let mut ran = Vec::new();
    // Ballista only where its client was built (`OPSDECK_INSTALL_BALLISTA=1`: an hour of Rust)
    for engine in ["duckdb", "datafusion", "ballista", "spark"] {
        let (code, out) = check(engine, &demo.home());
        if code == 3 && engine != "duckdb" {
            eprintln!("notice: {engine} cannot be installed here, skipped:\n{out}");
            continue;
        }
        assert_eq!(code, 0, "{engine} on the demo:\n{out}");
        assert!(out.contains("identical: "), "{out}");
        // the demo's service desk (Europe/London, its 25-hour day of 26 October included):
        // the case day facts from the case records agree too
        assert!(
            out.contains("queue x day x priority case rows"),
            "{engine} did not check the demo's case facts:\n{out}"
        );
        let (code, out) = check(engine, &dst_ws);
        assert_eq!(code, 0, "{engine} on the DST nights:\n{out}");
        assert!(out.contains("identical: "), "{out}");
        eprintln!(
            "{engine}: {}",
            out.lines()
                .find(|l| l.starts_with("identical"))
                .unwrap_or("")
        );
        ran.push(engine);
    }
    // an answered contact's talk time changed in a facts file, outside opsdeck: every engine's
    // diff fails
    let m = dst.manifest().unwrap();
    let file = dst_ws
        .join("facts")
        .join(m["contacts"][0]["path"].as_str().unwrap());
    let venv = std::env::var("OPSDECK_PEERS_VENV").unwrap_or_else(|_| {
        format!(
            "{}/.cache/opsdeck-peers-venv",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    let py = format!("{venv}/bin/python");
    let edit = "import sys, pyarrow as pa, pyarrow.parquet as pq\n\
                t = pq.read_table(sys.argv[1])\n\
                i = t.schema.get_field_index('talk_s')\n\
                v = t.column(i).to_pylist()\n\
                answered = t.column('answered_at').to_pylist()\n\
                j = next(k for k, x in enumerate(answered) if x is not None)\n\
                v[j] += 1\n\
                t = t.set_column(i, t.schema.field(i), pa.array(v, t.schema.field(i).type))\n\
                pq.write_table(t, sys.argv[1])\n";
    let st = Command::new(&py)
        .args(["-c", edit])
        .arg(&file)
        .status()
        .expect("the peers' python");
    assert!(st.success(), "could not edit {}", file.display());
    for engine in &ran {
        let (code, out) = check(engine, &dst_ws);
        assert_eq!(code, 1, "{engine} after a contact changed:\n{out}");
        assert!(out.contains("DIFFERENT"), "{out}");
        assert!(out.contains("sum_talk_s"), "{out}");
    }
    // a case record's opening moved a day earlier in a facts file: every engine's case diff
    // fails (its contacts still agree)
    let m = demo.manifest().unwrap();
    let file = demo
        .home()
        .join("facts")
        .join(m["cases"][0]["path"].as_str().unwrap());
    let edit = "import sys, pyarrow as pa, pyarrow.parquet as pq\n\
                t = pq.read_table(sys.argv[1])\n\
                i = t.schema.get_field_index('opened_at')\n\
                v = t.column(i).cast(pa.int64()).to_pylist()\n\
                v[0] -= 86400 * 1000000\n\
                t = t.set_column(i, t.schema.field(i), pa.array(v, pa.int64()).cast(t.schema.field(i).type))\n\
                pq.write_table(t, sys.argv[1])\n";
    let st = Command::new(&py)
        .args(["-c", edit])
        .arg(&file)
        .status()
        .expect("the peers' python");
    assert!(st.success(), "could not edit {}", file.display());
    for engine in &ran {
        let (code, out) = check(engine, &demo.home());
        assert_eq!(code, 1, "{engine} after a case changed:\n{out}");
        assert!(out.contains("identical: "), "{out}");
        assert!(out.contains("DIFFERENT: the case facts SQL"), "{out}");
    }
}

//! Daylight-saving days through the CLI: a queue whose calendar is Europe/London has 50
//! half-hour intervals on 2025-10-26 (clocks go back) and 46 on 2025-03-30 (clocks go forward),
//! in chronological order and labelled with their UTC offset.

mod util;

use util::{int, Dir, Setup};

/// One contact every 10 minutes, RFC 3339 UTC, from `start` for `hours` hours.
fn contacts(first_id: usize, start: i64, hours: i64) -> Vec<String> {
    let ts = |x: i64| {
        chrono::DateTime::from_timestamp(x, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    (0..hours * 6)
        .map(|k| {
            let t = start + k * 600;
            format!(
                "{},q1,voice,{},{},{},120,0,10,A1,",
                first_id + k as usize,
                ts(t),
                ts(t + 8),
                ts(t + 128)
            )
        })
        .collect()
}

fn utc(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

/// The interval rows of one local day, checked to be 30 minutes apart in real time.
fn check_day(dir: &Dir, day: &str, want_rows: usize, want_offsets: &[&str]) {
    let rows = dir
        .cmd()
        .args(["scorecard", "--by", "interval", "--from", day, "--to", day])
        .args(["--format", "json"])
        .run()
        .success()
        .json_rows();
    assert_eq!(rows.len(), want_rows, "{day}: {rows:#?}");
    let mut prev: Option<i64> = None;
    for r in &rows {
        assert_eq!(int(r, "offered"), 3, "three contacts per half hour: {r}");
        let label = r["period"].as_str().unwrap(); // "2025-10-26 01:00+01:00"
        assert!(label.starts_with(day), "{label}");
        assert!(
            want_offsets.iter().any(|o| label.ends_with(o)),
            "{label} has an unexpected UTC offset"
        );
        let t = chrono::DateTime::parse_from_str(label, "%Y-%m-%d %H:%M%:z")
            .unwrap_or_else(|e| panic!("{label}: {e}"))
            .timestamp();
        if let Some(p) = prev {
            assert_eq!(
                t - p,
                1800,
                "{day}: rows out of order or missing at {label}"
            );
        }
        prev = Some(t);
    }
    let total = &dir.scorecard_total(&["--from", day, "--to", day])[0];
    assert_eq!(int(total, "offered"), 3 * want_rows as i64);
    assert_eq!(int(total, "intervals_measured"), want_rows as i64);
}

#[test]
fn intervals_of_dst_days_in_london() {
    let dir = Dir::new();
    dir.apply_setup(
        "setup.toml",
        &Setup::new("Europe/London").queue("q1").toml(),
    );
    // the local day 2025-10-26 is 25 hours from 2025-10-25T23:00Z (BST); 2025-03-30 is 23 hours
    // from 2025-03-30T00:00Z (GMT); one hour of margin either side
    let mut rows = contacts(1, utc("2025-10-25T22:00:00Z"), 27);
    rows.extend(contacts(10_000, utc("2025-03-29T23:00:00Z"), 25));
    let n = rows.len();
    dir.write_csv("dst.csv", &rows);
    dir.cmd()
        .args(["ingest", "contacts", "dst.csv"])
        .run()
        .success()
        .stdout_has(&format!("{n} new contacts stored"));

    check_day(&dir, "2025-10-26", 50, &["+01:00", "+00:00"]);
    check_day(&dir, "2025-03-30", 46, &["+00:00", "+01:00"]);
    // the neighbouring days have 48 intervals each (only partly filled here, so check the
    // labels' offsets instead): the day before the autumn change is in summer time
    let before = dir
        .cmd()
        .args([
            "scorecard",
            "--by",
            "interval",
            "--from",
            "2025-10-25",
            "--to",
            "2025-10-25",
        ])
        .args(["--format", "json"])
        .run()
        .success()
        .json_rows();
    assert_eq!(before.len(), 2, "23:00 and 23:30 BST of 2025-10-25");
    assert!(before
        .iter()
        .all(|r| r["period"].as_str().unwrap().ends_with("+01:00")));
}

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

/// New York's fall-back night (2025-11-02, 01:00–01:59 happen twice): a contact that arrived
/// at 01:50 EDT and was answered at 01:05 EST is read by its own order and stored with a
/// 15-minute wait; a row no reading can order is quarantined with both readings.
#[test]
fn fall_back_night_reads_ambiguous_times_by_the_row_order() {
    let dir = Dir::new();
    dir.apply_setup(
        "setup.toml",
        &Setup::new("America/New_York").queue("q1").toml(),
    );
    dir.write_csv(
        "night.csv",
        &[
            "c1,q1,voice,2025-11-02 01:50:00,2025-11-02 01:05:00,2025-11-02 01:20:00,900,0,0,A1,",
            "c2,q1,voice,2025-11-02 02:10:00,2025-11-02 01:05:00,2025-11-02 02:20:00,600,0,0,A1,",
        ],
    );
    dir.cmd()
        .args(["ingest", "contacts", "night.csv"])
        .run()
        .code(3)
        .stdout_has("1 new contacts stored")
        .stdout_has("1 quarantined");
    let q = dir.quarantine();
    assert_eq!(q.len(), 1, "{q:#?}");
    assert_eq!((q[0].line, q[0].field.as_str()), (3, "answered_at"));
    assert_eq!(
        q[0].reason,
        "answered 01:05 is ambiguous (01:05-04:00 or 01:05-05:00); neither reading is at or \
         after arrival 02:10-05:00"
    );
    // c1 arrived in the first 01:30 half-hour (EDT) and waited 15 minutes
    let rows = dir
        .cmd()
        .args(["scorecard", "--by", "interval", "--from", "2025-11-02"])
        .args(["--to", "2025-11-02", "--format", "json"])
        .run()
        .success()
        .json_rows();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["period"], "2025-11-02 01:30-04:00");
    assert_eq!(int(&rows[0], "offered"), 1);
    assert_eq!(rows[0]["asa_s"].as_f64(), Some(900.0), "{}", rows[0]);

    // `kpi` reads the same way
    dir.cmd()
        .args([
            "kpi",
            "--input",
            "night.csv",
            "--tz",
            "America/New_York",
            "--format",
            "json",
        ])
        .run()
        .code(3)
        .stderr_has("answered 01:05 is ambiguous (01:05-04:00 or 01:05-05:00)");
}

/// Australia/Lord_Howe moves its clocks by 30 minutes: with 60-minute intervals the change
/// starts a 30-minute interval, and no two intervals hold the same instants.
#[test]
fn hourly_intervals_do_not_overlap_in_lord_howe() {
    let dir = Dir::new();
    let setup = Setup::new("Australia/Lord_Howe").queue("q1").toml();
    dir.apply_setup(
        "setup.toml",
        &setup.replace(
            "threshold_s = 20",
            "threshold_s = 20\ninterval_minutes = 60",
        ),
    );
    // one contact every 10 minutes from 22:00 local (+11:00) on 2025-04-05 for 6 hours
    let rows = contacts(1, utc("2025-04-05T11:00:00Z"), 6);
    dir.write_csv("lh.csv", &rows);
    dir.cmd()
        .args(["ingest", "contacts", "lh.csv"])
        .run()
        .success();
    let out = dir
        .cmd()
        .args(["scorecard", "--by", "interval", "--from", "2025-04-06"])
        .args(["--to", "2025-04-06", "--format", "json"])
        .run()
        .success()
        .json_rows();
    let got: Vec<(String, i64)> = out
        .iter()
        .map(|r| (r["period"].as_str().unwrap().to_string(), int(r, "offered")))
        .collect();
    let want: Vec<(String, i64)> = [
        ("00:00+11:00", 6),
        ("01:00+11:00", 6),
        ("01:30+10:30", 3),
        ("02:00+10:30", 6),
        ("03:00+10:30", 3),
    ]
    .iter()
    .map(|(l, n)| (format!("2025-04-06 {l}"), *n))
    .collect();
    assert_eq!(got, want);
}

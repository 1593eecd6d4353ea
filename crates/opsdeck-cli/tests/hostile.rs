//! Hostile and damaged exports: a stray quote costs one row (ingest and `kpi` alike), a batch
//! past the reject limit is refused whole — also under `kill -9` —, lone-CR line ends read,
//! and a contact is counted once whatever calendar its queue moves to.

mod util;

use chrono::NaiveDate;
use std::path::Path;
use std::time::Duration;
use util::{answered, int, Dir, Setup};

const ROWS: usize = 20_000;

fn setup(dir: &Dir, tz: &str) {
    dir.apply_setup("setup.toml", &Setup::new(tz).queue("q1").toml());
}

/// An export of `n` contacts from 2025-03-03 00:00 UTC.
fn export(path: &Path, n: usize) {
    util::write_export(
        path,
        n,
        1_740_960_000,
        |i| format!("c{i}"),
        |i| (i % 40) as i64,
    );
}

/// The text of `path` with `from` replaced by `to` on line `line` (1 = header).
fn edit_line(path: &Path, line: usize, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(lines[line - 1].contains(from), "{}", lines[line - 1]);
    lines[line - 1] = lines[line - 1].replacen(from, to, 1);
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn a_stray_quote_costs_one_row_in_ingest_and_in_kpi() {
    let dir = Dir::new();
    setup(&dir, "Europe/London");
    let f = dir.path("export.csv");
    export(&f, ROWS);
    edit_line(&f, 3, ",voice,", ",\"voice,");
    let s = dir
        .cmd()
        .args(["ingest", "contacts", "export.csv", "--json"])
        .run()
        .code(3)
        .json();
    assert_eq!(s["rows_read"].as_u64(), Some(ROWS as u64), "{s}");
    assert_eq!(s["rows_accepted"].as_u64(), Some(ROWS as u64 - 1), "{s}");
    assert_eq!(s["rows_quarantined"].as_u64(), Some(1), "{s}");
    let q = dir.quarantine();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].line, 3);
    assert!(q[0].reason.contains("stray quote"), "{}", q[0].reason);
    assert!(q[0].reason.contains("line 4"), "{}", q[0].reason);
    assert!(q[0].row.len() < 200, "{}", q[0].row);
    assert_eq!(dir.stored_contacts(), ROWS as u64 - 1);

    let kpi = dir
        .cmd()
        .args(["kpi", "--input", "export.csv", "--format", "csv"])
        .run();
    kpi.code(3);
    kpi.stderr_has(&format!(
        "{ROWS} rows read, 0 skipped by the profile, 1 rejected"
    ));
    kpi.stderr_has("rejected export.csv:3: (row)");
}

#[test]
fn a_batch_past_the_reject_limit_is_refused_whole_and_says_what_to_do() {
    let dir = Dir::new();
    setup(&dir, "Europe/London");
    let f = dir.path("export.csv");
    export(&f, 1000);
    // 20 rows of 1,000 name an unknown queue: 2 %, past the default limit of 1 %
    let text = std::fs::read_to_string(&f).unwrap();
    let bad: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i > 0 && i % 50 == 0 {
                l.replacen(",q1,", ",q9,", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&f, bad + "\n").unwrap();
    let out = dir.cmd().args(["ingest", "contacts", "export.csv"]).run();
    out.code(4);
    out.stdout_has("refused: 20 of 1000 rows were rejected, more than the limit of 10");
    out.stdout_has("nothing was stored");
    out.stdout_has(".refused.csv");
    out.stderr_has("--max-rejects");
    assert_eq!(dir.manifest(), None, "nothing stored");
    let reports: Vec<String> = std::fs::read_dir(dir.home().join("quarantine"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].ends_with(".refused.csv"), "{reports:?}");
    let rows = util::parse_quarantine(
        &std::fs::read_to_string(dir.home().join("quarantine").join(&reports[0])).unwrap(),
    );
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|r| r.field == "queue"));

    // a count or a percentage that allows them: stored, the bad rows quarantined
    for (limit, code) in [("19", 4), ("20", 3)] {
        let out = dir
            .cmd()
            .args(["ingest", "contacts", "export.csv", "--max-rejects", limit])
            .run();
        out.code(code);
    }
    assert_eq!(dir.stored_contacts(), 980);
    dir.cmd()
        .args(["ingest", "contacts", "export.csv", "--max-rejects", "2.5%"])
        .run()
        .code(3)
        .stdout_has("0 new contacts stored, 980 already stored, 20 quarantined");
    dir.cmd()
        .args(["ingest", "contacts", "export.csv", "--max-rejects", "x%"])
        .run()
        .code(2)
        .stderr_has("not a number of rows");
}

/// A refused batch writes no fact: a kill at any moment leaves the store exactly as it was.
#[test]
fn sigkill_during_a_refused_ingest_leaves_the_store_as_it_was() {
    let dir = Dir::new();
    setup(&dir, "Europe/London");
    let good = dir.path("good.csv");
    export(&good, 200);
    dir.cmd()
        .args(["ingest", "contacts", "good.csv"])
        .run()
        .success();
    let before = dir.manifest_bytes().unwrap();
    let listing = |dir: &Dir| -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.home().join("facts")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    out.push(e.path().display().to_string());
                }
            }
        }
        out.sort();
        out
    };
    let files_before = listing(&dir);
    // 300,000 rows of which every other names an unknown queue: refused
    let big = dir.path("big.csv");
    util::write_export(
        &big,
        300_000,
        1_743_249_600,
        |i| format!("b{i}"),
        |i| (i % 45) as i64,
    );
    let text = std::fs::read_to_string(&big).unwrap();
    let mut out = String::with_capacity(text.len());
    for (i, l) in text.lines().enumerate() {
        if i % 2 == 1 {
            out.push_str(&l.replacen(",q1,", ",q9,", 1));
        } else {
            out.push_str(l);
        }
        out.push('\n');
    }
    std::fs::write(&big, out).unwrap();
    let mut finished = 0;
    for ms in [0u64, 30, 100, 250, 500, 900, 1500] {
        let mut child = dir.cmd().args(["ingest", "contacts", "big.csv"]).spawn();
        std::thread::sleep(Duration::from_millis(ms));
        if child.try_wait().unwrap().is_some() {
            finished += 1;
        } else {
            child.kill().unwrap();
        }
        let status = child.wait().unwrap();
        if status.code().is_some() {
            assert_eq!(status.code(), Some(4), "a finished run is refused");
        }
        assert_eq!(dir.manifest_bytes().unwrap(), before);
        assert_eq!(listing(&dir), files_before);
    }
    eprintln!("{finished} of 7 runs finished before the kill");
    dir.cmd()
        .args(["ingest", "contacts", "big.csv"])
        .run()
        .code(4);
    assert_eq!(dir.manifest_bytes().unwrap(), before);
    assert_eq!(dir.stored_contacts(), 200);
}

#[test]
fn lone_carriage_return_line_ends_are_read() {
    let dir = Dir::new();
    setup(&dir, "Europe/London");
    let rows: Vec<String> = (0..30)
        .map(|i| {
            answered(
                &format!("r{i}"),
                "q1",
                &format!("2025-03-03 10:{i:02}:00"),
                5,
                100,
            )
        })
        .collect();
    let text = format!("{}\r{}\r", util::HEADER, rows.join("\r"));
    dir.write("mac.csv", text);
    dir.cmd()
        .args(["ingest", "contacts", "mac.csv"])
        .run()
        .success()
        .stdout_has("30 new contacts stored");
}

/// Moving a queue to another calendar changes the local month of contacts near a month end
/// (here 20:00–04:20 UTC around 1 April: still March in New York, already April in London);
/// the same export ingested again must still add nothing, and the facts count every contact
/// once — also after a rebuild.
#[test]
fn a_queue_moved_to_another_calendar_never_counts_a_contact_twice() {
    let dir = Dir::new();
    setup(&dir, "America/New_York");
    let n = 30_000;
    // 2025-03-31T20:00:00Z, one contact a second
    util::write_export(
        &dir.path("month-end.csv"),
        n,
        1_743_451_200,
        |i| format!("m{i}"),
        |i| (i % 30) as i64,
    );
    dir.cmd()
        .args(["ingest", "contacts", "month-end.csv"])
        .run()
        .success();
    let offered = |dir: &Dir| int(&dir.scorecard_total(&[])[0], "offered");
    assert_eq!(offered(&dir), n as i64);
    dir.apply_setup(
        "setup.toml",
        &Setup::new("Europe/London").queue("q1").toml(),
    );
    assert_eq!(offered(&dir), n as i64);
    let s = dir
        .cmd()
        .args(["ingest", "contacts", "month-end.csv", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(s["rows_accepted"].as_u64(), Some(0), "{s}");
    assert_eq!(s["rows_duplicate"].as_u64(), Some(n as u64), "{s}");
    assert_eq!(offered(&dir), n as i64);
    assert_eq!(dir.stored_contacts(), n as u64);
    dir.cmd().args(["facts", "rebuild"]).run().success();
    assert_eq!(offered(&dir), n as i64);
    // by London day: every contact on one of 31 March or 1 April, none twice
    let by_day = dir
        .cmd()
        .args(["scorecard", "--by", "day", "--format", "json"])
        .run()
        .success()
        .json_rows();
    assert_eq!(by_day.len(), 2);
    let total: i64 = by_day.iter().map(|r| int(r, "offered")).sum();
    assert_eq!(total, n as i64);
}

/// In Kolkata (UTC+05:30) a 60-minute interval from 05:00 local on 1 April runs from 23:30 UTC
/// on 31 March: its contacts are stored in two UTC-month partitions, and readers see one row.
#[test]
fn an_interval_split_across_month_partitions_is_read_as_one_row() {
    let dir = Dir::new();
    let toml = Setup::new("Asia/Kolkata").queue("q1").toml().replace(
        "threshold_s = 20",
        "threshold_s = 20\ninterval_minutes = 60",
    );
    dir.apply_setup("setup.toml", &toml);
    dir.write_csv(
        "split.csv",
        &[
            answered("k1", "q1", "2025-04-01 05:10:00", 5, 60),
            answered("k2", "q1", "2025-04-01 05:50:00", 30, 60),
        ],
    );
    dir.cmd()
        .args(["ingest", "contacts", "split.csv"])
        .run()
        .success()
        .stdout_has("partitions rewritten: c1/2025-03, c1/2025-04");
    let ws = opsdeck_engine::workspace::Workspace::new(dir.home());
    let day = NaiveDate::from_ymd_opt(2025, 4, 1).unwrap();
    let facts = ws
        .interval_facts(&opsdeck_core::Scope::every_client(), None, day, day)
        .unwrap();
    assert_eq!(facts.len(), 1, "{facts:?}");
    assert_eq!(facts[0].sums.offered, 2);
    assert_eq!(facts[0].sums.answered_within_t, 1);
}

/// 2 GB of NUL bytes without a line end (a sparse file: no disk used) is refused from its
/// first mebibyte, by `ingest` and `kpi` alike, with a short message.
#[test]
fn two_gigabytes_without_a_line_end_are_refused_from_the_first_mebibyte() {
    let dir = Dir::new();
    setup(&dir, "Europe/London");
    let f = std::fs::File::create(dir.path("nul.csv")).unwrap();
    f.set_len(2 << 30).unwrap();
    for args in [
        vec!["ingest", "contacts", "nul.csv"],
        vec!["kpi", "--input", "nul.csv"],
    ] {
        let out = dir.cmd().args(&args).run();
        out.code(1);
        out.stderr_has("line 1 (the header) is longer than 1048576 bytes without a line end");
        assert!(out.stderr.len() < 1024, "{}", out.stderr);
    }
    assert_eq!(dir.manifest(), None);
}

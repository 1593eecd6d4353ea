//! Bad input corpus for `opsdeck ingest contacts`: row-level problems are quarantined with file,
//! line, field and reason (exit code 3) and never stored; file-level problems stop the batch
//! (exit code 1) with a message naming the file, and store nothing.

mod util;

use util::{abandoned, answered, int, Dir, QuarantineRow, Setup, HEADER};

fn setup(dir: &Dir) {
    dir.apply_setup(
        "setup.toml",
        &Setup::new("Europe/London").queue("q1").toml(),
    );
}

fn good(id: &str, minute: u32) -> String {
    answered(id, "q1", &format!("2025-03-03 10:{minute:02}:00"), 12, 240)
}

/// Offered contacts in the workspace according to `scorecard --by total` (0 when it is empty).
fn offered(dir: &Dir) -> i64 {
    let rows = dir.scorecard_total(&[]);
    assert!(rows.len() <= 1, "one client: {rows:?}");
    rows.first().map_or(0, |r| int(r, "offered"))
}

/// What a row-level case expects to find in the quarantine file.
struct Bad<'a> {
    line: u64,
    field: &'a str,
    /// Words the reason must contain.
    reason: &'a [&'a str],
    /// The quarantined row text (`None`: not checked).
    row: Option<&'a str>,
}

/// Ingest `bytes` as `name`; expect exit 3, `bad` quarantined and exactly `n_good` stored.
fn row_case(name: &str, bytes: &[u8], bad: &[Bad], n_good: i64) -> (Dir, Vec<QuarantineRow>) {
    let dir = Dir::new();
    setup(&dir);
    dir.write(name, bytes);
    let out = dir.cmd().args(["ingest", "contacts", name]).run();
    out.code(3);
    out.stdout_has(&format!("{} quarantined", bad.len()));
    out.stdout_has(&format!("{n_good} new contacts stored"));
    out.stdout_has("quarantine");

    let q = dir.quarantine();
    assert_eq!(q.len(), bad.len(), "{name}: quarantine {q:#?}");
    for (got, want) in q.iter().zip(bad) {
        assert_eq!(got.file, name, "{got:?}");
        assert_eq!(got.line, want.line, "{name}: line of {got:?}");
        assert_eq!(got.field, want.field, "{name}: field of {got:?}");
        for w in want.reason {
            assert!(
                got.reason.contains(w),
                "{name}: reason {:?} lacks {w:?}",
                got.reason
            );
        }
        if let Some(r) = want.row {
            assert_eq!(got.row, r, "{name}: quarantined row text");
        }
    }
    // the quarantine file is named in the summary and lives in HOME/quarantine
    let qfiles: Vec<_> = std::fs::read_dir(dir.home().join("quarantine"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(qfiles.len(), 1);
    let qname = qfiles[0].file_name().to_string_lossy().into_owned();
    out.stdout_has(&qname);

    // the bad rows are not stored, the good ones are
    assert_eq!(offered(&dir), n_good, "{name}: offered");
    assert_eq!(
        dir.stored_contacts(),
        n_good as u64,
        "{name}: manifest rows"
    );
    if n_good == 0 {
        assert!(
            dir.manifest().is_none(),
            "{name}: nothing may be committed when every row is bad"
        );
        out.stdout_has("workspace is unchanged");
    }
    (dir, q)
}

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut s = format!("{HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

#[test]
fn truncated_last_line() {
    let (g1, g2) = (good("1", 0), good("2", 1));
    let full = good("3", 2);
    let cut = &full[..full.find(",2025-03-03 10:02:12").unwrap() + 11]; // mid-timestamp
    let mut bytes = csv(&[&g1, &g2]);
    bytes.extend_from_slice(cut.as_bytes()); // no newline: the file ends mid-row
    row_case(
        "truncated.csv",
        &bytes,
        &[Bad {
            line: 4,
            field: "(row)",
            reason: &["fields", "truncated"],
            row: Some(cut),
        }],
        2,
    );
}

#[test]
fn latin1_byte_in_agent_id() {
    let g1 = good("1", 0);
    let g2 = good("2", 1);
    let mut bytes = csv(&[&g1]);
    let bad = good("3", 2).replace(",A1,", ",Ren\u{1}e,");
    // Latin-1 "René": 0xE9 is not UTF-8
    let bad_bytes: Vec<u8> = bad.bytes().map(|b| if b == 1 { 0xE9 } else { b }).collect();
    bytes.extend_from_slice(&bad_bytes);
    bytes.push(b'\n');
    bytes.extend_from_slice(g2.as_bytes());
    bytes.push(b'\n');
    row_case(
        "latin1.csv",
        &bytes,
        &[Bad {
            line: 3,
            field: "agent_id",
            reason: &["UTF-8"],
            row: None,
        }],
        2,
    );
}

#[test]
fn invalid_calendar_date() {
    let bad =
        "3,q1,voice,2025-13-01 10:00:00,2025-13-01 10:00:10,2025-13-01 10:05:00,290,0,10,A1,5";
    row_case(
        "bad-date.csv",
        &csv(&[&good("1", 0), bad, &good("2", 1)]),
        &[Bad {
            line: 3,
            field: "arrived_at",
            reason: &["2025-13-01 10:00:00", "not a valid date"],
            row: Some(bad),
        }],
        2,
    );
}

#[test]
fn answered_before_arrival() {
    let bad =
        "3,q1,voice,2025-03-03 10:05:00,2025-03-03 10:04:00,2025-03-03 10:09:00,240,0,10,A1,5";
    row_case(
        "swapped.csv",
        &csv(&[&good("1", 0), &good("2", 1), bad]),
        &[Bad {
            line: 4,
            field: "answered_at",
            reason: &["before arrival"],
            row: Some(bad),
        }],
        2,
    );
}

#[test]
fn negative_talk_time() {
    let bad = good("3", 2).replace(",240,0,10,", ",-5,0,10,");
    row_case(
        "negative.csv",
        &csv(&[&bad, &good("1", 0), &good("2", 1)]),
        &[Bad {
            line: 2,
            field: "talk_s",
            reason: &["negative", "-5"],
            row: Some(&bad),
        }],
        2,
    );
}

#[test]
fn duplicate_id_in_one_file() {
    let (dir, _) = row_case(
        "dup.csv",
        &csv(&[&good("1", 0), &good("2", 1), &good("1", 7)]),
        &[Bad {
            line: 4,
            field: "contact_id",
            reason: &["duplicate", "\"1\"", "dup.csv:2"],
            row: None,
        }],
        2,
    );
    // the first occurrence is the one stored: its wait (12 s) and handle time (240 + 10 s)
    let r = &dir.scorecard_total(&[])[0];
    assert_eq!(r["asa_s"].as_f64(), Some(12.0));
    assert_eq!(r["aht_s"].as_f64(), Some(250.0));
}

#[test]
fn unknown_queue() {
    let bad = answered("3", "nope", "2025-03-03 10:03:00", 5, 100);
    row_case(
        "queue.csv",
        &csv(&[&good("1", 0), &bad, &good("2", 1)]),
        &[Bad {
            line: 3,
            field: "queue",
            reason: &["unknown queue", "nope"],
            row: Some(&bad),
        }],
        2,
    );
}

#[test]
fn abandoned_with_talk_time() {
    let bad = abandoned("3", "q1", "2025-03-03 10:03:00", 30).replace(",,,,,", ",60,,,,");
    let ok = abandoned("4", "q1", "2025-03-03 10:04:00", 30);
    let (dir, _) = row_case(
        "abandon.csv",
        &csv(&[&good("1", 0), &bad, &ok]),
        &[Bad {
            line: 3,
            field: "talk_s",
            reason: &["abandoned"],
            row: Some(&bad),
        }],
        2,
    );
    let r = &dir.scorecard_total(&[])[0];
    assert_eq!((int(r, "answered"), int(r, "abandoned")), (1, 1));
}

#[test]
fn every_row_bad_stores_nothing() {
    let neg = good("1", 0).replace(",240,0,10,", ",-5,0,10,");
    let unknown = answered("2", "nope", "2025-03-03 10:03:00", 5, 100);
    let (dir, _) = row_case(
        "all-bad.csv",
        &csv(&[&neg, &unknown]),
        &[
            Bad {
                line: 2,
                field: "talk_s",
                reason: &["negative"],
                row: Some(&neg),
            },
            Bad {
                line: 3,
                field: "queue",
                reason: &["unknown queue"],
                row: Some(&unknown),
            },
        ],
        0,
    );
    assert!(dir.scorecard_total(&[]).is_empty());
}

/// Line numbers are physical lines (header = 1) across the reader's 4 MiB chunks, with quoted
/// fields that hold line breaks; `eol` ends every line.
fn large_file_case(eol: &str) {
    let dir = Dir::new();
    setup(&dir);
    let mut s = format!("{HEADER}{eol}");
    let mut line = 2u64;
    let mut bad_lines = Vec::new();
    let n = 120_000u64;
    for i in 0..n {
        let t = 1_741_000_000 + i as i64 * 7; // 2025-03-03 …, 7 s apart
        let ts = |x: i64| {
            chrono::DateTime::from_timestamp(x, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        };
        let is_bad = i % 9_973 == 17 || i == n - 1;
        let talk = if is_bad { -5 } else { 100 };
        // every third agent id is quoted and spans two physical lines
        let agent = if i % 3 == 0 && !is_bad {
            format!("\"A\n{}\"", i % 40)
        } else {
            format!("A{}", i % 40)
        };
        s.push_str(&format!(
            "c{i},q1,voice,{},{},{},{talk},0,10,{agent},{eol}",
            ts(t),
            ts(t + 3),
            ts(t + 103)
        ));
        if is_bad {
            bad_lines.push(line);
        }
        line += if agent.contains('\n') { 2 } else { 1 };
    }
    assert!(s.len() > 9 << 20, "the file spans several reader chunks");
    dir.write("large.csv", &s);
    let out = dir.cmd().args(["ingest", "contacts", "large.csv"]).run();
    out.code(3);
    let q = dir.quarantine();
    let got: Vec<u64> = q.iter().map(|r| r.line).collect();
    assert_eq!(got, bad_lines);
    assert!(q
        .iter()
        .all(|r| r.field == "talk_s" && r.file == "large.csv"));
    let good = n as i64 - bad_lines.len() as i64;
    out.stdout_has(&format!("{good} new contacts stored"));
    assert_eq!(offered(&dir), good);
}

#[test]
fn line_numbers_are_exact_in_a_large_file_lf() {
    large_file_case("\n");
}

/// `\r\n` line ends (Excel on Windows): the csv crate's own line count lags by one there.
#[test]
fn line_numbers_are_exact_in_a_large_file_crlf() {
    large_file_case("\r\n");
}

// ------------------------------------------------------------------------------ file level

/// Ingest the files; expect exit 1, stderr naming `culprit` and containing `why`, nothing stored.
fn file_case(dir: &Dir, files: &[&str], culprit: &str, why: &[&str]) {
    let out = dir.cmd().args(["ingest", "contacts"]).args(files).run();
    out.code(1);
    out.stderr_has(culprit);
    for w in why {
        out.stderr_has(w);
    }
    assert!(dir.manifest().is_none(), "nothing may be committed");
    assert!(
        dir.quarantine().is_empty(),
        "no quarantine for a file-level error"
    );
    assert!(dir.scorecard_total(&[]).is_empty());
    // no stray fact files either
    let facts = dir.home().join("facts");
    for sub in ["contacts", "intervals"] {
        let p = facts.join(sub);
        assert!(
            !p.exists() || walk(&p).is_empty(),
            "{}: {:?}",
            p.display(),
            walk(&p)
        );
    }
}

fn walk(d: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![d.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn empty_file() {
    let dir = Dir::new();
    setup(&dir);
    dir.write("empty.csv", b"");
    file_case(&dir, &["empty.csv"], "empty.csv", &["empty"]);
}

#[test]
fn header_only() {
    let dir = Dir::new();
    setup(&dir);
    dir.write("header.csv", format!("{HEADER}\n"));
    file_case(&dir, &["header.csv"], "header.csv", &["no data rows"]);
    // the same without a final newline, and with blank lines after the header
    dir.write("header2.csv", HEADER);
    file_case(&dir, &["header2.csv"], "header2.csv", &["no data rows"]);
    dir.write("header3.csv", format!("{HEADER}\n\n\r\n"));
    file_case(&dir, &["header3.csv"], "header3.csv", &["no data rows"]);
}

#[test]
fn utf16_with_bom() {
    let dir = Dir::new();
    setup(&dir);
    let text = format!("{HEADER}\n{}\n", good("1", 0));
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    dir.write("utf16.csv", bytes);
    file_case(&dir, &["utf16.csv"], "utf16.csv", &["UTF-16"]);
}

#[test]
fn missing_required_column() {
    let dir = Dir::new();
    setup(&dir);
    let header = HEADER.replace(",csat", "");
    let row = good("1", 0);
    let row = &row[..row.rfind(',').unwrap()];
    dir.write("nocsat.csv", format!("{header}\n{row}\n"));
    file_case(
        &dir,
        &["nocsat.csv"],
        "nocsat.csv",
        &["missing column", "csat"],
    );
}

#[test]
fn truncated_gzip() {
    use std::io::Write;
    let dir = Dir::new();
    setup(&dir);
    let mut text = format!("{HEADER}\n");
    for i in 0..5_000 {
        text.push_str(&good(&i.to_string(), (i % 60) as u32));
        text.push('\n');
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    dir.write("whole.csv.gz", &bytes);
    dir.write("cut.csv.gz", &bytes[..bytes.len() * 2 / 3]);
    file_case(&dir, &["cut.csv.gz"], "cut.csv.gz", &["truncated"]);
    // the intact copy is fine
    dir.cmd()
        .args(["ingest", "contacts", "whole.csv.gz"])
        .run()
        .success()
        .stdout_has("5000 new contacts stored");
}

/// A batch is all or nothing: a good file next to an unusable one stores nothing.
#[test]
fn batch_with_one_unusable_file_stores_nothing() {
    let dir = Dir::new();
    setup(&dir);
    dir.write_csv("good.csv", &[good("1", 0), good("2", 1)]);
    dir.write("empty.csv", b"");
    file_case(&dir, &["good.csv", "empty.csv"], "empty.csv", &["empty"]);
    dir.cmd()
        .args(["ingest", "contacts", "good.csv"])
        .run()
        .success()
        .stdout_has("2 new contacts stored");
    assert_eq!(offered(&dir), 2);
}

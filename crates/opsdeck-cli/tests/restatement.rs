//! Restatement end to end: `ingest contacts --replace` of a corrected export gives the facts a
//! fresh ingest of the corrected file gives — also after `kill -9` at many points of the
//! replacement —, running it twice changes nothing, and `ingest void` withdraws a batch and
//! restores the versions it replaced.

mod util;

use std::path::Path;
use std::time::{Duration, Instant};
use util::{int, Dir, Setup};

/// `n` contacts one second apart from 2025-03-30 22:00 UTC (two month partitions); with
/// `corrected`, every third contact has another wait and every seventh is new.
fn write_export(path: &Path, n: usize, corrected: bool) {
    let id = |i: usize| {
        if corrected && i.is_multiple_of(7) {
            format!("new-{i}")
        } else {
            format!("c-{i}")
        }
    };
    let wait = |i: usize| {
        let w = (i % 45) as i64;
        if corrected && i.is_multiple_of(3) {
            (w + 17) % 50
        } else {
            w
        }
    };
    // 2025-03-30T22:00:00Z
    util::write_export(path, n, 1_743_372_000, id, wait);
}

fn workspace() -> Dir {
    let dir = Dir::new();
    dir.apply_setup("setup.toml", &Setup::new("UTC").queue("q1").toml());
    dir
}

/// What readers see: every queue × interval row and the total.
fn view(dir: &Dir) -> String {
    let by_interval = dir
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
        .success()
        .stdout;
    let total = dir
        .cmd()
        .args(["scorecard", "--by", "total", "--format", "csv"])
        .run()
        .success()
        .stdout;
    format!("{by_interval}\n{total}")
}

/// What a fresh workspace shows after one ingest of the corrected export of `n` contacts, plus
/// A's versions of the ids the correction renamed (nothing replaces those).
fn fresh_view(n: usize) -> String {
    let fresh = workspace();
    write_export(&fresh.path("a2.csv"), n, true);
    write_export(&fresh.path("a.csv"), n, false);
    let mut both = std::fs::read_to_string(fresh.path("a2.csv")).unwrap();
    let a = std::fs::read_to_string(fresh.path("a.csv")).unwrap();
    for (i, line) in a.lines().skip(1).enumerate() {
        if i % 7 == 0 {
            both.push_str(line);
            both.push('\n');
        }
    }
    fresh.write("both.csv", &both);
    ingest(&fresh, "both.csv", &[]);
    view(&fresh)
}

fn ingest(dir: &Dir, file: &str, extra: &[&str]) -> serde_json::Value {
    dir.cmd()
        .args(["ingest", "contacts", file, "--json"])
        .args(extra)
        .run()
        .success()
        .json()
}

#[test]
fn replace_gives_the_facts_of_the_corrected_file_and_void_restores() {
    const N: usize = 2_000;
    let dir = workspace();
    write_export(&dir.path("a.csv"), N, false);
    write_export(&dir.path("a2.csv"), N, true);
    ingest(&dir, "a.csv", &[]);
    let view_a = view(&dir);

    // without --replace a corrected export adds only its new ids
    let plain = ingest(&dir, "a2.csv", &[]);
    let new_ids = (0..N).filter(|i| i % 7 == 0).count() as u64;
    assert_eq!(plain["rows_accepted"].as_u64(), Some(new_ids));
    // start again from A alone
    let dir = workspace();
    write_export(&dir.path("a.csv"), N, false);
    write_export(&dir.path("a2.csv"), N, true);
    ingest(&dir, "a.csv", &[]);

    let s = ingest(&dir, "a2.csv", &["--replace"]);
    let changed = (0..N).filter(|i| i % 3 == 0 && i % 7 != 0).count() as u64;
    assert_eq!(s["rows_replaced"].as_u64(), Some(changed), "{s}");
    assert_eq!(s["rows_accepted"].as_u64(), Some(changed + new_ids), "{s}");
    assert_eq!(
        s["rows_duplicate"].as_u64(),
        Some(N as u64 - changed - new_ids),
        "{s}"
    );
    let replaced_view = view(&dir);

    assert_eq!(replaced_view, fresh_view(N), "replace ≠ fresh ingest");

    // running it twice changes nothing
    let manifest = dir.manifest_bytes().unwrap();
    let again = ingest(&dir, "a2.csv", &["--replace"]);
    assert_eq!(again["committed"].as_bool(), Some(false));
    assert_eq!(again["rows_duplicate"].as_u64(), Some(N as u64));
    assert_eq!(dir.manifest_bytes().unwrap(), manifest);

    // withdrawing the replacement restores A exactly; withdrawing again changes nothing
    let log = dir
        .cmd()
        .args(["ingest", "log", "--format", "json"])
        .run()
        .success()
        .json();
    let replace_batch = log[1]["batch_id"].as_str().unwrap().to_string();
    assert_eq!(log[1]["kind"], "replace");
    let v = dir
        .cmd()
        .args(["ingest", "void", &replace_batch, "--json"])
        .run()
        .success()
        .json();
    assert_eq!(v["rows_restored"].as_u64(), Some(changed));
    assert_eq!(v["rows_withdrawn"].as_u64(), Some(changed + new_ids));
    assert_eq!(view(&dir), view_a, "void did not restore A");
    let manifest = dir.manifest_bytes().unwrap();
    dir.cmd()
        .args(["ingest", "void", &replace_batch])
        .run()
        .success()
        .stdout_has("already withdrawn");
    assert_eq!(dir.manifest_bytes().unwrap(), manifest);
    let log = dir
        .cmd()
        .args(["ingest", "log", "--format", "json"])
        .run()
        .success()
        .json();
    assert_eq!(log[1]["voided_by"], log[2]["batch_id"]);
    assert_eq!(log[2]["kind"], "void");
    // an unknown batch names the nearest
    dir.cmd()
        .args(["ingest", "void", "b2099"])
        .run()
        .code(2)
        .stderr_has("unknown batch \"b2099\"");
    // voiding the first batch leaves nothing
    let first = log[0]["batch_id"].as_str().unwrap().to_string();
    dir.cmd().args(["ingest", "void", &first]).run().success();
    let total = dir.scorecard_total(&[]);
    assert!(total.iter().all(|r| int(r, "offered") == 0), "{total:?}");
}

/// A `kill -9` at any point of a replacement leaves exactly the state before it or the
/// complete new one; finishing it gives the facts of a fresh ingest of the corrected file.
#[test]
fn sigkill_during_replace_leaves_the_previous_or_the_complete_state() {
    kill_during_replace(&["--replace"]);
}

/// The same with the contact ids on disk from the first (`--id-memory 0`): the replaced
/// versions are found after the read, and pushed out as atomically.
#[test]
fn sigkill_during_replace_with_the_ids_on_disk_leaves_the_previous_or_the_complete_state() {
    kill_during_replace(&["--replace", "--id-memory", "0"]);
}

/// Kill `opsdeck ingest contacts a2.csv <args>` at many points; check each time.
fn kill_during_replace(args: &[&str]) {
    const N: usize = 150_000;
    let dir = workspace();
    write_export(&dir.path("a.csv"), N, false);
    write_export(&dir.path("a2.csv"), N, true);
    ingest(&dir, "a.csv", &[]);
    let before = dir.manifest_bytes().unwrap();
    let view_before = view(&dir);
    let mut interrupted = 0;
    let mut committed = false;
    for ms in [0u64, 30, 80, 150, 300, 500, 800, 1200, 2000] {
        let mut child = dir
            .cmd()
            .args(["ingest", "contacts", "a2.csv"])
            .args(args)
            .spawn();
        std::thread::sleep(Duration::from_millis(ms));
        let finished = child.try_wait().unwrap().is_some();
        if !finished {
            child.kill().unwrap();
        }
        child.wait().unwrap();
        if dir.manifest_bytes().unwrap() == before {
            interrupted += 1;
            assert_eq!(
                view(&dir),
                view_before,
                "a kill after {ms} ms changed the facts"
            );
        } else {
            committed = true;
            break;
        }
    }
    assert!(
        interrupted >= 2,
        "only {interrupted} kills landed before the commit"
    );
    let t0 = Instant::now();
    let s = ingest(&dir, "a2.csv", args);
    if !committed {
        assert_eq!(s["committed"].as_bool(), Some(true), "{s}");
    }
    eprintln!(
        "{interrupted} kills before the commit; committed by a killed run: {committed}; the last run took {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    assert_eq!(view(&dir), fresh_view(N));
}

//! Crash safety of `opsdeck ingest`: a real child process is killed with SIGKILL at many points
//! of a large ingest; every time, the workspace shows either exactly the state before or the
//! complete new state, never a part, and the next run removes what the killed one left behind.

mod util;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use util::{answered, int, Dir, Setup};

const BIG_ROWS: usize = 300_000;
const SMALL_ROWS: usize = 100;

/// 300,000 answered or abandoned contacts one second apart from 2025-03-29 12:00 UTC, across two
/// month partitions (March and April).
fn write_big(path: &Path) {
    // 2025-03-29T12:00:00Z
    util::write_export(
        path,
        BIG_ROWS,
        1_743_249_600,
        |i| format!("big-{i}"),
        |i| (i % 45) as i64,
    );
}

/// Every file under facts/contacts and facts/intervals, relative to facts/, `/`-separated.
fn fact_files(dir: &Dir) -> Vec<String> {
    let facts = dir.home().join("facts");
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![facts.join("contacts"), facts.join("intervals")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&facts).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// Files the manifest names.
fn live_files(m: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = ["contacts", "intervals"]
        .iter()
        .flat_map(|k| m[*k].as_array().unwrap().iter())
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// Fact files that no manifest names and the files of a batch's staging area (what an
/// interrupted writer leaves).
fn leftovers(dir: &Dir) -> Vec<String> {
    let live = dir.manifest().map(|m| live_files(&m)).unwrap_or_default();
    let mut left: Vec<String> = fact_files(dir)
        .into_iter()
        .filter(|f| !live.contains(f))
        .collect();
    let mut stack = vec![dir.home().join("staging")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                left.push(e.path().display().to_string());
            }
        }
    }
    if dir.home().join("facts/manifest.json.tmp").exists() {
        left.push("manifest.json.tmp".into());
    }
    left
}

/// What readers see: the scorecard by day and queue, and its total.
fn view(dir: &Dir) -> (String, String) {
    let day = dir
        .cmd()
        .args([
            "scorecard",
            "--by",
            "day",
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
        .args(["scorecard", "--by", "total", "--format", "json"])
        .run()
        .success()
        .stdout;
    (day, total)
}

/// The manifest holds the complete batch: one more generation, every row, every file present.
fn assert_complete(dir: &Dir, generation_before: u64) {
    let m = dir.manifest().expect("a manifest after a commit");
    assert_eq!(m["generation"].as_u64(), Some(generation_before + 1));
    assert_eq!(dir.stored_contacts(), (SMALL_ROWS + BIG_ROWS) as u64);
    for f in live_files(&m) {
        assert!(
            dir.home().join("facts").join(&f).is_file(),
            "the manifest names a missing file {f}"
        );
    }
    let total = dir.scorecard_total(&[]);
    assert_eq!(int(&total[0], "offered"), (SMALL_ROWS + BIG_ROWS) as i64);
}

enum Kill {
    After(Duration),
    /// As soon as the child has written a fact file the manifest does not name yet.
    WhenFactFileAppears,
}

#[test]
fn sigkill_during_ingest_leaves_the_previous_or_the_complete_state() {
    kill_during_ingest(&[]);
}

/// The same with the contact ids on disk from the first (`--id-memory 0`): the id logs, the
/// tentative files and the rewrite of their duplicates are as atomic.
#[test]
fn sigkill_during_ingest_with_the_ids_on_disk_leaves_the_previous_or_the_complete_state() {
    kill_during_ingest(&["--id-memory", "0"]);
}

/// Kill `opsdeck ingest contacts big.csv <extra>` at many points; check each time.
fn kill_during_ingest(extra: &[&str]) {
    let dir = Dir::new();
    dir.apply_setup(
        "setup.toml",
        &Setup::new("Europe/London").queue("q1").toml(),
    );
    let small: Vec<String> = (0..SMALL_ROWS)
        .map(|i| {
            answered(
                &format!("a-{i}"),
                "q1",
                &format!("2025-03-10 09:{:02}:00", i % 60),
                (i % 30) as i64,
                200,
            )
        })
        .collect();
    dir.write_csv("a.csv", &small);
    dir.cmd()
        .args(["ingest", "contacts", "a.csv"])
        .run()
        .success()
        .stdout_has(&format!("{SMALL_ROWS} new contacts stored"));
    let big = dir.path("big.csv");
    write_big(&big);

    let manifest_a = dir.manifest_bytes().expect("A is committed");
    let generation_a = dir.manifest().unwrap()["generation"].as_u64().unwrap();
    let view_a = view(&dir);
    assert!(view_a.1.contains(&format!("\"offered\": {SMALL_ROWS}")));

    let mut plan = vec![Kill::WhenFactFileAppears];
    plan.extend(
        [0u64, 20, 60, 150, 300, 600, 1000, 1500, 2500]
            .into_iter()
            .map(|ms| Kill::After(Duration::from_millis(ms))),
    );
    let mut interrupted = 0;
    let mut interrupted_after_writing = 0;
    let mut committed = false;
    for kill in plan {
        let mut child = dir
            .cmd()
            .args(["ingest", "contacts", "big.csv"])
            .args(extra)
            .spawn();
        let t0 = Instant::now();
        let finished = match kill {
            Kill::After(d) => {
                std::thread::sleep(d);
                child.try_wait().unwrap().is_some()
            }
            Kill::WhenFactFileAppears => loop {
                if child.try_wait().unwrap().is_some() {
                    break true;
                }
                if !leftovers(&dir).is_empty() {
                    break false;
                }
                assert!(
                    t0.elapsed() < Duration::from_secs(120),
                    "no fact file appeared"
                );
                std::thread::sleep(Duration::from_millis(1));
            },
        };
        if !finished {
            child.kill().unwrap(); // SIGKILL on Unix
        }
        let status = child.wait().unwrap();

        let manifest_now = dir.manifest_bytes().expect("the manifest never disappears");
        if manifest_now == manifest_a {
            assert!(
                !finished || !status.success(),
                "a successful run must commit"
            );
            interrupted += 1;
            let left = leftovers(&dir);
            if !left.is_empty() {
                interrupted_after_writing += 1;
            }
            // readers see exactly the state before
            assert_eq!(view(&dir), view_a, "the scorecard changed after a kill");
            // the next run (here: A again, which adds nothing) removes the leftovers
            dir.cmd()
                .args(["ingest", "contacts", "a.csv"])
                .run()
                .success()
                .stdout_has("0 new contacts stored");
            assert_eq!(leftovers(&dir), Vec::<String>::new(), "after {left:?}");
            assert_eq!(dir.manifest_bytes().unwrap(), manifest_a);
            assert_eq!(view(&dir), view_a);
        } else {
            // the child got past its commit before the kill (or finished)
            assert_complete(&dir, generation_a);
            committed = true;
            break;
        }
    }
    eprintln!(
        "{interrupted} kills before the commit ({interrupted_after_writing} after fact files \
         were written); a kill after the commit: {committed}"
    );
    assert!(
        interrupted >= 3,
        "only {interrupted} kills interrupted the ingest: make the file bigger"
    );
    assert!(
        interrupted_after_writing >= 1,
        "no kill landed after fact files were written"
    );

    // finally the whole file goes in (or is already in), and leftovers of the last kill are gone
    let out = dir
        .cmd()
        .args(["ingest", "contacts", "big.csv", "--json"])
        .args(extra)
        .run()
        .success();
    let s = out.json();
    if committed {
        assert_eq!(s["rows_accepted"].as_u64(), Some(0));
        assert_eq!(s["rows_duplicate"].as_u64(), Some(BIG_ROWS as u64));
    } else {
        assert_eq!(s["rows_accepted"].as_u64(), Some(BIG_ROWS as u64));
        assert_eq!(s["committed"].as_bool(), Some(true));
    }
    assert_complete(&dir, generation_a);
    assert_eq!(leftovers(&dir), Vec::<String>::new());
    let m = dir.manifest().unwrap();
    assert_eq!(
        live_files(&m),
        fact_files(&dir),
        "no file outside the manifest"
    );
    // A's rows are all still there, next to BIG's
    let total = &dir.scorecard_total(&["--from", "2025-03-10", "--to", "2025-03-10"])[0];
    assert_eq!(int(total, "offered"), SMALL_ROWS as i64);
}

//! Idempotency: ingesting a file again adds nothing and leaves the workspace byte-for-byte as it
//! was; an overlapping file adds only its new contacts; applying the same setup file again
//! changes nothing, and a changed threshold is reported as an update of that queue.

mod util;

use util::{answered, int, Dir, Setup};

fn rows(ids: std::ops::Range<usize>, talk_s: i64) -> Vec<String> {
    ids.map(|i| {
        answered(
            &format!("id-{i}"),
            "q1",
            &format!("2025-05-{:02} {:02}:{:02}:00", 5 + i % 3, 8 + i % 9, i % 60),
            (i % 40) as i64,
            talk_s,
        )
    })
    .collect()
}

fn workspace() -> Dir {
    let dir = Dir::new();
    dir.apply_setup(
        "setup.toml",
        &Setup::new("Europe/London").queue("q1").toml(),
    );
    dir
}

fn scorecard(dir: &Dir) -> String {
    dir.cmd()
        .args([
            "scorecard",
            "--by",
            "day",
            "--level",
            "queue",
            "--format",
            "json",
        ])
        .run()
        .success()
        .stdout
}

#[test]
fn same_file_twice_adds_nothing() {
    let dir = workspace();
    dir.write_csv("day.csv", &rows(0..120, 300));
    let first = dir
        .cmd()
        .args(["ingest", "contacts", "day.csv", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(first["rows_accepted"].as_u64(), Some(120));
    assert_eq!(first["committed"].as_bool(), Some(true));
    let manifest = dir.manifest_bytes().unwrap();
    let generation = dir.manifest().unwrap()["generation"].as_u64().unwrap();
    let before = scorecard(&dir);

    let out = dir
        .cmd()
        .args(["ingest", "contacts", "day.csv"])
        .run()
        .success();
    out.stdout_has("120 rows read, 0 new contacts stored, 120 already stored, 0 quarantined")
        .stdout_has("workspace is unchanged");
    assert_eq!(
        dir.manifest_bytes().unwrap(),
        manifest,
        "manifest rewritten"
    );
    assert_eq!(
        dir.manifest().unwrap()["generation"].as_u64(),
        Some(generation)
    );
    assert_eq!(scorecard(&dir), before);
    assert_eq!(dir.stored_contacts(), 120);

    // the JSON summary says the same
    let again = dir
        .cmd()
        .args(["ingest", "contacts", "day.csv", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(again["rows_accepted"].as_u64(), Some(0));
    assert_eq!(again["rows_duplicate"].as_u64(), Some(120));
    assert_eq!(again["committed"].as_bool(), Some(false));
    assert_eq!(dir.manifest_bytes().unwrap(), manifest);
}

#[test]
fn overlapping_file_adds_only_the_new_half() {
    let dir = workspace();
    dir.write_csv("first.csv", &rows(0..100, 300));
    // ids 50..150: the first half is already stored (with other talk times here, which must not
    // replace the stored ones), the second half is new
    dir.write_csv("second.csv", &rows(50..150, 900));
    dir.cmd()
        .args(["ingest", "contacts", "first.csv"])
        .run()
        .success();
    let generation = dir.manifest().unwrap()["generation"].as_u64().unwrap();
    let s = dir
        .cmd()
        .args(["ingest", "contacts", "second.csv", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(s["rows_read"].as_u64(), Some(100));
    assert_eq!(s["rows_accepted"].as_u64(), Some(50));
    assert_eq!(s["rows_duplicate"].as_u64(), Some(50));
    assert_eq!(s["rows_quarantined"].as_u64(), Some(0));
    assert_eq!(
        dir.manifest().unwrap()["generation"].as_u64(),
        Some(generation + 1)
    );
    assert_eq!(dir.stored_contacts(), 150);
    let t = &dir.scorecard_total(&[])[0];
    assert_eq!(int(t, "offered"), 150);
    // handle time = talk + 10 s of after-call work: 100 contacts of 300 s and 50 of 900 s
    let aht = t["aht_s"].as_f64().unwrap();
    let want = (100.0 * 310.0 + 50.0 * 910.0) / 150.0;
    assert!((aht - want).abs() < 1e-9, "aht {aht}, want {want}");

    // both files again, as one batch: nothing new; inside one batch the ids 50..100 of the
    // second file repeat the first file's with other values, so they are quarantined — a
    // quarter of the rows, past the default reject limit: the batch is refused (exit code 4)
    dir.cmd()
        .args(["ingest", "contacts", "first.csv", "second.csv"])
        .run()
        .code(4)
        .stdout_has("refused: 50 of 200 rows were rejected, more than the limit of 10");
    // with a limit that allows them: stored as a batch with rejects (exit code 3)
    dir.cmd()
        .args([
            "ingest",
            "contacts",
            "first.csv",
            "second.csv",
            "--max-rejects",
            "25%",
        ])
        .run()
        .code(3)
        .stdout_has("0 new contacts stored, 150 already stored, 50 quarantined");
    assert_eq!(dir.stored_contacts(), 150);
    // the first file twice in one command is the first file once: its repeats are already
    // stored, as a second command would count them
    dir.cmd()
        .args(["ingest", "contacts", "first.csv", "first.csv"])
        .run()
        .success()
        .stdout_has("0 new contacts stored, 200 already stored, 0 quarantined");
}

#[test]
fn setup_apply_twice_changes_nothing() {
    let dir = Dir::new();
    let toml = Setup::new("Europe/London").queue("q1").queue("q2").toml();
    let p = dir.write("setup.toml", &toml);
    let first = dir.cmd().args(["setup", "apply"]).arg(&p).run().success();
    first.stdout_has("queue     2 created");
    assert!(
        !first.stdout.contains("nothing changed"),
        "{}",
        first.stdout
    );
    let shown = dir
        .cmd()
        .args(["setup", "show", "--format", "json"])
        .run()
        .success()
        .stdout;

    let second = dir.cmd().args(["setup", "apply"]).arg(&p).run().success();
    second
        .stdout_has("nothing changed")
        .stdout_has("queue     2 unchanged");
    assert!(!second.stdout.contains("created"), "{}", second.stdout);
    assert!(!second.stdout.contains("updated"), "{}", second.stdout);
    let report = dir
        .cmd()
        .args(["setup", "apply", "--json"])
        .arg(&p)
        .run()
        .success()
        .json();
    for kind in ["sites", "clients", "programs", "calendars", "queues"] {
        for what in ["created", "updated", "not_in_file"] {
            assert_eq!(
                report[kind][what].as_array().map(Vec::len),
                Some(0),
                "{kind}.{what}: {report}"
            );
        }
    }
    let shown_again = dir
        .cmd()
        .args(["setup", "show", "--format", "json"])
        .run()
        .success()
        .stdout;
    assert_eq!(shown_again, shown);
}

#[test]
fn changed_threshold_updates_that_queue() {
    let dir = Dir::new();
    let p = dir.write(
        "setup.toml",
        Setup::new("Europe/London").queue("q1").queue("q2").toml(),
    );
    dir.cmd().args(["setup", "apply"]).arg(&p).run().success();
    let p2 = dir.write(
        "setup2.toml",
        Setup::new("Europe/London")
            .queue("q1")
            .queue_with_threshold("q2", 45)
            .toml(),
    );
    let out = dir.cmd().args(["setup", "apply"]).arg(&p2).run().success();
    out.stdout_has("queue     1 updated, 1 unchanged")
        .stdout_has("updated: q2");
    assert!(!out.stdout.contains("nothing changed"), "{}", out.stdout);
    assert!(
        out.stdout.contains("calendar  1 unchanged"),
        "{}",
        out.stdout
    );

    let shown = dir
        .cmd()
        .args(["setup", "show", "--format", "json"])
        .run()
        .success()
        .json();
    let q2 = shown["queue"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "q2")
        .expect("q2 is stored");
    assert_eq!(q2["threshold_s"].as_i64(), Some(45));

    // applying the changed file again is a no-op
    let report = dir
        .cmd()
        .args(["setup", "apply", "--json"])
        .arg(&p2)
        .run()
        .success()
        .json();
    assert_eq!(
        report["queues"]["updated"].as_array().map(Vec::len),
        Some(0)
    );
    dir.cmd()
        .args(["setup", "apply"])
        .arg(&p2)
        .run()
        .success()
        .stdout_has("nothing changed");
}

#[test]
fn audit_log_lists_each_committed_batch_once() {
    let dir = workspace();
    dir.write_csv("a.csv", &rows(0..30, 200));
    dir.write_csv("b.csv", &rows(20..50, 200));
    for f in ["a.csv", "a.csv", "b.csv"] {
        dir.cmd().args(["ingest", "contacts", f]).run().success();
    }
    let log = dir
        .cmd()
        .args(["ingest", "log", "--format", "json"])
        .run()
        .success()
        .json_rows();
    // the repeated a.csv committed nothing, so two batches: 30 new, then 20 new + 10 already stored
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        (
            int(&log[0], "rows_accepted"),
            int(&log[0], "rows_duplicate")
        ),
        (30, 0)
    );
    assert_eq!(
        (
            int(&log[1], "rows_accepted"),
            int(&log[1], "rows_duplicate")
        ),
        (20, 10)
    );
    let batches = dir.manifest().unwrap()["batches"].as_array().unwrap().len();
    assert_eq!(batches, 2);
}

/// Raising a queue's T in the setup file changes the scorecard with no other command: `setup
/// apply` recomputes the partitions of the queue's client in the same command and says so;
/// applying the same file again recomputes nothing.
#[test]
fn a_changed_threshold_in_setup_changes_the_scorecard_at_once() {
    let dir = workspace();
    // answered contacts with waits 0..39 s (i % 40), 120 of them
    dir.write_csv("day.csv", &rows(0..120, 300));
    dir.cmd()
        .args(["ingest", "contacts", "day.csv"])
        .run()
        .success();
    let within = |dir: &Dir| -> i64 {
        dir.scorecard_total(&[])
            .iter()
            .map(|r| int(r, "answered_within_threshold"))
            .sum()
    };
    let count = |t: usize| (0..120).filter(|i| i % 40 <= t).count() as i64;
    assert_eq!(within(&dir), count(20));

    let p = dir.write(
        "setup2.toml",
        Setup::new("Europe/London")
            .queue_with_threshold("q1", 30)
            .toml(),
    );
    let generation = dir.manifest().unwrap()["generation"].as_u64().unwrap();
    dir.cmd()
        .args(["setup", "apply"])
        .arg(&p)
        .run()
        .success()
        .stdout_has("queue q1: T 20 s → 30 s")
        .stdout_has("interval facts recomputed with the new settings: c1/");
    assert_eq!(within(&dir), count(30));
    assert_eq!(
        dir.manifest().unwrap()["generation"].as_u64(),
        Some(generation + 1)
    );
    // a crash between the store's commit and the facts' would leave old facts: readers say so
    let facts = dir.home().join("facts");
    let backup = dir.path("facts-before");
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        let status = std::process::Command::new("cp")
            .arg("-a")
            .arg(from)
            .arg(to)
            .status()
            .unwrap();
        assert!(status.success());
    };
    // (rebuild the old state: T back to 20 in a copy of the facts)
    let p20 = dir.write(
        "setup20.toml",
        Setup::new("Europe/London")
            .queue_with_threshold("q1", 20)
            .toml(),
    );
    dir.cmd().args(["setup", "apply"]).arg(&p20).run().success();
    copy(&facts, &backup);
    dir.cmd().args(["setup", "apply"]).arg(&p).run().success();
    std::fs::remove_dir_all(&facts).unwrap();
    copy(&backup, &facts);
    dir.cmd()
        .args(["scorecard", "--by", "total"])
        .run()
        .success()
        .stderr_has("warning: queue q1: facts computed with T 20 s")
        .stderr_has("run `opsdeck facts rebuild`");
    dir.cmd().args(["facts", "rebuild"]).run().success();
    assert_eq!(within(&dir), count(30));
    let generation = dir.manifest().unwrap()["generation"].as_u64().unwrap() - 1;
    // the same file again: nothing to recompute
    dir.cmd()
        .args(["setup", "apply"])
        .arg(&p)
        .run()
        .success()
        .stdout_has("nothing changed");
    assert_eq!(
        dir.manifest().unwrap()["generation"].as_u64(),
        Some(generation + 1)
    );
    // `facts rebuild` (for an interrupted apply) gives the same figures
    dir.cmd()
        .args(["facts", "rebuild"])
        .run()
        .success()
        .stdout_has("rebuilt 1 partitions");
    assert_eq!(within(&dir), count(30));
    // the contacts are untouched, and the superseded interval file is gone
    assert_eq!(dir.stored_contacts(), 120);
    let on_disk = std::fs::read_dir(dir.home().join("facts/intervals/client=c1"))
        .map(|months| {
            months
                .flatten()
                .map(|m| std::fs::read_dir(m.path()).map_or(0, |f| f.count()))
                .sum::<usize>()
        })
        .unwrap_or(0);
    let named = dir.manifest().unwrap()["intervals"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!((on_disk, named), (1, 1));
}

/// A contact id is unique per client across all time, whatever calendar its queue has: the
/// same id in another month is the same contact (formats.md: an ACD that reuses ids must
/// export them made unique), and re-ingesting either file adds nothing.
#[test]
fn contact_ids_are_unique_per_client_across_months() {
    let dir = workspace();
    let may = answered("id-1", "q1", "2025-05-05 09:00:00", 10, 300);
    let june = answered("id-1", "q1", "2025-06-05 09:00:00", 10, 300);
    dir.write_csv("may.csv", std::slice::from_ref(&may));
    dir.write_csv("june.csv", std::slice::from_ref(&june));
    // in one batch: May is stored, its repeat is already stored, June's other values for the
    // same id are quarantined
    dir.write_csv("both.csv", &[may.clone(), june.clone(), may.clone()]);
    let s = dir
        .cmd()
        .args(["ingest", "contacts", "both.csv", "--json"])
        .run()
        .code(3)
        .json();
    assert_eq!(s["rows_accepted"].as_u64(), Some(1), "{s}");
    assert_eq!(s["rows_duplicate"].as_u64(), Some(1), "{s}");
    assert_eq!(s["rows_quarantined"].as_u64(), Some(1), "{s}");
    for f in ["may.csv", "june.csv"] {
        let again = dir
            .cmd()
            .args(["ingest", "contacts", f, "--json"])
            .run()
            .success()
            .json();
        assert_eq!(again["rows_accepted"].as_u64(), Some(0), "{f}: {again}");
        assert_eq!(again["rows_duplicate"].as_u64(), Some(1), "{f}: {again}");
    }
    assert_eq!(dir.stored_contacts(), 1);
}

//! Closed pipes end commands quietly: every command that prints, run with its standard output
//! already closed by the reader (as `opsdeck … | head -1` does), exits 0 without a panic; with
//! standard error closed, a failing command still exits with its code. And ids that name
//! nothing are usage errors (exit 2) that list the nearest known ids.

mod util;

use std::process::{Command, Stdio};
use util::{bin, Dir, TestCommand};

/// A small demo workspace.
fn demo(dir: &Dir) -> std::path::PathBuf {
    let ws = dir.path("demo");
    TestCommand::bare(dir.root())
        .arg("--home")
        .arg(&ws)
        .args(["demo", "--days", "35", "--scale", "0.1"])
        .run()
        .success();
    ws
}

/// Run `args` with standard output closed before the command writes a byte; its exit code
/// and standard error.
fn closed_stdout(dir: &Dir, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(bin())
        .current_dir(dir.root())
        .env_remove("OPSDECK_HOME")
        .env_remove("OPSDECK_DATABASE_URL")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start opsdeck");
    drop(child.stdout.take()); // the reader is gone: every write fails with EPIPE
    let out = child.wait_with_output().expect("wait for opsdeck");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_ends_quietly_on_a_closed_pipe() {
    let dir = Dir::new();
    let ws = demo(&dir);
    let home = ws.to_str().unwrap().to_string();
    let inbox = std::fs::read_dir(ws.join("inbox"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.extension().is_some_and(|x| x == "csv")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("demo-contacts-"))
        })
        .expect("the demo's contact file");
    let inbox = inbox.to_str().unwrap().to_string();
    dir.write(
        "log.csv",
        "case_id,activity,timestamp,resource\nc1,open,2025-01-01T09:00:00Z,r1\nc1,close,2025-01-01T10:00:00Z,r2\n",
    );
    dir.write(
        "intervals.csv",
        "interval_id,calls,aht_seconds,interval_seconds,target_sl,target_answer_seconds,max_occupancy,shrinkage\na,100,300,1800,0.8,20,0.85,0.3\n",
    );
    let commands: Vec<Vec<&str>> = vec![
        vec!["--home", &home, "scorecard"],
        vec![
            "--home",
            &home,
            "scorecard",
            "--by",
            "interval",
            "--format",
            "csv",
        ],
        vec![
            "--home",
            &home,
            "scorecard",
            "--level",
            "site",
            "--format",
            "json",
        ],
        vec!["--home", &home, "sla", "evaluate", "--period", "2025-09"],
        vec![
            "--home",
            &home,
            "sla",
            "evaluate",
            "--period",
            "2025-09..2025-10",
            "--format",
            "json",
        ],
        vec![
            "--home", &home, "sla", "evaluate", "--period", "2025-09", "--format", "csv", "--view",
            "money",
        ],
        vec![
            "--home", &home, "sla", "explain", "nwb-csat", "--period", "2025-09",
        ],
        vec!["--home", &home, "contract", "show"],
        vec!["--home", &home, "contract", "show", "--format", "json"],
        vec!["--home", &home, "setup", "show"],
        vec!["--home", &home, "ingest", "log"],
        vec!["--home", &home, "backlog", "--queue", "hld-itsd"],
        vec!["--home", &home, "scorecard", "--cases"],
        vec![
            "--home",
            &home,
            "plan",
            "--queue",
            "nwb-cards-voice",
            "--from",
            "2025-10-01",
            "--days",
            "2",
            "--history-weeks",
            "4",
        ],
        vec!["kpi", "--input", &inbox, "--format", "table"],
        vec!["kpi", "--input", &inbox],
        vec!["mine", "summary", "--log", "log.csv"],
        vec!["mine", "dfg", "--log", "log.csv", "--format", "dot"],
        vec!["staffing", "--input", "intervals.csv", "--format", "json"],
        vec!["tables"],
        vec!["--help"],
    ];
    for args in &commands {
        let (code, stderr) = closed_stdout(&dir, args);
        assert!(
            !stderr.contains("panicked"),
            "{args:?} panicked on a closed pipe:\n{stderr}"
        );
        // kpi and mine exit 3 only when rows were rejected; none are here
        assert_eq!(code, Some(0), "{args:?} on a closed pipe:\n{stderr}");
        assert!(
            !stderr.contains("Broken pipe"),
            "{args:?} complained about the pipe:\n{stderr}"
        );
    }
}

#[test]
fn a_closed_stderr_keeps_the_exit_code() {
    let dir = Dir::new();
    let status = Command::new(bin())
        .current_dir(dir.root())
        .args(["--home", "nowhere", "scorecard"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map(|mut c| {
            drop(c.stderr.take());
            c.wait().unwrap()
        })
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

#[test]
fn unknown_ids_are_usage_errors_naming_the_nearest() {
    let dir = Dir::new();
    let ws = demo(&dir);
    let run = |args: &[&str]| {
        TestCommand::bare(dir.root())
            .arg("--home")
            .arg(&ws)
            .args(args)
            .run()
    };
    for (args, want) in [
        (
            vec!["scorecard", "--client", "nortwind"],
            "unknown client \"nortwind\" (did you mean \"northwind\"?)",
        ),
        (
            vec!["scorecard", "--program", "nwb-card"],
            "unknown program \"nwb-card\" (did you mean \"nwb-cards\"?)",
        ),
        (
            vec!["scorecard", "--site", "mnla"],
            "unknown site \"mnla\" (did you mean \"mnl\"?)",
        ),
        (
            vec![
                "sla", "evaluate", "--client", "telvya", "--period", "2025-09",
            ],
            "unknown client \"telvya\" (did you mean \"telvia\"?)",
        ),
        (
            vec!["sla", "explain", "nwb-cast", "--period", "2025-09"],
            "unknown sla \"nwb-cast\" (did you mean",
        ),
        (
            vec!["contract", "show", "--contract", "nwb-msa"],
            "unknown contract \"nwb-msa\" (did you mean \"nwb-msa-2025\"?)",
        ),
        (
            vec![
                "plan",
                "--queue",
                "nwb-cards-vioce",
                "--from",
                "2025-10-01",
                "--days",
                "1",
            ],
            "unknown queue \"nwb-cards-vioce\" (did you mean one of \"nwb-cards-voice\"",
        ),
        (
            vec!["ingest", "contacts", "x.csv", "--profile", "anonymous-bnk"],
            "unknown profile \"anonymous-bnk\" (did you mean \"anonymous-bank\"?)",
        ),
    ] {
        run(&args).code(2).stderr_has(want);
    }
    // an empty answer is never silent either: a month without data shows its open hours with
    // coverage 0 and says so
    run(&["scorecard", "--client", "northwind", "--period", "2024-01"])
        .success()
        .stdout_has("0.0 %")
        .stderr_has("have no data in 2024-01-01..2024-01-31");
}

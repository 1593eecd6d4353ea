//! `opsdeck demo`: builds a workspace with the sample organisation and a week of generated
//! contacts, prints a headline line per client, and is idempotent when run again.

mod util;

use util::{int, Dir, TestCommand};

/// The lines of the headline scorecard (between its title and the next blank line).
fn headline(stdout: &str) -> Vec<&str> {
    let mut lines = stdout
        .lines()
        .skip_while(|l| !l.starts_with("headline scorecard"));
    assert!(
        lines.next().is_some(),
        "no headline scorecard in:\n{stdout}"
    );
    let header = lines.next().expect("a table header");
    assert!(header.starts_with("client"), "{header}");
    lines.take_while(|l| !l.trim().is_empty()).collect()
}

fn generated(stdout: &str) -> i64 {
    let l = stdout
        .lines()
        .find(|l| l.starts_with("generated "))
        .unwrap_or_else(|| panic!("no 'generated' line in:\n{stdout}"));
    l.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn demo_builds_a_workspace_and_is_idempotent() {
    let dir = Dir::new();
    let ws = dir.path("demo-ws");
    let run = || {
        TestCommand::bare(dir.root())
            .arg("demo")
            .arg("--dir")
            .arg(&ws)
            .args(["--days", "7", "--scale", "0.2"])
            .run()
            .success()
    };
    let first = run();
    let n = generated(&first.stdout);
    assert!(n > 1_000, "{n} contacts");
    first
        .stdout_has(&format!(
            "{n} new contacts stored, 0 already stored, 0 quarantined"
        ))
        .stdout_has("2025-09-01 .. 2025-09-07");
    // the IT service desk's incidents go through the case ingest, and its case SLAs stand
    // beside the contact SLAs in the SLA table
    first
        .stdout_has("incidents (")
        .stdout_has("0 rows quarantined")
        .stdout_has("clock policy stored for queue(s): hld-itsd");
    let sla_lines: Vec<&str> = first
        .stdout
        .lines()
        .filter(|l| l.contains(" governing "))
        .collect();
    assert!(
        sla_lines.iter().any(|l| l.contains("hld-p3-resolution")),
        "{sla_lines:#?}"
    );
    assert!(sla_lines.iter().any(|l| l.contains("nwb-cards-voice-sl")));

    // one headline line per declared client
    let org = TestCommand::bare(dir.root())
        .arg("--home")
        .arg(&ws)
        .args(["setup", "show", "--format", "json"])
        .run()
        .success()
        .json();
    let clients: Vec<&str> = org["client"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(clients.len(), 4, "{clients:?}");
    let lines = headline(&first.stdout);
    // a line per client and channel: no client row blends voice with email; the IT service
    // desk's client has tickets (cases), not contacts
    let mut offered = 0;
    for c in clients.iter().filter(|c| **c != "halden") {
        let mine: Vec<&&str> = lines
            .iter()
            .filter(|l| l.split_whitespace().next() == Some(c))
            .collect();
        assert!(
            !mine.is_empty(),
            "no headline line for client {c}: {lines:#?}"
        );
        let mut channels = Vec::new();
        for l in mine {
            let cols: Vec<&str> = l.split_whitespace().collect();
            channels.push(cols[1]);
            assert_eq!(cols[2], "2025-09-01..2025-09-07", "{l}");
            let o: i64 = cols[3].replace(',', "").parse().unwrap();
            assert!(o > 0, "{l}");
            offered += o;
            assert!(
                l.ends_with("100.0 %"),
                "a full week of data has full coverage: {l}"
            );
        }
        let before = channels.len();
        channels.dedup();
        assert_eq!(channels.len(), before, "one line per channel: {channels:?}");
    }
    assert_eq!(offered, n, "the headline covers every generated contact");

    // the workspace is an ordinary one
    let total: i64 = TestCommand::bare(dir.root())
        .arg("--home")
        .arg(&ws)
        .args(["scorecard", "--by", "total", "--format", "json"])
        .run()
        .success()
        .json_rows()
        .iter()
        .map(|r| int(r, "offered"))
        .sum();
    assert_eq!(total, n);
    let manifest = std::fs::read(ws.join("facts/manifest.json")).unwrap();

    // a second run: same data, nothing new, nothing changed
    let second = run();
    assert_eq!(generated(&second.stdout), n);
    second
        .stdout_has(&format!("0 new contacts stored, {n} already stored"))
        .stdout_has("nothing changed")
        .stdout_has("workspace is unchanged");
    assert_eq!(headline(&second.stdout), lines);
    assert_eq!(
        std::fs::read(ws.join("facts/manifest.json")).unwrap(),
        manifest
    );
}

/// `opsdeck demo` builds where --home or OPSDECK_HOME says, like every command; reading
/// commands never create a workspace, and the message for a missing one names the demo's.
#[test]
fn demo_honours_home_and_readers_never_create_a_workspace() {
    let dir = Dir::new();
    let ws = dir.path("from-env");
    TestCommand::bare(dir.root())
        .env("OPSDECK_HOME", &ws)
        .args(["demo", "--days", "2", "--scale", "0.05"])
        .run()
        .success();
    assert!(
        ws.join("opsdeck.db").is_file(),
        "the demo used OPSDECK_HOME"
    );
    assert!(!dir.path("opsdeck-demo").exists());
    let flag = dir.path("from-flag");
    TestCommand::bare(dir.root())
        .arg("--home")
        .arg(&flag)
        .args(["demo", "--days", "2", "--scale", "0.05"])
        .run()
        .success();
    assert!(flag.join("opsdeck.db").is_file(), "the demo used --home");
    // a reading command in a directory without a workspace: exit 2, nothing created
    let nowhere = dir.path("nowhere");
    for args in [
        vec!["scorecard"],
        vec!["sla", "evaluate", "--period", "2025-09"],
        vec!["setup", "show"],
        vec!["contract", "show"],
        vec!["ingest", "log"],
    ] {
        let out = TestCommand::bare(dir.root())
            .arg("--home")
            .arg(&nowhere)
            .args(args.clone())
            .run();
        out.code(2)
            .stderr_has("no workspace at")
            .stderr_has("opsdeck setup apply");
        assert!(!nowhere.exists(), "{args:?} created {}", nowhere.display());
    }
    // the default workspace is missing too: the message points at the demo's when it exists
    std::fs::create_dir_all(dir.path("opsdeck-demo")).unwrap();
    std::fs::copy(flag.join("opsdeck.db"), dir.path("opsdeck-demo/opsdeck.db")).unwrap();
    TestCommand::bare(dir.root())
        .env("OPSDECK_HOME", "")
        .arg("scorecard")
        .run()
        .code(2)
        .stderr_has("no workspace at opsdeck-data")
        .stderr_has("--home opsdeck-demo");
    assert!(!dir.path("opsdeck-data").exists());
}

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
    assert_eq!(clients.len(), 3, "{clients:?}");
    let lines = headline(&first.stdout);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let mut offered = 0;
    for c in &clients {
        let l = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(c))
            .unwrap_or_else(|| panic!("no headline line for client {c}: {lines:#?}"));
        let cols: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(cols[1], "2025-09-01..2025-09-07", "{l}");
        let o: i64 = cols[2].parse().unwrap();
        assert!(o > 0, "{l}");
        offered += o;
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

//! Messages stay short whatever the input: a hostile file (one 10 MB line, a 200 MB file of
//! NUL bytes, deeply nested arrays, a megabyte-long cell) gives at most a few KiB on stderr,
//! naming the file and the position with a short excerpt; files over a cap are refused before
//! they are read; and writing the message to a closed standard error never panics.

mod util;

use std::io::Read;
use std::process::{Command, Stdio};
use util::{bin, Dir, Output, Setup};

/// Most bytes a failing command may print on stderr.
const MAX_STDERR: usize = 4096 + 200;

/// A file of `len` NUL bytes that takes no room on disk (sparse).
fn sparse(dir: &Dir, rel: &str, len: u64) -> std::path::PathBuf {
    let p = dir.path(rel);
    std::fs::File::create(&p).unwrap().set_len(len).unwrap();
    p
}

/// Assert a failure with exit code 1 and a short message holding every one of `words`.
fn short_failure(out: &Output, words: &[&str]) {
    assert!(
        out.stderr.len() <= MAX_STDERR,
        "{}: {} bytes on stderr: {}…",
        out.cmd,
        out.stderr.len(),
        out.stderr.chars().take(300).collect::<String>()
    );
    out.code(1);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    for w in words {
        assert!(out.stderr.contains(w), "{:?} lacks {w:?}", out.stderr);
    }
}

/// A workspace with a small organisation.
fn workspace() -> Dir {
    let dir = Dir::new();
    dir.apply_setup(
        "setup.toml",
        &Setup::new("Europe/London").queue("q1").toml(),
    );
    dir
}

#[test]
fn a_one_line_junk_file_gives_a_short_message_with_its_position() {
    let dir = workspace();
    // 10 MB on one line: the TOML library's own message would echo it and pad a caret line
    let junk = dir.write("junk.toml", format!("x{}", "y".repeat(9_999_999)));
    for what in ["setup", "contract"] {
        let out = dir.cmd().args([what, "apply"]).arg(&junk).run();
        short_failure(
            &out,
            &[
                "junk.toml: line 1, column 10000001: ",
                "expected `=`",
                "(at `…yyyyyyyyyyyyyyyyyyyy`)",
            ],
        );
    }
    // deeply nested arrays
    let deep = dir.write(
        "deep.toml",
        format!("a = {}{}", "[".repeat(200_000), "]".repeat(200_000)),
    );
    let out = dir.cmd().args(["setup", "apply"]).arg(&deep).run();
    short_failure(&out, &["deep.toml: line 1, column ", "recursion"]);
    // a value a megabyte long, of the wrong type
    let long = dir.write(
        "long.toml",
        format!("[[site]]\nid = \"{}\"\nname = 3\n", "s".repeat(1_000_000)),
    );
    let out = dir.cmd().args(["setup", "apply"]).arg(&long).run();
    short_failure(&out, &["long.toml: line 3, column 8: invalid type"]);
}

#[test]
fn files_over_the_cap_not_text_or_not_utf8_are_refused_by_name() {
    let dir = workspace();
    // 200 MB of NUL bytes: refused from its size, before reading it
    let nul = sparse(&dir, "nul.toml", 200_000_000);
    let t0 = std::time::Instant::now();
    let out = dir.cmd().args(["setup", "apply"]).arg(&nul).run();
    short_failure(
        &out,
        &["nul.toml: file is 190.7 MiB; a setup file may be at most 10 MiB"],
    );
    assert!(t0.elapsed().as_secs() < 10, "{:?}", t0.elapsed());
    for (args, what) in [
        (vec!["contract", "apply"], "a contract file"),
        (vec!["kpi", "--input", "c.csv", "--map"], "a mapping file"),
        (
            vec![
                "plan",
                "--queue",
                "q1",
                "--from",
                "2025-03-03",
                "--days",
                "1",
                "--scenario",
            ],
            "a scenario file",
        ),
    ] {
        dir.write_csv(
            "c.csv",
            &["c1,q1,voice,2025-03-03 10:00:00,,2025-03-03 10:01:00,,,,,"],
        );
        let out = dir.cmd().args(&args).arg(&nul).run();
        short_failure(
            &out,
            &[&format!(
                "nul.toml: file is 190.7 MiB; {what} may be at most 10 MiB"
            )],
        );
    }
    // a small file with a NUL byte, and one that is not UTF-8
    let bin_file = dir.write("bin.toml", b"[[site]]\nid = \"a\0b\"\n");
    let out = dir.cmd().args(["setup", "apply"]).arg(&bin_file).run();
    short_failure(
        &out,
        &["bin.toml: line 2: byte 17 is NUL: this is not a text file"],
    );
    let latin1 = dir.write("latin1.toml", b"[[site]]\nid = \"caf\xe9\"\n");
    let out = dir.cmd().args(["setup", "apply"]).arg(&latin1).run();
    short_failure(
        &out,
        &["latin1.toml: line 2: byte 19 is not UTF-8 text (save the file as UTF-8)"],
    );
    // CSV inputs read whole: over 256 MiB is refused from the size
    let series = sparse(&dir, "series.csv", 300 << 20);
    let out = dir
        .cmd()
        .args(["forecast", "--horizon-days", "1", "--input"])
        .arg(&series)
        .run();
    short_failure(
        &out,
        &["series.csv: file is 300 MiB; a volume series may be at most 256 MiB"],
    );
}

#[test]
fn rejected_rows_with_huge_cells_are_listed_briefly() {
    let dir = Dir::new();
    let huge = "9".repeat(1_000_000);
    // staffing: a megabyte-long number of calls
    dir.write(
        "intervals.csv",
        format!(
            "interval_id,calls,aht_seconds,interval_seconds,target_sl,target_answer_seconds,max_occupancy,shrinkage\na,x{huge},300,1800,0.8,20,0.85,0.3\nb,100,300,1800,0.8,20,0.85,0.3\n"
        ),
    );
    let out = dir
        .cmd()
        .args(["staffing", "--input", "intervals.csv"])
        .run();
    out.code(3);
    assert!(out.stderr.len() < MAX_STDERR, "{} bytes", out.stderr.len());
    assert!(
        out.stderr.contains("not a number: \"x999"),
        "{}",
        &out.stderr[..300]
    );
    // mining: a megabyte-long timestamp
    dir.write(
        "log.csv",
        format!(
            "case_id,activity,timestamp,resource\nc1,open,2025-01-01T09:00:00Z,r1\nc1,close,2025-01-01T{huge},r2\nc2,open,2025-01-01T09:00:00Z,r1\n"
        ),
    );
    let out = dir
        .cmd()
        .args(["mine", "summary", "--log", "log.csv"])
        .run();
    out.code(3);
    assert!(out.stderr.len() < MAX_STDERR, "{} bytes", out.stderr.len());
    assert!(
        out.stderr.contains("(1000011 bytes)"),
        "{}",
        &out.stderr[..300]
    );
    // kpi: a header without the columns a contact file needs, a megabyte long
    dir.write("wide.csv", format!("{huge}\n1\n"));
    let out = dir.cmd().args(["kpi", "--input", "wide.csv"]).run();
    short_failure(&out, &["wide.csv: missing columns"]);
}

/// Run `opsdeck setup apply junk.toml` (which fails with a message) with its standard error
/// closed by a shell (`2>&-`) or a pipe whose reader is gone, as `2>&1 | head -c 10` leaves it.
#[test]
fn a_closed_stderr_never_panics() {
    let dir = Dir::new();
    dir.write("junk.toml", format!("x{}", "y".repeat(100_000)));
    let sh = Command::new("sh")
        .current_dir(dir.root())
        .arg("-c")
        .arg(format!(
            "'{}' --home home setup apply junk.toml 2>&-",
            bin().display()
        ))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(sh.code(), Some(1), "a panic exits 101");

    let mut child = Command::new(bin())
        .current_dir(dir.root())
        .args(["--home", "home", "setup", "apply", "junk.toml"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take()); // the reader is gone before a byte is written: EPIPE
    assert_eq!(child.wait().unwrap().code(), Some(1), "a panic exits 101");

    // `2>&1 | head -c 10`: the first bytes are read, then the reader goes
    let mut child = Command::new(bin())
        .current_dir(dir.root())
        .args(["--home", "home", "setup", "apply", "junk.toml"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stderr.take().unwrap().read_exact(&mut first).unwrap();
    assert_eq!(&first, b"opsdeck: e");
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

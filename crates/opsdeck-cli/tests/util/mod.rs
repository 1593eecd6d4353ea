//! Shared helpers of the `opsdeck` CLI integration tests (in the style of ripgrep's
//! `tests/util.rs`): a temporary workspace per test, a command builder that runs the real binary
//! and captures stdout, stderr and the exit code, and writers for setup files and contact CSVs.

#![allow(dead_code)] // each test file uses a different part of this module

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Header of a canonical contact file (the eleven required columns, docs/formats.md).
pub const HEADER: &str =
    "contact_id,queue,channel,arrived_at,answered_at,ended_at,talk_s,hold_s,acw_s,agent_id,csat";

/// Path of the `opsdeck` binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_opsdeck"))
}

/// The `../shared` folder next to the repository, or `None` (with a notice on stderr saying the
/// test is skipped) when it is not there; under `CI=true` a missing folder fails the test.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    opsdeck_testdata::shared_dir(test)
}

/// A fresh temporary directory for one test; `home()` is the workspace passed as `--home`.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        let tmp = tempfile::Builder::new()
            .prefix("opsdeck-test-")
            .tempdir()
            .expect("create a temporary directory");
        Dir { tmp }
    }

    /// The temporary directory itself.
    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// A path inside the temporary directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// The workspace directory (`--home`).
    pub fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// Write bytes to `rel` (parents created) and return its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("create parent directory");
        }
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        p
    }

    /// Write a canonical contact CSV: the header, then one line per row, each ending in `\n`.
    pub fn write_csv<S: AsRef<str>>(&self, rel: &str, rows: &[S]) -> PathBuf {
        let mut s = String::from(HEADER);
        s.push('\n');
        for r in rows {
            s.push_str(r.as_ref());
            s.push('\n');
        }
        self.write(rel, s)
    }

    /// Write a setup file and `setup apply` it to the workspace (asserting success).
    pub fn apply_setup(&self, rel: &str, toml: &str) -> PathBuf {
        let p = self.write(rel, toml);
        self.cmd().arg("setup").arg("apply").arg(&p).run().success();
        p
    }

    /// A command for the binary with `--home` set to this test's workspace.
    pub fn cmd(&self) -> TestCommand {
        let mut c = TestCommand::bare(self.root());
        c.arg("--home").arg(self.home());
        c
    }

    /// The bytes of the committed manifest, or `None` when nothing was ever committed.
    pub fn manifest_bytes(&self) -> Option<Vec<u8>> {
        std::fs::read(self.home().join("facts").join("manifest.json")).ok()
    }

    /// The committed manifest as JSON, or `None`.
    pub fn manifest(&self) -> Option<serde_json::Value> {
        self.manifest_bytes()
            .map(|b| serde_json::from_slice(&b).expect("manifest.json is valid JSON"))
    }

    /// Number of contacts the manifest names (0 when there is no manifest).
    pub fn stored_contacts(&self) -> u64 {
        self.manifest().map_or(0, |m| {
            m["contacts"]
                .as_array()
                .expect("manifest.contacts is an array")
                .iter()
                .map(|f| f["rows"].as_u64().expect("rows is a number"))
                .sum()
        })
    }

    /// `opsdeck scorecard --by total --format json` with extra arguments, parsed.
    pub fn scorecard_total(&self, extra: &[&str]) -> Vec<serde_json::Value> {
        let out = self
            .cmd()
            .args(["scorecard", "--by", "total", "--format", "json"])
            .args(extra)
            .run()
            .success();
        out.json_rows()
    }

    /// Quarantine files of the workspace, parsed: (file, line, field, reason, row) per record.
    pub fn quarantine(&self) -> Vec<QuarantineRow> {
        let dir = self.home().join("quarantine");
        let mut out = Vec::new();
        let Ok(rd) = std::fs::read_dir(&dir) else {
            return out;
        };
        let mut files: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("quarantine file is UTF-8");
            out.extend(parse_quarantine(&text));
        }
        out
    }
}

/// One row of a quarantine file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineRow {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub reason: String,
    pub row: String,
}

/// Parse a quarantine CSV (header `file,line,field,reason,row`) with a tiny RFC 4180 reader.
pub fn parse_quarantine(text: &str) -> Vec<QuarantineRow> {
    let recs = parse_csv(text);
    let mut it = recs.into_iter();
    let header = it.next().expect("quarantine file has a header");
    assert_eq!(header, ["file", "line", "field", "reason", "row"]);
    it.map(|r| {
        assert_eq!(r.len(), 5, "quarantine record {r:?}");
        QuarantineRow {
            file: r[0].clone(),
            line: r[1].parse().expect("line is a number"),
            field: r[2].clone(),
            reason: r[3].clone(),
            row: r[4].clone(),
        }
    })
    .collect()
}

/// Minimal CSV parser (quotes, doubled quotes, CRLF or LF) for checking the tool's output.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut recs = Vec::new();
    let mut rec = Vec::new();
    let mut field = String::new();
    let mut in_q = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if in_q {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => in_q = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => in_q = true,
            ',' => rec.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                rec.push(std::mem::take(&mut field));
                recs.push(std::mem::take(&mut rec));
                any = false;
            }
            _ => field.push(c),
        }
    }
    if any {
        rec.push(field);
        recs.push(rec);
    }
    recs
}

/// A command under construction (ripgrep's `TestCommand`).
pub struct TestCommand {
    cmd: Command,
}

impl TestCommand {
    /// The binary with no arguments, run in `cwd`, with the opsdeck environment cleared.
    pub fn bare(cwd: &Path) -> TestCommand {
        let mut cmd = Command::new(bin());
        cmd.current_dir(cwd)
            .env_remove("OPSDECK_HOME")
            .env_remove("OPSDECK_DATABASE_URL")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        TestCommand { cmd }
    }

    /// The binary started by `sh -c SCRIPT`, the script ending in `exec "$0" "$@"` (for limits
    /// such as `ulimit -f` that only a shell sets without unsafe code), run in `cwd` with the
    /// opsdeck environment cleared.
    pub fn via_shell(cwd: &Path, script: &str) -> TestCommand {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("{script}; exec \"$0\" \"$@\""))
            .arg(bin())
            .current_dir(cwd)
            .env_remove("OPSDECK_HOME")
            .env_remove("OPSDECK_DATABASE_URL")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        TestCommand { cmd }
    }

    /// Set an environment variable of the command.
    pub fn env(&mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.env(k, v);
        self
    }

    pub fn arg(&mut self, a: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.arg(a);
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut TestCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Run to completion and capture the output.
    pub fn run(&mut self) -> Output {
        let out = self
            .cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", self.cmd));
        Output {
            cmd: format!("{:?}", self.cmd),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Start the command as a child process with standard output and error piped.
    pub fn spawn_piped(&mut self) -> Child {
        self.cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", self.cmd))
    }

    /// Start the command as a child process with its output discarded.
    pub fn spawn(&mut self) -> Child {
        self.cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", self.cmd))
    }
}

/// What a finished command printed and how it exited.
#[derive(Debug, Clone)]
pub struct Output {
    pub cmd: String,
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Assert the exit code, showing everything the command printed when it differs.
    pub fn code(&self, want: i32) -> &Output {
        assert_eq!(
            self.code,
            Some(want),
            "exit code of {}\n--- stdout\n{}\n--- stderr\n{}",
            self.cmd,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Assert exit code 0.
    pub fn success(&self) -> Output {
        self.code(0);
        self.clone()
    }

    /// Assert that stdout contains `s`.
    pub fn stdout_has(&self, s: &str) -> &Output {
        assert!(
            self.stdout.contains(s),
            "stdout of {} lacks {s:?}:\n{}\n--- stderr\n{}",
            self.cmd,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Assert that stderr contains `s`.
    pub fn stderr_has(&self, s: &str) -> &Output {
        assert!(
            self.stderr.contains(s),
            "stderr of {} lacks {s:?}:\n{}\n--- stdout\n{}",
            self.cmd,
            self.stderr,
            self.stdout
        );
        self
    }

    /// Stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout of {} is not JSON ({e}):\n{}", self.cmd, self.stdout)
        })
    }

    /// Stdout as a JSON array of objects.
    pub fn json_rows(&self) -> Vec<serde_json::Value> {
        match self.json() {
            serde_json::Value::Array(a) => a,
            other => panic!("stdout of {} is not a JSON array: {other}", self.cmd),
        }
    }
}

/// An integer field of a JSON object.
pub fn int(v: &serde_json::Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{key} is not an integer in {v}"))
}

/// Builder of a setup file: one site, client, program and calendar, and the queues added.
#[derive(Debug, Clone)]
pub struct Setup {
    pub time_zone: String,
    pub queues: Vec<(String, i64)>,
}

impl Setup {
    /// An organisation whose calendar is in `time_zone` with no hours table (always open).
    pub fn new(time_zone: &str) -> Setup {
        Setup {
            time_zone: time_zone.to_string(),
            queues: Vec::new(),
        }
    }

    /// Add a voice queue with the default service-level threshold (20 s).
    pub fn queue(self, id: &str) -> Setup {
        self.queue_with_threshold(id, 20)
    }

    pub fn queue_with_threshold(mut self, id: &str, threshold_s: i64) -> Setup {
        self.queues.push((id.to_string(), threshold_s));
        self
    }

    pub fn toml(&self) -> String {
        let mut s = format!(
            r#"[[site]]
id = "s1"
name = "Site one"
country = "GB"
time_zone = "{tz}"
cost_per_productive_hour = 20.0

[[client]]
id = "c1"
name = "Client one"

[[program]]
id = "p1"
name = "Program one"
client = "c1"
sites = ["s1"]

[[calendar]]
id = "cal1"
time_zone = "{tz}"
"#,
            tz = self.time_zone
        );
        for (q, t) in &self.queues {
            s.push_str(&format!(
                r#"
[[queue]]
id = "{q}"
name = "Queue {q}"
program = "p1"
channel = "voice"
calendar = "cal1"
threshold_s = {t}
"#
            ));
        }
        s
    }
}

/// A canonical row of an answered contact: arrives at `arrived` (`YYYY-MM-DD HH:MM:SS`, local
/// wall clock), waits `wait_s`, talks `talk_s`, then 10 s of after-call work; CSAT 5.
pub fn answered(id: &str, queue: &str, arrived: &str, wait_s: i64, talk_s: i64) -> String {
    let t = chrono::NaiveDateTime::parse_from_str(arrived, "%Y-%m-%d %H:%M:%S")
        .expect("arrived is YYYY-MM-DD HH:MM:SS");
    let a = t + chrono::Duration::seconds(wait_s);
    let e = a + chrono::Duration::seconds(talk_s);
    let f = |d: chrono::NaiveDateTime| d.format("%Y-%m-%d %H:%M:%S").to_string();
    format!(
        "{id},{queue},voice,{},{},{},{talk_s},0,10,A1,5",
        f(t),
        f(a),
        f(e)
    )
}

/// A canonical row of a contact abandoned after `wait_s`.
pub fn abandoned(id: &str, queue: &str, arrived: &str, wait_s: i64) -> String {
    let t = chrono::NaiveDateTime::parse_from_str(arrived, "%Y-%m-%d %H:%M:%S")
        .expect("arrived is YYYY-MM-DD HH:MM:SS");
    let e = t + chrono::Duration::seconds(wait_s);
    let f = |d: chrono::NaiveDateTime| d.format("%Y-%m-%d %H:%M:%S").to_string();
    format!("{id},{queue},voice,{},,{},,,,,", f(t), f(e))
}

/// A canonical contact export of `n` contacts one second apart from `t0` (UTC): contact `i` has
/// id `id(i)` and waits `wait(i)` s; every tenth (from the fourth) abandons, the others are
/// answered with a talk time of 60 + i mod 300 s, 15 s of after-contact work, an agent of 25
/// and a CSAT of 5 on every fourth.
pub fn write_export(
    path: &Path,
    n: usize,
    t0: i64,
    id: impl Fn(usize) -> String,
    wait: impl Fn(usize) -> i64,
) {
    use std::io::Write;
    let f = std::fs::File::create(path).unwrap();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    writeln!(w, "{HEADER}").unwrap();
    let ts = |x: i64| {
        chrono::DateTime::from_timestamp(x, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    for i in 0..n {
        let (t, wait, id) = (t0 + i as i64, wait(i), id(i));
        if i % 10 == 3 {
            writeln!(w, "{id},q1,voice,{},,{},,,,,", ts(t), ts(t + wait)).unwrap();
        } else {
            let talk = 60 + (i % 300) as i64;
            writeln!(
                w,
                "{id},q1,voice,{},{},{},{talk},0,15,A{},{}",
                ts(t),
                ts(t + wait),
                ts(t + wait + talk),
                i % 25,
                if i % 4 == 0 { "5" } else { "" }
            )
            .unwrap();
        }
    }
    w.flush().unwrap();
}

/// A runtime for the tests' own database calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The URL confined to `schema` (every connection's `search_path`).
pub fn in_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options[search_path]={schema}")
}

/// A schema of its own for a test, dropped at the end.
pub struct PgSchema {
    pub url: String,
    pub name: String,
}

impl PgSchema {
    pub fn new(url: &str, test: &str) -> PgSchema {
        use sqlx::{Connection, Executor};
        let name = format!("cli_{test}_{}", std::process::id());
        runtime().block_on(async {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            c.execute(
                format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE; CREATE SCHEMA \"{name}\"")
                    .as_str(),
            )
            .await
            .unwrap();
            c.close().await.unwrap();
        });
        PgSchema {
            url: url.to_string(),
            name,
        }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        use sqlx::{Connection, Executor};
        runtime().block_on(async {
            if let Ok(mut c) = sqlx::PgConnection::connect(&self.url).await {
                let _ = c
                    .execute(format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name).as_str())
                    .await;
                let _ = c.close().await;
            }
        });
    }
}

//! Clean failures: a committed batch stands when what follows its commit fails; a failed or
//! killed batch leaves neither fact files nor a quarantine report; errors name the file or the
//! database; a read-only workspace can be read; a writer says whom it waits for and gives up
//! after `--lock-timeout`; a file given twice is read as by two commands; an empty `OPSDECK_HOME` means the
//! default; text with a NUL is refused, naming file and key, on both backends.
//!
//! Unix only: the tests use `sh`, `kill`, `setpriv` and permission bits.
#![cfg(unix)]

mod util;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use util::{answered, in_schema, runtime, Dir, PgSchema, Setup, TestCommand};

const PG_ENV: &str = "OPSDECK_TEST_DATABASE_URL";

/// A workspace with one queue `q1` in London.
fn workspace() -> Dir {
    let dir = Dir::new();
    dir.apply_setup(
        "setup.toml",
        &Setup::new("Europe/London").queue("q1").toml(),
    );
    dir
}

/// `n` answered contacts `{prefix}-{i}` on 2025-03-10.
fn rows(prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            answered(
                &format!("{prefix}-{i}"),
                "q1",
                &format!("2025-03-10 {:02}:{:02}:00", 8 + i / 60 % 10, i % 60),
                (i % 30) as i64,
                120,
            )
        })
        .collect()
}

/// A deterministic stream of 64-bit values (splitmix64).
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A large export whose facts do not compress: `n` contacts with random ids and agents (so
/// its Parquet file is several MiB), one second apart from 2025-03-10 00:00 UTC, and one bad
/// row (an unknown queue) so that the batch has a quarantine report.
fn write_incompressible(path: &Path, n: u64) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "{}", util::HEADER).unwrap();
    let t0 = 1_741_564_800; // 2025-03-10T00:00:00Z
    let ts = |x: i64| {
        chrono::DateTime::from_timestamp(x, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    for i in 0..n {
        let t = t0 + i as i64;
        writeln!(
            w,
            "{:016x},q1,voice,{},{},{},{},0,10,{:016x}{:016x},",
            mix(i),
            ts(t),
            ts(t + 7),
            ts(t + 100),
            93,
            mix(i + n),
            mix(i + 2 * n)
        )
        .unwrap();
    }
    writeln!(w, "bad-1,nowhere,voice,{},,{},,,,,", ts(t0), ts(t0 + 5)).unwrap();
    w.flush().unwrap();
}

/// Every file under facts/ (but the manifest and the lock), relative to facts/.
fn fact_files(dir: &Dir) -> Vec<String> {
    let facts = dir.home().join("facts");
    let mut out = Vec::new();
    let mut stack = vec![facts.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&facts)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if rel != "manifest.json" && rel != ".lock" {
                    out.push(rel);
                }
            }
        }
    }
    out.sort();
    out
}

/// The files the manifest names.
fn live_files(dir: &Dir) -> Vec<String> {
    let Some(m) = dir.manifest() else {
        return Vec::new();
    };
    let mut out: Vec<String> = ["contacts", "intervals", "superseded"]
        .iter()
        .flat_map(|k| m[*k].as_array().cloned().unwrap_or_default())
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// File names in the workspace's quarantine directory.
fn quarantine_names(dir: &Dir) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir.home().join("quarantine"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Lines of a child's standard error, collected by a thread as they come.
struct Lines {
    rx: mpsc::Receiver<String>,
    seen: String,
}

impl Lines {
    fn of(child: &mut Child) -> Lines {
        let (tx, rx) = mpsc::channel();
        let err = child.stderr.take().expect("stderr is piped");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            rx,
            seen: String::new(),
        }
    }

    /// Wait (at most two minutes) for a line holding `needle`; returns it.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push_str(&line);
                    self.seen.push('\n');
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no line with {needle:?} on stderr; so far:\n{}", self.seen),
            }
        }
    }

    /// Everything the child wrote (call after it exited).
    fn rest(mut self) -> String {
        while let Ok(line) = self.rx.recv_timeout(Duration::from_secs(10)) {
            self.seen.push_str(&line);
            self.seen.push('\n');
        }
        self.seen
    }
}

/// The workspace's write lock, held as another writer would, with its note.
fn hold_write_lock(dir: &Dir, note: &str) -> std::fs::File {
    let p = dir.home().join("facts").join(".lock");
    let f = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&p)
        .unwrap();
    f.lock().unwrap();
    f.set_len(0).unwrap();
    (&f).write_all(note.as_bytes()).unwrap();
    f
}

/// A contact export is committed while another process holds the SQLite database's write
/// lock: the audit log cannot be written (the database stays locked past its busy timeout),
/// yet the batch is committed, so the command succeeds with its summary and a warning naming
/// the database file; the next writer records the batch in the audit log.
#[test]
fn a_committed_batch_stands_when_the_audit_log_cannot_be_written() {
    use sqlx::{ConnectOptions, Connection, Executor};
    let dir = workspace();
    dir.write_csv("a.csv", &rows("a", 20));
    let db = dir.home().join("opsdeck.db");
    // the ingest reads its file and the setup, then waits for the workspace's write lock
    let lock = hold_write_lock(&dir, "batch b-other, process 1, since 2025-03-10T09:00:00Z");
    let mut child = dir
        .cmd()
        .args(["ingest", "contacts", "a.csv"])
        .spawn_piped();
    let mut err = Lines::of(&mut child);
    let waiting = err.wait_for("holds the write lock");
    assert!(
        waiting.contains("another writer (batch b-other, process 1, since 2025-03-10T09:00:00Z)"),
        "{waiting}"
    );
    // another process takes the database's write lock, and the workspace lock is released
    let rt = runtime();
    let mut conn = rt.block_on(async {
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&db)
            .connect()
            .await
            .unwrap();
        c.execute("BEGIN IMMEDIATE").await.unwrap();
        c
    });
    drop(lock);
    let out = child.wait_with_output().unwrap();
    let stderr = err.rest();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("20 new contacts stored"), "{stdout}");
    assert!(stderr.contains("opsdeck: warning: batch b"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "stands, but the store's audit log could not be brought up to date (sqlite database {}: database error while recording an ingest batch: ",
            db.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("database is locked"), "{stderr}");
    assert_eq!(dir.stored_contacts(), 20);
    let batch = dir.manifest().unwrap()["batches"][0]["batch_id"]
        .as_str()
        .unwrap()
        .to_string();
    let logged = |conn: &mut sqlx::SqliteConnection| -> Vec<String> {
        rt.block_on(sqlx::query_scalar("SELECT batch_id FROM ingest_batch").fetch_all(conn))
            .unwrap()
    };
    rt.block_on(conn.execute("ROLLBACK")).unwrap();
    assert_eq!(logged(&mut conn), Vec::<String>::new());
    // readers list it from the manifest; the next writer records it
    let log = dir
        .cmd()
        .args(["ingest", "log", "--format", "json"])
        .run()
        .success()
        .json_rows();
    assert_eq!(log.len(), 1);
    dir.cmd()
        .args(["ingest", "contacts", "a.csv"])
        .run()
        .success()
        .stdout_has("0 new contacts stored, 20 already stored");
    assert_eq!(logged(&mut conn), vec![batch]);
    rt.block_on(conn.close()).unwrap();
}

/// A TCP forwarder to a PostgreSQL server that can be cut: every connection through it is
/// shut down and new ones are closed at once, as when the server goes away.
struct Proxy {
    port: u16,
    down: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl Proxy {
    fn start(upstream: String) -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::default();
        let (d, c) = (down.clone(), conns.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if d.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let mut held = c.lock().unwrap();
                held.push(client.try_clone().unwrap());
                held.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Proxy { port, down, conns }
    }

    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for s in self.conns.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// `(host:port, url with host:port replaced by 127.0.0.1:port)` of a postgres:// URL.
fn through(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// url");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (auth_host, tail) = rest.split_at(end);
    let (user, host) = match auth_host.rfind('@') {
        Some(at) => (&auth_host[..=at], &auth_host[at + 1..]),
        None => ("", auth_host),
    };
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    };
    (host, format!("{scheme}://{user}127.0.0.1:{port}{tail}"))
}

impl PgSchema {
    fn batches(&self) -> Vec<String> {
        use sqlx::Connection;
        runtime().block_on(async {
            let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
            let b = sqlx::query_scalar(&format!(
                "SELECT batch_id FROM \"{}\".ingest_batch ORDER BY seq",
                self.name
            ))
            .fetch_all(&mut c)
            .await
            .unwrap();
            c.close().await.unwrap();
            b
        })
    }
}

/// The issue's case: PostgreSQL goes away right after the commit. The command still succeeds
/// with its summary and a warning naming the server (password hidden); once the server is
/// back, the next writer records the batch in the audit log.
#[test]
fn a_committed_batch_stands_when_postgresql_goes_away_after_the_commit() {
    let Ok(base) = std::env::var(PG_ENV) else {
        eprintln!("skipping: set {PG_ENV} to run the postgresql case");
        return;
    };
    let schema = PgSchema::new(&base, "gone");
    let direct = in_schema(&base, &schema.name);
    let proxy_port;
    let proxy = {
        let (upstream, _) = through(&base, 0);
        let p = Proxy::start(upstream);
        proxy_port = p.port;
        p
    };
    let via_proxy = in_schema(&through(&base, proxy_port).1, &schema.name);
    let dir = Dir::new();
    let setup = dir.write("setup.toml", Setup::new("Europe/London").queue("q1").toml());
    dir.cmd()
        .args(["--database-url", &via_proxy, "setup", "apply"])
        .arg(&setup)
        .run()
        .success();
    dir.write_csv("a.csv", &rows("a", 20));
    let lock = hold_write_lock(&dir, "batch b-other");
    let mut child = dir
        .cmd()
        .args(["--database-url", &via_proxy, "ingest", "contacts", "a.csv"])
        .spawn_piped();
    let mut err = Lines::of(&mut child);
    err.wait_for("holds the write lock");
    proxy.cut();
    drop(lock);
    let out = child.wait_with_output().unwrap();
    let stderr = err.rest();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("20 new contacts stored"), "{stdout}");
    assert!(
        stderr.contains("stands, but the store's audit log could not be brought up to date (postgresql at postgres"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("127.0.0.1:{proxy_port}")),
        "{stderr}"
    );
    assert!(stderr.contains("while listing ingest batches"), "{stderr}");
    if let Some(pw) = base
        .split_once("://")
        .and_then(|(_, r)| r.split('@').next())
        .and_then(|u| u.split_once(':'))
        .map(|(_, pw)| pw)
    {
        assert!(!stderr.contains(pw), "the password shows: {stderr}");
    }
    assert_eq!(dir.stored_contacts(), 20);
    assert_eq!(schema.batches(), Vec::<String>::new());
    // the server is back: a reader lists the batch, the next writer records it
    let log = dir
        .cmd()
        .args([
            "--database-url",
            &direct,
            "ingest",
            "log",
            "--format",
            "json",
        ])
        .run()
        .success()
        .json_rows();
    assert_eq!(log.len(), 1);
    dir.cmd()
        .args(["--database-url", &direct, "ingest", "contacts", "a.csv"])
        .run()
        .success()
        .stdout_has("0 new contacts stored, 20 already stored");
    let batch = dir.manifest().unwrap()["batches"][0]["batch_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(schema.batches(), vec![batch]);
}

/// A batch that fails while writing its facts (the OS refuses to let a file grow past a size
/// limit, as a full disk refuses) removes the files it wrote and its quarantine report before
/// it exits, and the message names the file; the workspace is as before, and the same batch
/// goes in whole once there is room. A failed database write names the database file.
#[test]
fn a_failed_batch_removes_its_files_and_report_and_names_the_path() {
    let dir = workspace();
    dir.write_csv("a.csv", &rows("a", 10));
    dir.cmd()
        .args(["ingest", "contacts", "a.csv"])
        .run()
        .success();
    let before = dir.manifest_bytes().unwrap();
    let big = dir.path("big.csv");
    write_incompressible(&big, 150_000);
    // ignore SIGXFSZ so that a write past the limit fails with EFBIG instead of killing;
    // 2048 blocks is 1 MiB (or 2 MiB where sh counts KiB), the facts need several MiB
    let limited = "trap '' XFSZ; ulimit -f 2048";
    let out = TestCommand::via_shell(dir.root(), limited)
        .arg("--home")
        .arg(dir.home())
        .args(["ingest", "contacts", "big.csv"])
        .run();
    out.code(1)
        .stderr_has("opsdeck: error: ")
        // a batch that adds contacts writes them under staging/ until its commit
        .stderr_has(&format!(
            "{}",
            dir.home()
                .join("staging/contacts/client=c1/month=2025-03/b")
                .display()
        ))
        .stderr_has(".parquet");
    assert_eq!(
        fact_files(&dir),
        live_files(&dir),
        "partial files were left"
    );
    assert!(
        !dir.home().join("staging").exists(),
        "the failed batch left its staging area"
    );
    assert_eq!(quarantine_names(&dir), Vec::<String>::new());
    assert_eq!(dir.manifest_bytes().unwrap(), before);
    let out = dir.cmd().args(["ingest", "contacts", "big.csv"]).run();
    out.code(3).stdout_has("150000 new contacts stored");
    assert_eq!(dir.stored_contacts(), 150_010);
    assert_eq!(quarantine_names(&dir).len(), 1);

    // the database: a setup too big for the limit is refused, naming the file
    let mut setup = Setup::new("Europe/London").queue("q1");
    for i in 0..6000 {
        setup = setup.queue(&format!("q-{i:04}-{}", "x".repeat(300)));
    }
    let p = dir.write("big-setup.toml", setup.toml());
    TestCommand::via_shell(dir.root(), limited)
        .arg("--home")
        .arg(dir.home())
        .args(["setup", "apply"])
        .arg(&p)
        .run()
        .code(1)
        .stderr_has(&format!(
            "opsdeck: error: sqlite database {}: database error while ",
            dir.home().join("opsdeck.db").display()
        ));
    let shown = dir.cmd().args(["setup", "show"]).run().success().stdout;
    assert!(
        !shown.contains("q-0000"),
        "nothing of the refused setup is stored"
    );
}

/// A batch killed after writing its quarantine report leaves it partial; the next writer
/// removes it (or, when the kill came after the commit, publishes it).
#[test]
fn a_killed_batch_leaves_no_report_behind() {
    let dir = workspace();
    write_incompressible(&dir.path("big.csv"), 100_000);
    dir.write_csv("a.csv", &rows("a", 10));
    let mut child = dir.cmd().args(["ingest", "contacts", "big.csv"]).spawn();
    let t0 = Instant::now();
    let partial = loop {
        let found = quarantine_names(&dir)
            .into_iter()
            .find(|n| n.ends_with(".csv.partial"))
            .map(|n| dir.home().join("quarantine").join(n));
        if let Some(p) = found.filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0)) {
            break p;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the ingest ended before it was killed"
        );
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no report was written"
        );
        std::thread::sleep(Duration::from_millis(1));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let committed = dir.manifest().is_some();
    assert!(
        partial.exists(),
        "the killed batch's report is left partial"
    );
    dir.cmd()
        .args(["ingest", "contacts", "a.csv"])
        .run()
        .success();
    let name = partial.file_name().unwrap().to_string_lossy().into_owned();
    let report = name.trim_end_matches(".partial").to_string();
    if committed {
        assert_eq!(quarantine_names(&dir), vec![report]);
    } else {
        assert_eq!(quarantine_names(&dir), Vec::<String>::new());
    }
    assert_eq!(fact_files(&dir), live_files(&dir));
}

/// Stops a process (SIGSTOP) and lets it go on when dropped.
struct Stopped(u32);

fn signal(sig: &str, pid: u32) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

impl Drop for Stopped {
    fn drop(&mut self) {
        signal("-CONT", self.0);
    }
}

/// One writer is stopped while it holds the write lock. A second says it waits — naming the
/// holder's batch, process and since when — and gives up after `--lock-timeout 1`; with `0`
/// one fails at once; neither leaves a report behind. A writer with the default timeout waits
/// and goes ahead once the holder has finished.
#[test]
fn a_waiting_writer_names_the_holder_and_gives_up_after_the_lock_timeout() {
    let dir = workspace();
    write_incompressible(&dir.path("big.csv"), 150_000);
    dir.write_csv("a.csv", &rows("a", 10));
    // b.csv has a bad row, so that the refused batches would have a report to leave
    dir.write_csv("b.csv", &[rows("b", 1)[0].replace(",q1,", ",nowhere,")]);
    let lock_file = dir.home().join("facts").join(".lock");
    let mut holder = dir.cmd().args(["ingest", "contacts", "big.csv"]).spawn();
    let t0 = Instant::now();
    let stopped = loop {
        let note = std::fs::read_to_string(&lock_file).unwrap_or_default();
        if note.starts_with("batch ") {
            signal("-STOP", holder.id());
            break Stopped(holder.id());
        }
        assert!(
            holder.try_wait().unwrap().is_none(),
            "the first ingest ended too soon"
        );
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the first ingest took no lock"
        );
        std::thread::sleep(Duration::from_millis(1));
    };
    let note = std::fs::read_to_string(&lock_file).unwrap();
    let note = note.trim();
    assert!(
        note.starts_with("batch b")
            && note.contains(&format!(", process {}, since 20", holder.id())),
        "the holder stopped before it let go of the lock, its note: {note:?}"
    );

    let t = Instant::now();
    let out = dir
        .cmd()
        .args(["--lock-timeout", "1", "ingest", "contacts", "b.csv"])
        .run();
    let waited = t.elapsed();
    out.code(1)
        .stderr_has(&format!("another writer ({note}) holds the write lock; waiting for it to finish, at most 1s (--lock-timeout)"))
        .stderr_has(&format!("is busy: another writer ({note}) still holds the write lock after 1 s; try again when it has finished, or wait longer (set with --lock-timeout)"));
    assert!(waited >= Duration::from_secs(1), "gave up after {waited:?}");
    let out = dir
        .cmd()
        .args(["--lock-timeout", "0", "ingest", "contacts", "b.csv"])
        .run();
    out.code(1).stderr_has("this writer was told not to wait");
    // only the stopped holder's report, still partial
    let names = quarantine_names(&dir);
    assert!(
        names.len() == 1 && names[0].ends_with(".csv.partial"),
        "the refused batches left reports: {names:?}"
    );

    let mut waiter = dir
        .cmd()
        .args(["ingest", "contacts", "a.csv"])
        .spawn_piped();
    let mut err = Lines::of(&mut waiter);
    err.wait_for("waiting for it to finish, at most 10m (--lock-timeout)");
    drop(stopped);
    assert!(
        holder.wait().unwrap().code() == Some(3),
        "the holder finished"
    );
    let out = waiter.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", err.rest());
    assert!(String::from_utf8_lossy(&out.stdout).contains("10 new contacts stored"));
    assert_eq!(dir.stored_contacts(), 150_010);
    assert_eq!(
        quarantine_names(&dir).len(),
        1,
        "the big batch's report only"
    );
}

/// The same file named twice in one command (or through another path, or a copy with the
/// same bytes) behaves as two commands: its contacts are stored once, the repeats count as
/// already stored, nothing is quarantined.
#[test]
fn the_same_file_twice_in_one_command_is_two_commands() {
    let dir = workspace();
    let a = dir.write_csv("a.csv", &rows("a", 10));
    std::fs::copy(&a, dir.path("copy.csv")).unwrap();
    dir.write_csv("other.csv", &rows("o", 10));
    let out = dir
        .cmd()
        .args([
            "ingest",
            "contacts",
            "a.csv",
            "a.csv",
            "./a.csv",
            "copy.csv",
            "other.csv",
        ])
        .run();
    out.code(0)
        .stdout_has("50 rows read, 20 new contacts stored, 30 already stored, 0 quarantined");
    assert_eq!(quarantine_names(&dir), Vec::<String>::new());
    // as a second command does
    dir.cmd()
        .args(["ingest", "contacts", "copy.csv"])
        .run()
        .success()
        .stdout_has("0 new contacts stored, 10 already stored, 0 quarantined");
}

/// `OPSDECK_HOME=""` is no workspace path: it means the default, ./opsdeck-data.
#[test]
fn an_empty_opsdeck_home_means_the_default() {
    let dir = Dir::new();
    let setup = dir.write("setup.toml", Setup::new("Europe/London").queue("q1").toml());
    TestCommand::bare(dir.root())
        .env("OPSDECK_HOME", "")
        .args(["setup", "apply"])
        .arg(&setup)
        .run()
        .success();
    assert!(dir.path("opsdeck-data/opsdeck.db").is_file());
    TestCommand::bare(dir.root())
        .env("OPSDECK_HOME", "")
        .args(["setup", "show"])
        .run()
        .success()
        .stdout_has("id = \"q1\"");
}

const CONTRACT: &str = r#"
[contract]
id = "c1-msa"
client = "c1"
name = "Master services"
start = "2025-01-01"
currency = "EUR"
min_coverage = 0.0

[[sla]]
id = "sl"
name = "Service level"
effective_from = "2025-01-01"
metric = "service_level"
target = 80
"#;

/// A NUL in setup or contract text, or in a contact's id, agent or site, is refused by
/// validation — naming file and key — whatever the backend (PostgreSQL cannot store one).
#[test]
fn nul_in_text_is_refused_naming_file_and_key() {
    let check = |dir: &Dir, url: Option<&str>| {
        let cmd = || {
            let mut c = dir.cmd();
            if let Some(u) = url {
                c.args(["--database-url", u]);
            }
            c
        };
        let setup = dir.write("setup.toml", Setup::new("Europe/London").queue("q1").toml());
        cmd().args(["setup", "apply"]).arg(&setup).run().success();
        let bad = Setup::new("Europe/London")
            .queue("q1")
            .toml()
            .replace("name = \"Site one\"", "name = \"Site\\u0000one\"");
        let bad_setup = dir.write("bad-setup.toml", bad);
        cmd()
            .args(["setup", "apply"])
            .arg(&bad_setup)
            .run()
            .code(1)
            .stderr_has(&format!(
                "opsdeck: error: {}: site \"s1\": name: contains a NUL character (U+0000) at character 5; text may not contain NUL",
                bad_setup.display()
            ));
        cmd()
            .args(["setup", "show"])
            .run()
            .success()
            .stdout_has("name = \"Site one\"");
        let bad_contract = dir.write(
            "contract.toml",
            CONTRACT.replace("Service level", "Service\\u0000level"),
        );
        cmd()
            .args(["contract", "apply"])
            .arg(&bad_contract)
            .run()
            .code(1)
            .stderr_has(&format!("{}: ", bad_contract.display()))
            .stderr_has("sla[0].name")
            .stderr_has("contains a NUL character (U+0000) at character 8");
        cmd()
            .args(["contract", "show"])
            .run()
            .success()
            .stderr_has("no contract stored");
        let good = dir.write("good-contract.toml", CONTRACT);
        cmd().args(["contract", "apply"]).arg(&good).run().success();
        let mut rows = rows("c", 3);
        rows[1] = rows[1].replacen("c-1,", "c\0-1,", 1);
        rows[2] = rows[2].replacen(",A1,", ",A\0-1,", 1);
        dir.write_csv("contacts.csv", &rows);
        cmd()
            .args(["ingest", "contacts", "contacts.csv"])
            .run()
            .code(3)
            .stdout_has("1 new contacts stored, 0 already stored, 2 quarantined");
        let q = dir.quarantine();
        let got: Vec<(u64, &str, &str)> = q
            .iter()
            .map(|r| (r.line, r.field.as_str(), r.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    3,
                    "contact_id",
                    "contains a NUL character (U+0000) at character 2; text may not contain NUL"
                ),
                (
                    4,
                    "agent_id",
                    "contains a NUL character (U+0000) at character 2; text may not contain NUL"
                ),
            ]
        );
    };
    check(&Dir::new(), None);
    if let Ok(base) = std::env::var(PG_ENV) {
        let schema = PgSchema::new(&base, "nul");
        check(&Dir::new(), Some(&in_schema(&base, &schema.name)));
    } else {
        eprintln!("skipping the postgresql half: set {PG_ENV} to run it");
    }
}

/// Set or clear the write bits of everything under `root`.
fn set_writable(root: &Path, writable: bool) {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        }
        let mode = meta.permissions().mode();
        let mode = if writable {
            mode | 0o200
        } else {
            mode & !0o222
        };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Every path under `root` with its size.
fn listing(root: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push((p.clone(), std::fs::metadata(&p).unwrap().len()));
        }
    }
    out.sort();
    out
}

/// Commands run on a workspace the user cannot write to. As root, permission bits bind
/// nobody, so the commands run as user `nobody` (uid 65534) through `setpriv`; as another
/// user, directly.
struct Reader {
    as_nobody: bool,
}

impl Reader {
    /// `None` (with a notice) when root cannot run the binary as nobody here.
    fn new(dir: &Dir) -> Option<Reader> {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        if !root {
            return Some(Reader { as_nobody: false });
        }
        // nobody must reach the workspace (tempdirs are 0700) and the binary
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let probe = Self::nobody(dir.root()).arg("--version").output();
        if probe.as_ref().is_ok_and(|o| o.status.success()) {
            Some(Reader { as_nobody: true })
        } else {
            let msg = format!(
                "cannot run the binary as nobody with setpriv ({probe:?}): the read-only workspace test needs it when run as root"
            );
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
            eprintln!("skipping: {msg}");
            None
        }
    }

    fn nobody(cwd: &Path) -> std::process::Command {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(util::bin())
            .current_dir(cwd)
            .env_remove("OPSDECK_HOME")
            .env_remove("OPSDECK_DATABASE_URL")
            .stdin(std::process::Stdio::null());
        c
    }

    fn run(&self, dir: &Dir, home: &Path, args: &[&str]) -> util::Output {
        let mut c = if self.as_nobody {
            Self::nobody(dir.root())
        } else {
            let mut c = std::process::Command::new(util::bin());
            c.current_dir(dir.root())
                .env_remove("OPSDECK_HOME")
                .env_remove("OPSDECK_DATABASE_URL")
                .stdin(std::process::Stdio::null());
            c
        };
        c.arg("--home").arg(home).args(args);
        let out = c.output().unwrap();
        util::Output {
            cmd: format!("{c:?}"),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// `chmod -R a-w` on a copy of a workspace: every reading command answers as on the
/// original, nothing in the copy changes (no journal or lock file is created), and a writing
/// command says it needs write access. Both with SQLite's write-ahead log beside the database
/// (as a running or killed writer leaves it) and without (as a clean close leaves it).
#[test]
fn a_read_only_workspace_is_readable() {
    use sqlx::{ConnectOptions, Connection, Executor};
    let dir = workspace();
    // a week of contacts, 24 a day: enough history for a plan
    let week: Vec<String> = (0..7 * 24)
        .map(|i| {
            let (d, h, m) = (3 + i / 24, 8 + i % 24 / 2, i % 2 * 30 + 5);
            answered(
                &format!("w-{i}"),
                "q1",
                &format!("2025-03-{d:02} {h:02}:{m:02}:00"),
                5,
                45,
            )
        })
        .collect();
    dir.write_csv("a.csv", &week);
    dir.cmd()
        .args(["ingest", "contacts", "a.csv"])
        .run()
        .success();
    let contract = dir.write("contract.toml", CONTRACT);
    dir.cmd()
        .args(["contract", "apply"])
        .arg(&contract)
        .run()
        .success();
    let Some(reader) = Reader::new(&dir) else {
        return;
    };
    let reads: [&[&str]; 6] = [
        &["scorecard", "--by", "total", "--format", "json"],
        &["setup", "show"],
        &["sla", "evaluate", "--period", "2025-03", "--format", "json"],
        &["contract", "show"],
        &["ingest", "log", "--format", "json"],
        &[
            "plan",
            "--queue",
            "q1",
            "--from",
            "2025-03-17",
            "--days",
            "1",
            "--format",
            "csv",
        ],
    ];
    let want: Vec<String> = reads
        .iter()
        .map(|a| dir.cmd().args(*a).run().success().stdout)
        .collect();
    assert!(want[0].contains("\"offered\": 168"), "{}", want[0]);

    let with_log = dir.path("ro-with-log");
    copy_dir(&dir.home(), &with_log);
    // a clean close checkpoints the log into the database and removes it
    let rt = runtime();
    rt.block_on(async {
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.home().join("opsdeck.db"))
            .connect()
            .await
            .unwrap();
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
        c.close().await.unwrap();
    });
    assert!(
        with_log.join("opsdeck.db-wal").exists(),
        "a write-ahead log to read"
    );
    let without_log = dir.path("ro-without-log");
    copy_dir(&dir.home(), &without_log);
    assert!(!without_log.join("opsdeck.db-wal").exists());

    for home in [&with_log, &without_log] {
        set_writable(home, false);
        let before = listing(home);
        for (args, want) in reads.iter().zip(&want) {
            let out = reader.run(&dir, home, args);
            out.code(0);
            assert_eq!(&out.stdout, want, "{args:?} on {}", home.display());
        }
        let out = reader.run(&dir, home, &["ingest", "contacts", "a.csv"]);
        out.code(1)
            .stderr_has("read-only here")
            .stderr_has("needs write access");
        assert_eq!(listing(home), before, "{} changed", home.display());
        set_writable(home, true);
    }
    // a store this opsdeck would first have to migrate (here: an empty database) is refused by
    // a reader that cannot write it, and upgraded by one that can
    let outdated = dir.path("outdated");
    std::fs::create_dir_all(&outdated).unwrap();
    std::fs::write(outdated.join("opsdeck.db"), b"").unwrap();
    set_writable(&outdated, false);
    reader
        .run(&dir, &outdated, &["setup", "show"])
        .code(1)
        .stderr_has("is opened read-only and its schema is older than this opsdeck's (migrations 1, 2, 3, 4 not applied); open it once with write access to upgrade it");
    set_writable(&outdated, true);
    TestCommand::bare(dir.root())
        .arg("--home")
        .arg(&outdated)
        .args(["setup", "show"])
        .run()
        .success();
    reader.run(&dir, &outdated, &["setup", "show"]).code(0);
    // the reads give the same as before on the original
    assert_eq!(dir.cmd().args(reads[0]).run().success().stdout, want[0]);
}

//! The workspace's fact store: contacts and interval sums as Parquet files partitioned by client
//! and month, made visible only by an atomically replaced manifest. A file not named in the
//! manifest does not exist for readers; a crash before the manifest is renamed leaves the
//! previous state intact, and the next writer removes the leftovers (a writer that fails
//! removes its own before it lets go of the write lock).

use crate::error::{io_err, EngineError, Result};
use arrow_array::builder::{
    Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use opsdeck_core::calendar::parse_zone;
use opsdeck_core::kpi::SUM_FIELDS;
use opsdeck_core::{IntervalSums, Scope, Thresholds};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub const MANIFEST: &str = "manifest.json";
/// Format of the fact store the manifest describes. Format 2 stores contacts by the UTC month
/// of their arrival; format 1 (read, and upgraded by the next commit) by the local month of
/// their queue's zone. Readers treat a partition's month as a hint only, so both read alike.
pub const FORMAT_VERSION: u32 = 2;
/// The oldest format this opsdeck reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// A Parquet file of facts in one partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactFile {
    /// Path relative to the facts directory, `/`-separated.
    pub path: String,
    pub client: String,
    /// `YYYY-MM`, in the queue calendar's zone.
    pub month: String,
    pub rows: u64,
    pub batch_id: String,
}

/// One committed batch: an ingest, a replacement (`--replace`) or a withdrawal (`void`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    pub batch_id: String,
    pub committed_at: String,
    /// The files read; for a withdrawal, the batch withdrawn.
    pub files: Vec<String>,
    pub profile: String,
    /// `contacts`, `replace` or `void`.
    #[serde(default = "contacts_kind")]
    pub kind: String,
    pub rows_read: u64,
    /// Contacts stored: new ones, and new versions of stored ones.
    pub rows_accepted: u64,
    /// Contacts already stored as they are.
    pub rows_duplicate: u64,
    pub rows_quarantined: u64,
    pub rows_skipped: u64,
    /// Stored versions a replacement pushed out (a withdrawal: the versions it restored).
    #[serde(default)]
    pub rows_replaced: u64,
    /// Contacts a withdrawal removed.
    #[serde(default)]
    pub rows_withdrawn: u64,
    /// The withdrawal that voided this batch, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voided_by: Option<String>,
    /// The clients whose contacts the batch stored, replaced or withdrew, sorted (empty in
    /// manifests written before opsdeck kept it: see [`Manifest::batch_clients`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
    /// Of a batch that added contacts: a digest of what decided its outcome — the bytes of
    /// its files, the profile, the zone, the field limit and each queue's client and zone —
    /// so that the same input again is known without reading it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_digest: Option<String>,
}

fn contacts_kind() -> String {
    "contacts".into()
}

/// Everything that is visible in the fact store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    /// Increases by one with every commit.
    pub generation: u64,
    pub contacts: Vec<FactFile>,
    pub intervals: Vec<FactFile>,
    /// Contact versions a replacement pushed out, kept so that withdrawing it restores them;
    /// `batch_id` is the replacing batch. Readers of facts ignore them.
    #[serde(default)]
    pub superseded: Vec<FactFile>,
    pub batches: Vec<BatchRecord>,
    /// Case updates as ingested, by client and UTC month of the case's opening.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub case_events: Vec<FactFile>,
    /// One record per case, recomputed per partition of `case_events`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<FactFile>,
    /// Case facts per queue × local day × priority, by client and local month.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub case_days: Vec<FactFile>,
    /// Every version of each ticket queue's clock policy; the last one of a queue is in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clock_policies: Vec<super::cases::PolicyVersion>,
}

/// The folders under `facts/` whose files a manifest names.
pub const FACT_DIRS: [&str; 6] = [
    "contacts",
    "intervals",
    "superseded",
    "case_events",
    "cases",
    "case_days",
];

impl Manifest {
    /// Every fact file the manifest names.
    pub fn files(&self) -> impl Iterator<Item = &FactFile> {
        self.contacts
            .iter()
            .chain(&self.intervals)
            .chain(&self.superseded)
            .chain(&self.case_events)
            .chain(&self.cases)
            .chain(&self.case_days)
    }

    /// The clients batch `b` touched: as recorded, or for a batch recorded before opsdeck
    /// kept them, the clients of the fact files it wrote (a withdrawal: of the batch it voided).
    pub fn batch_clients(&self, b: &BatchRecord) -> Vec<String> {
        if !b.clients.is_empty() {
            return b.clients.clone();
        }
        let of = |batch: &str| -> BTreeSet<String> {
            self.contacts
                .iter()
                .chain(&self.superseded)
                .filter(|f| f.batch_id == batch)
                .map(|f| f.client.clone())
                .collect()
        };
        let mut clients = of(&b.batch_id);
        if b.kind == "void" {
            for voided in &b.files {
                clients.extend(of(voided));
            }
        }
        clients.into_iter().collect()
    }
}

/// The workspace directory: system-of-record database (when SQLite), facts and quarantine.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    /// How its writers take the write lock.
    pub lock_options: LockOptions,
    /// Decoded interval files kept by a long-running reader (the server); `None` reads every
    /// file each time (the CLI).
    pub cache: Option<Arc<FactCache>>,
}

/// Interval fact files already decoded, by path. A fact file is never changed once written (a
/// commit writes new files under new names and the manifest switches to them), so its decoded
/// rows stay right for as long as a manifest names it, in this process and any other; files
/// the manifest no longer names are dropped when its generation changes. Measured on the demo
/// with `bench/server.sh`: see docs/benchmarks.md (issue 19).
#[derive(Default)]
pub struct FactCache {
    inner: std::sync::Mutex<CachedFiles>,
}

#[derive(Default)]
struct CachedFiles {
    generation: u64,
    files: std::collections::HashMap<String, Arc<Vec<IntervalFact>>>,
}

impl std::fmt::Debug for FactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.inner.lock().map_or(0, |c| c.files.len());
        write!(f, "FactCache({n} files)")
    }
}

impl FactCache {
    /// Forget files the manifest of `generation` does not name (when it is a new one).
    fn follow(&self, m: &Manifest) {
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if c.generation != m.generation {
            let named: BTreeSet<&str> = m.intervals.iter().map(|f| f.path.as_str()).collect();
            c.files.retain(|p, _| named.contains(p.as_str()));
            c.generation = m.generation;
        }
    }

    /// The rows of interval file `rel` (under `dir`), decoded once.
    fn rows(&self, dir: &Path, rel: &str) -> Result<Arc<Vec<IntervalFact>>> {
        if let Some(r) = self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .files
            .get(rel)
        {
            return Ok(r.clone());
        }
        let rows = Arc::new(read_intervals(&dir.join(rel))?);
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .files
            .insert(rel.to_string(), rows.clone());
        Ok(rows)
    }
}

/// How long a writer waits by default for another one to finish.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// How a writer takes the workspace's write lock: how long it waits for another writer, what
/// it writes into the lock file for writers that wait behind it, and whom it tells that it
/// waits.
#[derive(Clone)]
pub struct LockOptions {
    /// Give up after waiting this long; zero: fail at once when another writer holds the lock.
    pub timeout: Duration,
    /// Who takes the lock and since when, for the lock file (the engine reads no clock, so the
    /// caller says when); called as the lock is taken.
    pub holder: Arc<dyn Fn() -> String + Send + Sync>,
    /// Called once when another writer holds the lock, with what it wrote into the lock file
    /// (empty when it wrote nothing yet).
    pub on_wait: Arc<dyn Fn(&str) + Send + Sync>,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            timeout: DEFAULT_LOCK_TIMEOUT,
            holder: Arc::new(|| format!("process {}", std::process::id())),
            on_wait: Arc::new(|_| {}),
        }
    }
}

impl std::fmt::Debug for LockOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockOptions")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Held while a writer changes the fact store; released by the OS even when the process dies.
/// Dropped without a commit (an error, a panic, or nothing to commit), it first removes the
/// files the committed manifest does not name — the writer's partial files — so a failed
/// batch does not leave them to fill the disk until the next writer.
pub struct WriteLock {
    file: File,
    ws: Workspace,
    committed: Cell<bool>,
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        if !self.committed.get() {
            // best effort: what cannot be removed now, the next writer removes
            if let Ok(m) = self.ws.manifest() {
                let _ = self.ws.remove_orphans(self, &m);
            }
        }
        // the holder's note is stale once the lock is free
        let _ = self.file.set_len(0);
    }
}

impl Workspace {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Workspace {
            root: root.into(),
            lock_options: LockOptions::default(),
            cache: None,
        }
    }

    /// The same workspace, keeping decoded interval files between reads ([`FactCache`]).
    pub fn with_fact_cache(mut self) -> Self {
        self.cache = Some(Arc::new(FactCache::default()));
        self
    }

    /// The same workspace, its writers taking the lock as `options` say.
    pub fn with_lock_options(mut self, options: LockOptions) -> Self {
        self.lock_options = options;
        self
    }

    pub fn facts_dir(&self) -> PathBuf {
        self.root.join("facts")
    }

    pub fn quarantine_dir(&self) -> PathBuf {
        self.root.join("quarantine")
    }

    /// Where a running batch writes its contact files before its commit moves them under
    /// facts/ (a batch killed or refused leaves nothing under facts/).
    pub(crate) fn staging_dir(&self) -> PathBuf {
        self.root.join("staging")
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.root.join("opsdeck.db")
    }

    fn werr(&self, message: impl Into<String>) -> EngineError {
        EngineError::Workspace {
            path: self.root.clone(),
            message: message.into(),
        }
    }

    /// An IO error of a writer at `path`; when the workspace cannot be written at all, the
    /// message says so (reading commands still work on it).
    pub(crate) fn write_err(&self, path: &Path) -> impl FnOnce(std::io::Error) -> EngineError {
        let path = path.to_path_buf();
        let root = self.root.clone();
        move |cause| {
            use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem};
            let cause = match cause.kind() {
                k @ (PermissionDenied | ReadOnlyFilesystem) => std::io::Error::new(
                    k,
                    format!(
                        "{cause}: the workspace {} is read-only here; commands that only read it work, this one needs write access",
                        root.display()
                    ),
                ),
                _ => cause,
            };
            EngineError::Io { path, cause }
        }
    }

    /// Create the directories if missing.
    pub fn ensure(&self) -> Result<()> {
        for d in [self.facts_dir(), self.quarantine_dir()] {
            std::fs::create_dir_all(&d).map_err(io_err(&d))?;
        }
        Ok(())
    }

    /// The file whose OS lock is the write lock; while held it says who holds it.
    pub fn lock_path(&self) -> PathBuf {
        self.facts_dir().join(".lock")
    }

    /// Take the single-writer lock: wait for another writer to finish (telling
    /// `lock_options.on_wait` once, with what the holder wrote into the lock file), up to
    /// `lock_options.timeout`; then write who holds it into the lock file.
    pub fn lock(&self) -> Result<WriteLock> {
        self.ensure()?;
        let p = self.lock_path();
        let f = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&p)
            .map_err(self.write_err(&p))?;
        let opts = &self.lock_options;
        // poll rather than block, so that the wait can end; waited time is the sum of the
        // pauses (the engine reads no clock), which a busy machine can only lengthen
        let mut waited = Duration::ZERO;
        let mut pause = Duration::from_millis(10);
        let mut told = false;
        loop {
            match f.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&p)(e)),
            }
            // what the holder wrote, bounded whatever the file holds
            let holder = || {
                use std::io::Read;
                let mut note = Vec::new();
                let _ = File::open(&p).and_then(|f| f.take(4096).read_to_end(&mut note));
                crate::io::excerpt(String::from_utf8_lossy(&note).trim(), 300)
            };
            if waited >= opts.timeout {
                let holder = holder();
                let who = if holder.is_empty() {
                    "another writer".to_string()
                } else {
                    format!("another writer ({holder})")
                };
                return Err(EngineError::Busy {
                    path: self.root.clone(),
                    message: if opts.timeout.is_zero() {
                        format!("{who} holds the write lock, and this writer was told not to wait; try again when it has finished")
                    } else {
                        format!(
                            "{who} still holds the write lock after {}; try again when it has finished, or wait longer",
                            duration_words(opts.timeout)
                        )
                    },
                });
            }
            if !told {
                (opts.on_wait)(&holder());
                told = true;
            }
            let step = pause.min(opts.timeout - waited);
            std::thread::sleep(step);
            waited += step;
            pause = (pause * 2).min(Duration::from_millis(250));
        }
        // who holds it, for writers that wait (a note that cannot be written costs only that)
        let _ = f
            .set_len(0)
            .and_then(|()| (&f).write_all(format!("{}\n", (opts.holder)()).as_bytes()));
        Ok(WriteLock {
            file: f,
            ws: self.clone(),
            committed: Cell::new(false),
        })
    }

    /// The committed manifest (empty when nothing was ever ingested).
    pub fn manifest(&self) -> Result<Manifest> {
        let p = self.facts_dir().join(MANIFEST);
        match std::fs::read(&p) {
            Ok(b) => {
                let mut m: Manifest = serde_json::from_slice(&b).map_err(|e| {
                    self.werr(format!(
                        "facts/{MANIFEST} is unreadable ({e}); restore it from a backup"
                    ))
                })?;
                if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&m.format_version) {
                    return Err(self.werr(format!(
                        "facts were written in format {}, this opsdeck reads formats {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}; use a newer opsdeck",
                        m.format_version
                    )));
                }
                m.format_version = FORMAT_VERSION;
                Ok(m)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest {
                format_version: FORMAT_VERSION,
                ..Default::default()
            }),
            Err(e) => Err(io_err(&p)(e)),
        }
    }

    /// Atomically make `m` the visible state: write a temporary file, flush it to disk, rename
    /// it over the manifest, flush the directory. Needs the write lock.
    pub fn commit(&self, lock: &WriteLock, m: &Manifest) -> Result<()> {
        self.commit_manifest(m)?;
        lock.committed.set(true);
        Ok(())
    }

    fn commit_manifest(&self, m: &Manifest) -> Result<()> {
        let dir = self.facts_dir();
        let tmp = dir.join(format!("{MANIFEST}.tmp"));
        let fin = dir.join(MANIFEST);
        let bytes =
            serde_json::to_vec_pretty(m).map_err(|e| EngineError::Internal(e.to_string()))?;
        let mut f = File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(&bytes).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &fin).map_err(io_err(&fin))?;
        sync_dir(&dir)
    }

    /// The interval facts of the partitions that can hold local days `from..=to`, of the
    /// clients `scope` may read (one client or all of them), one row per queue × interval (an interval whose contacts are stored in
    /// two month partitions is summed). Rows outside the days may come too: the caller filters
    /// by day. A writer deletes the interval files it superseded right after its commit; a
    /// reader that took the manifest just before may find one gone, and then starts over from
    /// the new manifest.
    pub fn interval_facts(
        &self,
        scope: &Scope,
        client: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<IntervalFact>> {
        let mut attempt = 0;
        loop {
            match self.interval_facts_once(scope, client, from, to) {
                Err(EngineError::Io { cause, .. })
                    if cause.kind() == std::io::ErrorKind::NotFound && attempt < 3 =>
                {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn interval_facts_once(
        &self,
        scope: &Scope,
        client: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<IntervalFact>> {
        let m = self.manifest()?;
        if let Some(c) = &self.cache {
            c.follow(&m);
        }
        let mut out = Vec::new();
        let mut files = 0;
        for f in &m.intervals {
            if !scope.allows(&f.client)
                || client.is_some_and(|c| c != f.client)
                || !partition_may_hold(&f.month, from, to)
            {
                continue;
            }
            match &self.cache {
                Some(c) => out.extend(c.rows(&self.facts_dir(), &f.path)?.iter().cloned()),
                None => out.extend(read_intervals(&self.facts_dir().join(&f.path))?),
            }
            files += 1;
        }
        if files > 1 {
            merge_split_intervals(&mut out);
        }
        Ok(out)
    }

    /// Remove fact files that no committed manifest names (left by an interrupted writer), and
    /// settle the quarantine reports of batches no live writer runs.
    pub fn remove_orphans(&self, _lock: &WriteLock, m: &Manifest) -> Result<u64> {
        let live: BTreeSet<&str> = m.files().map(|f| f.path.as_str()).collect();
        let mut removed = 0;
        for sub in FACT_DIRS {
            let base = self.facts_dir();
            let mut stack = vec![base.join(sub)];
            while let Some(d) = stack.pop() {
                let Ok(rd) = std::fs::read_dir(&d) else {
                    continue;
                };
                for e in rd.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if let Ok(rel) = p.strip_prefix(&base) {
                        let rel = rel.to_string_lossy().replace('\\', "/");
                        if !live.contains(rel.as_str()) {
                            std::fs::remove_file(&p).map_err(io_err(&p))?;
                            removed += 1;
                        }
                    }
                }
            }
        }
        // the staging area of a batch that was killed (writers hold the lock, so none runs)
        let staging = self.staging_dir();
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        let tmp = self.facts_dir().join(format!("{MANIFEST}.tmp"));
        if tmp.exists() {
            std::fs::remove_file(&tmp).map_err(io_err(&tmp))?;
        }
        super::report::settle_abandoned(self, m)?;
        Ok(removed)
    }
}

/// Whether a partition labelled `month` (`YYYY-MM`) can hold contacts or intervals of local
/// days `from..=to`. A partition is the UTC month of arrival (the local month in format 1),
/// and a local day lies within a day either side of its UTC dates, so the months of
/// `from - 1 day ..= to + 1 day` are read. Compared as (year, month) numbers: an open range
/// (`NaiveDate::MIN/MAX`) formats with a sign that does not sort as text among `YYYY-MM`.
pub(crate) fn partition_may_hold(month: &str, from: NaiveDate, to: NaiveDate) -> bool {
    let ym = |d: NaiveDate| (d.year(), d.month());
    let lo = ym(from.pred_opt().unwrap_or(from));
    let hi = ym(to.succ_opt().unwrap_or(to));
    match month
        .split_once('-')
        .and_then(|(y, mo)| Some((y.parse::<i32>().ok()?, mo.parse::<u32>().ok()?)))
    {
        Some(m) => (lo..=hi).contains(&m),
        None => true, // unknown label: read it and let the caller's day filter decide
    }
}

/// Sum the rows of one queue × interval that come from several partitions (the contacts of an
/// interval that straddles a UTC month boundary, or stored under two calendars' months), and
/// leave the rows ordered by queue and interval start.
pub(crate) fn merge_split_intervals(rows: &mut Vec<IntervalFact>) {
    rows.sort_unstable_by(|a, b| {
        (a.queue.as_str(), a.interval_start_utc).cmp(&(b.queue.as_str(), b.interval_start_utc))
    });
    rows.dedup_by(|later, kept| {
        let same = later.queue == kept.queue && later.interval_start_utc == kept.interval_start_utc;
        if same {
            kept.sums += later.sums;
        }
        same
    });
}

/// A wait in words: `45 s`, `10 min`, `1 h 30 min`.
fn duration_words(d: Duration) -> String {
    let s = d.as_secs();
    if s == 0 && !d.is_zero() {
        return format!("{} ms", d.as_millis());
    }
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, 0) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

fn ts_field(name: &str, nullable: bool) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        nullable,
    )
}

/// How every fact file is written: zstd level 1, row groups of 256 Ki rows.
pub(crate) fn writer_props() -> Result<WriterProperties> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).map_err(|e| EngineError::Internal(e.to_string()))?,
        ))
        .set_max_row_group_size(256 * 1024)
        .build())
}

/// Write record batches to `path` (a new file), flushed to disk.
pub(crate) fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(io_err(d))?;
    }
    let f = File::create(path).map_err(io_err(path))?;
    let props = writer_props()?;
    let perr = |e: parquet::errors::ParquetError| EngineError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut w = ArrowWriter::try_new(f, batch.schema(), Some(props)).map_err(perr)?;
    w.write(batch).map_err(perr)?;
    let f = w.into_inner().map_err(perr)?;
    f.sync_all().map_err(io_err(path))
}

/// Queues whose facts were computed with other settings than `org` gives them now (an
/// interrupted `setup apply` can leave that), in words; empty when the facts are current.
pub fn stale_queues(facts: &[IntervalFact], org: &opsdeck_core::Org) -> Vec<String> {
    let mut out = std::collections::BTreeMap::new();
    for f in facts {
        let Some(q) = org.queues.get(&f.queue) else {
            continue;
        };
        let current = q.thresholds == f.thresholds
            && q.sl_target == f.sl_target
            && q.zone == f.zone
            && q.interval.minutes() == f.interval_minutes
            && q.program == f.program
            && q.client == f.client;
        if !current {
            out.entry(f.queue.clone()).or_insert_with(|| {
                format!(
                    "queue {}: facts computed with T {} s, S {} s, target {}, {} min in {}; the setup says T {} s, S {} s, target {}, {} min in {}",
                    f.queue,
                    f.thresholds.service_s,
                    f.thresholds.short_abandon_s,
                    f.sl_target,
                    f.interval_minutes,
                    f.zone,
                    q.thresholds.service_s,
                    q.thresholds.short_abandon_s,
                    q.sl_target,
                    q.interval.minutes(),
                    q.zone
                )
            });
        }
    }
    out.into_values().collect()
}

/// One queue × interval fact, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalFact {
    pub client: String,
    pub program: String,
    pub queue: String,
    pub interval_start_utc: i64,
    pub interval_minutes: u32,
    pub zone: Tz,
    pub thresholds: Thresholds,
    pub sl_target: f64,
    pub sums: IntervalSums,
}

impl IntervalFact {
    /// The fact of queue `id` (settings `q`, as the setup gives them now) at `start`.
    pub(crate) fn of_queue(
        id: String,
        q: &opsdeck_core::Queue,
        start: i64,
        sums: IntervalSums,
    ) -> Self {
        IntervalFact {
            client: q.client.clone(),
            program: q.program.clone(),
            queue: id,
            interval_start_utc: start,
            interval_minutes: q.interval.minutes(),
            zone: q.zone,
            thresholds: q.thresholds,
            sl_target: q.sl_target,
            sums,
        }
    }
}

fn interval_schema() -> Arc<Schema> {
    let mut fields = vec![
        Field::new("client", DataType::Utf8, false),
        Field::new("program", DataType::Utf8, false),
        Field::new("queue", DataType::Utf8, false),
        ts_field("interval_start", false),
        Field::new("interval_minutes", DataType::Int64, false),
        Field::new("time_zone", DataType::Utf8, false),
        Field::new("threshold_s", DataType::Int64, false),
        Field::new("short_abandon_s", DataType::Int64, false),
        Field::new("sl_target", DataType::Float64, false),
    ];
    fields.extend(
        SUM_FIELDS
            .iter()
            .map(|f| Field::new(*f, DataType::Int64, false)),
    );
    Arc::new(Schema::new(fields))
}

/// Write interval facts to a new Parquet file.
pub fn write_intervals(path: &Path, facts: &[IntervalFact]) -> Result<()> {
    let mut client = StringBuilder::new();
    let mut program = StringBuilder::new();
    let mut queue = StringBuilder::new();
    let mut start = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut minutes = Int64Builder::new();
    let mut zone = StringBuilder::new();
    let mut t = Int64Builder::new();
    let mut s = Int64Builder::new();
    let mut target = Float64Builder::new();
    let mut sums: Vec<Int64Builder> = SUM_FIELDS.iter().map(|_| Int64Builder::new()).collect();
    for f in facts {
        client.append_value(&f.client);
        program.append_value(&f.program);
        queue.append_value(&f.queue);
        start.append_value(f.interval_start_utc * 1_000_000);
        minutes.append_value(i64::from(f.interval_minutes));
        zone.append_value(f.zone.name());
        t.append_value(f.thresholds.service_s);
        s.append_value(f.thresholds.short_abandon_s);
        target.append_value(f.sl_target);
        for (b, v) in sums.iter_mut().zip(f.sums.to_array()) {
            b.append_value(v);
        }
    }
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(client.finish()),
        Arc::new(program.finish()),
        Arc::new(queue.finish()),
        Arc::new(start.finish()),
        Arc::new(minutes.finish()),
        Arc::new(zone.finish()),
        Arc::new(t.finish()),
        Arc::new(s.finish()),
        Arc::new(target.finish()),
    ];
    cols.extend(sums.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    let batch = RecordBatch::try_new(interval_schema(), cols)
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    write_parquet(path, &batch)
}

/// Read interval facts from a file written by `write_intervals`.
pub fn read_intervals(path: &Path) -> Result<Vec<IntervalFact>> {
    let perr = |m: String| EngineError::Parquet {
        path: path.to_path_buf(),
        message: m,
    };
    let f = File::open(path).map_err(io_err(path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.build())
        .map_err(|e| perr(e.to_string()))?;
    let mut out = Vec::new();
    for batch in reader {
        let b = batch.map_err(|e| perr(e.to_string()))?;
        let col = |name: &str| {
            b.column_by_name(name)
                .cloned()
                .ok_or_else(|| perr(format!("missing column {name}")))
        };
        let (client, program, queue, zone) = (
            col("client")?,
            col("program")?,
            col("queue")?,
            col("time_zone")?,
        );
        let (start, minutes, t, s, target) = (
            col("interval_start")?,
            col("interval_minutes")?,
            col("threshold_s")?,
            col("short_abandon_s")?,
            col("sl_target")?,
        );
        let sums: Vec<ArrayRef> = SUM_FIELDS.iter().map(|n| col(n)).collect::<Result<_>>()?;
        let (client, program, queue, zone) = (
            client.as_string::<i32>(),
            program.as_string::<i32>(),
            queue.as_string::<i32>(),
            zone.as_string::<i32>(),
        );
        let start = start.as_primitive::<TimestampMicrosecondType>();
        let (minutes, t, s) = (
            minutes.as_primitive::<Int64Type>(),
            t.as_primitive::<Int64Type>(),
            s.as_primitive::<Int64Type>(),
        );
        let target = target.as_primitive::<Float64Type>();
        let sums: Vec<_> = sums.iter().map(|a| a.as_primitive::<Int64Type>()).collect();
        let mut zone_cache: Option<(String, Tz)> = None;
        for i in 0..b.num_rows() {
            let zname = zone.value(i);
            let z = match &zone_cache {
                Some((n, z)) if n == zname => *z,
                _ => {
                    let z = parse_zone(zname).map_err(perr)?;
                    zone_cache = Some((zname.to_string(), z));
                    z
                }
            };
            let mut arr = [0i64; 20];
            for (k, a) in sums.iter().enumerate() {
                arr[k] = a.value(i);
            }
            out.push(IntervalFact {
                client: client.value(i).to_string(),
                program: program.value(i).to_string(),
                queue: queue.value(i).to_string(),
                interval_start_utc: start.value(i).div_euclid(1_000_000),
                interval_minutes: minutes.value(i) as u32,
                zone: z,
                thresholds: Thresholds {
                    service_s: t.value(i),
                    short_abandon_s: s.value(i),
                },
                sl_target: target.value(i),
                sums: IntervalSums::from_array(arr),
            });
        }
    }
    Ok(out)
}

/// Call `f` with each contact id of a stored contacts file (only that column is read).
pub(crate) fn each_contact_id(path: &Path, mut each: impl FnMut(&str)) -> Result<()> {
    let perr = |m: String| EngineError::Parquet {
        path: path.to_path_buf(),
        message: m,
    };
    let f = File::open(path).map_err(io_err(path))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| perr(e.to_string()))?;
    let mask = ProjectionMask::columns(b.parquet_schema(), ["contact_id"]);
    let reader = b
        .with_projection(mask)
        .build()
        .map_err(|e| perr(e.to_string()))?;
    for batch in reader {
        let batch = batch.map_err(|e| perr(e.to_string()))?;
        let ids = batch.column(0).as_string::<i32>();
        for i in 0..batch.num_rows() {
            each(ids.value(i));
        }
    }
    Ok(())
}

pub(crate) fn contact_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("contact_id", DataType::Utf8, false),
        Field::new("queue", DataType::Utf8, false),
        Field::new("channel", DataType::Utf8, true),
        ts_field("arrived_at", false),
        ts_field("answered_at", true),
        ts_field("ended_at", true),
        Field::new("talk_s", DataType::Int64, false),
        Field::new("hold_s", DataType::Int64, false),
        Field::new("acw_s", DataType::Int64, false),
        Field::new("agent_id", DataType::Utf8, true),
        Field::new("csat", DataType::Int64, true),
        Field::new("site", DataType::Utf8, true),
        Field::new("nps", DataType::Int64, true),
        Field::new("resolved_first_contact", DataType::Boolean, true),
        Field::new("transferred", DataType::Boolean, true),
        Field::new("client", DataType::Utf8, false),
        Field::new("program", DataType::Utf8, false),
        Field::new("time_zone", DataType::Utf8, false),
        Field::new("interval_minutes", DataType::Int64, false),
        Field::new("threshold_s", DataType::Int64, false),
        Field::new("short_abandon_s", DataType::Int64, false),
        Field::new("batch_id", DataType::Utf8, false),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn ws_with(
        dir: &Path,
        timeout_ms: u64,
        holder: &'static str,
    ) -> (Workspace, Arc<Mutex<Vec<String>>>) {
        let told = Arc::new(Mutex::new(Vec::new()));
        let seen = told.clone();
        let ws = Workspace::new(dir).with_lock_options(LockOptions {
            timeout: Duration::from_millis(timeout_ms),
            holder: Arc::new(move || holder.to_string()),
            on_wait: Arc::new(move |h: &str| seen.lock().unwrap().push(h.to_string())),
        });
        (ws, told)
    }

    /// A second writer is told who holds the lock (what the holder wrote into the lock file),
    /// gives up after its timeout — at once with a zero timeout — and gets the lock once it is
    /// free; the note is cleared when the holder lets go.
    #[test]
    fn a_waiting_writer_is_told_who_holds_the_lock_and_gives_up_in_time() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = ws_with(
            dir.path(),
            0,
            "batch b-a, process 1, since 2025-01-01T00:00:00Z",
        );
        let held = a.lock().unwrap();
        assert_eq!(
            std::fs::read_to_string(a.lock_path()).unwrap(),
            "batch b-a, process 1, since 2025-01-01T00:00:00Z\n"
        );
        for timeout_ms in [0, 300] {
            let (b, told) = ws_with(dir.path(), timeout_ms, "batch b-b");
            let e = std::thread::spawn(move || b.lock().err()).join().unwrap();
            let e = e.expect("the lock is held");
            assert_eq!(e.code(), "workspace_busy");
            assert_eq!(e.param(), Some("lock_timeout"));
            let msg = e.to_string();
            assert!(
                msg.contains("another writer (batch b-a, process 1, since 2025-01-01T00:00:00Z)"),
                "{msg}"
            );
            if timeout_ms == 0 {
                assert!(msg.contains("told not to wait"), "{msg}");
                assert!(told.lock().unwrap().is_empty());
            } else {
                assert!(msg.contains("after 300 ms"), "{msg}");
                assert_eq!(
                    *told.lock().unwrap(),
                    ["batch b-a, process 1, since 2025-01-01T00:00:00Z"]
                );
            }
        }
        // a writer that waits long enough gets the lock when the holder lets go
        let (c, told) = ws_with(dir.path(), 60_000, "batch b-c");
        let waiter = std::thread::spawn(move || c.lock().map(|_| ()));
        while told.lock().unwrap().is_empty() {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(held);
        waiter.join().unwrap().unwrap();
        assert_eq!(std::fs::read_to_string(a.lock_path()).unwrap(), "");
    }

    /// A writer that lets go of the lock without committing removes the files it wrote; one
    /// that committed keeps what the manifest names.
    #[test]
    fn a_writer_that_fails_removes_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path());
        ws.ensure().unwrap();
        let part = ws.facts_dir().join("contacts/client=c1/month=2025-03");
        std::fs::create_dir_all(&part).unwrap();
        let file = |name: &str| {
            let p = part.join(name);
            std::fs::write(&p, b"x").unwrap();
            p
        };
        {
            let _lock = ws.lock().unwrap();
            file("b1.parquet");
            // an error here: the lock is dropped without a commit
        }
        assert!(!part.join("b1.parquet").exists());
        {
            let lock = ws.lock().unwrap();
            file("b2.parquet");
            let m = Manifest {
                format_version: FORMAT_VERSION,
                contacts: vec![FactFile {
                    path: "contacts/client=c1/month=2025-03/b2.parquet".into(),
                    client: "c1".into(),
                    month: "2025-03".into(),
                    rows: 1,
                    batch_id: "b2".into(),
                }],
                ..Default::default()
            };
            ws.commit(&lock, &m).unwrap();
        }
        assert!(part.join("b2.parquet").exists());
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(duration_words(Duration::from_millis(250)), "250 ms");
        for (s, want) in [
            (0, "0 s"),
            (45, "45 s"),
            (600, "10 min"),
            (90, "1 min 30 s"),
            (3600, "1 h"),
            (5400, "1 h 30 min"),
        ] {
            assert_eq!(duration_words(Duration::from_secs(s)), want);
        }
    }
}

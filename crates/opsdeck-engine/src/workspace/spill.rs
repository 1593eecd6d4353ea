//! Duplicate detection of a contact batch, in memory while the contact ids fit their budget
//! and on disk past it: the ids then go to 256 logs by fingerprint range, rows are written
//! tentatively, and each range is decided on its own after the read — a row's verdict depends
//! only on the earlier rows with its id, so deciding range by range, in file order within each,
//! gives the verdicts of one pass. Rows found to be duplicates are then dropped from the files
//! written, and the quarantine lines of the ranges are merged into the report in file order.
//! A corrected export (`--replace`) is decided the same way; a row that differs from the stored
//! version of its id marks that version's row in its stored file, to be pushed out at commit.

use super::facts::{contact_schema, writer_props};
use super::ingest::QuarantineWriter;
use super::restate::keep_rows;
use crate::error::{io_err, EngineError, Result};
use crate::io::RowIssue;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Memory the contact ids of a batch's clients may take before they move to disk (about 50
/// bytes an id: some 300,000 ids). Small batches into small workspaces are decided in memory,
/// everything else range by range: loading 10 M stored ids into one table took 5.6 s, into the
/// logs 1.3 s, their ranges then decided in 0.4 s — each range's table fits the CPU's caches
/// (`bash bench/ingest.sh`, docs/benchmarks.md issue 24).
pub const DEFAULT_ID_MEMORY: usize = 16 << 20;

/// Fingerprint ranges (the top byte of a 128-bit id fingerprint).
const SHARDS: usize = 256;

/// Where a contact id of the batch's clients was first met.
#[derive(Clone, Copy)]
pub(super) struct Seen {
    /// Fingerprint of the whole record (a repeat of the same record is "already stored"; of a
    /// stored version only when the batch replaces, else 0).
    record: u64,
    /// The position of its first row in this batch ([`at`]), with [`STORED_BIT`] set when it
    /// was stored before the batch; with [`UNMET_BIT`] too: stored, not (yet) in this batch,
    /// and the rest is where it is stored ([`stored_at`]).
    at: u64,
}

const STORED_BIT: u64 = 1 << 63;
const UNMET_BIT: u64 = 1 << 62;
const LINE_BITS: u32 = 44;
const ROW_BITS: u32 = 40;

/// A row's position in the batch: `file << 44 | line` (ordered as the files and their lines;
/// a batch of up to 2^18 files of up to 2^44 lines each).
pub(super) fn at(file: usize, line: u64) -> u64 {
    (file as u64) << LINE_BITS | line
}

/// Where a stored contact is: its file's index in the manifest and its row there (files of up
/// to 2^40 rows, up to 2^22 files).
pub(super) fn stored_at(file: usize, row: u64) -> u64 {
    (file as u64) << ROW_BITS | row
}

/// What a row with a given id is, given the rows met before it.
pub(super) enum Verdict {
    /// The first row of its id: stored.
    New,
    /// Its id is stored, or an earlier row of the batch is the same record.
    Duplicate,
    /// A corrected version of a stored contact (where that version is stored, [`stored_at`]):
    /// stored, and the old version pushed out.
    Replaces(u64),
    /// An earlier row of the batch has the same id and other values (its position).
    Conflict(u64),
}

/// The verdict of a row, and what it leaves for the rows after it. Inside the batch the first
/// row of an id wins: a repeat of the same record counts as already stored (as a second command
/// would count it), another record with the same id is quarantined — whether or not the id was
/// stored before. The first row of a stored id is already stored, unless the batch `replace`s
/// and the row differs from the stored version.
fn decide(map: &mut FxHashMap<u128, Seen>, row: &Row, replace: bool) -> Verdict {
    let Row { id, record, at, .. } = *row;
    match map.get_mut(&id) {
        Some(s) if s.at & UNMET_BIT != 0 => {
            let (stored, same) = (s.at & !(STORED_BIT | UNMET_BIT), s.record == record);
            *s = Seen {
                record,
                at: at | STORED_BIT,
            };
            if replace && !same {
                Verdict::Replaces(stored)
            } else {
                Verdict::Duplicate
            }
        }
        Some(s) if s.record == record => Verdict::Duplicate,
        Some(s) => Verdict::Conflict(s.at & !STORED_BIT),
        None => {
            map.insert(id, Seen { record, at });
            Verdict::New
        }
    }
}

/// The quarantine line of a row whose id an earlier row of the batch has with other values.
pub(super) fn conflict_issue(names: &[String], at: u64, first: u64, id: &str) -> RowIssue {
    let pos = |a: u64| {
        (
            &names[(a >> LINE_BITS) as usize],
            a & ((1 << LINE_BITS) - 1),
        )
    };
    let (file, line) = pos(at);
    let (first_file, first_line) = pos(first);
    RowIssue {
        file: file.clone(),
        line,
        field: "contact_id".into(),
        reason: format!(
            "duplicate contact_id {} with other values (first at {first_file}:{first_line})",
            crate::io::quoted(id)
        ),
        raw: String::new(),
    }
}

/// The contact ids met, by fingerprint, in 256 maps by the fingerprint's top byte: each grows
/// on its own, so memory never holds a table and its double at once (one map of 10 M ids
/// peaked at 1.5 times its size while it grew).
pub(super) struct IdSet {
    shards: Vec<FxHashMap<u128, Seen>>,
    /// The maps' tables, in bytes (capacity × (entry + control byte)).
    bytes: usize,
}

impl Default for IdSet {
    fn default() -> Self {
        IdSet {
            shards: (0..SHARDS).map(|_| FxHashMap::default()).collect(),
            bytes: 0,
        }
    }
}

impl IdSet {
    fn tracked<T>(&mut self, id: u128, f: impl FnOnce(&mut FxHashMap<u128, Seen>) -> T) -> T {
        const BUCKET: usize = std::mem::size_of::<(u128, Seen)>() + 1;
        let map = &mut self.shards[(id >> 120) as usize];
        let before = map.capacity();
        let out = f(map);
        self.bytes = self.bytes + map.capacity() * BUCKET - before * BUCKET;
        out
    }
}

/// A stored contact: the fingerprints of its id and (when the batch replaces) of its record,
/// and where it is ([`stored_at`]).
#[derive(Clone, Copy)]
pub(super) struct Stored {
    pub id: u128,
    pub record: u64,
    pub at: u64,
}

impl Stored {
    fn seen(&self) -> Seen {
        Seen {
            record: self.record,
            at: STORED_BIT | UNMET_BIT | self.at,
        }
    }
}

/// A row of the batch: its fingerprints, position, and where it is written.
pub(super) struct Row<'r> {
    pub id: u128,
    pub record: u64,
    pub at: u64,
    /// The staging file it is written to ([`super::stream`] numbers them) and its row there.
    pub file: u32,
    pub row: u64,
    pub contact_id: &'r str,
}

/// The ids of a batch: in memory, or past the budget in logs by fingerprint range.
pub(super) enum Ids {
    Memory(IdSet),
    Disk(IdLog),
}

impl Ids {
    /// A stored contact of a client met in the batch (read before any row of that client).
    pub(super) fn stored(&mut self, s: Stored, budget: usize, dir: &Path) -> Result<()> {
        match self {
            Ids::Memory(set) => {
                set.tracked(s.id, |m| {
                    m.entry(s.id).or_insert(s.seen());
                });
                self.spill_past(budget, dir)
            }
            Ids::Disk(log) => log.entry(s.id, Entry::Known(s.seen())),
        }
    }

    /// Move the ids to disk when they take more than `budget` bytes.
    fn spill_past(&mut self, budget: usize, dir: &Path) -> Result<()> {
        if let Ids::Memory(set) = self {
            if set.bytes > budget {
                let set = std::mem::take(set);
                *self = Ids::Disk(IdLog::create(dir, set)?);
            }
        }
        Ok(())
    }

    /// A row of the batch: its verdict now, or `None` when it is decided after the read (the
    /// row is then written, and dropped again if it turns out to be a duplicate).
    pub(super) fn row(
        &mut self,
        row: &Row,
        replace: bool,
        budget: usize,
        dir: &Path,
    ) -> Result<Option<Verdict>> {
        match self {
            Ids::Memory(set) => {
                let v = set.tracked(row.id, |m| decide(m, row, replace));
                self.spill_past(budget, dir)?;
                Ok(Some(v))
            }
            Ids::Disk(log) => {
                log.entry(row.id, Entry::Row(row))?;
                Ok(None)
            }
        }
    }
}

enum Entry<'r> {
    Known(Seen),
    Row(&'r Row<'r>),
}

/// The ids past the budget: one append-only log per fingerprint range, in the order the ids
/// were met (stored ids of a client before its rows, the batch's rows in file order).
pub(super) struct IdLog {
    logs: Vec<(PathBuf, BufWriter<File>)>,
}

impl IdLog {
    fn create(dir: &Path, set: IdSet) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let mut logs = Vec::with_capacity(SHARDS);
        for s in 0..SHARDS {
            let p = dir.join(format!("ids-{s:02x}.log"));
            let f = File::create(&p).map_err(io_err(&p))?;
            logs.push((p, BufWriter::with_capacity(32 << 10, f)));
        }
        let mut log = IdLog { logs };
        for map in set.shards {
            for (id, seen) in map {
                log.entry(id, Entry::Known(seen))?;
            }
        }
        Ok(log)
    }

    fn entry(&mut self, id: u128, e: Entry) -> Result<()> {
        let (path, w) = &mut self.logs[(id >> 120) as usize];
        let mut b = [0u8; ROW_BYTES];
        b[1..17].copy_from_slice(&id.to_le_bytes());
        let r = match e {
            Entry::Known(s) => {
                b[17..25].copy_from_slice(&s.record.to_le_bytes());
                b[25..33].copy_from_slice(&s.at.to_le_bytes());
                None
            }
            Entry::Row(r) => {
                b[0] = 1;
                b[17..25].copy_from_slice(&r.record.to_le_bytes());
                b[25..33].copy_from_slice(&r.at.to_le_bytes());
                b[33..37].copy_from_slice(&r.file.to_le_bytes());
                b[37..45].copy_from_slice(&r.row.to_le_bytes());
                b[45..49].copy_from_slice(&(r.contact_id.len() as u32).to_le_bytes());
                Some(r)
            }
        };
        let head = if r.is_some() { ROW_BYTES } else { KNOWN_BYTES };
        w.write_all(&b[..head]).map_err(io_err(&*path))?;
        if let Some(r) = r {
            w.write_all(r.contact_id.as_bytes())
                .map_err(io_err(&*path))?;
        }
        Ok(())
    }
}

/// Rows marked in files, by file number: bitmaps by row.
#[derive(Default)]
pub(super) struct Marks(FxHashMap<u32, Vec<u64>>);

impl Marks {
    pub(super) fn mark(&mut self, file: u32, row: u64) {
        let bits = self.0.entry(file).or_default();
        let word = (row / 64) as usize;
        if bits.len() <= word {
            bits.resize(word + 1, 0);
        }
        bits[word] |= 1 << (row % 64);
    }

    /// A stored contact's row ([`stored_at`]).
    pub(super) fn mark_stored(&mut self, stored: u64) {
        self.mark((stored >> ROW_BITS) as u32, stored & ((1 << ROW_BITS) - 1));
    }

    /// Add the marks of `other`.
    pub(super) fn absorb(&mut self, other: Marks) {
        for (file, bits) in other.0 {
            let mine = self.0.entry(file).or_default();
            if mine.len() < bits.len() {
                mine.resize(bits.len(), 0);
            }
            for (m, b) in mine.iter_mut().zip(bits) {
                *m |= b;
            }
        }
    }

    pub(super) fn of(&self, file: u32) -> Option<&[u64]> {
        self.0.get(&file).map(Vec::as_slice)
    }
}

fn marked(bits: &[u64], row: u64) -> bool {
    bits.get((row / 64) as usize)
        .is_some_and(|w| w & (1 << (row % 64)) != 0)
}

/// The verdicts of the rows decided after the read.
#[derive(Default)]
pub(super) struct Resolved {
    pub duplicates: u64,
    pub conflicts: u64,
    pub replaced: u64,
    /// Duplicates and conflicts, by staging file: rows to drop.
    pub drops: Marks,
    /// Stored versions replaced, by stored file: rows to push out.
    pub pushed: Marks,
    /// The quarantine lines of the conflicts, one sorted run per range that has any.
    pub runs: Vec<PathBuf>,
}

/// Decide every deferred row, range by range (on `workers` threads: ranges are independent).
pub(super) fn resolve(
    log: IdLog,
    replace: bool,
    names: &[String],
    workers: usize,
) -> Result<Resolved> {
    let mut paths = Vec::with_capacity(SHARDS);
    for (path, w) in log.logs {
        w.into_inner().map_err(|e| EngineError::Io {
            path: path.clone(),
            cause: e.into_error(),
        })?;
        paths.push(path);
    }
    // each worker decides whole ranges into its own marks (a bit per row), merged at the end
    let next = std::sync::atomic::AtomicUsize::new(0);
    let parts: Vec<Result<Resolved>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Resolved::default();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(path) = paths.get(k) else {
                            return Ok(done);
                        };
                        resolve_shard(path, replace, names, &mut done)?;
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(EngineError::Internal("a resolver panicked".into())))
            })
            .collect()
    });
    let mut out = Resolved::default();
    for part in parts {
        let part = part?;
        out.duplicates += part.duplicates;
        out.conflicts += part.conflicts;
        out.replaced += part.replaced;
        out.drops.absorb(part.drops);
        out.pushed.absorb(part.pushed);
        out.runs.extend(part.runs);
    }
    Ok(out)
}

/// Bytes of a log entry before its contact id: tag, id, record, position; a row's file and
/// row; the id's length.
const KNOWN_BYTES: usize = 1 + 16 + 8 + 8;
const ROW_BYTES: usize = KNOWN_BYTES + 4 + 8 + 4;

/// Decide the rows of one range (its log, removed after) into `out`.
fn resolve_shard(path: &Path, replace: bool, names: &[String], out: &mut Resolved) -> Result<()> {
    let mut r = Bytes::open(path)?;
    let mut map: FxHashMap<u128, Seen> = FxHashMap::default();
    let mut run: Option<Run> = None;
    let mut head = [0u8; ROW_BYTES];
    let mut text = Vec::new();
    while r.fill(&mut head[..KNOWN_BYTES])? {
        let id = u128::from_le_bytes(head[1..17].try_into().expect("16 bytes"));
        let record = u64::from_le_bytes(head[17..25].try_into().expect("8 bytes"));
        let at = u64::from_le_bytes(head[25..33].try_into().expect("8 bytes"));
        if head[0] == 0 {
            map.entry(id).or_insert(Seen { record, at });
            continue;
        }
        r.exact(&mut head[KNOWN_BYTES..])?;
        let file = u32::from_le_bytes(head[33..37].try_into().expect("4 bytes"));
        let row = u64::from_le_bytes(head[37..45].try_into().expect("8 bytes"));
        let len = u32::from_le_bytes(head[45..49].try_into().expect("4 bytes")) as usize;
        text.resize(len, 0);
        r.exact(&mut text)?;
        let this = Row {
            id,
            record,
            at,
            file,
            row,
            contact_id: std::str::from_utf8(&text).unwrap_or_default(),
        };
        match decide(&mut map, &this, replace) {
            Verdict::New => {}
            Verdict::Replaces(stored) => {
                out.replaced += 1;
                out.pushed.mark_stored(stored);
            }
            Verdict::Duplicate => {
                out.duplicates += 1;
                out.drops.mark(file, row);
            }
            Verdict::Conflict(first) => {
                out.conflicts += 1;
                out.drops.mark(file, row);
                let run = match &mut run {
                    Some(w) => w,
                    None => run.insert(Run::create(path.with_extension("run"))?),
                };
                run.write(at, &conflict_issue(names, at, first, this.contact_id))?;
            }
        }
    }
    drop(r);
    std::fs::remove_file(path).map_err(io_err(path))?;
    out.runs.extend(run.map(Run::finish).transpose()?);
    Ok(())
}

/// A log or run read back.
struct Bytes {
    path: PathBuf,
    r: BufReader<File>,
}

impl Bytes {
    fn open(path: &Path) -> Result<Self> {
        let f = File::open(path).map_err(io_err(path))?;
        Ok(Bytes {
            path: path.to_path_buf(),
            r: BufReader::with_capacity(64 << 10, f),
        })
    }

    /// Fill `buf` with the next entry's bytes; `false` at the end (an entry cut short is an
    /// error).
    fn fill(&mut self, buf: &mut [u8]) -> Result<bool> {
        if self.r.fill_buf().map_err(io_err(&self.path))?.is_empty() {
            return Ok(false);
        }
        self.exact(buf)?;
        Ok(true)
    }

    fn exact(&mut self, buf: &mut [u8]) -> Result<()> {
        self.r.read_exact(buf).map_err(io_err(&self.path))
    }

    fn string(&mut self) -> Result<String> {
        let mut n = [0u8; 4];
        self.exact(&mut n)?;
        let mut b = vec![0u8; u32::from_le_bytes(n) as usize];
        self.exact(&mut b)?;
        String::from_utf8(b)
            .map_err(|e| EngineError::Internal(format!("{}: {e}", self.path.display())))
    }
}

/// Quarantine lines on disk in file order, merged into the report at the end (the lines of
/// rows decided after the read come range by range).
pub(super) struct Run {
    path: PathBuf,
    w: BufWriter<File>,
}

impl Run {
    pub(super) fn create(path: PathBuf) -> Result<Self> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(io_err(d))?;
        }
        let f = File::create(&path).map_err(io_err(&path))?;
        Ok(Run {
            path,
            w: BufWriter::with_capacity(32 << 10, f),
        })
    }

    /// The next line; `at` must not be less than the last one's.
    pub(super) fn write(&mut self, at: u64, i: &RowIssue) -> Result<()> {
        let mut b = Vec::with_capacity(64 + i.reason.len() + i.raw.len());
        b.extend_from_slice(&at.to_le_bytes());
        for s in [&i.file, &i.field, &i.reason, &i.raw] {
            b.extend_from_slice(&(s.len() as u32).to_le_bytes());
            b.extend_from_slice(s.as_bytes());
        }
        self.w.write_all(&b).map_err(io_err(&self.path))
    }

    pub(super) fn finish(self) -> Result<PathBuf> {
        let path = self.path;
        self.w.into_inner().map_err(|e| EngineError::Io {
            path: path.clone(),
            cause: e.into_error(),
        })?;
        Ok(path)
    }
}

/// Append the lines of every run to `q` in file order (a k-way merge), removing the runs.
pub(super) fn merge_runs(runs: &[PathBuf], q: &mut QuarantineWriter) -> Result<()> {
    let mut readers = Vec::with_capacity(runs.len());
    for p in runs {
        readers.push(Bytes::open(p)?);
    }
    let next = |r: &mut Bytes| -> Result<Option<(u64, RowIssue)>> {
        let mut at = [0u8; 8];
        if !r.fill(&mut at)? {
            return Ok(None);
        }
        let at = u64::from_le_bytes(at);
        let (file, field, reason, raw) = (r.string()?, r.string()?, r.string()?, r.string()?);
        let line = at & ((1 << LINE_BITS) - 1);
        Ok(Some((
            at,
            RowIssue {
                file,
                line,
                field,
                reason,
                raw,
            },
        )))
    };
    let mut heads: Vec<Option<RowIssue>> = Vec::with_capacity(readers.len());
    let mut heap = BinaryHeap::new();
    for (k, r) in readers.iter_mut().enumerate() {
        let head = next(r)?;
        if let Some((at, _)) = &head {
            heap.push(Reverse((*at, k)));
        }
        heads.push(head.map(|(_, i)| i));
    }
    while let Some(Reverse((_, k))) = heap.pop() {
        if let Some(i) = heads[k].take() {
            q.write(&i)?;
        }
        if let Some((at, i)) = next(&mut readers[k])? {
            heap.push(Reverse((at, k)));
            heads[k] = Some(i);
        }
    }
    for p in runs {
        std::fs::remove_file(p).map_err(io_err(p))?;
    }
    Ok(())
}

/// Split a file of contacts by the rows marked in `bits`: the unmarked rows to `keep` (the
/// file itself when it is the same path), the marked ones to `marked_to`; a file that would be
/// empty is not written. Returns the rows kept and the rows marked.
pub(super) fn split_rows(
    path: &Path,
    bits: &[u64],
    keep: &Path,
    marked_to: Option<&Path>,
) -> Result<(u64, u64)> {
    let perr = |p: &Path, e: &dyn std::fmt::Display| EngineError::Parquet {
        path: p.to_path_buf(),
        message: e.to_string(),
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).map_err(io_err(path))?)
        .map_err(|e| perr(path, &e))?
        .build()
        .map_err(|e| perr(path, &e))?;
    let keep_tmp = keep.with_extension("split");
    let mut outs: Vec<(PathBuf, PathBuf, Option<ArrowWriter<File>>, u64)> =
        vec![(keep_tmp, keep.to_path_buf(), None, 0)];
    if let Some(m) = marked_to {
        outs.push((m.with_extension("split"), m.to_path_buf(), None, 0));
    }
    let mut row = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| perr(path, &e))?;
        let n = batch.num_rows() as u64;
        let keep: Vec<bool> = (row..row + n).map(|r| !marked(bits, r)).collect();
        row += n;
        for (k, (tmp, _, w, rows)) in outs.iter_mut().enumerate() {
            let sel = if k == 0 {
                keep_rows(&batch, &keep)?
            } else {
                keep_rows(&batch, &keep.iter().map(|k| !k).collect::<Vec<_>>())?
            };
            if sel.num_rows() == 0 {
                continue;
            }
            if w.is_none() {
                if let Some(d) = tmp.parent() {
                    std::fs::create_dir_all(d).map_err(io_err(d))?;
                }
                let f = File::create(&*tmp).map_err(io_err(&*tmp))?;
                *w = Some(
                    ArrowWriter::try_new(f, contact_schema(), Some(writer_props()?))
                        .map_err(|e| perr(tmp, &e))?,
                );
            }
            if let Some(w) = w.as_mut() {
                w.write(&sel).map_err(|e| perr(tmp, &e))?;
            }
            *rows += sel.num_rows() as u64;
        }
    }
    let mut counts = [0u64; 2];
    for (k, (tmp, to, w, rows)) in outs.into_iter().enumerate() {
        counts[k] = rows;
        if let Some(w) = w {
            let f = w.into_inner().map_err(|e| perr(&tmp, &e))?;
            f.sync_all().map_err(io_err(&tmp))?;
            std::fs::rename(&tmp, &to).map_err(io_err(&to))?;
        } else if k == 0 && to == path {
            // every row marked: the file itself goes
            std::fs::remove_file(path).map_err(io_err(path))?;
        }
    }
    Ok((counts[0], counts[1]))
}

//! The streaming contact ingest: rows go from the parallel reader through duplicate detection,
//! in file order, into Parquet writers per worker and partition and into the partitions' interval
//! sums, so memory holds neither the file nor its contacts. At commit the new sums are added to
//! the partition's stored interval sums (they are additive); a partition is re-read only when
//! the queue settings its sums were made with have changed, or a corrected export (`--replace`)
//! pushed stored versions out of it. Past their memory budget the contact ids go to disk
//! ([`super::spill`]).

use super::facts::{
    contact_schema, each_contact_id, writer_props, BatchRecord, FactFile, Manifest, Workspace,
};
use super::ingest::{
    aggregate_contact_files, clients_of, contacts_batch, publish, reject_verdict, storable_contact,
    update_intervals, utc_month, IngestMode, IngestRequest, IngestSummary, NewSums, PartSums,
    QuarantineWriter,
};
use super::spill::{
    at, conflict_issue, merge_runs, resolve, split_rows, stored_at, IdSet, Ids, Marks, Row, Run,
    Stored, Verdict,
};
use crate::contacts::sink::SlotSums;
use crate::contacts::{read_contacts, validate, Contact, ContactSink, Profile, RawContact};
use crate::error::{io_err, EngineError, Result};
use crate::io::{FieldIssue, LocalResolver, Progress, RowIssue};
use chrono::Datelike;
use chrono_tz::Tz;
use opsdeck_core::{Queue, ZoneCache};
use parquet::arrow::ArrowWriter;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// Encoded row groups a worker may hold in memory before it closes its largest one early
/// (what the writers report; they hold about three times that). 10 M contacts: peak 0.97 GB at
/// 16 MiB, 1.15 GB at 64 MiB, the same time (`bash bench/ingest.sh`).
const WRITER_BUDGET_BYTES: usize = 16 << 20;

/// The fingerprint of a contact id of a client (xxHash3-128 of `client \x1f id`; `buf` is
/// scratch space).
fn id_print(buf: &mut Vec<u8>, client: &str, id: &str) -> u128 {
    buf.clear();
    buf.extend_from_slice(client.as_bytes());
    buf.push(0x1f);
    buf.extend_from_slice(id.as_bytes());
    twox_hash::XxHash3_128::oneshot(buf)
}

/// The fingerprint of a whole contact record (xxHash3-64 of its fields), the same for a row
/// read from an export and for the stored contact it became.
fn record_print(c: &Contact) -> u64 {
    let mut h = twox_hash::XxHash3_64::default();
    c.hash(&mut h);
    h.finish()
}

/// The part of the ingest that pieces enter one at a time, in file order.
struct Ordered {
    /// The piece whose turn it is (pieces are numbered per file).
    next: u64,
    /// A worker stopped (an error, or a read that failed): the others stop waiting.
    failed: bool,
    error: Option<EngineError>,
    /// Every contact id of the batch's clients met so far, stored ones included, by a 128-bit
    /// fingerprint of (client, id) (16 bytes a contact instead of the id's text).
    ids: Ids,
    /// Clients whose stored ids are in `ids`.
    loaded: FxHashSet<String>,
    /// The report, written in file order while the ids are in memory.
    quarantine: Option<QuarantineWriter>,
    /// Once the ids are on disk, the report's later lines found during the read (merged in
    /// after it, with those of the rows decided then).
    read_run: Option<Run>,
    /// Stored versions the batch replaces (decided during the read), by stored file.
    pushed: Marks,
    rows_valid: u64,
    parse_issues: u64,
    conflicts: u64,
    duplicates: u64,
    replaced: u64,
    skipped: BTreeMap<&'static str, u64>,
}

struct Shared<'a> {
    ws: &'a Workspace,
    manifest: &'a Manifest,
    req: &'a IngestRequest<'a>,
    names: &'a [String],
    /// A corrected export: a row that differs from the stored version replaces it.
    replace: bool,
    state: Mutex<Ordered>,
    turn: Condvar,
    /// Numbers the staging files (rows decided after the read name theirs).
    files: AtomicU32,
}

impl Shared<'_> {
    fn lock(&self) -> MutexGuard<'_, Ordered> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, e: Option<EngineError>) {
        let mut st = self.lock();
        st.failed = true;
        if st.error.is_none() {
            st.error = e;
        }
        self.turn.notify_all();
    }
}

/// One worker's output file of a partition, and the interval sums of the rows it wrote.
struct PartOut {
    no: u32,
    rel: String,
    writer: Option<ArrowWriter<File>>,
    rows: u64,
    sums: SlotSums,
}

/// A reader worker's sink: validates rows, hands each finished piece to the ordered part, then
/// writes the rows it kept.
struct StreamSink<'s, 'a> {
    shared: &'s Shared<'a>,
    zone: Option<Tz>,
    file: usize,
    worker: usize,
    resolvers: FxHashMap<Tz, LocalResolver>,
    seq: Option<u64>,
    rows: Vec<(u64, Contact<'static>)>,
    issues: Vec<(u64, FieldIssue, String)>,
    skipped: Vec<&'static str>,
    queues: Vec<(&'a Queue, ZoneCache)>,
    queue_ix: FxHashMap<&'a str, u32>,
    parts: BTreeMap<(String, String), PartOut>,
    id_buf: Vec<u8>,
}

impl<'a> StreamSink<'_, 'a> {
    fn slot(&mut self, queue: &str) -> u32 {
        if let Some(s) = self.queue_ix.get(queue) {
            return *s;
        }
        let (id, q) = self
            .shared
            .req
            .org
            .queues
            .get_key_value(queue)
            .expect("a validated contact's queue is in the setup");
        let s = self.queues.len() as u32;
        self.queues.push((q, ZoneCache::new(q.zone)));
        self.queue_ix.insert(id.as_str(), s);
        s
    }

    /// This worker's file of a partition (made on first use, numbered for the rows decided
    /// after the read).
    fn part(&mut self, key: (String, String)) -> &mut PartOut {
        let sh = self.shared;
        let (file, worker) = (self.file, self.worker);
        self.parts
            .entry(key)
            .or_insert_with_key(|(client, month)| PartOut {
                no: sh.files.fetch_add(1, Ordering::Relaxed),
                rel: format!(
                    "contacts/client={client}/month={month}/{}-{file}-{worker}.parquet",
                    sh.req.batch_id
                ),
                writer: None,
                rows: 0,
                sums: SlotSums::default(),
            })
    }

    /// The piece is read: decide in file order which rows are new, then write those.
    fn finish_piece(&mut self, seq: u64) -> Result<()> {
        let rows = std::mem::take(&mut self.rows);
        let issues = std::mem::take(&mut self.issues);
        let skipped = std::mem::take(&mut self.skipped);
        let org = self.shared.req.org;
        // fingerprints and partitions outside the lock (every worker at once); a piece holds a
        // few partitions: found by a scan, named once each
        let mut months: Vec<(MonthKey, i64)> = Vec::new();
        let mut prints: Vec<(u128, u64, usize)> = Vec::with_capacity(rows.len());
        for (_, c) in &rows {
            let client = org.queues[c.queue.as_ref()].client.as_str();
            let id = id_print(&mut self.id_buf, client, c.contact_id());
            let t = chrono::DateTime::from_timestamp(c.timing.arrived_s, 0).unwrap_or_default();
            let key = (client, t.year(), t.month());
            let p = match months.iter().position(|(k, _)| *k == key) {
                Some(p) => p,
                None => {
                    months.push((key, c.timing.arrived_s));
                    months.len() - 1
                }
            };
            prints.push((id, record_print(c), p));
        }
        let keys: Vec<(String, String)> = months
            .iter()
            .map(|((client, _, _), t)| (client.to_string(), utc_month(*t)))
            .collect();
        // each partition's file and the row its next contact will be
        let mut next: Vec<(u32, u64)> = keys
            .iter()
            .map(|k| {
                let p = self.part(k.clone());
                (p.no, p.rows)
            })
            .collect();
        let keep = {
            let mut st = self.shared.lock();
            while st.next != seq && !st.failed {
                st = self.shared.turn.wait(st).unwrap_or_else(|p| p.into_inner());
            }
            if st.failed {
                return Ok(());
            }
            let keep = self.ordered(&mut st, &rows, &prints, &mut next, issues, skipped);
            st.next += 1;
            self.shared.turn.notify_all();
            keep?
        };
        let mut lists: Vec<Vec<Contact<'static>>> = vec![Vec::new(); keys.len()];
        for (((_, c), (_, _, p)), k) in rows.into_iter().zip(&prints).zip(keep) {
            if k {
                lists[*p].push(c);
            }
        }
        for (key, list) in keys.into_iter().zip(lists) {
            if !list.is_empty() {
                self.write(key, &list)?;
            }
        }
        Ok(())
    }

    /// The ordered step of a piece: duplicates against the stored ids and the earlier rows of
    /// the batch (now, or after the read once the ids are on disk), the quarantine report in
    /// file order. Returns which rows to write; `next` gives each partition's file and next row.
    fn ordered(
        &self,
        st: &mut Ordered,
        rows: &[(u64, Contact<'static>)],
        prints: &[(u128, u64, usize)],
        next: &mut [(u32, u64)],
        issues: Vec<(u64, FieldIssue, String)>,
        skipped: Vec<&'static str>,
    ) -> Result<Vec<bool>> {
        let sh = self.shared;
        let org = sh.req.org;
        let name = &sh.names[self.file];
        let (budget, dir) = (sh.req.id_memory, ids_dir(sh.ws));
        for r in skipped {
            *st.skipped.entry(r).or_default() += 1;
        }
        st.rows_valid += rows.len() as u64;
        st.parse_issues += issues.len() as u64;
        let mut out: Vec<RowIssue> = issues
            .into_iter()
            .map(|(line, i, raw)| RowIssue {
                file: name.clone(),
                line,
                field: i.field,
                reason: i.reason,
                raw,
            })
            .collect();
        let mut keep = Vec::with_capacity(rows.len());
        for ((line, c), (id, record, p)) in rows.iter().zip(prints) {
            let client = org.queues[c.queue.as_ref()].client.as_str();
            if !st.loaded.contains(client) {
                load_stored(sh, client, &mut st.ids)?;
                st.loaded.insert(client.to_string());
            }
            let (file, row) = &mut next[*p];
            let at = at(self.file, *line);
            let row_at = Row {
                id: *id,
                record: *record,
                at,
                file: *file,
                row: *row,
                contact_id: c.contact_id(),
            };
            let k = match st.ids.row(&row_at, sh.replace, budget, &dir)? {
                None | Some(Verdict::New) => true,
                Some(Verdict::Replaces(stored)) => {
                    st.replaced += 1;
                    st.pushed.mark_stored(stored);
                    true
                }
                Some(Verdict::Duplicate) => {
                    st.duplicates += 1;
                    false
                }
                Some(Verdict::Conflict(first)) => {
                    st.conflicts += 1;
                    out.push(conflict_issue(sh.names, at, first, c.contact_id()));
                    false
                }
            };
            if k {
                *row += 1;
            }
            keep.push(k);
        }
        if !out.is_empty() {
            out.sort_by_key(|i| i.line);
            if let Ids::Memory(_) = st.ids {
                if st.quarantine.is_none() {
                    st.quarantine = Some(QuarantineWriter::create(&super::report::partial_path(
                        sh.ws,
                        &sh.req.batch_id,
                    ))?);
                }
                let q = st.quarantine.as_mut().expect("just made");
                for i in &out {
                    q.write(i)?;
                }
            } else {
                // rows decided after the read may come before these lines
                let run = match &mut st.read_run {
                    Some(r) => r,
                    None => st
                        .read_run
                        .insert(Run::create(dir.join("issues-read.run"))?),
                };
                for i in &out {
                    run.write(at(self.file, i.line), i)?;
                }
            }
        }
        Ok(keep)
    }

    /// Append contacts of one partition to this worker's file of it and to its sums.
    fn write(&mut self, key: (String, String), list: &[Contact<'static>]) -> Result<()> {
        let sh = self.shared;
        let slots: Vec<u32> = list.iter().map(|c| self.slot(&c.queue)).collect();
        let part = self
            .parts
            .get_mut(&key)
            .expect("finish_piece makes the file of each partition");
        let path = sh.ws.staging_dir().join(&part.rel);
        let perr = |e: parquet::errors::ParquetError| EngineError::Parquet {
            path: path.clone(),
            message: e.to_string(),
        };
        if part.writer.is_none() {
            if let Some(d) = path.parent() {
                std::fs::create_dir_all(d).map_err(io_err(d))?;
            }
            let f = File::create(&path).map_err(io_err(&path))?;
            part.writer = Some(
                ArrowWriter::try_new(f, contact_schema(), Some(writer_props()?)).map_err(perr)?,
            );
        }
        let batch = contacts_batch(list, sh.req.org, &sh.req.batch_id)?;
        part.writer
            .as_mut()
            .expect("just made")
            .write(&batch)
            .map_err(perr)?;
        part.rows += list.len() as u64;
        for (c, s) in list.iter().zip(slots) {
            let (q, align) = &mut self.queues[s as usize];
            part.sums
                .at(s, c.timing.arrived_s, align, q.interval)
                .add_contact(&c.outcome(), q.thresholds);
        }
        // bound the encoded row groups held in memory: close the largest one early
        let held: usize = self
            .parts
            .values()
            .filter_map(|p| p.writer.as_ref().map(ArrowWriter::in_progress_size))
            .sum();
        if held > WRITER_BUDGET_BYTES {
            if let Some(p) = self
                .parts
                .values_mut()
                .filter(|p| p.writer.is_some())
                .max_by_key(|p| p.writer.as_ref().map_or(0, ArrowWriter::in_progress_size))
            {
                let path = sh.ws.staging_dir().join(&p.rel);
                if let Some(w) = p.writer.as_mut() {
                    w.flush().map_err(|e| EngineError::Parquet {
                        path,
                        message: e.to_string(),
                    })?;
                }
            }
        }
        Ok(())
    }
}

impl ContactSink for StreamSink<'_, '_> {
    fn contact(&mut self, raw: RawContact<'_>, line: u64) -> std::result::Result<(), FieldIssue> {
        let c = storable_contact(self.shared.req.org, self.zone, &mut self.resolvers, raw)?;
        self.rows.push((line, c));
        Ok(())
    }
    fn skip(&mut self, reason: &'static str) {
        self.skipped.push(reason);
    }
    fn issue(&mut self, line: u64, issue: FieldIssue, raw: String) {
        self.issues.push((line, issue, raw));
    }
    fn piece_start(&mut self, seq: u64) {
        self.seq = Some(seq);
    }
    fn piece_end(&mut self) {
        let Some(seq) = self.seq.take() else {
            return;
        };
        if let Err(e) = self.finish_piece(seq) {
            self.shared.fail(Some(e));
        }
    }
}

impl Drop for StreamSink<'_, '_> {
    /// A worker that stops inside a piece (a read error, a panic) must not leave the others
    /// waiting for its turn.
    fn drop(&mut self) {
        if self.seq.is_some() {
            self.shared.fail(None);
        }
    }
}

/// Where the ids go past their budget (inside the batch's staging area).
fn ids_dir(ws: &Workspace) -> PathBuf {
    ws.staging_dir().join("ids")
}

/// Put the stored contacts of `client` into `ids`: their ids only when the batch adds (a
/// stored id is already stored, whatever its values), also their records and places when it
/// replaces (a row that differs replaces the stored version).
fn load_stored(sh: &Shared, client: &str, ids: &mut Ids) -> Result<()> {
    let (budget, dir) = (sh.req.id_memory, ids_dir(sh.ws));
    for (k, f) in sh.manifest.contacts.iter().enumerate() {
        if f.client != client {
            continue;
        }
        let path = sh.ws.facts_dir().join(&f.path);
        if !sh.replace {
            let (mut buf, mut failed) = (Vec::new(), None);
            each_contact_id(&path, |stored| {
                if failed.is_none() {
                    let id = id_print(&mut buf, client, stored);
                    let s = Stored {
                        id,
                        record: 0,
                        at: 0,
                    };
                    failed = ids.stored(s, budget, &dir).err();
                }
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
            continue;
        }
        let target = Mutex::new((&mut *ids, None::<EngineError>));
        let sinks = read_contacts(
            &path,
            &Profile::canonical(),
            crate::io::csv_reader::DEFAULT_MAX_FIELD_BYTES,
            || StoredSink {
                client,
                file: k,
                resolver: LocalResolver::new(chrono_tz::UTC),
                buf: Vec::new(),
                out: Vec::new(),
                problem: None,
                target: &target,
                budget,
                dir: &dir,
            },
            &|_| {},
        )?;
        for mut s in sinks {
            s.flush();
            if let Some(p) = s.problem {
                return Err(EngineError::Workspace {
                    path: path.clone(),
                    message: format!("stored contacts cannot be read: {p}"),
                });
            }
        }
        if let Some(e) = target.into_inner().unwrap_or_else(|p| p.into_inner()).1 {
            return Err(e);
        }
    }
    Ok(())
}

/// Reads a stored file of contacts for a batch that replaces: the fingerprints of each
/// contact's id and record and its place, handed to the ids a few thousand at a time.
struct StoredSink<'t, 'i> {
    client: &'t str,
    file: usize,
    resolver: LocalResolver,
    buf: Vec<u8>,
    out: Vec<Stored>,
    problem: Option<String>,
    target: &'t Mutex<(&'i mut Ids, Option<EngineError>)>,
    budget: usize,
    dir: &'t std::path::Path,
}

impl StoredSink<'_, '_> {
    fn flush(&mut self) {
        let mut t = self.target.lock().unwrap_or_else(|p| p.into_inner());
        for s in self.out.drain(..) {
            if t.1.is_some() {
                break;
            }
            if let Err(e) = t.0.stored(s, self.budget, self.dir) {
                t.1 = Some(e);
            }
        }
    }
}

impl ContactSink for StoredSink<'_, '_> {
    fn contact(&mut self, raw: RawContact<'_>, line: u64) -> std::result::Result<(), FieldIssue> {
        let c = validate(raw, &mut self.resolver)?;
        self.out.push(Stored {
            id: id_print(&mut self.buf, self.client, c.contact_id()),
            record: record_print(&c),
            // a stored file's lines are its rows from 1
            at: stored_at(self.file, line - 1),
        });
        if self.out.len() >= 1 << 14 {
            self.flush();
        }
        Ok(())
    }
    fn skip(&mut self, reason: &'static str) {
        self.problem.get_or_insert_with(|| reason.to_string());
    }
    fn issue(&mut self, line: u64, issue: FieldIssue, _raw: String) {
        self.problem
            .get_or_insert_with(|| format!("row {line}: {}: {}", issue.field, issue.reason));
    }
}

/// A partition as a piece meets it: client, year and month of arrival (UTC).
type MonthKey<'o> = (&'o str, i32, u32);

/// Ingest files as one batch, streaming: contacts added (`IngestMode::Add`) or a corrected
/// export (`IngestMode::Replace`).
pub(super) fn ingest_stream(
    ws: &Workspace,
    req: &IngestRequest,
    progress: Progress,
) -> Result<IngestSummary> {
    ws.ensure()?;
    // the write lock is held from the first row read: the stored ids the batch is checked
    // against are those it commits beside
    let lock = ws.lock()?;
    let mut manifest = ws.manifest()?;
    ws.remove_orphans(&lock, &manifest)?;
    let names: Vec<String> = req.files.iter().map(|p| p.display().to_string()).collect();
    let replace = req.mode == IngestMode::Replace;
    let digest = if replace {
        None
    } else {
        Some(input_digest(req)?)
    };
    if let Some(b) = digest.as_deref().and_then(|d| same_input(&manifest, d)) {
        return Ok(IngestSummary {
            batch_id: req.batch_id.clone(),
            rows_read: b.rows_read,
            rows_duplicate: b.rows_accepted + b.rows_duplicate,
            rows_quarantined: b.rows_quarantined,
            rows_skipped: (b.rows_skipped > 0)
                .then(|| {
                    (
                        format!("not contacts (as in batch {})", b.batch_id),
                        b.rows_skipped,
                    )
                })
                .into_iter()
                .collect(),
            quarantine_file: (b.rows_quarantined > 0)
                .then(|| super::report::report_path(ws, &b.batch_id)),
            same_as: Some(b.batch_id.clone()),
            ..Default::default()
        });
    }
    let shared = Shared {
        ws,
        manifest: &manifest,
        req,
        names: &names,
        replace,
        state: Mutex::new(Ordered {
            next: 0,
            failed: false,
            error: None,
            ids: Ids::Memory(IdSet::default()),
            loaded: FxHashSet::default(),
            quarantine: None,
            read_run: None,
            pushed: Marks::default(),
            rows_valid: 0,
            parse_issues: 0,
            conflicts: 0,
            duplicates: 0,
            replaced: 0,
            skipped: BTreeMap::new(),
        }),
        turn: Condvar::new(),
        files: AtomicU32::new(0),
    };
    let outcome = read_all(&shared, req, progress);
    let mut st = shared.state.into_inner().unwrap_or_else(|p| p.into_inner());
    let settled = match outcome {
        Ok(staged) if st.error.is_none() && !st.failed => {
            settle(ws, &manifest, req, &names, &mut st, staged)
        }
        Ok(_) => Err(st
            .error
            .take()
            .unwrap_or_else(|| EngineError::Internal("a reader worker stopped".into()))),
        Err(e) => Err(st.error.take().unwrap_or(e)),
    };
    let settled = match settled {
        Ok(x) => x,
        Err(e) => {
            // the files written so far are named by no manifest: remove them now
            ws.remove_orphans(&lock, &manifest)?;
            return Err(e);
        }
    };
    let mut summary = IngestSummary {
        batch_id: req.batch_id.clone(),
        rows_read: st.rows_valid + st.parse_issues + st.skipped.values().sum::<u64>(),
        rows_accepted: settled.new_files.iter().map(|f| f.rows).sum(),
        rows_duplicate: st.duplicates,
        rows_quarantined: st.parse_issues + st.conflicts,
        rows_replaced: st.replaced,
        rows_skipped: st
            .skipped
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        ..Default::default()
    };
    let (file, refused) = reject_verdict(
        ws,
        &req.batch_id,
        settled.reported,
        summary.rows_read,
        summary.rows_quarantined,
        &req.max_rejects,
    );
    summary.quarantine_file = file;
    if refused.is_some() || summary.rows_accepted == 0 {
        summary.refused = refused;
        summary.rows_replaced = 0;
        ws.remove_orphans(&lock, &manifest)?;
        return Ok(summary);
    }
    let Settled {
        new_files,
        rewritten,
        pushed_out,
        gone,
        sums,
        recompute,
        ..
    } = settled;
    let mut touched: BTreeSet<(String, String)> = sums.keys().cloned().collect();
    touched.extend(recompute.iter().cloned());
    // the files move under facts/ (one rename each); until the manifest names them they are
    // leftovers the next writer removes
    for f in new_files.iter().chain(&rewritten).chain(&pushed_out) {
        let (from, to) = (ws.staging_dir().join(&f.path), ws.facts_dir().join(&f.path));
        if let Some(d) = to.parent() {
            std::fs::create_dir_all(d).map_err(io_err(d))?;
        }
        std::fs::rename(&from, &to).map_err(io_err(&to))?;
    }
    let _ = std::fs::remove_dir_all(ws.staging_dir());
    let gone_paths: BTreeSet<&str> = gone.iter().map(|f| f.path.as_str()).collect();
    manifest
        .contacts
        .retain(|f| !gone_paths.contains(f.path.as_str()));
    manifest.contacts.extend(rewritten);
    manifest.contacts.extend(new_files);
    manifest.superseded.extend(pushed_out);
    let (partitions, mut superseded) =
        update_intervals(ws, &mut manifest, sums, &recompute, req.org, &req.batch_id)?;
    superseded.extend(gone);
    summary.partitions = partitions;
    manifest.generation += 1;
    manifest.batches.push(BatchRecord {
        batch_id: req.batch_id.clone(),
        committed_at: req.committed_at.clone(),
        files: names,
        profile: req.profile.name().to_string(),
        kind: if replace { "replace" } else { "contacts" }.into(),
        rows_read: summary.rows_read,
        rows_accepted: summary.rows_accepted,
        rows_duplicate: summary.rows_duplicate,
        rows_quarantined: summary.rows_quarantined,
        rows_skipped: summary.rows_skipped.values().sum(),
        rows_replaced: summary.rows_replaced,
        rows_withdrawn: 0,
        voided_by: None,
        clients: clients_of(&touched),
        input_digest: digest,
    });
    publish(ws, &lock, &manifest, &req.batch_id, superseded)?;
    summary.committed = true;
    Ok(summary)
}

/// A file a worker wrote: its number, its place, and the sums of its rows.
struct Staged {
    no: u32,
    file: FactFile,
    sums: PartSums,
}

/// What a batch will commit, once every row is decided (all files under staging/).
struct Settled {
    /// The new contacts' files and the sums of each partition's new contacts.
    new_files: Vec<FactFile>,
    sums: NewSums,
    /// Stored files that lose replaced rows, what they keep, and the rows pushed out.
    gone: Vec<FactFile>,
    rewritten: Vec<FactFile>,
    pushed_out: Vec<FactFile>,
    /// Partitions whose sums are recomputed (they lost contacts).
    recompute: BTreeSet<(String, String)>,
    /// A quarantine report was written.
    reported: bool,
}

/// After the read: decide the rows deferred while the ids were on disk and drop the duplicates
/// among them from the files written, push the replaced versions out of their stored files,
/// finish the quarantine report, and sum each partition's new rows.
fn settle(
    ws: &Workspace,
    manifest: &Manifest,
    req: &IngestRequest,
    names: &[String],
    st: &mut Ordered,
    mut staged: Vec<Staged>,
) -> Result<Settled> {
    let mut runs: Vec<PathBuf> = st
        .read_run
        .take()
        .map(Run::finish)
        .transpose()?
        .into_iter()
        .collect();
    if let Ids::Disk(log) = std::mem::replace(&mut st.ids, Ids::Memory(IdSet::default())) {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let r = resolve(log, req.mode == IngestMode::Replace, names, workers)?;
        st.duplicates += r.duplicates;
        st.conflicts += r.conflicts;
        st.replaced += r.replaced;
        st.pushed.absorb(r.pushed);
        runs.extend(r.runs);
        for s in &mut staged {
            let Some(bits) = r.drops.of(s.no) else {
                continue;
            };
            let path = ws.staging_dir().join(&s.file.path);
            let dropped: u64 = bits.iter().map(|w| u64::from(w.count_ones())).sum();
            s.file.rows = if dropped == s.file.rows {
                // every row of the file was already stored: no need to read it
                std::fs::remove_file(&path).map_err(io_err(&path))?;
                0
            } else {
                split_rows(&path, bits, &path, None)?.0
            };
            s.sums = if s.file.rows == 0 {
                PartSums::default()
            } else {
                aggregate_contact_files(&[path], req.org)?
                    .into_iter()
                    .map(|f| ((f.queue, f.interval_start_utc), f.sums))
                    .collect()
            };
        }
        staged.retain(|s| s.file.rows > 0);
    }
    if !runs.is_empty() && st.quarantine.is_none() {
        st.quarantine = Some(QuarantineWriter::create(&super::report::partial_path(
            ws,
            &req.batch_id,
        ))?);
    }
    let reported = match st.quarantine.take() {
        Some(mut q) => {
            merge_runs(&runs, &mut q)?;
            q.finish()?;
            true
        }
        None => false,
    };
    // the replaced versions leave their stored files for superseded/ (withdrawing the batch
    // brings them back)
    let (mut gone, mut rewritten, mut pushed_out) = (Vec::new(), Vec::new(), Vec::new());
    let mut recompute = BTreeSet::new();
    for (k, old) in manifest.contacts.iter().enumerate() {
        let Some(bits) = st.pushed.of(k as u32) else {
            continue;
        };
        let name = format!(
            "client={}/month={}/{}.{}.parquet",
            old.client,
            old.month,
            super::restate::file_stem(&old.path),
            req.batch_id
        );
        let (keep, out) = (format!("contacts/{name}"), format!("superseded/{name}"));
        let (kept, pushed) = split_rows(
            &ws.facts_dir().join(&old.path),
            bits,
            &ws.staging_dir().join(&keep),
            Some(&ws.staging_dir().join(&out)),
        )?;
        let part = |path: String, rows: u64, batch_id: &str| FactFile {
            path,
            client: old.client.clone(),
            month: old.month.clone(),
            rows,
            batch_id: batch_id.to_string(),
        };
        if kept > 0 {
            rewritten.push(part(keep, kept, &old.batch_id));
        }
        pushed_out.push(part(out, pushed, &req.batch_id));
        recompute.insert((old.client.clone(), old.month.clone()));
        gone.push(old.clone());
    }
    let mut sums: NewSums = BTreeMap::new();
    let mut new_files = Vec::with_capacity(staged.len());
    for s in staged {
        let into = sums
            .entry((s.file.client.clone(), s.file.month.clone()))
            .or_default();
        for (k, v) in s.sums {
            *into.entry(k).or_default() += v;
        }
        new_files.push(s.file);
    }
    new_files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Settled {
        new_files,
        sums,
        gone,
        rewritten,
        pushed_out,
        recompute,
        reported,
    })
}

/// Read every file through the ordered sinks; returns the files written (closed and synced)
/// with the sums of their rows.
fn read_all(shared: &Shared, req: &IngestRequest, progress: Progress) -> Result<Vec<Staged>> {
    let zone = req.zone.or(req.profile.zone());
    let mut staged = Vec::new();
    let mut bytes_before = 0u64;
    for (fi, path) in req.files.iter().enumerate() {
        let base = bytes_before;
        bytes_before += std::fs::metadata(path).map_or(0, |m| m.len());
        {
            let mut st = shared.lock();
            st.next = 0;
            if st.failed {
                break;
            }
        }
        let workers = AtomicUsize::new(0);
        let sinks = read_contacts(
            path,
            req.profile,
            req.max_field_bytes,
            || StreamSink {
                shared,
                zone,
                file: fi,
                worker: workers.fetch_add(1, Ordering::Relaxed),
                resolvers: FxHashMap::default(),
                seq: None,
                rows: Vec::new(),
                issues: Vec::new(),
                skipped: Vec::new(),
                queues: Vec::new(),
                queue_ix: FxHashMap::default(),
                parts: BTreeMap::new(),
                id_buf: Vec::new(),
            },
            &|n| progress(base + n),
        )?;
        for mut s in sinks {
            for ((client, month), mut p) in std::mem::take(&mut s.parts) {
                let path = shared.ws.staging_dir().join(&p.rel);
                match p.writer.take() {
                    Some(w) => {
                        let f = w.into_inner().map_err(|e| EngineError::Parquet {
                            path: path.clone(),
                            message: e.to_string(),
                        })?;
                        f.sync_all().map_err(io_err(&path))?;
                    }
                    // a partition every row of which was a duplicate: no file
                    None => continue,
                }
                let sums = p
                    .sums
                    .iter()
                    .map(|((slot, start), v)| ((s.queues[slot as usize].0.id.clone(), start), *v))
                    .collect();
                staged.push(Staged {
                    no: p.no,
                    file: FactFile {
                        path: p.rel,
                        client,
                        month,
                        rows: p.rows,
                        batch_id: req.batch_id.clone(),
                    },
                    sums,
                });
            }
        }
    }
    Ok(staged)
}

/// The digest of everything that decides what an added batch stores ([`BatchRecord::input_digest`]):
/// the files' bytes (xxHash3, 128 bits), the profile, the zone, the field limit, and each
/// queue's client and zone (which decide where a row goes and how its wall-clock times read).
fn input_digest(req: &IngestRequest) -> Result<String> {
    use std::io::Read;
    let mut h = twox_hash::XxHash3_128::new();
    let mut buf = vec![0u8; 1 << 20];
    for path in req.files {
        let mut f = File::open(path).map_err(io_err(path))?;
        let mut len = 0u64;
        loop {
            let n = f.read(&mut buf).map_err(io_err(path))?;
            if n == 0 {
                break;
            }
            h.write(&buf[..n]);
            len += n as u64;
        }
        h.write(&len.to_le_bytes());
    }
    let setup = format!(
        "{:?}|{:?}|{}|{:?}",
        req.profile,
        req.zone.map(|z| z.name()),
        req.max_field_bytes,
        req.org
            .queues
            .iter()
            .map(|(id, q)| (id.as_str(), q.client.as_str(), q.zone.name()))
            .collect::<Vec<_>>()
    );
    h.write(setup.as_bytes());
    Ok(format!("xxh3-128:{:032x}", h.finish_128()))
}

/// The committed batch that read the same input (`digest`), if no batch of that kind has
/// been withdrawn and nothing was withdrawn after it: re-reading the input would store
/// nothing (every contact it stored is still stored, as are those it found stored) and
/// quarantine the same rows.
fn same_input<'m>(m: &'m Manifest, digest: &str) -> Option<&'m BatchRecord> {
    let i = m
        .batches
        .iter()
        .rposition(|b| b.input_digest.as_deref() == Some(digest) && b.voided_by.is_none())?;
    m.batches[i + 1..]
        .iter()
        .all(|b| b.kind != "void")
        .then(|| &m.batches[i])
}

#[cfg(test)]
mod tests {
    use super::super::facts::read_intervals;
    use super::*;
    use crate::contacts::Profile;
    use crate::workspace::ingest::{ingest, IngestMode, IngestRequest, RejectLimit};
    use opsdeck_core::{IntervalSums, Org};
    use proptest::prelude::*;

    fn org() -> Org {
        Org::from_raw(&opsdeck_synth::demo_raw_org().unwrap()).unwrap()
    }

    /// Contact `i` of three demo queues (New York, London, Chicago), one every 9 minutes from
    /// 25 October 2025 12:00 UTC: over London's (26 October) and New York's (2 November) DST
    /// nights and the end of October (two month partitions). Wall-clock times in the queue's
    /// zone would fall in gaps; these are UTC (`Z`).
    fn row(i: usize) -> String {
        row_at(i, 0)
    }

    /// Contact `i` arriving `shift` seconds later (another record with the same id).
    fn row_at(i: usize, shift: i64) -> String {
        let queue = ["nwb-cards-voice", "tlv-care-voice", "crt-orders-voice"][i % 3];
        let arrived = 1_761_393_600 + i as i64 * 540 + shift;
        let at = |s: i64| {
            chrono::DateTime::from_timestamp(s, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        };
        let wait = (i as i64 * 17) % 70;
        if i % 7 == 3 {
            format!(
                "c{i},{queue},voice,{},,{},,,,,,,,,",
                at(arrived),
                at(arrived + wait)
            )
        } else {
            let talk = 60 + (i as i64 * 31) % 400;
            format!(
                "c{i},{queue},voice,{},{},{},{talk},{},{},a{},{},,{},{},",
                at(arrived),
                at(arrived + wait),
                at(arrived + wait + talk),
                i % 3 * 5,
                10 + i % 20,
                i % 11,
                if i.is_multiple_of(4) {
                    (1 + i % 5).to_string()
                } else {
                    String::new()
                },
                if i.is_multiple_of(6) { "9" } else { "" },
                if i.is_multiple_of(5) { "true" } else { "" },
            )
        }
    }

    /// Contacts `0..n`, with the row at each fraction `from` of them repeated at `to` (the same
    /// record later in the file: already stored).
    fn with_repeats(n: usize, repeats: &[(f64, f64)]) -> Vec<String> {
        let mut rows: Vec<String> = (0..n).map(row).collect();
        for (from, to) in repeats {
            let r = rows[(from * n as f64) as usize].clone();
            rows.insert((to * rows.len() as f64) as usize, r);
        }
        rows
    }

    fn write(dir: &std::path::Path, name: &str, rows: &[String]) -> PathBuf {
        let p = dir.join(name);
        let mut text = opsdeck_synth::CSV_HEADER.to_string();
        for r in rows {
            text.push('\n');
            text.push_str(r);
        }
        text.push('\n');
        std::fs::write(&p, text).unwrap();
        p
    }

    fn run(ws: &Workspace, org: &Org, files: &[PathBuf], id: &str) -> IngestSummary {
        run_in(ws, org, files, id, super::super::spill::DEFAULT_ID_MEMORY)
    }

    /// Ingest with `id_memory` bytes for the ids (0: on disk from the first).
    fn run_in(
        ws: &Workspace,
        org: &Org,
        files: &[PathBuf],
        id: &str,
        id_memory: usize,
    ) -> IngestSummary {
        run_limited(
            ws,
            org,
            files,
            id,
            id_memory,
            RejectLimit::Default,
            IngestMode::Add,
        )
    }

    fn run_limited(
        ws: &Workspace,
        org: &Org,
        files: &[PathBuf],
        id: &str,
        id_memory: usize,
        max_rejects: RejectLimit,
        mode: IngestMode,
    ) -> IngestSummary {
        let profile = Profile::canonical();
        let req = IngestRequest {
            files,
            profile: &profile,
            org,
            batch_id: id.to_string(),
            committed_at: "2026-01-01T00:00:00Z".into(),
            zone: None,
            mode,
            max_field_bytes: crate::io::csv_reader::DEFAULT_MAX_FIELD_BYTES,
            max_rejects,
            id_memory,
        };
        ingest(ws, &req, &|_| {}).unwrap()
    }

    /// Every stored interval fact, merged across partitions and sorted.
    fn facts(ws: &Workspace) -> Vec<(String, i64, IntervalSums)> {
        let m = ws.manifest().unwrap();
        let mut all: BTreeMap<(String, i64), IntervalSums> = BTreeMap::new();
        for f in &m.intervals {
            for x in read_intervals(&ws.facts_dir().join(&f.path)).unwrap() {
                *all.entry((x.queue, x.interval_start_utc)).or_default() += x.sums;
            }
        }
        all.into_iter().map(|((q, t), s)| (q, t, s)).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        /// Interval sums are added, not recomputed: for any split of a file into batches (with
        /// rows repeated inside and across them), the facts equal one ingest of the whole file
        /// and equal the sums recomputed from every stored contact.
        #[test]
        fn any_split_into_batches_gives_the_facts_of_one_ingest(
            n in 40usize..700,
            cuts in prop::collection::vec(0.0f64..1.0, 0..5),
            repeats in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0), 0..6),
            id_memory in prop_oneof![Just(0usize), 1usize..40_000, Just(super::super::spill::DEFAULT_ID_MEMORY)],
        ) {
            let org = org();
            let tmp = tempfile::tempdir().unwrap();
            let rows = with_repeats(n, &repeats);
            let whole = write(tmp.path(), "whole.csv", &rows);
            let one = Workspace::new(tmp.path().join("one"));
            let s = run(&one, &org, &[whole], "b-whole");
            prop_assert_eq!(s.rows_accepted, n as u64);

            let mut at: Vec<usize> = cuts.iter().map(|c| (c * rows.len() as f64) as usize).collect();
            at.push(0);
            at.push(rows.len());
            at.sort_unstable();
            at.dedup();
            let split = Workspace::new(tmp.path().join("split"));
            let mut stored = 0;
            for (k, w) in at.windows(2).enumerate() {
                let f = write(tmp.path(), &format!("part{k}.csv"), &rows[w[0]..w[1]]);
                stored += run_in(&split, &org, &[f], &format!("b-part{k}"), id_memory).rows_accepted;
            }
            prop_assert_eq!(stored, n as u64);
            let got = facts(&split);
            prop_assert_eq!(&got, &facts(&one));
            // and the sums recomputed from the stored contacts (`opsdeck facts rebuild`)
            super::super::ingest::rebuild_intervals(&split, &org, None, "b-rebuild").unwrap();
            prop_assert_eq!(&facts(&split), &got);
        }
    }

    /// The stored contact ids (and those pushed out by a replacement) and the batch's
    /// quarantine report (empty when none).
    fn stored(ws: &Workspace, s: &IngestSummary) -> (Vec<String>, String) {
        let m = ws.manifest().unwrap();
        let mut ids = Vec::new();
        for (kind, f) in m
            .contacts
            .iter()
            .map(|f| ("stored", f))
            .chain(m.superseded.iter().map(|f| ("pushed out", f)))
        {
            each_contact_id(&ws.facts_dir().join(&f.path), |id| {
                ids.push(format!("{kind} {}/{}/{id}", f.client, f.month))
            })
            .unwrap();
        }
        ids.sort();
        let report = s
            .quarantine_file
            .as_ref()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .unwrap_or_default();
        (ids, report)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]
        /// Ids on disk give the verdicts of ids in memory: whatever the budget (0: on disk from
        /// the first id; or past some row of the batch, or while a client's stored ids load),
        /// the same rows are stored, counted, replaced (a corrected export) and quarantined,
        /// the report lists the same lines in the same order, and the facts are the same.
        #[test]
        fn ids_on_disk_decide_as_ids_in_memory(
            n in 60usize..500,
            stored_first in 0usize..60,
            repeats in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0), 0..8),
            conflicts in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0), 0..8),
            bad in prop::collection::vec(0.0f64..1.0, 0..4),
            split in 0.0f64..1.0,
            id_memory in prop_oneof![Just(0usize), 1usize..40_000],
            replace in any::<bool>(),
        ) {
            let org = org();
            let tmp = tempfile::tempdir().unwrap();
            let mut rows = with_repeats(n, &repeats);
            for (k, (from, to)) in conflicts.iter().enumerate() {
                let r = row_at((from * n as f64) as usize, 1 + k as i64);
                rows.insert((to * rows.len() as f64) as usize, r);
            }
            for (k, at) in bad.iter().enumerate() {
                let r = format!("bad{k},nwb-cards-voice,voice,yesterday,,,,,,,,,,,");
                rows.insert((at * rows.len() as f64) as usize, r);
            }
            // stored before: the first contacts, every third in another version (replaced
            // when the batch replaces, already stored when it adds)
            let earlier: Vec<String> = (0..stored_first)
                .map(|i| if i % 3 == 0 { row_at(i, 7) } else { row(i) })
                .collect();
            let before = write(tmp.path(), "before.csv", &earlier);
            let cut = (split * rows.len() as f64) as usize;
            let files = [
                write(tmp.path(), "a.csv", &rows[..cut]),
                write(tmp.path(), "b.csv", &rows[cut..]),
            ];
            let all = RejectLimit::Fraction(1.0);
            let mode = if replace { IngestMode::Replace } else { IngestMode::Add };
            let mut got = Vec::new();
            for (name, budget) in [("memory", super::super::spill::DEFAULT_ID_MEMORY), ("disk", id_memory)] {
                let ws = Workspace::new(tmp.path().join(name));
                if stored_first > 0 {
                    run_limited(&ws, &org, std::slice::from_ref(&before), "b0", budget, all, IngestMode::Add);
                }
                let s = run_limited(&ws, &org, &files, "b1", budget, all, mode);
                prop_assert!(!ws.staging_dir().exists());
                got.push((
                    (s.rows_read, s.rows_accepted, s.rows_duplicate, s.rows_quarantined, s.rows_replaced, s.committed),
                    stored(&ws, &s),
                    facts(&ws),
                ));
            }
            prop_assert_eq!(replace && stored_first > 0, got[0].0 .4 > 0);
            prop_assert_eq!(&got[0], &got[1]);
        }
    }

    #[test]
    fn the_same_input_again_is_known_by_its_digest_unless_a_batch_was_withdrawn() {
        let org = org();
        let tmp = tempfile::tempdir().unwrap();
        let rows: Vec<String> = (0..50).map(row).collect();
        let f = write(tmp.path(), "a.csv", &rows);
        let ws = Workspace::new(tmp.path().join("ws"));
        let first = run(&ws, &org, std::slice::from_ref(&f), "b1");
        assert_eq!((first.rows_accepted, first.same_as.as_deref()), (50, None));
        let generation = ws.manifest().unwrap().generation;
        let again = run(&ws, &org, std::slice::from_ref(&f), "b2");
        assert_eq!(again.same_as.as_deref(), Some("b1"));
        assert_eq!(
            (again.rows_read, again.rows_duplicate, again.rows_accepted),
            (50, 50, 0)
        );
        assert_eq!(ws.manifest().unwrap().generation, generation);
        // one byte more: read again, row by row (all 50 already stored, one new)
        let mut more = rows.clone();
        more.push(row(50));
        let g = write(tmp.path(), "b.csv", &more);
        let s = run(&ws, &org, &[g], "b3");
        assert_eq!(
            (s.same_as, s.rows_accepted, s.rows_duplicate),
            (None, 1, 50)
        );
        // the first batch withdrawn: its file stores its contacts again
        super::super::restate::void(&ws, &org, "b1", "b4", "2026-01-02T00:00:00Z").unwrap();
        let s = run(&ws, &org, &[f], "b5");
        assert_eq!((s.same_as, s.rows_accepted), (None, 50));
    }
}

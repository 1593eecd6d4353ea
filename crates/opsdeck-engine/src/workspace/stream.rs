//! The streaming contact ingest (a batch that adds contacts): rows go from the parallel reader
//! through duplicate detection, in file order, into Parquet writers per worker and partition and
//! into the partitions' interval sums, so memory holds neither the file nor its contacts. At
//! commit the new sums are added to the partition's stored interval sums (they are additive);
//! a partition is re-read only when the queue settings its sums were made with have changed.

use super::facts::{
    contact_schema, each_contact_id, read_intervals, stale_queues, write_intervals, writer_props,
    BatchRecord, FactFile, IntervalFact, Manifest, Workspace,
};
use super::ingest::{
    aggregate_contact_files, clients_of, contacts_batch, publish, reject_verdict, storable_contact,
    utc_month, IngestRequest, IngestSummary, QuarantineWriter,
};
use crate::contacts::sink::SlotSums;
use crate::contacts::{read_contacts, Contact, ContactSink, RawContact};
use crate::error::{io_err, EngineError, Result};
use crate::io::{FieldIssue, LocalResolver, Progress, RowIssue};
use chrono::Datelike;
use chrono_tz::Tz;
use opsdeck_core::{IntervalSums, Org, Queue, ZoneCache};
use parquet::arrow::ArrowWriter;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Encoded row groups a worker may hold in memory before it closes its largest one early
/// (what the writers report; they hold about three times that). 10 M contacts: peak 0.97 GB at
/// 16 MiB, 1.15 GB at 64 MiB, the same time (`bash bench/ingest.sh`).
const WRITER_BUDGET_BYTES: usize = 16 << 20;

/// Where a contact id of the batch's clients was first met.
#[derive(Clone, Copy)]
struct Seen {
    /// Fingerprint of the whole record (a repeat of the same record is "already stored").
    record: u64,
    /// `file << 44 | line` of its first row in this batch, with [`STORED_BIT`] set when it was
    /// stored before the batch; [`STORED`]: stored, and not (yet) in this batch.
    at: u64,
}

const STORED: u64 = u64::MAX;

/// The fingerprint of a contact id of a client (xxHash3-128 of `client \x1f id`; `buf` is
/// scratch space).
fn id_print(buf: &mut Vec<u8>, client: &str, id: &str) -> u128 {
    buf.clear();
    buf.extend_from_slice(client.as_bytes());
    buf.push(0x1f);
    buf.extend_from_slice(id.as_bytes());
    twox_hash::XxHash3_128::oneshot(buf)
}

/// The contact ids met, by fingerprint, in 256 maps by the fingerprint's top byte: each grows
/// on its own, so memory never holds a table and its double at once (one map of 10 M ids
/// peaked at 1.5 times its size while it grew).
struct IdSet(Vec<FxHashMap<u128, Seen>>);

impl Default for IdSet {
    fn default() -> Self {
        IdSet((0..256).map(|_| FxHashMap::default()).collect())
    }
}

impl IdSet {
    fn shard(&mut self, id: u128) -> &mut FxHashMap<u128, Seen> {
        &mut self.0[(id >> 120) as usize]
    }
}
const STORED_BIT: u64 = 1 << 63;

/// The part of the ingest that pieces enter one at a time, in file order.
struct Ordered {
    /// The piece whose turn it is (pieces are numbered per file).
    next: u64,
    /// A worker stopped (an error, or a read that failed): the others stop waiting.
    failed: bool,
    error: Option<EngineError>,
    /// Every contact id of the batch's clients met so far, stored ones included, by a 128-bit
    /// fingerprint of (client, id) (16 bytes a contact instead of the id's text).
    seen: IdSet,
    /// Clients whose stored ids are in `seen`.
    loaded: FxHashSet<String>,
    quarantine: Option<QuarantineWriter>,
    rows_valid: u64,
    parse_issues: u64,
    conflicts: u64,
    duplicates: u64,
    accepted: u64,
    skipped: BTreeMap<&'static str, u64>,
}

struct Shared<'a> {
    ws: &'a Workspace,
    manifest: &'a Manifest,
    req: &'a IngestRequest<'a>,
    names: &'a [String],
    state: Mutex<Ordered>,
    turn: Condvar,
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

    /// The piece is read: decide in file order which rows are new, then write those.
    fn finish_piece(&mut self, seq: u64) -> Result<()> {
        let rows = std::mem::take(&mut self.rows);
        let issues = std::mem::take(&mut self.issues);
        let skipped = std::mem::take(&mut self.skipped);
        let org = self.shared.req.org;
        // fingerprints outside the lock (every worker at once)
        let prints: Vec<(u128, u64)> = rows
            .iter()
            .map(|(_, c)| {
                let client = org.queues[c.queue.as_ref()].client.as_str();
                let id = id_print(&mut self.id_buf, client, c.contact_id());
                let mut h = twox_hash::XxHash3_64::default();
                c.hash(&mut h);
                (id, h.finish())
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
            let keep = self.ordered(&mut st, &rows, &prints, issues, skipped);
            st.next += 1;
            self.shared.turn.notify_all();
            keep?
        };
        // a piece holds a few partitions: found by a scan, named once each
        let mut by_part: Vec<(MonthKey, Vec<Contact<'static>>)> = Vec::new();
        for ((_, c), k) in rows.into_iter().zip(keep) {
            if !k {
                continue;
            }
            let client = org.queues[c.queue.as_ref()].client.as_str();
            let at = chrono::DateTime::from_timestamp(c.timing.arrived_s, 0).unwrap_or_default();
            let key = (client, at.year(), at.month());
            match by_part.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.push(c),
                None => by_part.push((key, vec![c])),
            }
        }
        for ((client, _, _), list) in by_part {
            let month = utc_month(list[0].timing.arrived_s);
            self.write((client.to_string(), month), &list)?;
        }
        Ok(())
    }

    /// The ordered step of a piece: duplicates against the stored ids and the earlier rows of
    /// the batch, the quarantine report in file order. Returns which rows to store.
    fn ordered(
        &self,
        st: &mut Ordered,
        rows: &[(u64, Contact<'static>)],
        prints: &[(u128, u64)],
        issues: Vec<(u64, FieldIssue, String)>,
        skipped: Vec<&'static str>,
    ) -> Result<Vec<bool>> {
        let sh = self.shared;
        let org = sh.req.org;
        let name = &sh.names[self.file];
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
        for ((line, c), (id, record)) in rows.iter().zip(prints) {
            let client = org.queues[c.queue.as_ref()].client.as_str();
            if !st.loaded.contains(client) {
                for f in sh.manifest.contacts.iter().filter(|f| f.client == client) {
                    let mut buf = Vec::new();
                    let seen = &mut st.seen;
                    each_contact_id(&sh.ws.facts_dir().join(&f.path), |stored| {
                        let id = id_print(&mut buf, client, stored);
                        seen.shard(id).insert(
                            id,
                            Seen {
                                record: 0,
                                at: STORED,
                            },
                        );
                    })?;
                }
                st.loaded.insert(client.to_string());
            }
            let at = (self.file as u64) << 44 | *line;
            // inside the batch the first row of an id wins: a repeat of the same record counts
            // as already stored (as a second command would count it), another record with the
            // same id is quarantined — whether or not the id was stored before
            match st.seen.shard(*id).get_mut(id) {
                Some(s) if s.at == STORED => {
                    *s = Seen {
                        record: *record,
                        at: at | STORED_BIT,
                    };
                    st.duplicates += 1;
                    keep.push(false);
                }
                Some(s) if s.record == *record => {
                    st.duplicates += 1;
                    keep.push(false);
                }
                Some(s) => {
                    let first = s.at & !STORED_BIT;
                    st.conflicts += 1;
                    keep.push(false);
                    out.push(RowIssue {
                        file: name.clone(),
                        line: *line,
                        field: "contact_id".into(),
                        reason: format!(
                            "duplicate contact_id {} with other values (first at {}:{})",
                            crate::io::quoted(c.contact_id()),
                            sh.names[(first >> 44) as usize],
                            first & ((1 << 44) - 1)
                        ),
                        raw: String::new(),
                    });
                }
                None => {
                    st.seen.shard(*id).insert(
                        *id,
                        Seen {
                            record: *record,
                            at,
                        },
                    );
                    st.accepted += 1;
                    keep.push(true);
                }
            }
        }
        if !out.is_empty() {
            out.sort_by_key(|i| i.line);
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
        }
        Ok(keep)
    }

    /// Append contacts of one partition to this worker's file of it and to its sums.
    fn write(&mut self, key: (String, String), list: &[Contact<'static>]) -> Result<()> {
        let sh = self.shared;
        let slots: Vec<u32> = list.iter().map(|c| self.slot(&c.queue)).collect();
        let part = match self.parts.entry(key) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let (client, month) = e.key();
                let rel = format!(
                    "contacts/client={client}/month={month}/{}-{}-{}.parquet",
                    sh.req.batch_id, self.file, self.worker
                );
                e.insert(PartOut {
                    rel,
                    writer: None,
                    rows: 0,
                    sums: SlotSums::default(),
                })
            }
        };
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

/// The new sums of a partition, by queue and interval start.
type PartSums = FxHashMap<(String, i64), IntervalSums>;

/// The new sums of each `(client, month)` partition a batch touched.
type NewSums = BTreeMap<(String, String), PartSums>;

/// A partition as a piece meets it: client, year and month of arrival (UTC).
type MonthKey<'o> = (&'o str, i32, u32);

/// Ingest files that add contacts (`IngestMode::Add`) as one batch, streaming.
pub(super) fn ingest_add(
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
    let digest = input_digest(req)?;
    if let Some(b) = same_input(&manifest, &digest) {
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
        state: Mutex::new(Ordered {
            next: 0,
            failed: false,
            error: None,
            seen: IdSet::default(),
            loaded: FxHashSet::default(),
            quarantine: None,
            rows_valid: 0,
            parse_issues: 0,
            conflicts: 0,
            duplicates: 0,
            accepted: 0,
            skipped: BTreeMap::new(),
        }),
        turn: Condvar::new(),
    };
    let outcome = read_all(&shared, req, progress);
    let st = shared.state.into_inner().unwrap_or_else(|p| p.into_inner());
    let (new_files, sums) = match outcome {
        Ok(x) if st.error.is_none() && !st.failed => x,
        other => {
            // the files written so far are named by no manifest: remove them now
            ws.remove_orphans(&lock, &manifest)?;
            return Err(match (other, st.error) {
                (_, Some(e)) | (Err(e), None) => e,
                (Ok(_), None) => EngineError::Internal("a reader worker stopped".into()),
            });
        }
    };
    let reported = match st.quarantine {
        Some(q) => {
            q.finish()?;
            true
        }
        None => false,
    };
    let mut summary = IngestSummary {
        batch_id: req.batch_id.clone(),
        rows_read: st.rows_valid + st.parse_issues + st.skipped.values().sum::<u64>(),
        rows_accepted: st.accepted,
        rows_duplicate: st.duplicates,
        rows_quarantined: st.parse_issues + st.conflicts,
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
        reported,
        summary.rows_read,
        summary.rows_quarantined,
        &req.max_rejects,
    );
    summary.quarantine_file = file;
    if refused.is_some() || summary.rows_accepted == 0 {
        summary.refused = refused;
        ws.remove_orphans(&lock, &manifest)?;
        return Ok(summary);
    }
    let touched: BTreeSet<(String, String)> = sums.keys().cloned().collect();
    // the files move under facts/ (one rename each); until the manifest names them they are
    // leftovers the next writer removes
    for f in &new_files {
        let (from, to) = (ws.staging_dir().join(&f.path), ws.facts_dir().join(&f.path));
        if let Some(d) = to.parent() {
            std::fs::create_dir_all(d).map_err(io_err(d))?;
        }
        std::fs::rename(&from, &to).map_err(io_err(&to))?;
    }
    let _ = std::fs::remove_dir_all(ws.staging_dir());
    manifest.contacts.extend(new_files);
    let (partitions, superseded) = add_intervals(ws, &mut manifest, sums, req.org, &req.batch_id)?;
    summary.partitions = partitions;
    manifest.generation += 1;
    manifest.batches.push(BatchRecord {
        batch_id: req.batch_id.clone(),
        committed_at: req.committed_at.clone(),
        files: names,
        profile: req.profile.name().to_string(),
        kind: "contacts".into(),
        rows_read: summary.rows_read,
        rows_accepted: summary.rows_accepted,
        rows_duplicate: summary.rows_duplicate,
        rows_quarantined: summary.rows_quarantined,
        rows_skipped: summary.rows_skipped.values().sum(),
        rows_replaced: 0,
        rows_withdrawn: 0,
        voided_by: None,
        clients: clients_of(&touched),
        input_digest: Some(digest),
    });
    publish(ws, &lock, &manifest, &req.batch_id, superseded)?;
    summary.committed = true;
    Ok(summary)
}

/// Read every file through the ordered sinks; returns the files written (closed and synced)
/// and the new sums of each partition.
fn read_all(
    shared: &Shared,
    req: &IngestRequest,
    progress: Progress,
) -> Result<(Vec<FactFile>, NewSums)> {
    let zone = req.zone.or(req.profile.zone());
    let mut files = Vec::new();
    let mut sums: NewSums = BTreeMap::new();
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
        let workers = std::sync::atomic::AtomicUsize::new(0);
        let sinks = read_contacts(
            path,
            req.profile,
            req.max_field_bytes,
            || StreamSink {
                shared,
                zone,
                file: fi,
                worker: workers.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
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
                if let Some(w) = p.writer.take() {
                    let f = w.into_inner().map_err(|e| EngineError::Parquet {
                        path: path.clone(),
                        message: e.to_string(),
                    })?;
                    f.sync_all().map_err(io_err(&path))?;
                }
                let into = sums.entry((client.clone(), month.clone())).or_default();
                for ((slot, start), v) in p.sums.iter() {
                    *into
                        .entry((s.queues[slot as usize].0.id.clone(), start))
                        .or_default() += *v;
                }
                files.push(FactFile {
                    path: p.rel,
                    client,
                    month,
                    rows: p.rows,
                    batch_id: req.batch_id.clone(),
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, sums))
}

/// Add the new sums of each partition to its stored interval facts and swap the new interval
/// files into `manifest`; a partition whose stored facts were made with other queue settings
/// than `org` gives now is recomputed from all its contacts instead. Returns the partitions
/// rewritten and the interval files they replace.
fn add_intervals(
    ws: &Workspace,
    manifest: &mut Manifest,
    new: NewSums,
    org: &Org,
    tag: &str,
) -> Result<(Vec<String>, Vec<FactFile>)> {
    let mut written = Vec::new();
    let mut partitions = Vec::new();
    let mut superseded = Vec::new();
    for ((client, month), sums) in new {
        let same = |f: &FactFile| f.client == client && f.month == month;
        let mut stored = Vec::new();
        for f in manifest.intervals.iter().filter(|f| same(f)) {
            stored.extend(read_intervals(&ws.facts_dir().join(&f.path))?);
        }
        let current = stale_queues(&stored, org).is_empty()
            && stored.iter().all(|f| org.queues.contains_key(&f.queue));
        let facts = if current {
            let mut by_key: BTreeMap<(String, i64), IntervalFact> = stored
                .into_iter()
                .map(|f| ((f.queue.clone(), f.interval_start_utc), f))
                .collect();
            for ((queue, start), v) in sums {
                let q = &org.queues[&queue];
                by_key
                    .entry((queue.clone(), start))
                    .or_insert_with(|| {
                        IntervalFact::of_queue(queue, q, start, IntervalSums::default())
                    })
                    .sums += v;
            }
            by_key.into_values().collect()
        } else {
            let files: Vec<PathBuf> = manifest
                .contacts
                .iter()
                .filter(|f| same(f))
                .map(|f| ws.facts_dir().join(&f.path))
                .collect();
            aggregate_contact_files(&files, org)?
        };
        let rel = format!("intervals/client={client}/month={month}/{tag}.parquet");
        write_intervals(&ws.facts_dir().join(&rel), &facts)?;
        superseded.extend(manifest.intervals.iter().filter(|f| same(f)).cloned());
        manifest.intervals.retain(|f| !same(f));
        written.push(FactFile {
            path: rel,
            client: client.clone(),
            month: month.clone(),
            rows: facts.len() as u64,
            batch_id: tag.to_string(),
        });
        partitions.push(format!("{client}/{month}"));
    }
    manifest.intervals.extend(written);
    Ok((partitions, superseded))
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
    use super::*;
    use crate::contacts::Profile;
    use crate::workspace::ingest::{ingest, IngestMode, IngestRequest, RejectLimit};
    use proptest::prelude::*;

    fn org() -> Org {
        Org::from_raw(&opsdeck_synth::demo_raw_org().unwrap()).unwrap()
    }

    /// Contact `i` of three demo queues (New York, London, Chicago), one every 9 minutes from
    /// 25 October 2025 12:00 UTC: over London's (26 October) and New York's (2 November) DST
    /// nights and the end of October (two month partitions). Wall-clock times in the queue's
    /// zone would fall in gaps; these are UTC (`Z`).
    fn row(i: usize) -> String {
        let queue = ["nwb-cards-voice", "tlv-care-voice", "crt-orders-voice"][i % 3];
        let arrived = 1_761_393_600 + i as i64 * 540;
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
        let profile = Profile::canonical();
        let req = IngestRequest {
            files,
            profile: &profile,
            org,
            batch_id: id.to_string(),
            committed_at: "2026-01-01T00:00:00Z".into(),
            zone: None,
            mode: IngestMode::Add,
            max_field_bytes: crate::io::csv_reader::DEFAULT_MAX_FIELD_BYTES,
            max_rejects: RejectLimit::Default,
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
        ) {
            let org = org();
            let tmp = tempfile::tempdir().unwrap();
            let mut rows: Vec<String> = (0..n).map(row).collect();
            // a row repeated later in the file (the same record: already stored)
            for (from, to) in &repeats {
                let r = rows[(from * n as f64) as usize].clone();
                rows.insert((to * rows.len() as f64) as usize, r);
            }
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
                stored += run(&split, &org, &[f], &format!("b-part{k}")).rows_accepted;
            }
            prop_assert_eq!(stored, n as u64);
            let got = facts(&split);
            prop_assert_eq!(&got, &facts(&one));
            // and the sums recomputed from the stored contacts (`opsdeck facts rebuild`)
            super::super::ingest::rebuild_intervals(&split, &org, None, "b-rebuild").unwrap();
            prop_assert_eq!(&facts(&split), &got);
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

//! Atomic, idempotent ingestion of contact files into the workspace: validate every row
//! (quarantining the bad ones with file, line, field and reason), drop contacts already stored,
//! write the new contacts and the interval sums of every touched partition, then publish
//! everything with one manifest rename. Here: the request, its summary, the reject limit, the
//! quarantine report, the stored contacts' schema and the commit; the batch itself streams
//! ([`super::stream`]).

use super::facts::{
    contact_schema, read_intervals, stale_queues, write_intervals, FactFile, IntervalFact,
    Manifest, Workspace,
};
use crate::contacts::sink::SlotSums;
use crate::contacts::{read_contacts, validate, Contact, ContactSink, Profile, RawContact};
use crate::error::{io_err, EngineError, Result};
use crate::io::csv_reader::DEFAULT_MAX_FIELD_BYTES;
use crate::io::{FieldIssue, LocalResolver, Progress, RowIssue};
use arrow_array::builder::{
    BooleanBuilder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use chrono_tz::Tz;
use opsdeck_core::{ContactOutcome, IntervalSums, Org, Queue, ZoneCache};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a batch does with contacts whose id is already stored for the same client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IngestMode {
    /// Keep the stored version; count the row as already stored.
    #[default]
    Add,
    /// A corrected export: a row that differs from the stored version replaces it (the old
    /// version is kept aside so that withdrawing this batch restores it); identical rows are
    /// already stored.
    Replace,
}

/// What to ingest and how.
pub struct IngestRequest<'a> {
    pub files: &'a [PathBuf],
    pub profile: &'a Profile,
    pub org: &'a Org,
    /// Unique id of this batch (names its files and its quarantine report).
    pub batch_id: String,
    /// When the batch is committed, RFC 3339 (the engine reads no clock).
    pub committed_at: String,
    /// Zone of wall-clock timestamps; default: the profile's zone, else each queue's calendar zone.
    pub zone: Option<Tz>,
    pub mode: IngestMode,
    /// Longest quoted field of a CSV file ([`crate::io::csv_reader::CsvOptions`]).
    pub max_field_bytes: usize,
    /// How many rejected rows refuse the whole batch.
    pub max_rejects: RejectLimit,
    /// Bytes the contact ids checked for duplicates may take before they move to disk
    /// ([`DEFAULT_ID_MEMORY`]).
    pub id_memory: usize,
}

pub use super::spill::DEFAULT_ID_MEMORY;

/// How many rejected (quarantined) rows a batch may have before it is refused whole: nothing
/// stored, the quarantine report kept as the report of the refused batch.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum RejectLimit {
    /// 1 % of the rows read, and never fewer than 10 rows.
    #[default]
    Default,
    /// At most this many rows.
    Rows(u64),
    /// At most this fraction of the rows read (0.05 = 5 %).
    Fraction(f64),
}

/// Rows a default limit always allows (so a small file with a few bad rows is not refused).
pub const DEFAULT_REJECT_FLOOR: u64 = 10;
/// Fraction of the rows read a default limit allows.
pub const DEFAULT_REJECT_FRACTION: f64 = 0.01;

impl RejectLimit {
    /// The most rejected rows allowed in a batch of `rows_read` rows.
    pub fn allowed(&self, rows_read: u64) -> u64 {
        let share = |f: f64| (f * rows_read as f64).floor() as u64;
        match *self {
            RejectLimit::Default => share(DEFAULT_REJECT_FRACTION).max(DEFAULT_REJECT_FLOOR),
            RejectLimit::Rows(n) => n,
            RejectLimit::Fraction(f) => share(f),
        }
    }

    /// The limit in words, e.g. "1 % of the rows read (at least 10 rows)".
    pub fn describe(&self) -> String {
        match *self {
            RejectLimit::Default => format!(
                "{} % of the rows read (at least {DEFAULT_REJECT_FLOOR} rows)",
                DEFAULT_REJECT_FRACTION * 100.0
            ),
            RejectLimit::Rows(n) => format!("{n} rows"),
            RejectLimit::Fraction(f) => format!("{} % of the rows read", f * 100.0),
        }
    }

    /// Parse `N` (rows) or `P%` (a percentage of the rows read).
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        let t = s.trim();
        let bad = || {
            format!("{s:?} is not a number of rows (e.g. 500) or a percentage of the rows read (e.g. 2%)")
        };
        if let Some(p) = t.strip_suffix('%') {
            let p: f64 = p.trim().parse().map_err(|_| bad())?;
            if !(0.0..=100.0).contains(&p) {
                return Err(bad());
            }
            return Ok(RejectLimit::Fraction(p / 100.0));
        }
        t.parse::<u64>().map(RejectLimit::Rows).map_err(|_| bad())
    }
}

/// A batch refused because too many of its rows were rejected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    pub rows_rejected: u64,
    /// The most rejected rows the limit allowed.
    pub allowed: u64,
    /// The limit in words.
    pub limit: String,
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestSummary {
    pub batch_id: String,
    pub rows_read: u64,
    /// New contacts stored.
    pub rows_accepted: u64,
    /// Contacts whose id was already stored (ignored: ingesting again adds nothing); with
    /// `--replace`, those stored exactly as they are.
    pub rows_duplicate: u64,
    /// With `--replace`: stored contacts whose new version replaced them (counted in
    /// `rows_accepted` too).
    pub rows_replaced: u64,
    pub rows_quarantined: u64,
    /// Rows the profile says are not contacts, by reason.
    pub rows_skipped: BTreeMap<String, u64>,
    pub quarantine_file: Option<PathBuf>,
    /// `client/month` partitions rewritten.
    pub partitions: Vec<String>,
    pub committed: bool,
    /// Set when the batch was refused whole (too many rejected rows): nothing was stored and
    /// `quarantine_file` is the report of the refused batch.
    pub refused: Option<Refusal>,
    /// Set when the files are byte for byte those of a committed batch, read with the same
    /// profile and setup, and nothing has been withdrawn since: that batch's counts, nothing
    /// read again and nothing stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_as: Option<String>,
}

/// A row as the workspace stores it: its queue declared, its ids storable, its wall-clock times
/// read in `zone` (else its queue's zone; one resolver per zone, kept in `resolvers`).
pub(super) fn storable_contact(
    org: &Org,
    zone: Option<Tz>,
    resolvers: &mut FxHashMap<Tz, LocalResolver>,
    raw: RawContact<'_>,
) -> std::result::Result<Contact<'static>, FieldIssue> {
    let q = org.queues.get(raw.queue.as_ref()).ok_or_else(|| {
        FieldIssue::new(
            "queue",
            format!(
                "unknown queue {} (declare it in the setup file)",
                crate::io::quoted(&raw.queue)
            ),
        )
    })?;
    crate::contacts::storable::check_ids(raw.ids.as_ref())?;
    let zone = zone.unwrap_or(q.zone);
    let r = resolvers
        .entry(zone)
        .or_insert_with(|| LocalResolver::new(zone));
    Ok(validate(raw, r)?.into_owned())
}

/// Month partition (`YYYY-MM`, UTC) of an instant: where a contact is stored does not depend
/// on any calendar, so a change of a queue's zone never moves or duplicates it.
pub(super) fn utc_month(utc_s: i64) -> String {
    chrono::DateTime::from_timestamp(utc_s, 0)
        .map(|d| d.format("%Y-%m").to_string())
        .unwrap_or_default()
}

/// Ingest files as one batch: all of it lands, or nothing does (a failed batch leaves neither
/// fact files nor a quarantine report).
pub fn ingest(ws: &Workspace, req: &IngestRequest, progress: Progress) -> Result<IngestSummary> {
    let report = super::report::PendingReport::start(ws, &req.batch_id)?;
    report.settle(ingest_batch(ws, req, progress), |s| {
        s.quarantine_file.clone()
    })
}

fn ingest_batch(ws: &Workspace, req: &IngestRequest, progress: Progress) -> Result<IngestSummary> {
    super::stream::ingest_stream(ws, req, progress)
}

/// Write a batch's quarantine report (when it has rejected rows) and decide whether the reject
/// limit refuses the batch whole: nothing is then stored, and the report of the refused batch
/// says which rows and why. Returns where the report will be published, and the refusal.
pub(super) fn report_rejects(
    ws: &Workspace,
    batch_id: &str,
    issues: &[RowIssue],
    rows_read: u64,
    rows_rejected: u64,
    limit: &RejectLimit,
) -> Result<(Option<PathBuf>, Option<Refusal>)> {
    ws.ensure()?;
    if !issues.is_empty() || rows_rejected > 0 {
        write_quarantine(&super::report::partial_path(ws, batch_id), issues)?;
    }
    Ok(reject_verdict(
        ws,
        batch_id,
        !issues.is_empty(),
        rows_read,
        rows_rejected,
        limit,
    ))
}

/// Whether the reject limit refuses a batch whose quarantine report is written (`reported`:
/// it has rows), and where that report will be published.
pub(super) fn reject_verdict(
    ws: &Workspace,
    batch_id: &str,
    reported: bool,
    rows_read: u64,
    rows_rejected: u64,
    limit: &RejectLimit,
) -> (Option<PathBuf>, Option<Refusal>) {
    let allowed = limit.allowed(rows_read);
    if rows_rejected > allowed {
        return (
            Some(ws.quarantine_dir().join(format!("{batch_id}.refused.csv"))),
            Some(Refusal {
                rows_rejected,
                allowed,
                limit: limit.describe(),
            }),
        );
    }
    (
        reported.then(|| super::report::report_path(ws, batch_id)),
        None,
    )
}

/// The clients of `(client, month)` partitions, sorted.
pub(super) fn clients_of(touched: &BTreeSet<(String, String)>) -> Vec<String> {
    let clients: BTreeSet<&String> = touched.iter().map(|(c, _)| c).collect();
    clients.into_iter().cloned().collect()
}

/// The new sums of a partition, by queue and interval start.
pub(super) type PartSums = FxHashMap<(String, i64), IntervalSums>;

/// The new sums of each `(client, month)` partition a batch touched.
pub(super) type NewSums = BTreeMap<(String, String), PartSums>;

/// Add the new sums of each partition to its stored interval facts and swap the new interval
/// files into `manifest`; a partition in `recompute` (it lost contacts), or whose stored facts
/// were made with other queue settings than `org` gives now, is recomputed from all its
/// contacts instead (with no new sums and every partition in `recompute`: `facts rebuild`,
/// `ingest void`). Returns the partitions rewritten and the interval files they replace.
pub(super) fn update_intervals(
    ws: &Workspace,
    manifest: &mut Manifest,
    mut new: NewSums,
    recompute: &BTreeSet<(String, String)>,
    org: &Org,
    tag: &str,
) -> Result<(Vec<String>, Vec<FactFile>)> {
    let mut written = Vec::new();
    let mut partitions = Vec::new();
    let mut superseded = Vec::new();
    for key in recompute {
        new.entry(key.clone()).or_default();
    }
    for ((client, month), sums) in new {
        let same = |f: &FactFile| f.client == client && f.month == month;
        let recomputed = recompute.contains(&(client.clone(), month.clone()));
        let mut stored = Vec::new();
        if !recomputed {
            for f in manifest.intervals.iter().filter(|f| same(f)) {
                stored.extend(read_intervals(&ws.facts_dir().join(&f.path))?);
            }
        }
        let current = !recomputed
            && stale_queues(&stored, org).is_empty()
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

/// Make the files written under `tag` durable, commit `manifest`, then delete the files it no
/// longer names.
pub(super) fn publish(
    ws: &Workspace,
    lock: &super::facts::WriteLock,
    manifest: &super::facts::Manifest,
    tag: &str,
    superseded: Vec<FactFile>,
) -> Result<()> {
    // make the new files' directory entries durable before the manifest names them: each
    // partition directory and its parents (which may be new as well) up to facts/ itself
    let facts = ws.facts_dir();
    let mut dirs = BTreeSet::new();
    // every file written under `tag` carries it in its name (a rewritten file keeps the batch
    // id of its rows)
    for f in manifest
        .files()
        .filter(|f| f.batch_id == tag || f.path.contains(tag))
    {
        let p = facts.join(&f.path);
        let mut d = p.parent();
        while let Some(dir) = d {
            dirs.insert(dir.to_path_buf());
            if dir == facts.as_path() {
                break;
            }
            d = dir.parent();
        }
    }
    for d in dirs.iter().rev() {
        super::facts::sync_dir(d)?;
    }
    ws.commit(lock, manifest)?;
    // the old interval files are no longer named by the manifest
    for f in superseded {
        let _ = std::fs::remove_file(ws.facts_dir().join(&f.path));
    }
    Ok(())
}

/// What a setup change did to the facts: the queues whose facts settings changed (queue, what
/// changed) and the `client/month` partitions recomputed.
pub type SetupRefresh = (Vec<(String, String)>, Vec<String>);

/// After reference data changed from `old` to `new`: recompute, in one commit named `tag`,
/// the interval facts of every client with a queue whose facts settings changed.
pub fn refresh_after_setup(
    ws: &Workspace,
    old: &Org,
    new: &Org,
    tag: &str,
) -> Result<SetupRefresh> {
    let changes = old.facts_changes(new);
    if changes.is_empty() {
        return Ok((changes, Vec::new()));
    }
    let mut clients = BTreeSet::new();
    for (q, _) in &changes {
        for org in [old, new] {
            if let Some(x) = org.queues.get(q) {
                clients.insert(x.client.clone());
            }
        }
    }
    let parts = rebuild_intervals(ws, new, Some(&clients), tag)?;
    Ok((changes, parts))
}

/// Recompute interval partitions from the stored contacts with the queues' current settings
/// (after a change of threshold, short-abandon threshold, interval, target, zone or program),
/// as one atomic commit: every partition, or those of `clients`. Returns the partitions
/// rewritten.
pub fn rebuild_intervals(
    ws: &Workspace,
    org: &Org,
    clients: Option<&BTreeSet<String>>,
    tag: &str,
) -> Result<Vec<String>> {
    let lock = ws.lock()?;
    let mut manifest = ws.manifest()?;
    ws.remove_orphans(&lock, &manifest)?;
    let all: BTreeSet<(String, String)> = manifest
        .contacts
        .iter()
        .filter(|f| clients.is_none_or(|c| c.contains(&f.client)))
        .map(|f| (f.client.clone(), f.month.clone()))
        .collect();
    if all.is_empty() {
        return Ok(Vec::new());
    }
    let (partitions, superseded) =
        update_intervals(ws, &mut manifest, NewSums::new(), &all, org, tag)?;
    manifest.generation += 1;
    publish(ws, &lock, &manifest, tag, superseded)?;
    Ok(partitions)
}

fn write_quarantine(path: &Path, issues: &[RowIssue]) -> Result<()> {
    let mut w = QuarantineWriter::create(path)?;
    for i in issues {
        w.write(i)?;
    }
    w.finish()
}

/// A quarantine report written row by row: `file,line,field,reason,row`.
pub(super) struct QuarantineWriter {
    path: PathBuf,
    w: csv::Writer<std::fs::File>,
}

impl QuarantineWriter {
    pub(super) fn create(path: &Path) -> Result<Self> {
        let f = std::fs::File::create(path).map_err(io_err(path))?;
        let mut q = QuarantineWriter {
            path: path.to_path_buf(),
            w: csv::Writer::from_writer(f),
        };
        q.record(["file", "line", "field", "reason", "row"])?;
        Ok(q)
    }

    fn record<'a>(&mut self, r: impl IntoIterator<Item = &'a str>) -> Result<()> {
        let path = &self.path;
        self.w.write_record(r).map_err(|e| EngineError::Io {
            path: path.clone(),
            cause: std::io::Error::other(e.to_string()),
        })
    }

    pub(super) fn write(&mut self, i: &RowIssue) -> Result<()> {
        let line = i.line.to_string();
        self.record([
            i.file.as_str(),
            line.as_str(),
            i.field.as_str(),
            i.reason.as_str(),
            i.raw.as_str(),
        ])
    }

    pub(super) fn finish(self) -> Result<()> {
        let path = self.path;
        let mut inner = self.w.into_inner().map_err(|e| EngineError::Io {
            path: path.clone(),
            cause: std::io::Error::other(e.to_string()),
        })?;
        inner.flush().map_err(io_err(&path))
    }
}

/// Contacts as a record batch of the stored contacts schema.
pub(super) fn contacts_batch(
    rows: &[Contact<'static>],
    org: &Org,
    batch_id: &str,
) -> Result<RecordBatch> {
    let mut id = StringBuilder::new();
    let mut queue = StringBuilder::new();
    let mut channel = StringBuilder::new();
    let ts = || TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let (mut arrived, mut answered, mut ended) = (ts(), ts(), ts());
    let (mut talk, mut hold, mut acw) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
    );
    let mut agent = StringBuilder::new();
    let mut csat = Int64Builder::new();
    let mut site = StringBuilder::new();
    let mut nps = Int64Builder::new();
    let mut fcr = BooleanBuilder::new();
    let mut transferred = BooleanBuilder::new();
    let (mut client, mut program, mut zone, mut batch) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let (mut minutes, mut t, mut s) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
    );
    for c in rows {
        let q: &Queue = &org.queues[c.queue.as_ref()];
        id.append_value(c.contact_id());
        queue.append_value(c.queue.as_ref());
        channel.append_option(c.ids.as_ref().and_then(|i| i.channel).map(|x| x.as_str()));
        arrived.append_value(c.timing.arrived_s * 1_000_000);
        answered.append_option(c.timing.answered_s.map(|x| x * 1_000_000));
        ended.append_option(c.timing.ended_s.map(|x| x * 1_000_000));
        talk.append_value(c.timing.talk_s);
        hold.append_value(c.timing.hold_s);
        acw.append_value(c.timing.acw_s);
        agent.append_option(c.ids.as_ref().and_then(|i| i.agent_id.as_deref()));
        csat.append_option(c.csat.map(i64::from));
        site.append_option(c.ids.as_ref().and_then(|i| i.site.as_deref()));
        nps.append_option(c.nps.map(i64::from));
        fcr.append_option(c.resolved_first_contact);
        transferred.append_option(c.transferred);
        client.append_value(&q.client);
        program.append_value(&q.program);
        zone.append_value(q.zone.name());
        minutes.append_value(i64::from(q.interval.minutes()));
        t.append_value(q.thresholds.service_s);
        s.append_value(q.thresholds.short_abandon_s);
        batch.append_value(batch_id);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(queue.finish()),
        Arc::new(channel.finish()),
        Arc::new(arrived.finish()),
        Arc::new(answered.finish()),
        Arc::new(ended.finish()),
        Arc::new(talk.finish()),
        Arc::new(hold.finish()),
        Arc::new(acw.finish()),
        Arc::new(agent.finish()),
        Arc::new(csat.finish()),
        Arc::new(site.finish()),
        Arc::new(nps.finish()),
        Arc::new(fcr.finish()),
        Arc::new(transferred.finish()),
        Arc::new(client.finish()),
        Arc::new(program.finish()),
        Arc::new(zone.finish()),
        Arc::new(minutes.finish()),
        Arc::new(t.finish()),
        Arc::new(s.finish()),
        Arc::new(batch.finish()),
    ];
    RecordBatch::try_new(contact_schema(), cols).map_err(|e| EngineError::Internal(e.to_string()))
}

/// Sums a workspace's own contact files per queue × interval with the queues' current settings.
pub(crate) struct PartitionSink<'o> {
    org: &'o Org,
    resolver: LocalResolver,
    /// Queues met so far, with their aligners; `sums` and `add_clean` index this.
    queues: Vec<(&'o Queue, ZoneCache)>,
    queue_ix: FxHashMap<&'o str, u32>,
    sums: SlotSums,
    problems: Vec<String>,
}

impl<'o> PartitionSink<'o> {
    pub(crate) fn new(org: &'o Org) -> Self {
        PartitionSink {
            org,
            resolver: LocalResolver::new(chrono_tz::UTC),
            queues: Vec::new(),
            queue_ix: FxHashMap::default(),
            sums: SlotSums::default(),
            problems: Vec::new(),
        }
    }

    /// Everything the sink has counted, with queues by id, for comparing two runs.
    #[cfg(test)]
    pub(crate) fn snapshot(&self) -> String {
        let mut sums: Vec<_> = self
            .sums
            .iter()
            .map(|((q, t), v)| ((self.queues[q as usize].0.id.as_str(), t), v))
            .collect();
        sums.sort_by(|a, b| a.0.cmp(&b.0));
        format!("sums {sums:?}\n{:#?}", self.problems)
    }
}

impl ContactSink for PartitionSink<'_> {
    const IDS: bool = false;
    fn contact(&mut self, raw: RawContact<'_>, line: u64) -> std::result::Result<(), FieldIssue> {
        let Some(q) = self.queue_slot(&raw.queue) else {
            self.problems.push(format!(
                "row {line}: queue {:?} is no longer in the reference data",
                raw.queue
            ));
            return Ok(());
        };
        let c = validate(raw, &mut self.resolver)?;
        self.add_clean(q, c.timing.arrived_s, &c.outcome());
        Ok(())
    }
    fn columnar(&mut self) -> Option<&mut LocalResolver> {
        Some(&mut self.resolver)
    }
    fn queue_slot(&mut self, queue: &str) -> Option<u32> {
        if let Some(q) = self.queue_ix.get(queue) {
            return Some(*q);
        }
        let (id, q) = self.org.queues.get_key_value(queue)?;
        let slot = self.queues.len() as u32;
        self.queues.push((q, ZoneCache::new(q.zone)));
        self.queue_ix.insert(id, slot);
        Some(slot)
    }
    #[inline]
    fn add_clean(&mut self, slot: u32, arrived_s: i64, o: &ContactOutcome) {
        let (q, align) = &mut self.queues[slot as usize];
        self.sums
            .at(slot, arrived_s, align, q.interval)
            .add_contact(o, q.thresholds);
    }
    fn skip(&mut self, reason: &'static str) {
        self.problems.push(reason.to_string());
    }
    fn issue(&mut self, line: u64, issue: FieldIssue, _raw: String) {
        self.problems
            .push(format!("row {line}: {}: {}", issue.field, issue.reason));
    }
}

/// Interval facts of stored contact files, summed with the queues' current settings.
pub fn aggregate_contact_files(files: &[PathBuf], org: &Org) -> Result<Vec<IntervalFact>> {
    let profile = Profile::canonical();
    let mut total: FxHashMap<(String, i64), IntervalSums> = FxHashMap::default();
    for f in files {
        let sinks = read_contacts(
            f,
            &profile,
            DEFAULT_MAX_FIELD_BYTES,
            || PartitionSink::new(org),
            &|_| {},
        )?;
        for s in sinks {
            if let Some(p) = s.problems.first() {
                return Err(EngineError::Workspace {
                    path: f.clone(),
                    message: format!("stored contacts cannot be aggregated: {p}"),
                });
            }
            for ((q, start), v) in s.sums.iter() {
                *total
                    .entry((s.queues[q as usize].0.id.clone(), start))
                    .or_default() += *v;
            }
        }
    }
    let mut out: Vec<IntervalFact> = total
        .into_iter()
        .map(|((queue, start), sums)| {
            let q = &org.queues[&queue];
            IntervalFact::of_queue(queue, q, start, sums)
        })
        .collect();
    out.sort_by(|a, b| (&a.queue, a.interval_start_utc).cmp(&(&b.queue, b.interval_start_utc)));
    Ok(out)
}

//! Cases in the fact store: the ingest of case logs as one atomic, idempotent batch (updates
//! stored per client × UTC month of the case's opening; an update already stored is not stored
//! again; `--replace` swaps a case's stored updates for the file's), the clock policy of each
//! ticket queue kept in the manifest with every earlier version, the case records of every
//! touched partition and the client's day facts recomputed, all made visible by one manifest
//! rename; and the readers of case records and day facts, by scope.

use super::facts::{write_parquet, BatchRecord, FactFile, Manifest, Workspace};
use super::ingest::{publish, Refusal, RejectLimit};
use crate::cases::record::AGE_BAND_NAMES;
use crate::cases::{case_days, case_record, CaseDay, CaseProfile, CaseRecord, CaseUpdate};
use crate::cases::{ClockOutcome, ReadCase};
use crate::error::{io_err, EngineError, Result};
use crate::io::{quoted, Progress, RowIssue};
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::NaiveDate;
use chrono_tz::Tz;
use opsdeck_core::clock::{ClockPolicy, Stage};
use opsdeck_core::{Org, Scope};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One version of a ticket queue's clock policy, as given (TOML text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub queue: String,
    /// 1 for the first policy of the queue, counting up.
    pub version: u32,
    pub batch_id: String,
    pub committed_at: String,
    /// The file it was read from, for the record.
    pub file: String,
    pub text: String,
}

/// What a case ingest reads and how.
pub struct CaseIngestRequest<'a> {
    pub files: &'a [PathBuf],
    pub profile: &'a CaseProfile,
    /// Every case to this queue (else by assignment group).
    pub queue: Option<&'a str>,
    pub zone: Tz,
    /// A clock policy file (path, text) for the queues of this batch.
    pub policy: Option<(&'a Path, &'a str)>,
    pub org: &'a Org,
    pub batch_id: String,
    pub committed_at: String,
    /// Replace the stored updates of each case in the files by the files' updates.
    pub replace: bool,
    pub max_rejects: RejectLimit,
}

/// What a case ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseIngestSummary {
    pub batch_id: String,
    pub rows_read: u64,
    pub cases_read: u64,
    /// Updates stored (new ones; with `--replace` also the new versions of replaced cases).
    pub updates_stored: u64,
    /// Of the updates stored, the openings placed at a case's opening time (not rows of the
    /// files).
    pub openings_stored: u64,
    /// Updates already stored as they are.
    pub updates_duplicate: u64,
    /// Cases whose stored updates `--replace` swapped.
    pub cases_replaced: u64,
    pub rows_quarantined: u64,
    pub quarantine_file: Option<PathBuf>,
    /// Queues whose clock policy this batch stored (a new version).
    pub policies_stored: Vec<String>,
    /// `client/month` partitions whose case records were recomputed.
    pub partitions: Vec<String>,
    pub committed: bool,
    pub refused: Option<Refusal>,
}

/// The queue's clock policy in force (the last version), parsed; errors name the queue.
pub fn queue_policy(m: &Manifest, queue: &str, org: &Org) -> Result<Option<Vec<ClockPolicy>>> {
    m.clock_policies
        .iter()
        .rev()
        .find(|p| p.queue == queue)
        .map(|p| parse_policy(&p.text, Path::new(&p.file), org))
        .transpose()
}

/// Read a policy for the workspace: every condition tests a canonical case field.
pub fn parse_policy(text: &str, path: &Path, org: &Org) -> Result<Vec<ClockPolicy>> {
    let policies = crate::inputs::clock_policy::read_policies(text, path, Some(org))?;
    for p in &policies {
        let conds = [
            Some(&p.start),
            p.stop.as_ref(),
            p.pause.as_ref(),
            p.resume.as_ref(),
            p.reset.as_ref(),
        ];
        let cancel = match &p.cancel {
            opsdeck_core::clock::CancelRule::When(c) => Some(c),
            _ => None,
        };
        for c in conds.into_iter().chain([cancel]).flatten() {
            if let Some(cl) =
                c.0.iter()
                    .find(|cl| !crate::cases::FIELDS.contains(&cl.field.as_str()))
            {
                return Err(EngineError::Input {
                    path: path.to_path_buf(),
                    message: format!(
                        "clock {}: field {} is not a case field of the workspace (conditions test {}; the profile maps the export's columns onto them)",
                        quoted(&p.name),
                        quoted(&cl.field),
                        crate::cases::FIELDS.join(", ")
                    ),
                });
            }
        }
    }
    Ok(policies)
}

/// UTC month `YYYY-MM` of an instant.
fn utc_month(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m").to_string())
        .unwrap_or_default()
}

/// Ingest case logs as one batch: all of it lands, or nothing does.
pub fn ingest_cases(
    ws: &Workspace,
    req: &CaseIngestRequest,
    progress: Progress,
) -> Result<CaseIngestSummary> {
    let report = super::report::PendingReport::start(ws, &req.batch_id)?;
    report.settle(ingest_batch(ws, req, progress), |s| {
        s.quarantine_file.clone()
    })
}

fn ingest_batch(
    ws: &Workspace,
    req: &CaseIngestRequest,
    progress: Progress,
) -> Result<CaseIngestSummary> {
    let mut summary = CaseIngestSummary {
        batch_id: req.batch_id.clone(),
        ..Default::default()
    };
    // the batch's cases, one entry per (client, case id): the files' updates merged
    let mut batch: BTreeMap<(String, String), ReadCase> = BTreeMap::new();
    let mut issues: Vec<RowIssue> = Vec::new();
    let mut bytes_before = 0u64;
    for path in req.files {
        let base = bytes_before;
        bytes_before += std::fs::metadata(path).map_or(0, |m| m.len());
        let read =
            crate::cases::read_cases(path, req.profile, req.org, req.queue, req.zone, &|n| {
                progress(base + n)
            })?;
        summary.rows_read += read.rows_read;
        summary.rows_quarantined += read.rows_quarantined;
        issues.extend(read.issues);
        for c in read.cases {
            match batch.entry((c.client.clone(), c.case_id.clone())) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(c);
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    let kept = o.get_mut();
                    kept.updates.extend(c.updates);
                    kept.queue = c.queue;
                    dedup_updates(&mut kept.updates);
                }
            }
        }
    }
    summary.cases_read = batch.len() as u64;

    let (file, refused) = super::ingest::report_rejects(
        ws,
        &req.batch_id,
        &issues,
        summary.rows_read,
        summary.rows_quarantined,
        &req.max_rejects,
    )?;
    summary.quarantine_file = file;
    if refused.is_some() {
        summary.refused = refused;
        return Ok(summary);
    }

    let lock = ws.lock()?;
    let mut manifest = ws.manifest()?;
    ws.remove_orphans(&lock, &manifest)?;

    // clock policies: a new version for each queue of the batch whose policy differs
    let queues: BTreeSet<String> = batch.values().map(|c| c.queue.clone()).collect();
    let mut touched_clients: BTreeSet<String> = BTreeSet::new();
    if let Some((path, text)) = req.policy {
        parse_policy(text, path, req.org)?;
        for q in &queues {
            let last = manifest.clock_policies.iter().rev().find(|p| &p.queue == q);
            if last.is_some_and(|p| p.text == text) {
                continue;
            }
            let version = last.map_or(1, |p| p.version + 1);
            manifest.clock_policies.push(PolicyVersion {
                queue: q.clone(),
                version,
                batch_id: req.batch_id.clone(),
                committed_at: req.committed_at.clone(),
                file: path.display().to_string(),
                text: text.to_string(),
            });
            summary.policies_stored.push(q.clone());
            touched_clients.insert(req.org.queues[q].client.clone());
        }
    }
    for q in &queues {
        if queue_policy(&manifest, q, req.org)?.is_none() {
            return Err(EngineError::invalid(
                "policy",
                format!(
                    "ticket queue {} has no clock policy yet; give one with the policy file (docs/formats.md §9)",
                    quoted(q)
                ),
            ));
        }
    }

    // where each stored case lives, from the case records of the batch's clients
    let clients: BTreeSet<String> = batch.keys().map(|(c, _)| c.clone()).collect();
    let mut touched: BTreeSet<(String, String)> = BTreeSet::new();
    let mut new_files = Vec::new();
    let mut rewritten: Vec<(FactFile, Option<FactFile>)> = Vec::new();
    for client in &clients {
        let mut home: BTreeMap<String, String> = BTreeMap::new();
        for f in manifest.cases.iter().filter(|f| &f.client == client) {
            for id in read_strings(&ws.facts_dir().join(&f.path), "case_id")? {
                home.insert(id, f.month.clone());
            }
        }
        let mine: Vec<&ReadCase> = batch
            .range((client.clone(), String::new())..)
            .take_while(|((c, _), _)| c == client)
            .map(|(_, c)| c)
            .collect();
        // the stored updates of the cases the batch brings again, by partition
        let months: BTreeSet<&String> = mine.iter().filter_map(|c| home.get(&c.case_id)).collect();
        let mut stored: BTreeMap<String, Vec<CaseUpdate>> = BTreeMap::new();
        for f in manifest
            .case_events
            .iter()
            .filter(|f| &f.client == client && months.contains(&f.month))
        {
            let ids: BTreeSet<&str> = mine.iter().map(|c| c.case_id.as_str()).collect();
            for (id, u) in read_updates(&ws.facts_dir().join(&f.path))? {
                if ids.contains(id.as_str()) {
                    stored.entry(id).or_default().push(u.0);
                }
            }
        }
        let mut by_month: BTreeMap<String, Vec<(String, String, CaseUpdate)>> = BTreeMap::new();
        let mut replaced: BTreeSet<String> = BTreeSet::new();
        for c in &mine {
            let month = home
                .get(&c.case_id)
                .cloned()
                .unwrap_or_else(|| utc_month(c.updates.first().map_or(0, |u| u.at_utc)));
            let old = stored.get(&c.case_id);
            let old_keys: BTreeSet<_> = old
                .map(|o| o.iter().map(CaseUpdate::key).collect())
                .unwrap_or_default();
            let fresh: Vec<&CaseUpdate> = if req.replace && old.is_some() {
                let new_keys: BTreeSet<_> = c.updates.iter().map(CaseUpdate::key).collect();
                if new_keys == old_keys {
                    vec![]
                } else {
                    replaced.insert(c.case_id.clone());
                    c.updates.iter().collect()
                }
            } else {
                c.updates
                    .iter()
                    .filter(|u| !old_keys.contains(&u.key()))
                    .collect()
            };
            summary.updates_duplicate += (c.updates.len() - fresh.len()) as u64;
            summary.updates_stored += fresh.len() as u64;
            summary.openings_stored += fresh.iter().filter(|u| u.synthetic).count() as u64;
            if !fresh.is_empty() {
                touched.insert((client.clone(), month.clone()));
                by_month.entry(month).or_default().extend(
                    fresh
                        .into_iter()
                        .map(|u| (c.case_id.clone(), c.queue.clone(), u.clone())),
                );
            }
        }
        summary.cases_replaced += replaced.len() as u64;
        // --replace: the replaced cases' stored updates leave their files
        if !replaced.is_empty() {
            for f in manifest.case_events.iter().filter(|f| {
                &f.client == client && touched.contains(&(f.client.clone(), f.month.clone()))
            }) {
                let rows = read_updates(&ws.facts_dir().join(&f.path))?;
                if !rows.iter().any(|(id, _)| replaced.contains(id)) {
                    continue;
                }
                let keep: Vec<(String, String, CaseUpdate)> = rows
                    .into_iter()
                    .filter(|(id, _)| !replaced.contains(id))
                    .map(|(id, (u, q))| (id, q, u))
                    .collect();
                let again = (!keep.is_empty())
                    .then(|| -> Result<FactFile> {
                        let rel = format!(
                            "{}.{}.parquet",
                            f.path.trim_end_matches(".parquet"),
                            req.batch_id
                        );
                        write_updates(&ws.facts_dir().join(&rel), &keep, &f.batch_id)?;
                        Ok(FactFile {
                            path: rel,
                            rows: keep.len() as u64,
                            ..f.clone()
                        })
                    })
                    .transpose()?;
                rewritten.push((f.clone(), again));
            }
        }
        for (month, rows) in by_month {
            let rel = format!(
                "case_events/client={client}/month={month}/{}.parquet",
                req.batch_id
            );
            write_updates(&ws.facts_dir().join(&rel), &rows, &req.batch_id)?;
            new_files.push(FactFile {
                path: rel,
                client: client.clone(),
                month,
                rows: rows.len() as u64,
                batch_id: req.batch_id.clone(),
            });
        }
    }
    // a new policy recomputes every partition of its client
    for client in &touched_clients {
        for f in manifest.case_events.iter().filter(|f| &f.client == client) {
            touched.insert((client.clone(), f.month.clone()));
        }
    }
    if touched.is_empty() && summary.policies_stored.is_empty() {
        return Ok(summary);
    }
    let mut superseded = Vec::new();
    for (old, again) in rewritten {
        manifest.case_events.retain(|f| f.path != old.path);
        manifest.case_events.extend(again);
        superseded.push(old);
    }
    manifest.case_events.extend(new_files);
    let (partitions, gone) = recompute(ws, &mut manifest, &touched, req.org, &req.batch_id)?;
    superseded.extend(gone);
    summary.partitions = partitions;
    manifest.generation += 1;
    let mut batch_clients: BTreeSet<String> = touched.iter().map(|(c, _)| c.clone()).collect();
    batch_clients.extend(touched_clients);
    manifest.batches.push(BatchRecord {
        batch_id: req.batch_id.clone(),
        committed_at: req.committed_at.clone(),
        files: req.files.iter().map(|p| p.display().to_string()).collect(),
        profile: req.profile.name.clone(),
        kind: "cases".into(),
        rows_read: summary.rows_read,
        rows_accepted: summary.updates_stored,
        rows_duplicate: summary.updates_duplicate,
        rows_quarantined: summary.rows_quarantined,
        rows_skipped: 0,
        rows_replaced: summary.cases_replaced,
        rows_withdrawn: 0,
        voided_by: None,
        clients: batch_clients.into_iter().collect(),
        input_digest: None,
    });
    publish(ws, &lock, &manifest, &req.batch_id, superseded)?;
    summary.committed = true;
    Ok(summary)
}

/// Keep one of each update (by [`CaseUpdate::key`]), in time order (ties: file order).
fn dedup_updates(u: &mut Vec<CaseUpdate>) {
    let mut seen = BTreeSet::new();
    u.retain(|x| {
        seen.insert(CaseUpdate {
            line: 0,
            ..x.clone()
        })
    });
    u.sort_by_key(|x| x.at_utc);
}

/// Recompute the case records of the touched partitions from all their updates under each
/// queue's policy, and the day facts of their clients from all the clients' records; swap the
/// new files into `manifest`. Returns the partitions recomputed and the files replaced.
fn recompute(
    ws: &Workspace,
    manifest: &mut Manifest,
    touched: &BTreeSet<(String, String)>,
    org: &Org,
    tag: &str,
) -> Result<(Vec<String>, Vec<FactFile>)> {
    let mut policies: BTreeMap<String, Vec<ClockPolicy>> = BTreeMap::new();
    let mut gone = Vec::new();
    let mut partitions = Vec::new();
    for (client, month) in touched {
        let mut cases: BTreeMap<String, (String, Vec<CaseUpdate>)> = BTreeMap::new();
        for f in manifest
            .case_events
            .iter()
            .filter(|f| &f.client == client && &f.month == month)
        {
            for (id, (u, q)) in read_updates(&ws.facts_dir().join(&f.path))? {
                let e = cases.entry(id).or_default();
                e.0 = q;
                e.1.push(u);
            }
        }
        let mut records = Vec::with_capacity(cases.len());
        for (id, (queue, mut updates)) in cases {
            dedup_updates(&mut updates);
            if !policies.contains_key(&queue) {
                let p = queue_policy(manifest, &queue, org)?.unwrap_or_default();
                policies.insert(queue.clone(), p);
            }
            records.push(case_record(
                &id,
                client,
                &queue,
                &updates,
                &policies[&queue],
            ));
        }
        let rel = format!("cases/client={client}/month={month}/{tag}.parquet");
        write_records(&ws.facts_dir().join(&rel), &records)?;
        gone.extend(
            manifest
                .cases
                .iter()
                .filter(|f| &f.client == client && &f.month == month)
                .cloned(),
        );
        manifest
            .cases
            .retain(|f| !(&f.client == client && &f.month == month));
        manifest.cases.push(FactFile {
            path: rel,
            client: client.clone(),
            month: month.clone(),
            rows: records.len() as u64,
            batch_id: tag.to_string(),
        });
        partitions.push(format!("{client}/{month}"));
    }
    let clients: BTreeSet<&String> = touched.iter().map(|(c, _)| c).collect();
    for client in clients {
        let mut records = Vec::new();
        for f in manifest.cases.iter().filter(|f| &f.client == client) {
            records.extend(read_records(&ws.facts_dir().join(&f.path))?);
        }
        let end = records.iter().map(|r| r.last_update_utc).max().unwrap_or(0);
        let zone_of = |q: &str| org.queues.get(q).map_or(chrono_tz::UTC, |q| q.zone);
        let days = case_days(&records, end, &zone_of);
        gone.extend(
            manifest
                .case_days
                .iter()
                .filter(|f| &f.client == client)
                .cloned(),
        );
        manifest.case_days.retain(|f| &f.client != client);
        let mut by_month: BTreeMap<String, Vec<&CaseDay>> = BTreeMap::new();
        for d in &days {
            by_month
                .entry(d.day.format("%Y-%m").to_string())
                .or_default()
                .push(d);
        }
        for (month, rows) in by_month {
            let rel = format!("case_days/client={client}/month={month}/{tag}.parquet");
            write_days(&ws.facts_dir().join(&rel), &rows)?;
            manifest.case_days.push(FactFile {
                path: rel,
                client: client.clone(),
                month,
                rows: rows.len() as u64,
                batch_id: tag.to_string(),
            });
        }
    }
    Ok((partitions, gone))
}

impl Workspace {
    /// The case records of the clients `scope` may read (one client, or all).
    pub fn case_records(&self, scope: &Scope, client: Option<&str>) -> Result<Vec<CaseRecord>> {
        let m = self.manifest()?;
        let mut out = Vec::new();
        for f in m
            .cases
            .iter()
            .filter(|f| scope.allows(&f.client) && client.is_none_or(|c| c == f.client))
        {
            out.extend(read_records(&self.facts_dir().join(&f.path))?);
        }
        Ok(out)
    }

    /// The case day facts of local days `from..=to` of the clients `scope` may read.
    pub fn case_days(
        &self,
        scope: &Scope,
        client: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CaseDay>> {
        let m = self.manifest()?;
        let mut out = Vec::new();
        for f in m.case_days.iter().filter(|f| {
            scope.allows(&f.client)
                && client.is_none_or(|c| c == f.client)
                && super::facts::partition_may_hold(&f.month, from, to)
        }) {
            out.extend(
                read_days(&self.facts_dir().join(&f.path))?
                    .into_iter()
                    .filter(|d| d.day >= from && d.day <= to),
            );
        }
        Ok(out)
    }

    /// The stored updates of every case of `client` (when `scope` may read it) — of one queue,
    /// or of all — by case id, in time order.
    pub fn client_cases(
        &self,
        scope: &Scope,
        client: &str,
        queue: Option<&str>,
    ) -> Result<BTreeMap<String, Vec<CaseUpdate>>> {
        let mut out: BTreeMap<String, Vec<CaseUpdate>> = BTreeMap::new();
        if !scope.allows(client) {
            return Ok(out);
        }
        let m = self.manifest()?;
        for f in m.case_events.iter().filter(|f| f.client == client) {
            for (id, (u, q)) in read_updates(&self.facts_dir().join(&f.path))? {
                if queue.is_none_or(|x| x == q) {
                    out.entry(id).or_default().push(u);
                }
            }
        }
        for u in out.values_mut() {
            dedup_updates(u);
        }
        Ok(out)
    }
}

// --- Parquet: the three case tables -------------------------------------------------------

fn ts(name: &str, nullable: bool) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        nullable,
    )
}

fn internal(e: impl std::fmt::Display) -> EngineError {
    EngineError::Internal(e.to_string())
}

fn batch_of(fields: Vec<Field>, cols: Vec<ArrayRef>) -> Result<RecordBatch> {
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(internal)
}

fn ts_builder() -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::new().with_timezone("UTC")
}

/// Write updates `(case id, queue, update)`.
fn write_updates(path: &Path, rows: &[(String, String, CaseUpdate)], batch: &str) -> Result<()> {
    let (mut id, mut queue, mut at) = (StringBuilder::new(), StringBuilder::new(), ts_builder());
    let mut text: [StringBuilder; 4] = std::array::from_fn(|_| StringBuilder::new());
    let (mut synthetic, mut line, mut b) = (
        BooleanBuilder::new(),
        Int64Builder::new(),
        StringBuilder::new(),
    );
    for (case, q, u) in rows {
        id.append_value(case);
        queue.append_value(q);
        at.append_value(u.at_utc * 1_000_000);
        for (k, v) in [&u.status, &u.priority, &u.group, &u.assignee]
            .into_iter()
            .enumerate()
        {
            text[k].append_value(v);
        }
        synthetic.append_value(u.synthetic);
        line.append_value(u.line as i64);
        b.append_value(batch);
    }
    let mut fields = vec![
        Field::new("case_id", DataType::Utf8, false),
        Field::new("queue", DataType::Utf8, false),
        ts("at", false),
    ];
    fields.extend(crate::cases::FIELDS.map(|n| Field::new(n, DataType::Utf8, false)));
    fields.extend([
        Field::new("synthetic", DataType::Boolean, false),
        Field::new("source_line", DataType::Int64, false),
        Field::new("batch_id", DataType::Utf8, false),
    ]);
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(queue.finish()),
        Arc::new(at.finish()),
    ];
    cols.extend(text.iter_mut().map(|t| Arc::new(t.finish()) as ArrayRef));
    cols.extend([
        Arc::new(synthetic.finish()) as ArrayRef,
        Arc::new(line.finish()),
        Arc::new(b.finish()),
    ]);
    write_parquet(path, &batch_of(fields, cols)?)
}

fn read_batches(path: &Path) -> Result<Vec<RecordBatch>> {
    let perr = |m: String| EngineError::Parquet {
        path: path.to_path_buf(),
        message: m,
    };
    let f = std::fs::File::open(path).map_err(io_err(path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.build())
        .map_err(|e| perr(e.to_string()))?;
    reader.map(|b| b.map_err(|e| perr(e.to_string()))).collect()
}

fn column<'a>(path: &Path, b: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    b.column_by_name(name).ok_or_else(|| EngineError::Parquet {
        path: path.to_path_buf(),
        message: format!("missing column {name}"),
    })
}

fn read_strings(path: &Path, name: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for b in read_batches(path)? {
        let c = column(path, &b, name)?.as_string::<i32>();
        out.extend((0..b.num_rows()).map(|i| c.value(i).to_string()));
    }
    Ok(out)
}

/// Read updates: `(case id, (update, queue))`.
fn read_updates(path: &Path) -> Result<Vec<(String, (CaseUpdate, String))>> {
    let mut out = Vec::new();
    for b in read_batches(path)? {
        let s = |n: &str| -> Result<_> { Ok(column(path, &b, n)?.as_string::<i32>()) };
        let (id, queue, status, priority, group, assignee) = (
            s("case_id")?,
            s("queue")?,
            s("status")?,
            s("priority")?,
            s("group")?,
            s("assignee")?,
        );
        let at = column(path, &b, "at")?.as_primitive::<TimestampMicrosecondType>();
        let synthetic = column(path, &b, "synthetic")?.as_boolean();
        let line = column(path, &b, "source_line")?.as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            out.push((
                id.value(i).to_string(),
                (
                    CaseUpdate {
                        at_utc: at.value(i).div_euclid(1_000_000),
                        status: status.value(i).to_string(),
                        priority: priority.value(i).to_string(),
                        group: group.value(i).to_string(),
                        assignee: assignee.value(i).to_string(),
                        synthetic: synthetic.value(i),
                        line: line.value(i).max(0) as u64,
                    },
                    queue.value(i).to_string(),
                ),
            ));
        }
    }
    Ok(out)
}

/// The clock columns of a record, for one kind (`response_…` / `resolution_…`).
struct ClockCols {
    clock: StringBuilder,
    target: Int64Builder,
    stage: StringBuilder,
    stop: TimestampMicrosecondBuilder,
    elapsed: Int64Builder,
    business: Int64Builder,
    actual: Int64Builder,
    breach: TimestampMicrosecondBuilder,
}

impl ClockCols {
    fn new() -> ClockCols {
        ClockCols {
            clock: StringBuilder::new(),
            target: Int64Builder::new(),
            stage: StringBuilder::new(),
            stop: ts_builder(),
            elapsed: Int64Builder::new(),
            business: Int64Builder::new(),
            actual: Int64Builder::new(),
            breach: ts_builder(),
        }
    }
    fn push(&mut self, c: Option<&ClockOutcome>) {
        self.clock.append_option(c.map(|c| &c.clock));
        self.target.append_option(c.map(|c| c.target_s));
        self.stage.append_option(c.map(|c| stage_name(c.stage)));
        self.stop
            .append_option(c.and_then(|c| c.stop_utc).map(|t| t * 1_000_000));
        self.elapsed.append_option(c.map(|c| c.elapsed_s));
        self.business.append_option(c.map(|c| c.business_s));
        self.actual.append_option(c.map(|c| c.actual_s));
        self.breach
            .append_option(c.and_then(|c| c.breach_utc).map(|t| t * 1_000_000));
    }
    fn fields(kind: &str) -> Vec<Field> {
        let n = |s: &str| format!("{kind}_{s}");
        vec![
            Field::new(n("clock"), DataType::Utf8, true),
            Field::new(n("target_s"), DataType::Int64, true),
            Field::new(n("stage"), DataType::Utf8, true),
            ts(&n("stop_at"), true),
            Field::new(n("elapsed_s"), DataType::Int64, true),
            Field::new(n("business_s"), DataType::Int64, true),
            Field::new(n("actual_s"), DataType::Int64, true),
            ts(&n("breach_at"), true),
        ]
    }
    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.clock.finish()),
            Arc::new(self.target.finish()),
            Arc::new(self.stage.finish()),
            Arc::new(self.stop.finish()),
            Arc::new(self.elapsed.finish()),
            Arc::new(self.business.finish()),
            Arc::new(self.actual.finish()),
            Arc::new(self.breach.finish()),
        ]
    }
}

pub(crate) fn stage_name(s: Stage) -> &'static str {
    match s {
        Stage::InProgress => "in_progress",
        Stage::Paused => "paused",
        Stage::Completed => "completed",
        Stage::Cancelled => "cancelled",
    }
}

fn stage_of(s: &str) -> Stage {
    match s {
        "paused" => Stage::Paused,
        "completed" => Stage::Completed,
        "cancelled" => Stage::Cancelled,
        _ => Stage::InProgress,
    }
}

fn write_records(path: &Path, records: &[CaseRecord]) -> Result<()> {
    let mut text: [StringBuilder; 5] = std::array::from_fn(|_| StringBuilder::new());
    let (mut opened, mut last) = (ts_builder(), ts_builder());
    let (mut updates, mut reopens, mut first_reopen, mut last_resolved) = (
        Int64Builder::new(),
        Int64Builder::new(),
        ts_builder(),
        ts_builder(),
    );
    let (mut response, mut resolution) = (ClockCols::new(), ClockCols::new());
    for r in records {
        for (k, v) in [&r.case_id, &r.client, &r.queue, &r.priority, &r.status]
            .into_iter()
            .enumerate()
        {
            text[k].append_value(v);
        }
        opened.append_value(r.opened_utc * 1_000_000);
        last.append_value(r.last_update_utc * 1_000_000);
        updates.append_value(r.updates as i64);
        response.push(r.response.as_ref());
        resolution.push(r.resolution.as_ref());
        reopens.append_value(r.reopens as i64);
        first_reopen.append_option(r.first_reopen_utc.map(|t| t * 1_000_000));
        last_resolved.append_option(r.last_resolved_utc.map(|t| t * 1_000_000));
    }
    let mut fields: Vec<Field> = ["case_id", "client", "queue", "priority", "status"]
        .map(|n| Field::new(n, DataType::Utf8, false))
        .into();
    fields.extend([
        ts("opened_at", false),
        ts("last_update_at", false),
        Field::new("updates", DataType::Int64, false),
    ]);
    fields.extend(ClockCols::fields("response"));
    fields.extend(ClockCols::fields("resolution"));
    fields.extend([
        Field::new("reopens", DataType::Int64, false),
        ts("first_reopen_at", true),
        ts("last_resolved_at", true),
    ]);
    let mut cols: Vec<ArrayRef> = text
        .iter_mut()
        .map(|t| Arc::new(t.finish()) as ArrayRef)
        .collect();
    cols.extend([
        Arc::new(opened.finish()) as ArrayRef,
        Arc::new(last.finish()),
        Arc::new(updates.finish()),
    ]);
    cols.extend(response.finish());
    cols.extend(resolution.finish());
    cols.extend([
        Arc::new(reopens.finish()) as ArrayRef,
        Arc::new(first_reopen.finish()),
        Arc::new(last_resolved.finish()),
    ]);
    write_parquet(path, &batch_of(fields, cols)?)
}

fn read_records(path: &Path) -> Result<Vec<CaseRecord>> {
    let mut out = Vec::new();
    for b in read_batches(path)? {
        let s = |n: &str| -> Result<_> { Ok(column(path, &b, n)?.as_string::<i32>()) };
        let t = |n: &str| -> Result<_> {
            Ok(column(path, &b, n)?.as_primitive::<TimestampMicrosecondType>())
        };
        let i = |n: &str| -> Result<_> { Ok(column(path, &b, n)?.as_primitive::<Int64Type>()) };
        let (id, client, queue, priority, status) = (
            s("case_id")?,
            s("client")?,
            s("queue")?,
            s("priority")?,
            s("status")?,
        );
        let (opened, last) = (t("opened_at")?, t("last_update_at")?);
        let (first_reopen, last_resolved) = (t("first_reopen_at")?, t("last_resolved_at")?);
        let (updates, reopens) = (i("updates")?, i("reopens")?);
        let clock = |kind: &str, row: usize| -> Result<Option<ClockOutcome>> {
            let n = |x: &str| format!("{kind}_{x}");
            let name = s(&n("clock"))?;
            if name.is_null(row) {
                return Ok(None);
            }
            let opt_t = |a: &arrow_array::TimestampMicrosecondArray| {
                (!a.is_null(row)).then(|| a.value(row).div_euclid(1_000_000))
            };
            Ok(Some(ClockOutcome {
                clock: name.value(row).to_string(),
                target_s: i(&n("target_s"))?.value(row),
                stage: stage_of(s(&n("stage"))?.value(row)),
                stop_utc: opt_t(t(&n("stop_at"))?),
                elapsed_s: i(&n("elapsed_s"))?.value(row),
                business_s: i(&n("business_s"))?.value(row),
                actual_s: i(&n("actual_s"))?.value(row),
                breach_utc: opt_t(t(&n("breach_at"))?),
            }))
        };
        for r in 0..b.num_rows() {
            out.push(CaseRecord {
                case_id: id.value(r).to_string(),
                client: client.value(r).to_string(),
                queue: queue.value(r).to_string(),
                priority: priority.value(r).to_string(),
                status: status.value(r).to_string(),
                opened_utc: opened.value(r).div_euclid(1_000_000),
                last_update_utc: last.value(r).div_euclid(1_000_000),
                updates: updates.value(r).max(0) as u64,
                response: clock("response", r)?,
                resolution: clock("resolution", r)?,
                reopens: reopens.value(r).max(0) as u64,
                first_reopen_utc: (!first_reopen.is_null(r))
                    .then(|| first_reopen.value(r).div_euclid(1_000_000)),
                last_resolved_utc: (!last_resolved.is_null(r))
                    .then(|| last_resolved.value(r).div_euclid(1_000_000)),
            });
        }
    }
    Ok(out)
}

/// The day facts' count columns, in order.
const DAY_COUNTS: [&str; 9] = [
    "opened",
    "resolved",
    "resolved_within_target",
    "reopened",
    "first_responses",
    "responded_within_target",
    "resolution_business_s",
    "resolution_actual_s",
    "breached_open",
];

fn day_counts(d: &CaseDay) -> [i64; 9] {
    [
        d.opened,
        d.resolved,
        d.resolved_within_target,
        d.reopened,
        d.first_responses,
        d.responded_within_target,
        d.resolution_business_s,
        d.resolution_actual_s,
        d.breached_open,
    ]
}

fn epoch_day(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

fn write_days(path: &Path, rows: &[&CaseDay]) -> Result<()> {
    let mut text: [StringBuilder; 3] = std::array::from_fn(|_| StringBuilder::new());
    let mut day = Date32Builder::new();
    let mut counts: Vec<Int64Builder> = (0..DAY_COUNTS.len() + AGE_BAND_NAMES.len())
        .map(|_| Int64Builder::new())
        .collect();
    for d in rows {
        for (k, v) in [&d.client, &d.queue, &d.priority].into_iter().enumerate() {
            text[k].append_value(v);
        }
        day.append_value(epoch_day(d.day));
        for (b, v) in counts
            .iter_mut()
            .zip(day_counts(d).into_iter().chain(d.backlog))
        {
            b.append_value(v);
        }
    }
    let mut fields = vec![
        Field::new("client", DataType::Utf8, false),
        Field::new("queue", DataType::Utf8, false),
        Field::new("priority", DataType::Utf8, false),
        Field::new("day", DataType::Date32, false),
    ];
    fields.extend(
        DAY_COUNTS
            .iter()
            .chain(&AGE_BAND_NAMES)
            .map(|n| Field::new(*n, DataType::Int64, false)),
    );
    let mut cols: Vec<ArrayRef> = text
        .iter_mut()
        .map(|t| Arc::new(t.finish()) as ArrayRef)
        .collect();
    cols.push(Arc::new(day.finish()));
    cols.extend(counts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    write_parquet(path, &batch_of(fields, cols)?)
}

fn read_days(path: &Path) -> Result<Vec<CaseDay>> {
    let mut out = Vec::new();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    for b in read_batches(path)? {
        let s = |n: &str| -> Result<_> { Ok(column(path, &b, n)?.as_string::<i32>()) };
        let (client, queue, priority) = (s("client")?, s("queue")?, s("priority")?);
        let day = column(path, &b, "day")?.as_primitive::<Date32Type>();
        let counts: Vec<_> = DAY_COUNTS
            .iter()
            .chain(&AGE_BAND_NAMES)
            .map(|n| Ok(column(path, &b, n)?.as_primitive::<Int64Type>()))
            .collect::<Result<_>>()?;
        for r in 0..b.num_rows() {
            let v = |k: usize| counts[k].value(r);
            out.push(CaseDay {
                client: client.value(r).to_string(),
                queue: queue.value(r).to_string(),
                priority: priority.value(r).to_string(),
                day: epoch + chrono::Days::new(day.value(r).max(0) as u64),
                opened: v(0),
                resolved: v(1),
                resolved_within_target: v(2),
                reopened: v(3),
                first_responses: v(4),
                responded_within_target: v(5),
                resolution_business_s: v(6),
                resolution_actual_s: v(7),
                breached_open: v(8),
                backlog: std::array::from_fn(|k| v(DAY_COUNTS.len() + k)),
            });
        }
    }
    Ok(out)
}

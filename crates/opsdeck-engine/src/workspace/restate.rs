//! Restatement: a batch can be withdrawn (`ingest void`), bringing back the versions it
//! replaced (a corrected export, `ingest contacts --replace`, is written by
//! [`super::stream`]). Contact files are never edited: a file that loses rows is written anew
//! without them, the rows a replacement pushed out are kept in `facts/superseded/` (so
//! withdrawing the replacing batch brings them back), and one manifest rename commits it all —
//! a `kill -9` leaves the state before.

use super::facts::{write_parquet, BatchRecord, FactFile, Workspace};
use crate::error::{io_err, EngineError, Result};
use arrow_array::cast::AsArray;
use arrow_array::{BooleanArray, RecordBatch};
use opsdeck_core::Org;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;

/// Every row of a contacts (or superseded) file, as one record batch.
pub(crate) fn read_all(path: &Path) -> Result<RecordBatch> {
    let perr = |m: String| EngineError::Parquet {
        path: path.to_path_buf(),
        message: m,
    };
    let f = File::open(path).map_err(io_err(path))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| perr(e.to_string()))?;
    let schema = b.schema().clone();
    let reader = b.build().map_err(|e| perr(e.to_string()))?;
    let batches = reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| perr(e.to_string()))?;
    arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| perr(e.to_string()))
}

/// The rows of `b` where `keep` holds.
pub(crate) fn keep_rows(b: &RecordBatch, keep: &[bool]) -> Result<RecordBatch> {
    arrow_select::filter::filter_record_batch(b, &BooleanArray::from(keep.to_vec()))
        .map_err(|e| EngineError::Internal(e.to_string()))
}

/// Write `rows` as a new file of the partition under `kind` (`contacts` or `superseded`),
/// named after `tag` and the file it comes from, and return its manifest entry.
pub(crate) fn write_part(
    ws: &Workspace,
    kind: &str,
    client: &str,
    month: &str,
    name: &str,
    batch_id: &str,
    rows: &RecordBatch,
) -> Result<FactFile> {
    let rel = format!("{kind}/client={client}/month={month}/{name}.parquet");
    write_parquet(&ws.facts_dir().join(&rel), rows)?;
    Ok(FactFile {
        path: rel,
        client: client.to_string(),
        month: month.to_string(),
        rows: rows.num_rows() as u64,
        batch_id: batch_id.to_string(),
    })
}

/// What `void` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct VoidSummary {
    pub batch_id: String,
    /// The batch withdrawn.
    pub voided: String,
    /// Its contacts removed from the facts.
    pub rows_withdrawn: u64,
    /// Earlier versions it had replaced, stored again.
    pub rows_restored: u64,
    pub partitions: Vec<String>,
    /// False when the batch was already withdrawn: nothing changed.
    pub committed: bool,
}

/// Withdraw batch `voided`: its contacts leave the facts, the versions it replaced come back,
/// the touched partitions' interval facts are recomputed, and the withdrawal is recorded as
/// batch `tag` — all in one commit. Withdrawing a withdrawn batch changes nothing.
pub fn void(
    ws: &Workspace,
    org: &Org,
    voided: &str,
    tag: &str,
    committed_at: &str,
) -> Result<VoidSummary> {
    let lock = ws.lock()?;
    let mut manifest = ws.manifest()?;
    ws.remove_orphans(&lock, &manifest)?;
    let mut summary = VoidSummary {
        batch_id: tag.to_string(),
        voided: voided.to_string(),
        ..Default::default()
    };
    let Some(rec) = manifest.batches.iter().find(|b| b.batch_id == voided) else {
        let known: Vec<&str> = manifest
            .batches
            .iter()
            .rev()
            .map(|b| b.batch_id.as_str())
            .collect();
        return Err(EngineError::NotFound(opsdeck_core::UnknownId {
            kind: "batch",
            id: voided.to_string(),
            nearest: opsdeck_core::org::nearest_ids(voided, known),
        }));
    };
    if rec.voided_by.is_some() {
        return Ok(summary);
    }
    if rec.kind == "cases" {
        return Err(EngineError::invalid(
            "batch",
            format!(
                "batch {voided} is a case batch; withdrawing case batches is not supported yet: ingest the corrected case export with --replace"
            ),
        ));
    }
    if rec.kind == "void" {
        return Err(EngineError::invalid(
            "batch",
            format!(
                "batch {voided} is itself a withdrawal; ingest the withdrawn files again instead"
            ),
        ));
    }
    let mut touched: BTreeSet<(String, String)> = BTreeSet::new();
    let mut gone: Vec<FactFile> = Vec::new();
    let mut added: Vec<FactFile> = Vec::new();
    // the batch's rows leave every contacts file that holds them
    for f in manifest.contacts.clone() {
        let b = read_all(&ws.facts_dir().join(&f.path))?;
        let batch_col = b
            .column_by_name("batch_id")
            .ok_or_else(|| EngineError::Internal("contacts file lacks batch_id".into()))?
            .as_string::<i32>()
            .clone();
        let keep: Vec<bool> = (0..b.num_rows())
            .map(|i| batch_col.value(i) != voided)
            .collect();
        let n_gone = keep.iter().filter(|k| !**k).count() as u64;
        if n_gone == 0 {
            continue;
        }
        summary.rows_withdrawn += n_gone;
        touched.insert((f.client.clone(), f.month.clone()));
        if n_gone < b.num_rows() as u64 {
            let name = format!("{}.{tag}", file_stem(&f.path));
            added.push(write_part(
                ws,
                "contacts",
                &f.client,
                &f.month,
                &name,
                tag,
                &keep_rows(&b, &keep)?,
            )?);
        }
        gone.push(f);
    }
    // the versions it replaced come back
    for f in manifest
        .superseded
        .iter()
        .filter(|f| f.batch_id == voided)
        .cloned()
        .collect::<Vec<_>>()
    {
        let b = read_all(&ws.facts_dir().join(&f.path))?;
        summary.rows_restored += b.num_rows() as u64;
        touched.insert((f.client.clone(), f.month.clone()));
        let name = format!("restored-{}.{tag}", file_stem(&f.path));
        added.push(write_part(
            ws, "contacts", &f.client, &f.month, &name, tag, &b,
        )?);
        gone.push(f);
    }
    let gone_paths: BTreeSet<String> = gone.iter().map(|f| f.path.clone()).collect();
    manifest.contacts.retain(|f| !gone_paths.contains(&f.path));
    manifest
        .superseded
        .retain(|f| !gone_paths.contains(&f.path));
    manifest.contacts.extend(added);
    let (partitions, superseded_intervals) = super::ingest::update_intervals(
        ws,
        &mut manifest,
        super::ingest::NewSums::new(),
        &touched,
        org,
        tag,
    )?;
    summary.partitions = partitions;
    for b in manifest.batches.iter_mut() {
        if b.batch_id == voided {
            b.voided_by = Some(tag.to_string());
        }
    }
    manifest.generation += 1;
    manifest.batches.push(BatchRecord {
        batch_id: tag.to_string(),
        committed_at: committed_at.to_string(),
        files: vec![voided.to_string()],
        profile: String::new(),
        kind: "void".into(),
        rows_withdrawn: summary.rows_withdrawn,
        rows_replaced: summary.rows_restored,
        clients: super::ingest::clients_of(&touched),
        ..BatchRecord::default()
    });
    gone.extend(superseded_intervals);
    super::ingest::publish(ws, &lock, &manifest, tag, gone)?;
    summary.committed = true;
    Ok(summary)
}

/// The file name of a fact path without `.parquet`.
pub(crate) fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".parquet").unwrap_or(name)
}

//! `opsdeck ingest contacts FILE…`: atomic, idempotent ingestion with a quarantine report.

use crate::context::{now_and_batch_id, Context, GlobalArgs};
use crate::output::{self, Format};
use anyhow::Result;
use opsdeck_engine::contacts::profile::Profile;
use opsdeck_engine::views::ingest::{ingest_log_table, BatchLine};
use opsdeck_engine::workspace::ingest::{ingest, IngestMode, IngestRequest, IngestSummary};
use opsdeck_engine::workspace::restate::void;
use opsdeck_store::{IngestRecord, Store};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum IngestCommand {
    /// Contact records (CSV, CSV.gz or Parquet).
    Contacts {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        profile: crate::profile_args::ProfileArgs,
        /// IANA zone of wall-clock timestamps (default: the profile's, else each queue's calendar zone).
        #[arg(long)]
        tz: Option<String>,
        /// A corrected export: contacts already stored are replaced where the file's version
        /// differs (the old versions are kept aside; `ingest void` of this batch restores them).
        #[arg(long)]
        replace: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Withdraw a committed batch: its contacts leave the facts, versions it replaced come
    /// back, the figures are recomputed — one atomic commit.
    Void {
        /// The batch id (see `opsdeck ingest log`).
        batch: String,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the committed batches: ingests, replacements and withdrawals.
    Log {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// A batch ingested: what it did, and what could not be done after its commit (it stands).
pub struct Ingested {
    pub summary: IngestSummary,
    /// Notes on files given more than once.
    pub notes: Vec<String>,
    /// Follow-up steps that failed after the commit.
    pub warnings: Vec<String>,
}

/// Ingest contact files as one batch and record it in the audit log. Once the batch is
/// committed, the command succeeds: a failure to update the audit log is a warning (the next
/// writer catches the log up from the manifest).
pub fn ingest_contacts(
    ctx: &Context,
    files: &[PathBuf],
    profile: &Profile,
    tz: Option<&str>,
    mode: IngestMode,
) -> Result<Ingested> {
    let org = ctx.org()?;
    let zone = tz
        .map(opsdeck_core::calendar::parse_zone)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let (files, notes) = distinct_files(files);
    for n in &notes {
        note!("opsdeck ingest: {n}");
    }
    let (committed_at, batch_id) = now_and_batch_id();
    let req = IngestRequest {
        files: &files,
        profile,
        org: &org,
        batch_id,
        committed_at: committed_at.clone(),
        zone,
        mode,
    };
    let bar = crate::progress::bytes_bar(&files);
    let ws = ctx.writer(&req.batch_id, Some(&bar));
    let summary = ingest(&ws, &req, &|n| bar.set_position(n));
    bar.finish_and_clear();
    let summary = summary?;
    let warnings = after_commit(ctx, &summary.batch_id);
    Ok(Ingested {
        summary,
        notes,
        warnings,
    })
}

/// The audit-log catch-up after batch `batch` (committed or not), as warnings: the batch
/// stands whatever happens here.
pub fn after_commit(ctx: &Context, batch: &str) -> Vec<String> {
    match sync_audit_log(ctx) {
        Ok(()) => Vec::new(),
        Err(e) => {
            let w = format!(
                "batch {batch} stands, but the store's audit log could not be brought up to date ({}); the next ingest or void records what is missing",
                crate::errors::message(&e)
            );
            note!("opsdeck: warning: {w}");
            vec![w]
        }
    }
}

/// The files of one batch, each read once: a file named twice (after resolving links and
/// `.` or `..`), or one with the same bytes as a file before it, is left out with a note —
/// as a second command would store none of its contacts again. A file that cannot be
/// inspected is kept, for the reader to report.
pub fn distinct_files(files: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut kept: Vec<(PathBuf, Option<(PathBuf, u64)>)> = Vec::new();
    let mut notes = Vec::new();
    for f in files {
        let id = std::fs::canonicalize(f)
            .ok()
            .and_then(|c| Some((c.clone(), std::fs::metadata(&c).ok()?.len())));
        let twin = id.as_ref().and_then(|(canon, len)| {
            kept.iter().find_map(|(k, kid)| {
                let (kc, klen) = kid.as_ref()?;
                if kc == canon {
                    Some(format!("{} given twice; read once", f.display()))
                } else if klen == len && same_bytes(kc, canon) {
                    Some(format!(
                        "{} holds the same bytes as {}; read once",
                        f.display(),
                        k.display()
                    ))
                } else {
                    None
                }
            })
        });
        match twin {
            Some(n) => notes.push(n),
            None => kept.push((f.clone(), id)),
        }
    }
    (kept.into_iter().map(|(f, _)| f).collect(), notes)
}

/// Whether two files of the same length hold the same bytes (false when either cannot be read).
fn same_bytes(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::io::Read;
    let (Ok(fa), Ok(fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    let (mut ra, mut rb) = (
        std::io::BufReader::with_capacity(1 << 16, fa),
        std::io::BufReader::with_capacity(1 << 16, fb),
    );
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = match ra.read(&mut ba) {
            Ok(n) => n,
            Err(_) => return false,
        };
        if n == 0 {
            return rb.read(&mut bb[..1]).is_ok_and(|m| m == 0);
        }
        if rb.read_exact(&mut bb[..n]).is_err() || ba[..n] != bb[..n] {
            return false;
        }
    }
}

/// Record in the store's audit log every committed batch it lacks. The manifest is the truth;
/// a process killed between the manifest commit (or a store that failed after it) and the log
/// write is caught up here.
pub fn sync_audit_log(ctx: &Context) -> Result<()> {
    let logged: BTreeSet<String> = ctx
        .rt
        .block_on(ctx.store.list_ingests())?
        .into_iter()
        .map(|r| r.batch_id)
        .collect();
    for b in ctx
        .ws
        .manifest()?
        .batches
        .into_iter()
        .filter(|b| !logged.contains(&b.batch_id))
    {
        let rec = IngestRecord {
            batch_id: b.batch_id,
            kind: b.kind,
            files: b.files,
            rows_read: b.rows_read as i64,
            rows_accepted: b.rows_accepted as i64,
            rows_duplicate: b.rows_duplicate as i64,
            rows_quarantined: b.rows_quarantined as i64,
            committed_at: b.committed_at,
        };
        ctx.rt.block_on(ctx.store.record_ingest(&rec))?;
    }
    Ok(())
}

pub fn print_summary(s: &IngestSummary) -> Result<()> {
    outln!(
        "batch {}: {} rows read, {} new contacts stored, {} already stored, {} quarantined",
        s.batch_id,
        s.rows_read,
        s.rows_accepted - s.rows_replaced,
        s.rows_duplicate,
        s.rows_quarantined
    );
    if s.rows_replaced > 0 {
        outln!(
            "  {} stored contacts replaced by their corrected version (the old versions are kept: `opsdeck ingest void {}` restores them)",
            s.rows_replaced,
            s.batch_id
        );
    }
    for (why, n) in &s.rows_skipped {
        outln!("  {n} rows skipped: {why}");
    }
    if let Some(q) = &s.quarantine_file {
        outln!(
            "  quarantined rows with file, line, field and reason: {}",
            q.display()
        );
    }
    if !s.committed {
        outln!("  nothing new to store; the workspace is unchanged");
    } else {
        outln!("  partitions rewritten: {}", s.partitions.join(", "));
    }
    Ok(())
}

pub fn run(g: &GlobalArgs, c: IngestCommand) -> Result<ExitCode> {
    match c {
        IngestCommand::Contacts {
            files,
            profile,
            tz,
            replace,
            json,
        } => {
            let ctx = Context::open(g)?;
            let profile = profile.load()?;
            let mode = if replace {
                IngestMode::Replace
            } else {
                IngestMode::Add
            };
            let done = ingest_contacts(&ctx, &files, &profile, tz.as_deref(), mode)?;
            let s = &done.summary;
            if json {
                let mut v = serde_json::to_value(s)?;
                v["notes"] = serde_json::json!(done.notes);
                v["warnings"] = serde_json::json!(done.warnings);
                outln!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_summary(s)?;
            }
            Ok(if s.rows_quarantined > 0 {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            })
        }
        IngestCommand::Void { batch, json } => {
            let ctx = Context::open(g)?;
            let org = ctx.org()?;
            let (committed_at, id) = now_and_batch_id();
            let tag = format!("v{}", id.trim_start_matches('b'));
            let s = void(&ctx.writer(&tag, None), &org, &batch, &tag, &committed_at)?;
            let warnings = after_commit(&ctx, &tag);
            if json {
                let mut v = serde_json::to_value(&s)?;
                v["warnings"] = serde_json::json!(warnings);
                outln!("{}", serde_json::to_string_pretty(&v)?);
            } else if !s.committed {
                outln!("batch {batch} was already withdrawn; the workspace is unchanged");
            } else {
                outln!(
                    "batch {}: withdrew batch {batch}: {} contacts removed, {} earlier versions restored",
                    s.batch_id, s.rows_withdrawn, s.rows_restored
                );
                outln!("  partitions rewritten: {}", s.partitions.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        IngestCommand::Log { format } => {
            // a reader: the manifest is the truth (the audit log in the store mirrors it, and
            // the next writer catches it up)
            let ctx = Context::open_read(g)?;
            let rows: Vec<BatchLine> = ctx
                .ws
                .manifest()?
                .batches
                .into_iter()
                .map(|b| BatchLine {
                    batch_id: b.batch_id,
                    committed_at: b.committed_at,
                    kind: b.kind,
                    rows_read: b.rows_read as i64,
                    rows_accepted: b.rows_accepted as i64,
                    rows_duplicate: b.rows_duplicate as i64,
                    rows_quarantined: b.rows_quarantined as i64,
                    rows_replaced: b.rows_replaced as i64,
                    rows_withdrawn: b.rows_withdrawn as i64,
                    voided_by: b.voided_by.unwrap_or_default(),
                    files: b.files,
                })
                .collect();
            output::write(
                &mut std::io::stdout().lock(),
                format,
                &ingest_log_table(&rows),
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

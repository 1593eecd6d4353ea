//! `opsdeck ingest contacts FILE…`: atomic, idempotent ingestion with a quarantine report.

use crate::context::{now_and_batch_id, Context, GlobalArgs};
use crate::output::{self, Format};
use anyhow::Result;
use opsdeck_engine::contacts::profile::Profile;
use opsdeck_engine::views::ingest::{batch_lines, ingest_log_table};
use opsdeck_engine::workspace::ingest::{
    ingest, IngestMode, IngestRequest, IngestSummary, RejectLimit, DEFAULT_ID_MEMORY,
};
use opsdeck_engine::workspace::restate::void;
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
        /// Refuse the whole batch (store nothing) when more rows than this are rejected: a
        /// count (500) or a percentage of the rows read (2%). Default: 1 % of the rows read,
        /// at least 10 rows.
        #[arg(long = "max-rejects", value_parser = RejectLimit::parse)]
        max_rejects: Option<RejectLimit>,
        /// Memory, in MiB, for the contact ids checked for duplicates; past it they move to
        /// the workspace's disk and the check finishes after the read (any file size fits).
        #[arg(long = "id-memory", value_name = "MIB", default_value_t = DEFAULT_ID_MEMORY >> 20)]
        id_memory: usize,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Case logs (tickets: ServiceNow, Jira, Zendesk, Salesforce exports or any mapped CSV /
    /// XES) into the ticket queues, measured by the queues' clock policy.
    Cases(Box<crate::cmd_ingest_cases::CaseArgs>),
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

/// How much of a file may be bad before the batch is refused, and how long a field may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_field_bytes: usize,
    pub max_rejects: RejectLimit,
    /// Bytes of contact ids kept in memory ([`IngestRequest::id_memory`]).
    pub id_memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_field_bytes: opsdeck_engine::io::csv_reader::DEFAULT_MAX_FIELD_BYTES,
            max_rejects: RejectLimit::Default,
            id_memory: DEFAULT_ID_MEMORY,
        }
    }
}

/// Exit code of a batch refused whole (too many rejected rows); 3 is a batch stored with
/// some rows quarantined.
pub const EXIT_REFUSED: u8 = 4;

/// A batch ingested: what it did, and what could not be done after its commit (it stands).
pub struct Ingested {
    pub summary: IngestSummary,
    /// Follow-up steps that failed after the commit.
    pub warnings: Vec<String>,
}

/// Ingest contact files as one batch and record it in the audit log. Once the batch is
/// committed, the command succeeds: a failure to update the audit log is a warning (the next
/// writer catches the log up from the manifest). A file given twice is read twice, as two
/// commands would read it: the second copy's contacts count as already stored.
pub fn ingest_contacts(
    ctx: &Context,
    files: &[PathBuf],
    profile: &Profile,
    tz: Option<&str>,
    mode: IngestMode,
    limits: Limits,
) -> Result<Ingested> {
    let org = ctx.org()?;
    let zone = tz
        .map(opsdeck_core::calendar::parse_zone)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let (committed_at, batch_id) = now_and_batch_id();
    let req = IngestRequest {
        files,
        profile,
        org: &org,
        batch_id,
        committed_at: committed_at.clone(),
        zone,
        mode,
        max_field_bytes: limits.max_field_bytes,
        max_rejects: limits.max_rejects,
        id_memory: limits.id_memory,
    };
    let bar = crate::progress::bytes_bar(files);
    let ws = ctx.writer(&req.batch_id, Some(&bar));
    let summary = ingest(&ws, &req, &|n| bar.set_position(n));
    bar.finish_and_clear();
    let summary = summary?;
    if summary.committed {
        let action = match mode {
            IngestMode::Add => "ingest.contacts",
            IngestMode::Replace => "ingest.replace",
        };
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        ctx.audit(
            action,
            &summary.batch_id,
            only_client(&summary.partitions),
            names.join("\n").as_bytes(),
        );
    }
    let warnings = if summary.refused.is_some() {
        Vec::new()
    } else {
        after_commit(ctx, &summary.batch_id)
    };
    Ok(Ingested { summary, warnings })
}

/// The one client of `client/month` partitions, when they are all one client's.
fn only_client(partitions: &[String]) -> Option<String> {
    let mut clients = partitions.iter().filter_map(|p| p.split('/').next());
    let first = clients.next()?;
    clients.all(|c| c == first).then(|| first.to_string())
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

/// Record in the store's ingest log every committed batch it lacks (the server does the same).
pub fn sync_audit_log(ctx: &Context) -> Result<()> {
    Ok(ctx
        .rt
        .block_on(opsdeck_server::audit::sync_ingest_log(&ctx.store, &ctx.ws))?)
}

pub fn print_summary(s: &IngestSummary) -> Result<()> {
    if let Some(r) = &s.refused {
        outln!(
            "batch {}: refused: {} of {} rows were rejected, more than the limit of {} ({}); nothing was stored",
            s.batch_id,
            r.rows_rejected,
            s.rows_read,
            r.allowed,
            r.limit
        );
        if let Some(q) = &s.quarantine_file {
            outln!(
                "  the rejected rows, with file, line, field and reason: {}",
                q.display()
            );
        }
        note!(
            "error: batch refused ({} of {} rows rejected); fix the file and ingest it again, or allow more rejected rows with --max-rejects (a count such as 500, or a percentage such as 5%)",
            r.rows_rejected,
            s.rows_read
        );
        return Ok(());
    }
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
    if let Some(b) = &s.same_as {
        outln!(
            "  the same files as batch {b} (byte for byte, same profile and setup): not read again; the workspace is unchanged"
        );
    } else if !s.committed {
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
            max_rejects,
            id_memory,
            json,
        } => {
            let ctx = Context::open(g)?;
            let limits = Limits {
                max_field_bytes: profile.max_field_bytes,
                max_rejects: max_rejects.unwrap_or_default(),
                id_memory: id_memory.saturating_mul(1 << 20),
            };
            let profile = profile.load()?;
            let mode = if replace {
                IngestMode::Replace
            } else {
                IngestMode::Add
            };
            let done = ingest_contacts(&ctx, &files, &profile, tz.as_deref(), mode, limits)?;
            let s = &done.summary;
            if json {
                let mut v = serde_json::to_value(s)?;
                v["warnings"] = serde_json::json!(done.warnings);
                outln!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_summary(s)?;
            }
            Ok(if s.refused.is_some() {
                ExitCode::from(EXIT_REFUSED)
            } else if s.rows_quarantined > 0 {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            })
        }
        IngestCommand::Cases(a) => crate::cmd_ingest_cases::run(&Context::open(g)?, *a),
        IngestCommand::Void { batch, json } => {
            let ctx = Context::open(g)?;
            let org = ctx.org()?;
            let (committed_at, id) = now_and_batch_id();
            let tag = format!("v{}", id.trim_start_matches('b'));
            let s = void(&ctx.writer(&tag, None), &org, &batch, &tag, &committed_at)?;
            if s.committed {
                ctx.audit(
                    "ingest.void",
                    &batch,
                    only_client(&s.partitions),
                    tag.as_bytes(),
                );
            }
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
            let rows = batch_lines(&ctx.ws.manifest()?, &ctx.scope);
            output::write(
                &mut std::io::stdout().lock(),
                format,
                &ingest_log_table(&rows),
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

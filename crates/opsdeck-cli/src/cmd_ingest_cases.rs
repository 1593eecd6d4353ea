//! `opsdeck ingest cases FILE…`: case logs (tickets) into the workspace with a built-in export
//! profile or a mapping file and the ticket queues' clock policy — the same guarantees as the
//! contact ingest (quarantine, one atomic batch, idempotent, `--replace`, a reject limit).

use crate::context::{now_and_batch_id, Context};
use anyhow::Result;
use opsdeck_core::Org;
use opsdeck_engine::cases::CaseProfile;
use opsdeck_engine::workspace::cases::{ingest_cases, CaseIngestRequest, CaseIngestSummary};
use opsdeck_engine::workspace::ingest::RejectLimit;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct CaseArgs {
    /// Case logs: CSV, CSV.gz or XES (one row per update of a case, or per field change for a
    /// change-log profile), or Zendesk's ticket audits as JSON.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// A built-in export profile: servicenow-incident, jira-service-management,
    /// salesforce-case or zendesk (docs/case-profiles.md).
    #[arg(long, conflicts_with = "map")]
    pub profile: Option<String>,
    /// A mapping file (TOML): the export's columns, statuses, time format and the assignment
    /// group → queue table (docs/formats.md §9b); it may start from a profile.
    #[arg(long)]
    pub map: Option<PathBuf>,
    /// Send every case to this ticket queue (instead of mapping assignment groups).
    #[arg(long)]
    pub queue: Option<String>,
    /// IANA zone of timestamps written without an offset (default: the mapping file's, else
    /// the zone of the target queue(s) when they share one).
    #[arg(long)]
    pub tz: Option<String>,
    /// The clock policy (TOML, docs/formats.md §9) of the batch's ticket queues; stored as a
    /// new version when it differs from the one in force. Needed the first time.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// A corrected export: the stored updates of each case in the files are replaced by the
    /// files' updates.
    #[arg(long)]
    pub replace: bool,
    /// Refuse the whole batch (store nothing) when more rows than this are rejected: a count
    /// (500) or a percentage of the rows read (2%). Default: 1 % of the rows read, at least
    /// 10 rows.
    #[arg(long = "max-rejects", value_parser = RejectLimit::parse)]
    pub max_rejects: Option<RejectLimit>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The profile named, or the mapping file read.
fn profile(a: &CaseArgs, org: &Org) -> Result<CaseProfile> {
    match (&a.profile, &a.map) {
        (_, Some(path)) => {
            let text = opsdeck_engine::io::read_toml_file(path, "a case mapping file")?;
            Ok(CaseProfile::from_map_file(&text, path, org)?)
        }
        (Some(name), None) => Ok(CaseProfile::built_in(name)?),
        (None, None) => Err(crate::errors::Usage(
            "give the export's layout: --profile NAME (servicenow-incident, jira-service-management, salesforce-case, zendesk) or --map MAP.toml".into(),
        )
        .into()),
    }
}

/// The zone of timestamps without an offset.
fn zone(a: &CaseArgs, p: &CaseProfile, org: &Org) -> Result<chrono_tz::Tz> {
    if let Some(z) = &a.tz {
        return opsdeck_core::calendar::parse_zone(z)
            .map_err(|e| crate::errors::Usage(format!("--tz: {e}")).into());
    }
    if let Some(z) = p.zone {
        return Ok(z);
    }
    let targets: Vec<&String> = match &a.queue {
        Some(q) => vec![q],
        None => p
            .queues
            .by_group
            .values()
            .chain(p.queues.default_queue.iter())
            .collect(),
    };
    let zones: std::collections::BTreeSet<&str> = targets
        .iter()
        .filter_map(|q| org.queues.get(*q))
        .map(|q| q.zone.name())
        .collect();
    match zones.into_iter().collect::<Vec<_>>().as_slice() {
        [one] => Ok(opsdeck_core::calendar::parse_zone(one).map_err(anyhow::Error::msg)?),
        _ => Err(crate::errors::Usage(
            "say in which zone the export's times are written: --tz ZONE (or zone = \"…\" in the mapping file)".into(),
        )
        .into()),
    }
}

pub fn run(ctx: &Context, a: CaseArgs) -> Result<ExitCode> {
    let org = ctx.org()?;
    if let Some(q) = &a.queue {
        org.require("queue", q)
            .map_err(opsdeck_engine::EngineError::from)?;
    }
    let profile = profile(&a, &org)?;
    let zone = zone(&a, &profile, &org)?;
    let policy = a
        .policy
        .as_ref()
        .map(|p| {
            opsdeck_engine::io::read_toml_file(p, "a clock policy file").map(|t| (p.clone(), t))
        })
        .transpose()?;
    let (committed_at, batch_id) = now_and_batch_id();
    let req = CaseIngestRequest {
        files: &a.files,
        profile: &profile,
        queue: a.queue.as_deref(),
        zone,
        policy: policy.as_ref().map(|(p, t)| (p.as_path(), t.as_str())),
        org: &org,
        batch_id,
        committed_at,
        replace: a.replace,
        max_rejects: a.max_rejects.unwrap_or_default(),
    };
    let bar = crate::progress::bytes_bar(&a.files);
    let ws = ctx.writer(&req.batch_id, Some(&bar));
    let summary = ingest_cases(&ws, &req, &|n| bar.set_position(n));
    bar.finish_and_clear();
    let s = summary?;
    if s.committed {
        let names: Vec<String> = a.files.iter().map(|f| f.display().to_string()).collect();
        let client = {
            let mut c = s.partitions.iter().filter_map(|p| p.split('/').next());
            let first = c.next().map(str::to_string);
            first.filter(|f| c.all(|x| x == f))
        };
        ctx.audit(
            if a.replace {
                "ingest.cases.replace"
            } else {
                "ingest.cases"
            },
            &s.batch_id,
            client,
            names.join("\n").as_bytes(),
        );
    }
    let warnings = if s.refused.is_some() {
        Vec::new()
    } else {
        crate::cmd_ingest::after_commit(ctx, &s.batch_id)
    };
    if a.json {
        let mut v = serde_json::to_value(&s)?;
        v["warnings"] = serde_json::json!(warnings);
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_summary(&s)?;
    }
    Ok(if s.refused.is_some() {
        ExitCode::from(crate::cmd_ingest::EXIT_REFUSED)
    } else if s.rows_quarantined > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn print_summary(s: &CaseIngestSummary) -> Result<()> {
    if let Some(r) = &s.refused {
        outln!(
            "batch {}: refused: {} of {} rows were rejected, more than the limit of {} ({}); nothing was stored",
            s.batch_id, r.rows_rejected, s.rows_read, r.allowed, r.limit
        );
        if let Some(q) = &s.quarantine_file {
            outln!(
                "  the rejected rows, with file, line, field and reason: {}",
                q.display()
            );
        }
        note!(
            "error: batch refused ({} of {} rows rejected); fix the file or the mapping and ingest it again, or allow more rejected rows with --max-rejects",
            r.rows_rejected,
            s.rows_read
        );
        return Ok(());
    }
    outln!(
        "batch {}: {} rows read, {} cases; {} updates stored, {} already stored, {} rows quarantined",
        s.batch_id,
        s.rows_read,
        s.cases_read,
        s.updates_stored,
        s.updates_duplicate,
        s.rows_quarantined
    );
    if s.openings_stored > 0 {
        outln!(
            "  of the updates stored, {} open a case at its opening time (before its first row)",
            s.openings_stored
        );
    }
    if s.cases_replaced > 0 {
        outln!(
            "  {} stored cases replaced by the file's version",
            s.cases_replaced
        );
    }
    if !s.policies_stored.is_empty() {
        outln!(
            "  clock policy stored for queue(s): {}",
            s.policies_stored.join(", ")
        );
    }
    if let Some(q) = &s.quarantine_file {
        outln!(
            "  quarantined rows with file, line, field and reason: {}",
            q.display()
        );
    }
    if s.committed {
        outln!("  case partitions recomputed: {}", s.partitions.join(", "));
    } else {
        outln!("  nothing new to store; the workspace is unchanged");
    }
    Ok(())
}

//! `opsdeck report weekly|monthly|qbr|board`: a review pack drafted from the data — a self-contained
//! HTML file and, with `--format pdf|both`, the same content as PDF (printed by headless
//! Chromium). Written atomically into `--out`; each generation is in the audit trail.

use crate::context::{Context, GlobalArgs};
use anyhow::{Context as _, Result};
use opsdeck_report::pack::{build, PackKind, PackRequest};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// Weekly operations review of one client.
    Weekly,
    /// Monthly service review of one client.
    Monthly,
    /// Quarterly business review of one client.
    Qbr,
    /// Board / executive pack: every client.
    Board,
    /// The packs report-schedules.toml says are due at --at (default: now), stored in the
    /// workspace's reports/ (what `opsdeck serve` runs each minute).
    Scheduled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PackFormat {
    Html,
    Pdf,
    Both,
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Which pack.
    #[arg(value_enum)]
    pub kind: KindArg,
    /// The client (monthly, qbr).
    #[arg(long)]
    pub client: Option<String>,
    /// A week (2025-W41, weekly), a month (2025-10), a quarter (2025-Q4) or a range of months.
    #[arg(long)]
    pub period: Option<String>,
    /// With `scheduled`: the minute to run (RFC 3339, UTC), default now.
    #[arg(long)]
    pub at: Option<String>,
    /// Directory to write the pack into (created when missing).
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// html, pdf (the HTML is written beside it) or both.
    #[arg(long, value_enum, default_value_t = PackFormat::Html)]
    pub format: PackFormat,
    /// A date written on the cover (the pack never reads the clock).
    #[arg(long = "as-of")]
    pub as_of: Option<String>,
    /// A manager's notes (Markdown), rendered as written in the pack.
    #[arg(long)]
    pub notes: Option<PathBuf>,
    /// The dashboard's address, so the commentary's links open the rows behind each sentence
    /// (default: links relative to the dashboard).
    #[arg(long = "link-base", default_value = "")]
    pub link_base: String,
}

/// Write `bytes` to `path` atomically (a temporary file beside it, then a rename).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub fn run(g: &GlobalArgs, a: ReportArgs) -> Result<ExitCode> {
    let notes = match &a.notes {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the notes file {}", p.display()))?,
        ),
        None => None,
    };
    let ctx = Context::open(g)?;
    let kind = match a.kind {
        KindArg::Weekly => PackKind::Weekly,
        KindArg::Monthly => PackKind::Monthly,
        KindArg::Qbr => PackKind::Qbr,
        KindArg::Board => PackKind::Board,
        KindArg::Scheduled => return scheduled(&ctx, a.at.as_deref()),
    };
    let period = a.period.clone().ok_or_else(|| {
        crate::errors::Usage("give --period (a week, a month, a quarter or a range)".into())
    })?;
    let org = ctx.org()?;
    let stored = crate::cmd_sla::stored_contracts(&ctx)?;
    let req = PackRequest {
        kind,
        client: a.client.clone(),
        period,
        as_of: a.as_of.clone(),
        notes,
        link_base: a.link_base.trim_end_matches('/').to_string(),
    };
    let pack = build(&ctx.ws, &ctx.scope, &org, &stored, &req)?;
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let html = a.out.join(format!("{}.html", pack.stem));
    write_atomic(&html, pack.html.as_bytes())?;
    outln!("{}", html.display());
    if a.format != PackFormat::Html {
        let pdf = a.out.join(format!("{}.pdf", pack.stem));
        let tmp = pdf.with_extension("partial.pdf");
        opsdeck_report::pdf::print(&html, &tmp).map_err(anyhow::Error::msg)?;
        std::fs::rename(&tmp, &pdf).with_context(|| format!("cannot write {}", pdf.display()))?;
        outln!("{}", pdf.display());
        if a.format == PackFormat::Pdf {
            let _ = std::fs::remove_file(&html);
        }
    }
    ctx.audit(
        "report.generate",
        &pack.stem,
        a.client.clone(),
        pack.html.as_bytes(),
    );
    note!("opsdeck report: {}", pack.title);
    Ok(ExitCode::SUCCESS)
}

/// Run the schedules due at `at` (RFC 3339; default now) and say what was stored.
fn scheduled(ctx: &Context, at: Option<&str>) -> Result<ExitCode> {
    let at = match at {
        None => chrono::Utc::now(),
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|e| {
                crate::errors::Usage(format!("--at {t:?}: {e} (give 2025-11-02T06:00:00Z)"))
            })?
            .with_timezone(&chrono::Utc),
    };
    let ran = ctx
        .rt
        .block_on(opsdeck_server::scheduler::run_due(&ctx.ws, &ctx.store, at))
        .map_err(anyhow::Error::msg)?;
    let dir = opsdeck_server::scheduler::reports_dir(&ctx.ws);
    for w in &ran.written {
        outln!("{}", dir.join(w).display());
    }
    for k in &ran.kept {
        note!("opsdeck report scheduled: {k} is already stored");
    }
    for f in &ran.failed {
        note!("opsdeck report scheduled: not drafted: {f}");
    }
    if ran.written.is_empty() && ran.kept.is_empty() && ran.failed.is_empty() {
        note!("opsdeck report scheduled: nothing is due at {at} (report-schedules.toml in the workspace)");
    }
    Ok(if ran.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

//! `opsdeck schedule`: agents per shift pattern and day from per-interval requirements (a
//! requirements file, `opsdeck staffing`'s output or `opsdeck plan --by interval`'s) and a
//! shifts file, with coverage and shortages per interval and a summary of agent-shifts, paid
//! hours and, for a site of the workspace, money (no workspace otherwise).

use crate::context::{Context, GlobalArgs};
use crate::output::{self, Format};
use anyhow::{Context as _, Result};
use opsdeck_core::org::{nearest_ids, UnknownId};
use opsdeck_core::schedule::{build_model, solve, SolveOptions};
use opsdeck_engine::inputs::schedule::{read_requirements, read_shifts_file};
use opsdeck_engine::views::schedule::{
    interval_table, shift_table, summary, summary_table, summary_text, SiteRate,
};
use opsdeck_engine::views::table;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ScheduleArgs {
    /// Requirements CSV: interval_start (local time), required; also the output of `opsdeck
    /// staffing` (interval_id, agents) or of `opsdeck plan --by interval` (start, required).
    #[arg(long)]
    pub requirements: PathBuf,
    /// The requirements column to cover (default: required, else agents), e.g. staffed.
    #[arg(long, value_name = "NAME")]
    pub required_column: Option<String>,
    /// Shifts TOML: zone, interval_minutes, site, [[shift]] patterns (docs/formats.md).
    #[arg(long)]
    pub shifts: PathBuf,
    /// Output format (json holds the summary, the shifts and the intervals).
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Write the shifts table (or the json document) to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Also write coverage per interval (interval_start, required, coverage, shortage) as CSV.
    #[arg(long)]
    pub intervals: Option<PathBuf>,
    /// Most ruin-and-recreate rounds of the search after the first local optimum.
    #[arg(long, default_value_t = SolveOptions::default().iterations)]
    pub iterations: u32,
    /// Stop the search after this many rounds in a row without a better schedule.
    #[arg(long, default_value_t = SolveOptions::default().patience)]
    pub patience: u32,
    /// Most LPs the branch-and-bound solves per independent block.
    #[arg(long, default_value_t = SolveOptions::default().nodes)]
    pub nodes: u32,
    /// Seed of the search (same seed, same answer).
    #[arg(long, default_value_t = SolveOptions::default().seed)]
    pub seed: u64,
}

/// The rate of the site the shifts file names, from the workspace's reference data.
fn site_rate(g: &GlobalArgs, site: &str) -> Result<SiteRate> {
    let ctx = Context::open_read(g)?;
    let raw = ctx.raw_org()?;
    let Some(s) = raw.sites.iter().find(|s| s.id == site) else {
        return Err(opsdeck_engine::EngineError::NotFound(UnknownId {
            kind: "site",
            id: site.to_string(),
            nearest: nearest_ids(site, raw.sites.iter().map(|s| s.id.as_str())),
        })
        .into());
    };
    Ok(SiteRate {
        site: site.to_string(),
        cost_per_productive_hour: s.cost_per_productive_hour,
        currency: s.currency.clone(),
    })
}

pub fn run(g: &GlobalArgs, a: ScheduleArgs) -> Result<ExitCode> {
    let file = read_shifts_file(&a.shifts)?;
    let spec = file.spec;
    let rate = match &file.site {
        Some(site) => Some(
            site_rate(g, site).with_context(|| format!("{}: site {site:?}", a.shifts.display()))?,
        ),
        None => None,
    };
    let reqs = read_requirements(
        &a.requirements,
        spec.zone,
        spec.interval_min,
        a.required_column.as_deref(),
    )?;
    let model = build_model(&spec, reqs.into_iter().map(|(_, r)| r).collect())
        .with_context(|| format!("{}", a.shifts.display()))?;
    let names: Vec<String> = spec.patterns.iter().map(|p| p.name.clone()).collect();
    let t0 = std::time::Instant::now();
    let s = solve(
        &model,
        &SolveOptions {
            seed: a.seed,
            iterations: a.iterations,
            patience: a.patience,
            nodes: a.nodes,
        },
    );
    let solve_s = t0.elapsed().as_secs_f64();
    let shifts = shift_table(&model, &s, spec.zone, &names);
    let intervals = interval_table(&model, &s, spec.zone);
    let sum = summary(&spec, &model, &s, rate);
    let mut out = output::open(a.output.as_deref())?;
    if a.format == Format::Json {
        let doc = serde_json::json!({
            "summary": table::json_rows(&summary_table(&sum))[0],
            "shifts": table::json_rows(&shifts),
            "intervals": table::json_rows(&intervals),
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        output::write(&mut out, a.format, &shifts)?;
    }
    out.flush()?;
    if let Some(p) = &a.intervals {
        let mut f = output::open(Some(p))?;
        output::write(&mut f, Format::Csv, &intervals)?;
        f.flush()?;
    }
    note!(
        "opsdeck schedule: {}; solved in {solve_s:.3} s",
        summary_text(&sum)
    );
    Ok(ExitCode::SUCCESS)
}

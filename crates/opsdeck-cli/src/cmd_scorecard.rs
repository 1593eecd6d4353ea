//! `opsdeck scorecard`: KPI scorecards from the workspace's interval facts.

use crate::context::{Context, GlobalArgs};
use crate::output::{self, Format};
use anyhow::Result;
use chrono::NaiveDate;
use opsdeck_core::{Channel, Org};
use opsdeck_engine::views::scorecard::{self, ScorecardParams, ScorecardQuery};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ScorecardArgs {
    #[arg(long)]
    pub client: Option<String>,
    #[arg(long)]
    pub program: Option<String>,
    #[arg(long)]
    pub queue: Option<String>,
    /// Only queues whose home site is this one.
    #[arg(long)]
    pub site: Option<String>,
    /// Only queues of this channel (voice, chat, email, callback, messaging, ticket).
    #[arg(long)]
    pub channel: Option<Channel>,
    /// The days to show: 2025-09-01, 2025-W36, 2025-09, 2025-Q4, 2025, or a range A..B of
    /// those (instead of --from / --to).
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub period: Option<String>,
    /// First local day (YYYY-MM-DD); default: the first day with data.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last local day, inclusive; default: the last day with data.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Period of each row: interval, day, week, month or total.
    #[arg(long, default_value = "month")]
    pub by: String,
    /// Entity of each row: client, program, site, channel or queue (default: the finest
    /// filter given, else client).
    #[arg(long)]
    pub level: Option<String>,
    /// Roll channels up together in client, program and site rows (by default each channel
    /// gets its own row, so unlike thresholds are never averaged).
    #[arg(long)]
    pub blend: bool,
    /// Service-level variant: offered, answered, abandons_good, exclude_abandons_within_t, exclude_short_abandons.
    #[arg(long = "sl-variant", default_value = "offered")]
    pub sl_variant: String,
    /// The case scorecard of ticket queues instead (volumes, resolution and first response
    /// within target by priority, MTTR, backlog and ageing).
    #[arg(long)]
    pub cases: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// With --format table, every column (by default people see the headline ones; csv and
    /// json always carry every column).
    #[arg(long)]
    pub wide: bool,
}

pub use opsdeck_engine::views::scorecard::HEADLINE;

/// Build the query; an open date range is filled in from the data by [`print`].
pub fn build_query(a: &ScorecardArgs) -> Result<ScorecardQuery> {
    Ok(ScorecardParams {
        client: a.client.clone(),
        program: a.program.clone(),
        queue: a.queue.clone(),
        site: a.site.clone(),
        channel: a.channel.map(|c| c.as_str().to_string()),
        period: a.period.clone(),
        from: a.from,
        to: a.to,
        by: Some(a.by.clone()),
        level: a.level.clone(),
        blend: Some(a.blend),
        sl_variant: Some(a.sl_variant.clone()),
    }
    .query()?)
}

/// Print the scorecard; `only` keeps just the named columns (in that order). Returns the
/// number of rows.
pub fn print(
    ctx: &Context,
    org: &Org,
    q: &mut ScorecardQuery,
    format: Format,
    only: Option<&[&str]>,
) -> Result<usize> {
    let run = scorecard::run(&ctx.ws, &ctx.scope, org, q)?;
    crate::cmd_facts::say_stale(&run.stale);
    let mut t = run.table;
    if let Some(cols) = only {
        t = t.select(cols);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    output::write(&mut out, format, &t)?;
    std::io::Write::flush(&mut out)?;
    for n in &run.notes {
        note!("note: {n}");
    }
    Ok(t.rows.len())
}

pub fn run(g: &GlobalArgs, a: ScorecardArgs) -> Result<ExitCode> {
    let ctx = Context::open_read(g)?;
    let org = ctx.org()?;
    let mut q = build_query(&a)?;
    if a.cases {
        let mut t =
            opsdeck_engine::views::cases::case_scorecard(&ctx.ws, &ctx.scope, &org, &mut q)?;
        if a.format == Format::Table && !a.wide {
            t = t.select(&opsdeck_engine::views::cases::CASE_HEADLINE);
        }
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        output::write(&mut out, a.format, &t)?;
        std::io::Write::flush(&mut out)?;
        if t.rows.is_empty() {
            note!("opsdeck scorecard --cases: no case data matches (ingest cases first with `opsdeck ingest cases`, or widen the period and the filters)");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let only = (a.format == Format::Table && !a.wide).then_some(&HEADLINE[..]);
    let n = print(&ctx, &org, &mut q, a.format, only)?;
    if n == 0 {
        note!("opsdeck scorecard: no data matches (ingest contacts first, or widen the period and the filters)");
    }
    Ok(ExitCode::SUCCESS)
}

//! `opsdeck scorecard`: KPI scorecards from the workspace's interval facts.

use crate::context::{Context, GlobalArgs};
use crate::output::{self, Format};
use anyhow::Result;
use chrono::NaiveDate;
use opsdeck_core::SlVariant;
use opsdeck_engine::views::scorecard::{
    cells, columns, load_facts, local_day, scorecard, Level, Period, ScorecardQuery,
};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ScorecardArgs {
    #[arg(long)]
    pub client: Option<String>,
    #[arg(long)]
    pub program: Option<String>,
    #[arg(long)]
    pub queue: Option<String>,
    /// First local day (YYYY-MM-DD); default: the first day with data.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last local day, inclusive; default: the last day with data.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Period of each row: interval, day, week, month or total.
    #[arg(long, default_value = "month")]
    pub by: String,
    /// Entity of each row: client, program or queue (default: the finest filter given, else client).
    #[arg(long, value_enum)]
    pub level: Option<LevelArg>,
    /// Service-level variant: offered, answered, abandons_good, exclude_abandons_within_t, exclude_short_abandons.
    #[arg(long = "sl-variant", default_value = "offered")]
    pub sl_variant: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LevelArg {
    Client,
    Program,
    Queue,
}

/// Build the query, defaulting the date range to the data's.
pub fn build_query(a: &ScorecardArgs) -> Result<ScorecardQuery> {
    let level = match a.level {
        Some(LevelArg::Client) => Level::Client,
        Some(LevelArg::Program) => Level::Program,
        Some(LevelArg::Queue) => Level::Queue,
        None if a.queue.is_some() => Level::Queue,
        None if a.program.is_some() => Level::Program,
        None => Level::Client,
    };
    Ok(ScorecardQuery {
        client: a.client.clone(),
        program: a.program.clone(),
        queue: a.queue.clone(),
        from: a.from.unwrap_or(NaiveDate::MIN),
        to: a.to.unwrap_or(NaiveDate::MAX),
        by: a.by.parse::<Period>().map_err(anyhow::Error::msg)?,
        level,
        variant: a
            .sl_variant
            .parse::<SlVariant>()
            .map_err(anyhow::Error::msg)?,
    })
}

/// Print the scorecard; `only` keeps just the named columns (in table order).
pub fn print(
    ctx: &Context,
    q: &mut ScorecardQuery,
    format: Format,
    only: Option<&[&str]>,
) -> Result<usize> {
    if q.from > q.to {
        anyhow::bail!("--from {} is after --to {}", q.from, q.to);
    }
    let facts = load_facts(&ctx.ws, q)?;
    // an open range becomes the data's range, so the "total" label is meaningful
    if q.from == NaiveDate::MIN {
        if let Some(d) = facts.iter().map(local_day).min() {
            q.from = d;
        }
    }
    if q.to == NaiveDate::MAX {
        if let Some(d) = facts.iter().map(local_day).max() {
            q.to = d;
        }
    }
    let sc = scorecard(&facts, q);
    let all = columns(q.level);
    let keep: Vec<usize> = (0..all.len())
        .filter(|i| only.is_none_or(|o| o.contains(&all[*i])))
        .collect();
    let rows: Vec<_> = sc
        .iter()
        .map(|(k, c)| {
            let r = cells(k, c, q.level, q.variant);
            keep.iter().map(|i| r[*i].clone()).collect()
        })
        .collect();
    let cols: Vec<&str> = keep.iter().map(|i| all[*i]).collect();
    let mut out = std::io::stdout().lock();
    output::write(&mut out, format, &cols, &rows)?;
    Ok(rows.len())
}

pub fn run(g: &GlobalArgs, a: ScorecardArgs) -> Result<ExitCode> {
    let ctx = Context::open(g, None)?;
    let mut q = build_query(&a)?;
    let n = print(&ctx, &mut q, a.format, None)?;
    if n == 0 {
        eprintln!("opsdeck scorecard: no data matches (ingest contacts first, or widen --from/--to and the filters)");
    }
    Ok(ExitCode::SUCCESS)
}

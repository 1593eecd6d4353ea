//! `opsdeck scorecard`: KPI scorecards from the workspace's interval facts.

use crate::context::{Context, GlobalArgs};
use crate::output::{self, Format};
use anyhow::Result;
use chrono::NaiveDate;
use opsdeck_core::{parse_period, Channel, Org, SlVariant};
use opsdeck_engine::views::scorecard::{
    data_range, scorecard, table, Level, Period, ScorecardQuery,
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
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// With --format table, every column (by default people see the headline ones; csv and
    /// json always carry every column).
    #[arg(long)]
    pub wide: bool,
}

/// The columns people see in a scorecard table unless they ask for every one.
pub const HEADLINE: [&str; 17] = [
    "client",
    "program",
    "site",
    "queue",
    "channel",
    "period",
    "offered",
    "abandoned",
    "service_level",
    "asa_s",
    "aht_s",
    "abandon_rate",
    "csat_top2_rate",
    "csat_thin",
    "nps",
    "fcr_rate",
    "coverage",
];

/// Refuse ids the organisation does not have, naming the nearest ones.
pub fn check_ids(org: &Org, q: &ScorecardQuery) -> Result<()> {
    for (kind, id) in [
        ("client", &q.client),
        ("program", &q.program),
        ("queue", &q.queue),
        ("site", &q.site),
    ] {
        if let Some(id) = id {
            org.require(kind, id)
                .map_err(opsdeck_engine::EngineError::from)?;
        }
    }
    Ok(())
}

/// Build the query; an open date range is filled in from the data by [`print`].
pub fn build_query(a: &ScorecardArgs) -> Result<ScorecardQuery> {
    let level = match &a.level {
        Some(l) => l.parse::<Level>().map_err(crate::errors::Usage)?,
        None if a.queue.is_some() => Level::Queue,
        None if a.program.is_some() => Level::Program,
        None if a.site.is_some() => Level::Site,
        None => Level::Client,
    };
    let (from, to) = match &a.period {
        Some(p) => {
            let r = parse_period(p).map_err(crate::errors::Usage)?;
            (r.from, r.to)
        }
        None => (
            a.from.unwrap_or(NaiveDate::MIN),
            a.to.unwrap_or(NaiveDate::MAX),
        ),
    };
    Ok(ScorecardQuery {
        client: a.client.clone(),
        program: a.program.clone(),
        queue: a.queue.clone(),
        site: a.site.clone(),
        channel: a.channel,
        from,
        to,
        by: a.by.parse::<Period>().map_err(crate::errors::Usage)?,
        level,
        variant: a
            .sl_variant
            .parse::<SlVariant>()
            .map_err(crate::errors::Usage)?,
        blend: a.blend,
    })
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
    if q.from > q.to {
        return Err(
            crate::errors::Usage(format!("--from {} is after --to {}", q.from, q.to)).into(),
        );
    }
    check_ids(org, q)?;
    let facts = ctx
        .ws
        .interval_facts(&ctx.scope, q.client.as_deref(), q.from, q.to)?;
    // an open range becomes the data's range, so totals and coverage are meaningful
    if q.from == NaiveDate::MIN || q.to == NaiveDate::MAX {
        let selected: Vec<_> = facts
            .iter()
            .filter(|f| opsdeck_engine::views::scorecard::selected(f, org, q))
            .cloned()
            .collect();
        if let Some((lo, hi)) = data_range(&selected) {
            if q.from == NaiveDate::MIN {
                q.from = lo;
            }
            if q.to == NaiveDate::MAX {
                q.to = hi;
            }
        }
    }
    crate::cmd_facts::warn_stale(&facts, org);
    let sc = scorecard(&facts, org, q);
    let mut t = table(&sc, q);
    if let Some(cols) = only {
        t = t.select(cols);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    output::write(&mut out, format, &t)?;
    std::io::Write::flush(&mut out)?;
    for n in &sc.notes {
        note!("note: {n}");
    }
    Ok(t.rows.len())
}

pub fn run(g: &GlobalArgs, a: ScorecardArgs) -> Result<ExitCode> {
    let ctx = Context::open_read(g)?;
    let org = ctx.org()?;
    let mut q = build_query(&a)?;
    let only = (a.format == Format::Table && !a.wide).then_some(&HEADLINE[..]);
    let n = print(&ctx, &org, &mut q, a.format, only)?;
    if n == 0 {
        note!("opsdeck scorecard: no data matches (ingest contacts first, or widen the period and the filters)");
    }
    Ok(ExitCode::SUCCESS)
}

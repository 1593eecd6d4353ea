//! `opsdeck sla evaluate` and `opsdeck sla explain`: clients' months under their contracts
//! (SLA attainment, coverage, credits, invoice, net) for one client or the portfolio, over a
//! month, a range or a quarter; and the aggregate rows (or missing days) behind one SLA figure.

use crate::context::{Context, GlobalArgs};
use crate::errors::Usage;
use crate::output::{self, Format};
use anyhow::{Context as _, Result};
use opsdeck_core::sla::measure;
use opsdeck_core::{IntervalSums, Org, YearMonth};
use opsdeck_engine::views::sla::{
    explain_table, missing_table, money_rows, money_table, Inclusion,
};
use opsdeck_engine::views::sla_period::{
    evaluate_period, explain_sla, months_of, PeriodEvaluation, StoredContracts,
};
use opsdeck_engine::views::table;
use opsdeck_store::Store;
use std::io::Write as _;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum SlaCommand {
    /// Ticket / case SLA clocks over an event log with a clock policy file (stand-alone).
    Clocks(Box<crate::cmd_sla_clocks::ClocksArgs>),
    /// SLA attainment, coverage, service credits, invoice and net per client and month.
    Evaluate {
        /// One client (default: every client with a contract).
        #[arg(long)]
        client: Option<String>,
        /// A month 2025-10, a range of months 2025-09..2025-11, a quarter 2025-Q4 or a year;
        /// a range adds each client's totals.
        #[arg(long)]
        period: String,
        /// The contract (default: the client's contract whose term covers each month).
        #[arg(long)]
        contract: Option<String>,
        /// csv: slas (one row per SLA version and month) or money (invoice, credits and net
        /// per month, and the range's totals); table prints both, json the whole evaluation.
        #[arg(long, value_enum, default_value_t = View::Slas)]
        view: View,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The queue × day (or interval) aggregate rows behind one SLA's figure for a month.
    Explain {
        sla: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        client: Option<String>,
        /// SLA version (default: the one governing the month).
        #[arg(long)]
        version: Option<u32>,
        /// Rows per queue × interval instead of queue × day.
        #[arg(long)]
        by_interval: bool,
        /// The queue-days open by the calendars that have no data (what lowers coverage).
        #[arg(long, conflicts_with = "by_interval")]
        missing: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum View {
    Slas,
    Money,
}

use opsdeck_engine::views::sla::{MONEY_HEADLINE as MONEY_TEXT, SLA_HEADLINE as SLA_TEXT};

/// The contracts the CLI reads (every client's), with the history of each, for
/// [`evaluate_period`].
pub fn stored_contracts(ctx: &Context) -> Result<StoredContracts> {
    Ok(StoredContracts::from_revisions(
        ctx.rt
            .block_on(ctx.store.all_contract_revisions(&ctx.scope))?,
    ))
}

/// Every client-month of the period under its contract (see [`evaluate_period`]), with a
/// warning for facts computed with settings that changed since.
pub fn evaluate_months(
    ctx: &Context,
    org: &Org,
    client: Option<&str>,
    contract: Option<&str>,
    months: &[YearMonth],
) -> Result<PeriodEvaluation> {
    let stored = stored_contracts(ctx)?;
    let p = evaluate_period(&ctx.ws, &ctx.scope, org, &stored, client, contract, months)?;
    crate::cmd_facts::say_stale(&p.stale);
    Ok(p)
}

/// Write the SLA and money tables for people, with what the reader must know.
pub fn print_text(out: &mut dyn std::io::Write, p: &PeriodEvaluation, label: &str) -> Result<()> {
    let evals = &p.evals;
    output::write(out, Format::Table, &p.sla_rows().select(&SLA_TEXT))?;
    writeln!(out)?;
    output::write(
        out,
        Format::Table,
        &money_table(evals, label).select(&MONEY_TEXT),
    )?;
    let provisional: Vec<String> = money_rows(evals, label)
        .iter()
        .filter(|m| m.provisional && !m.period.contains(".."))
        .map(|m| {
            format!(
                "{} {}: {}",
                m.client,
                m.period,
                m.provisional_slas
                    .iter()
                    .map(|s| s.split(" (").next().unwrap_or(s).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    if !provisional.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "provisional (coverage below the contract's minimum: no verdict, credits may change once the data arrives):"
        )?;
        for p in provisional {
            writeln!(out, "  {p}")?;
        }
    }
    if evals.iter().any(|e| e.invoice.unpriced_contacts > 0) {
        writeln!(out)?;
        for e in evals.iter().filter(|e| e.invoice.unpriced_contacts > 0) {
            writeln!(
                out,
                "{} {}: {} handled contacts have no price line",
                e.client,
                e.period,
                table::thousands(e.invoice.unpriced_contacts)
            )?;
        }
    }
    Ok(())
}

fn run_evaluate(
    ctx: &Context,
    client: Option<&str>,
    period: &str,
    contract: Option<&str>,
    view: View,
    format: Format,
) -> Result<()> {
    let org = ctx.org()?;
    let (range, months) = months_of(period).map_err(|e| Usage(e.to_string()))?;
    let p = evaluate_months(ctx, &org, client, contract, &months)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &p.to_json(&range.label))?;
            writeln_out(&mut out)?;
        }
        Format::Csv => match view {
            View::Slas => output::write(&mut out, format, &p.sla_rows())?,
            View::Money => output::write(&mut out, format, &money_table(&p.evals, &range.label))?,
        },
        Format::Table => print_text(&mut out, &p, &range.label)?,
    }
    std::io::Write::flush(&mut out)?;
    Ok(())
}

fn writeln_out(out: &mut dyn std::io::Write) -> Result<()> {
    writeln!(out)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn run_explain(
    ctx: &Context,
    sla: &str,
    period: &str,
    client: Option<&str>,
    version: Option<u32>,
    by_interval: bool,
    missing: bool,
    format: Format,
) -> Result<()> {
    let org = ctx.org()?;
    let month = YearMonth::parse(period)
        .map_err(|e| Usage(format!("--period {e}: explain takes one month")))?;
    let stored = stored_contracts(ctx)?;
    let x = explain_sla(
        &ctx.ws,
        &ctx.scope,
        &org,
        &stored,
        sla,
        month,
        client,
        version,
        by_interval,
    )?;
    let (c, rows, gaps) = (&x.contract, &x.rows, &x.missing);
    let v = x
        .sla_version()
        .ok_or_else(|| anyhow::anyhow!("internal error: the explained version is gone"))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if v.metric.is_case_metric() {
        output::write(
            &mut out,
            format,
            &opsdeck_engine::views::sla::case_explain_table(&x.cases),
        )?;
        if format == Format::Table {
            let counted: Vec<_> = x.cases.iter().filter_map(|r| r.within).collect();
            writeln!(out)?;
            writeln!(
                out,
                "sla {sla} version {} ({} {} {}, window {}): {} cases, {} outside the time (listed first)",
                v.version,
                v.metric.name(),
                v.comparison,
                table::measure(v.target, v.metric.unit()),
                v.window.as_str(),
                table::thousands(x.cases.len() as i64),
                table::thousands(counted.iter().filter(|w| !**w).count() as i64)
            )?;
        }
        std::io::Write::flush(&mut out)?;
        return Ok(());
    }
    if missing {
        output::write(&mut out, format, &missing_table(gaps))?;
        std::io::Write::flush(&mut out)?;
        return Ok(());
    }
    let total: IntervalSums = rows
        .iter()
        .filter(|r| r.inclusion == Inclusion::Included)
        .map(|r| r.sums)
        .sum();
    output::write(&mut out, format, &explain_table(rows))?;
    if format == Format::Table {
        let m = measure(&v.metric, &total);
        let unit = v.metric.unit();
        writeln!(out)?;
        writeln!(
            out,
            "sla {sla} version {} ({} {} {}, window {}): the included rows re-sum to {} over volume {}",
            v.version,
            v.metric.name(),
            v.comparison,
            table::measure(v.target, unit),
            v.window.as_str(),
            m.and_then(|m| m.achieved)
                .map_or("undefined".to_string(), |a| table::measure(a, unit)),
            table::thousands(m.map_or(0, |m| m.volume))
        )?;
        if !gaps.is_empty() {
            writeln!(
                out,
                "{} queue-day(s) open by the calendars have no data, lowering coverage: list them with --missing",
                gaps.len()
            )?;
        }
        writeln!(
            out,
            "the contacts behind these rows: `opsdeck scorecard --client {} --period {} --by day --level queue`, and the contact facts under facts/contacts/client={}/",
            c.client,
            month.label(),
            c.client
        )?;
    }
    std::io::Write::flush(&mut out)?;
    Ok(())
}

pub fn run(g: &GlobalArgs, c: SlaCommand) -> Result<ExitCode> {
    if let SlaCommand::Clocks(a) = c {
        return crate::cmd_sla_clocks::run(*a);
    }
    let ctx = Context::open_read(g)?;
    match c {
        SlaCommand::Evaluate {
            client,
            period,
            contract,
            view,
            format,
        } => run_evaluate(
            &ctx,
            client.as_deref(),
            &period,
            contract.as_deref(),
            view,
            format,
        )?,
        SlaCommand::Explain {
            sla,
            period,
            client,
            version,
            by_interval,
            missing,
            format,
        } => run_explain(
            &ctx,
            &sla,
            &period,
            client.as_deref(),
            version,
            by_interval,
            missing,
            format,
        )
        .context("sla explain")?,
        SlaCommand::Clocks(_) => {} // run above, without a workspace
    }
    Ok(ExitCode::SUCCESS)
}

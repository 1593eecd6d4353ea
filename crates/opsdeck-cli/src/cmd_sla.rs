//! `opsdeck sla evaluate` and `opsdeck sla explain`: clients' months under their contracts
//! (SLA attainment, coverage, credits, invoice, net) for one client or the portfolio, over a
//! month, a range or a quarter; and the aggregate rows (or missing days) behind one SLA figure.

use crate::cmd_contract::{latest, validated};
use crate::context::{Context, GlobalArgs};
use crate::errors::Usage;
use crate::output::{self, Format};
use anyhow::{Context as _, Result};
use opsdeck_core::contract::Contract;
use opsdeck_core::sla::measure;
use opsdeck_core::{parse_period, DateRange, IntervalSums, Org, YearMonth};
use opsdeck_engine::views::sla::{
    evaluate, explain, explain_table, load_for, missing_days, missing_table, money_rows,
    money_table, sla_table, versions_for, Evaluation, Inclusion, Role, SlaResult,
};
use opsdeck_engine::views::table::{self, Table};
use opsdeck_store::{ContractRevision, Store};
use std::io::Write as _;
use std::process::ExitCode;

/// Version of the JSON document `sla evaluate --format json` prints.
pub const EVALUATION_JSON_VERSION: u32 = 2;

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

/// The columns people read of the SLA rows (csv and json have every column).
const SLA_TEXT: [&str; 13] = [
    "client", "period", "sla", "version", "role", "unit", "target", "achieved", "coverage",
    "status", "verdict", "credit", "currency",
];
/// The columns people read of the money rows.
const MONEY_TEXT: [&str; 12] = [
    "client",
    "period",
    "currency",
    "invoice",
    "bonus",
    "malus",
    "credits_gross",
    "credits_earned_back",
    "credits_payable",
    "cap_binding",
    "net",
    "provisional",
];

/// The months of a period; SLA evaluation is by whole months.
pub fn months_of(period: &str) -> Result<(DateRange, Vec<YearMonth>)> {
    let r = parse_period(period).map_err(Usage)?;
    if !r.whole_months {
        return Err(Usage(format!(
            "--period {period}: SLAs are evaluated by calendar month; give a month (2025-10), a range of months (2025-09..2025-11), a quarter (2025-Q4) or a year"
        ))
        .into());
    }
    let months = r.months();
    Ok((r, months))
}

/// The client's contract for the month, if one covers it.
fn pick<'a>(
    list: &'a [ContractRevision],
    org: &Org,
    client: &str,
    contract: Option<&str>,
    month: YearMonth,
) -> Result<Option<(&'a ContractRevision, Contract)>> {
    let mut candidates = Vec::new();
    for r in list.iter().filter(|r| r.client == client) {
        if contract.is_some_and(|c| c != r.contract_id) {
            continue;
        }
        let c = validated(r, org)?;
        if c.in_term(month.first) || c.in_term(month.last()) {
            candidates.push((r, c));
        }
    }
    match candidates.len() {
        0 => Ok(None),
        1 => Ok(Some(candidates.remove(0))),
        _ => Err(Usage(format!(
            "client {client:?} has several contracts covering {} ({}); choose one with --contract",
            month.label(),
            candidates
                .iter()
                .map(|(r, _)| r.contract_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into()),
    }
}

/// The month's evaluation under the latest revision, plus the rows of earlier revisions whose
/// governing definition of an SLA differs (re-evaluated history is shown side by side, never
/// silently rewritten).
pub fn evaluate_with_history(
    ctx: &Context,
    org: &Org,
    rev: &ContractRevision,
    c: &Contract,
    month: YearMonth,
) -> Result<(Evaluation, Vec<Evaluation>)> {
    let facts = load_for(&ctx.ws, &ctx.scope, c, month)?;
    crate::cmd_facts::warn_stale(&facts, org);
    let e = evaluate(c, rev.revision, org, &facts, month)?;
    let mut earlier = Vec::new();
    let history = ctx
        .rt
        .block_on(ctx.store.contract_revisions(&ctx.scope, &rev.contract_id))?;
    for old in history.iter().filter(|o| o.revision < rev.revision) {
        let Ok(oc) = Contract::from_raw(&old.contract, org) else {
            continue;
        };
        let Ok(mut oe) = evaluate(&oc, old.revision, org, &facts, month) else {
            continue;
        };
        let changed: Vec<String> = oc
            .slas
            .keys()
            .filter(|id| {
                let now: Vec<_> = versions_for(c, id, month)
                    .into_iter()
                    .map(|(v, _)| v)
                    .collect();
                let then: Vec<_> = versions_for(&oc, id, month)
                    .into_iter()
                    .map(|(v, _)| v)
                    .collect();
                now != then
            })
            .cloned()
            .collect();
        oe.slas.retain(|r| changed.contains(&r.sla));
        if !oe.slas.is_empty() {
            earlier.push(oe);
        }
    }
    Ok((e, earlier))
}

/// Every client-month of the period under its contract: the evaluations, and the earlier
/// revisions' differing rows. `client` narrows to one client (whose contracts must cover some
/// month of the period).
pub fn evaluate_period(
    ctx: &Context,
    org: &Org,
    client: Option<&str>,
    contract: Option<&str>,
    months: &[YearMonth],
) -> Result<(Vec<Evaluation>, Vec<Evaluation>)> {
    if let Some(c) = client {
        org.require("client", c)
            .map_err(opsdeck_engine::EngineError::from)?;
    }
    let list = latest(ctx, client)?;
    if let Some(id) = contract {
        if !list.iter().any(|r| r.contract_id == id) {
            let known: Vec<&str> = list.iter().map(|r| r.contract_id.as_str()).collect();
            return Err(opsdeck_engine::EngineError::from(opsdeck_core::UnknownId {
                kind: "contract",
                id: id.to_string(),
                nearest: opsdeck_core::org::nearest_ids(id, known),
            })
            .into());
        }
    }
    let clients: std::collections::BTreeSet<&str> =
        list.iter().map(|r| r.client.as_str()).collect();
    let (mut evals, mut earlier) = (Vec::new(), Vec::new());
    for cl in clients {
        for m in months {
            if let Some((rev, c)) = pick(&list, org, cl, contract, *m)? {
                let (e, old) = evaluate_with_history(ctx, org, rev, &c, *m)?;
                evals.push(e);
                earlier.extend(old);
            }
        }
    }
    if evals.is_empty() {
        let span = match (months.first(), months.last()) {
            (Some(a), Some(b)) if a == b => a.label(),
            (Some(a), Some(b)) => format!("{}..{}", a.label(), b.label()),
            _ => String::new(),
        };
        let who = match client {
            Some(c) => format!("client {c:?} has no stored contract"),
            None => "no client has a stored contract".to_string(),
        };
        anyhow::bail!("{who} covering {span} (store one with `opsdeck contract apply FILE`)");
    }
    Ok((evals, earlier))
}

/// The SLA rows of evaluations, each month's earlier revisions after it.
fn sla_rows<'a>(evals: &'a [Evaluation], earlier: &'a [Evaluation]) -> Table {
    let mut rows: Vec<(&Evaluation, &SlaResult)> = Vec::new();
    for e in evals {
        rows.extend(e.slas.iter().map(|r| (e, r)));
        for o in earlier
            .iter()
            .filter(|o| o.client == e.client && o.period == e.period && o.contract == e.contract)
        {
            rows.extend(o.slas.iter().map(|r| (o, r)));
        }
    }
    sla_table(rows)
}

/// Write the SLA and money tables for people, with what the reader must know.
pub fn print_text(
    out: &mut dyn std::io::Write,
    evals: &[Evaluation],
    earlier: &[Evaluation],
    label: &str,
) -> Result<()> {
    output::write(
        out,
        Format::Table,
        &sla_rows(evals, earlier).select(&SLA_TEXT),
    )?;
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
    let (range, months) = months_of(period)?;
    let (evals, earlier) = evaluate_period(ctx, &org, client, contract, &months)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        Format::Json => {
            let v = serde_json::json!({
                "format_version": EVALUATION_JSON_VERSION,
                "period": range.label,
                "evaluations": evals,
                "totals": money_rows(&evals, &range.label)
                    .into_iter()
                    .filter(|m| m.period.contains(".."))
                    .collect::<Vec<_>>(),
                "earlier_revisions": earlier,
            });
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln_out(&mut out)?;
        }
        Format::Csv => match view {
            View::Slas => output::write(&mut out, format, &sla_rows(&evals, &earlier))?,
            View::Money => output::write(&mut out, format, &money_table(&evals, &range.label))?,
        },
        Format::Table => print_text(&mut out, &evals, &earlier, &range.label)?,
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
    if let Some(c) = client {
        org.require("client", c)
            .map_err(opsdeck_engine::EngineError::from)?;
    }
    let list = latest(ctx, client)?;
    let mut found = Vec::new();
    for r in &list {
        if r.contract.slas.iter().any(|s| s.id == sla) {
            found.push((r, validated(r, &org)?));
        }
    }
    let (_, c) = match found.len() {
        1 => found.remove(0),
        0 => {
            let known: std::collections::BTreeSet<&str> = list
                .iter()
                .flat_map(|r| r.contract.slas.iter().map(|s| s.id.as_str()))
                .collect();
            return Err(opsdeck_engine::EngineError::from(opsdeck_core::UnknownId {
                kind: "sla",
                id: sla.to_string(),
                nearest: opsdeck_core::org::nearest_ids(sla, known),
            })
            .into());
        }
        _ => {
            return Err(Usage(format!(
                "several contracts have an SLA {sla:?}; choose one with --client"
            ))
            .into())
        }
    };
    let versions = versions_for(&c, sla, month);
    let v = match version {
        Some(n) => c.slas[sla]
            .iter()
            .find(|v| v.version == n)
            .ok_or_else(|| Usage(format!("sla {sla:?} has no version {n}")))?,
        None => versions
            .iter()
            .find(|(_, r)| *r == Role::Governing)
            .map(|(v, _)| *v)
            .ok_or_else(|| {
                Usage(format!(
                    "no version of sla {sla:?} is in force in {}",
                    month.label()
                ))
            })?,
    };
    let facts = load_for(&ctx.ws, &ctx.scope, &c, month)?;
    let gaps = missing_days(&c, v, &org, &facts, month);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if missing {
        output::write(&mut out, format, &missing_table(&gaps))?;
        std::io::Write::flush(&mut out)?;
        return Ok(());
    }
    let rows = explain(&c, v, &org, &facts, month, by_interval);
    let total: IntervalSums = rows
        .iter()
        .filter(|r| r.inclusion == Inclusion::Included)
        .map(|r| r.sums)
        .sum();
    output::write(&mut out, format, &explain_table(&rows))?;
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

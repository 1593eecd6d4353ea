//! `opsdeck sla evaluate` and `opsdeck sla explain`: a client's month under its contract (SLA
//! attainment, credits, invoice, net) and the aggregate rows behind one SLA figure.

use crate::cmd_contract::{latest, validated};
use crate::context::{Context, GlobalArgs};
use crate::output::{self, Format};
use anyhow::{Context as _, Result};
use opsdeck_core::contract::Contract;
use opsdeck_core::sla::measure;
use opsdeck_core::{IntervalSums, Org};
use opsdeck_engine::views::sla::{
    evaluate, explain, load_for, versions_for, Evaluation, Inclusion, Role, SlaResult, YearMonth,
};
use opsdeck_engine::views::table::Value;
use opsdeck_store::{ContractRevision, Store};
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum SlaCommand {
    /// Ticket / case SLA clocks over an event log with a clock policy file (stand-alone).
    Clocks(Box<crate::cmd_sla_clocks::ClocksArgs>),
    /// SLA attainment, service credits, invoice and net for a client's month.
    Evaluate {
        #[arg(long)]
        client: String,
        /// The month, YYYY-MM.
        #[arg(long)]
        period: String,
        /// The contract (default: the client's contract whose term covers the period).
        #[arg(long)]
        contract: Option<String>,
        /// table and csv print one row per SLA version; json prints the whole evaluation.
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
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// The client's contract for the month.
fn pick<'a>(
    list: &'a [ContractRevision],
    org: &Org,
    client: &str,
    contract: Option<&str>,
    month: YearMonth,
) -> Result<(&'a ContractRevision, Contract)> {
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
        1 => Ok(candidates.remove(0)),
        0 => anyhow::bail!(
            "client {client:?} has no stored contract{} covering {} (store one with `opsdeck contract apply FILE`)",
            contract.map(|c| format!(" {c:?}")).unwrap_or_default(),
            month.label()
        ),
        _ => anyhow::bail!(
            "client {client:?} has several contracts covering {} ({}); choose one with --contract",
            month.label(),
            candidates
                .iter()
                .map(|(r, _)| r.contract_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub const SLA_COLUMNS: [&str; 21] = [
    "revision",
    "sla",
    "version",
    "effective_from",
    "role",
    "metric",
    "unit",
    "comparison",
    "target",
    "window",
    "achieved",
    "volume",
    "margin",
    "status",
    "windows_measured",
    "windows_met",
    "windows_missed",
    "not_measured",
    "excluded_days",
    "credit",
    "earn_back",
];

fn sla_cells(revision: i64, r: &SlaResult) -> Vec<Value> {
    vec![
        Value::Int(revision),
        Value::Text(r.sla.clone()),
        Value::Int(i64::from(r.version)),
        Value::Text(r.effective_from.to_string()),
        Value::Text(
            match r.role {
                Role::Governing => "governing",
                Role::Informational => "informational",
            }
            .into(),
        ),
        Value::Text(r.metric.clone()),
        Value::Text(r.unit.clone()),
        Value::Text(r.comparison.clone()),
        Value::Num(Some(r.target)),
        Value::Text(r.window.clone()),
        Value::Num(r.achieved),
        Value::Int(r.volume),
        Value::Num(r.margin),
        Value::Text(r.status.as_str().into()),
        Value::Int(r.windows_measured as i64),
        Value::Int(r.windows_met as i64),
        Value::Int(r.windows_missed as i64),
        Value::Text(r.not_measured.clone().unwrap_or_default()),
        Value::Text(
            r.excluded_days
                .iter()
                .map(|(d, why)| format!("{d} ({why})"))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Value::Num(Some(r.credit)),
        Value::Text(r.earn_back.describe()),
    ]
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
) -> Result<(Evaluation, Vec<(i64, SlaResult)>)> {
    let facts = load_for(&ctx.ws, c, month)?;
    let e = evaluate(c, org, &facts, month)?;
    let mut earlier = Vec::new();
    let history = ctx
        .rt
        .block_on(ctx.store.contract_revisions(&rev.contract_id))?;
    for old in history.iter().filter(|o| o.revision < rev.revision) {
        let Ok(oc) = Contract::from_raw(&old.contract, org) else {
            continue;
        };
        let Ok(oe) = evaluate(&oc, org, &facts, month) else {
            continue;
        };
        for id in oc.slas.keys() {
            let now: Vec<_> = versions_for(c, id, month)
                .into_iter()
                .map(|(v, _)| v)
                .collect();
            let then: Vec<_> = versions_for(&oc, id, month)
                .into_iter()
                .map(|(v, _)| v)
                .collect();
            if now != then {
                earlier.extend(
                    oe.slas
                        .iter()
                        .filter(|r| r.sla == *id)
                        .map(|r| (old.revision, r.clone())),
                );
            }
        }
    }
    Ok((e, earlier))
}

fn print_summary(e: &Evaluation) {
    let m = |x: f64| format!("{x:.2} {}", e.currency);
    println!();
    println!(
        "contract {} · client {} · {}",
        e.contract, e.client, e.period
    );
    println!(
        "  invoice (service-level base) {}  = FTE {} + contacts {}{}",
        m(e.invoice.base),
        m(e.invoice.fte_charges),
        m(e.invoice.contact_charges),
        if e.invoice.unpriced_contacts > 0 {
            format!(
                " ({} handled contacts have no price line)",
                e.invoice.unpriced_contacts
            )
        } else {
            String::new()
        }
    );
    println!("  outcome bonus {}  malus {}", m(e.bonus), m(e.malus));
    println!(
        "  at risk (cap) {}  credits: gross {}, earned back {}, pending earn-back {}, payable {}{}",
        m(e.credits.at_risk),
        m(e.credits.gross),
        m(e.credits.earned_back),
        m(e.credits.pending),
        m(e.credits.payable),
        if e.credits.cap_binding {
            " (cap binding)"
        } else {
            ""
        }
    );
    println!("  net {}", m(e.net));
}

fn run_evaluate(
    ctx: &Context,
    client: &str,
    period: &str,
    contract: Option<&str>,
    format: Format,
) -> Result<()> {
    let org = ctx.org()?;
    let month = YearMonth::parse(period)?;
    let list = latest(ctx, Some(client))?;
    let (rev, c) = pick(&list, &org, client, contract, month)?;
    let (e, earlier) = evaluate_with_history(ctx, &org, rev, &c, month)?;
    match format {
        Format::Json => {
            let v = serde_json::json!({
                "revision": rev.revision,
                "evaluation": e,
                "earlier_revisions": earlier
                    .iter()
                    .map(|(r, s)| serde_json::json!({"revision": r, "sla": s}))
                    .collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        f => {
            let mut rows: Vec<Vec<Value>> =
                e.slas.iter().map(|r| sla_cells(rev.revision, r)).collect();
            rows.extend(earlier.iter().map(|(n, r)| sla_cells(*n, r)));
            let mut out = std::io::stdout().lock();
            output::write(&mut out, f, &SLA_COLUMNS, &rows)?;
            drop(out);
            if f == Format::Table {
                print_summary(&e);
            }
        }
    }
    Ok(())
}

/// The explain table's columns: the row's identity, then every additive component in
/// `kpi::SUM_FIELDS` order.
fn explain_columns() -> Vec<&'static str> {
    let mut c = vec![
        "queue",
        "program",
        "period",
        "window",
        "inclusion",
        "threshold_s",
        "short_abandon_s",
    ];
    c.extend(opsdeck_core::kpi::SUM_FIELDS);
    c
}

#[allow(clippy::too_many_arguments)]
fn run_explain(
    ctx: &Context,
    sla: &str,
    period: &str,
    client: Option<&str>,
    version: Option<u32>,
    by_interval: bool,
    format: Format,
) -> Result<()> {
    let org = ctx.org()?;
    let month = YearMonth::parse(period)?;
    let list = latest(ctx, client)?;
    let mut found = Vec::new();
    for r in &list {
        if r.contract.slas.iter().any(|s| s.id == sla) {
            found.push((r, validated(r, &org)?));
        }
    }
    let (_, c) = match found.len() {
        1 => found.remove(0),
        0 => anyhow::bail!(
            "no stored contract{} has an SLA {sla:?}",
            client
                .map(|c| format!(" of client {c:?}"))
                .unwrap_or_default()
        ),
        _ => anyhow::bail!("several contracts have an SLA {sla:?}; choose one with --client"),
    };
    let versions = versions_for(&c, sla, month);
    let v = match version {
        Some(n) => c.slas[sla]
            .iter()
            .find(|v| v.version == n)
            .with_context(|| format!("sla {sla:?} has no version {n}"))?,
        None => versions
            .iter()
            .find(|(_, r)| *r == Role::Governing)
            .map(|(v, _)| *v)
            .with_context(|| {
                format!("no version of sla {sla:?} is in force in {}", month.label())
            })?,
    };
    let facts = load_for(&ctx.ws, &c, month)?;
    let rows = explain(&c, v, &org, &facts, month, by_interval);
    let mut total = IntervalSums::default();
    let mut out_rows = Vec::new();
    for r in &rows {
        if r.inclusion == Inclusion::Included {
            total += r.sums;
        }
        let mut cells = vec![
            Value::Text(r.queue.clone()),
            Value::Text(r.program.clone()),
            Value::Text(r.period.clone()),
            Value::Text(r.window.clone()),
            Value::Text(
                match r.inclusion {
                    Inclusion::Included => "included",
                    Inclusion::ExcludedDay => "excluded_day",
                    Inclusion::OutsideCalendarHours => "outside_calendar_hours",
                }
                .into(),
            ),
            Value::Int(r.threshold_s),
            Value::Int(r.short_abandon_s),
        ];
        cells.extend(r.sums.to_array().map(Value::Int));
        out_rows.push(cells);
    }
    let mut out = std::io::stdout().lock();
    output::write(&mut out, format, &explain_columns(), &out_rows)?;
    drop(out);
    if format == Format::Table {
        let m = measure(&v.metric, &total);
        println!();
        println!(
            "sla {sla} version {} ({} {} {} {}, window {}): the included rows re-sum to {} over volume {}",
            v.version,
            v.metric.name(),
            v.comparison,
            v.target,
            v.metric.unit(),
            v.window.as_str(),
            m.and_then(|m| m.achieved)
                .map_or("undefined".to_string(), |a| format!("{a:.4} {}", v.metric.unit())),
            m.map_or(0, |m| m.volume)
        );
        println!(
            "the contacts behind these rows: `opsdeck scorecard --client {} --from {} --to {} --by day --level queue`, and the contact facts under facts/contacts/client={}/",
            c.client,
            month.first,
            month.last(),
            c.client
        );
    }
    Ok(())
}

pub fn run(g: &GlobalArgs, c: SlaCommand) -> Result<ExitCode> {
    if let SlaCommand::Clocks(a) = c {
        return crate::cmd_sla_clocks::run(*a);
    }
    let ctx = Context::open(g, None)?;
    match c {
        SlaCommand::Evaluate {
            client,
            period,
            contract,
            format,
        } => run_evaluate(&ctx, &client, &period, contract.as_deref(), format)?,
        SlaCommand::Explain {
            sla,
            period,
            client,
            version,
            by_interval,
            format,
        } => run_explain(
            &ctx,
            &sla,
            &period,
            client.as_deref(),
            version,
            by_interval,
            format,
        )?,
        SlaCommand::Clocks(_) => {} // run above, without a workspace
    }
    Ok(ExitCode::SUCCESS)
}

/// SLA attainment (governing versions) and the month's money per client, for every month of
/// `first ..= last` (used by `opsdeck demo`).
pub fn print_attainment(
    ctx: &Context,
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
) -> Result<()> {
    let org = ctx.org()?;
    let mut sla_rows = Vec::new();
    let mut money_rows = Vec::new();
    for rev in latest(ctx, None)? {
        let c = validated(&rev, &org)?;
        let mut month = YearMonth::of(first);
        while month.first <= last {
            if c.in_term(month.first) || c.in_term(month.last()) {
                let facts = load_for(&ctx.ws, &c, month)?;
                let e = evaluate(&c, &org, &facts, month)?;
                for r in e.slas.iter().filter(|r| r.role == Role::Governing) {
                    sla_rows.push(vec![
                        Value::Text(e.client.clone()),
                        Value::Text(e.period.clone()),
                        Value::Text(format!("{} v{}", r.sla, r.version)),
                        Value::Text(format!("{} {} {}", r.comparison, r.target, r.unit)),
                        Value::Num(r.achieved),
                        Value::Text(r.status.as_str().into()),
                        Value::Num(Some(r.credit)),
                        Value::Text(r.earn_back.describe()),
                    ]);
                }
                money_rows.push(vec![
                    Value::Text(e.client.clone()),
                    Value::Text(e.period.clone()),
                    Value::Text(e.currency.clone()),
                    Value::Num(Some(e.invoice.base)),
                    Value::Num(Some(e.bonus - e.malus)),
                    Value::Num(Some(e.credits.gross)),
                    Value::Num(Some(e.credits.payable)),
                    Value::Text(if e.credits.cap_binding { "yes" } else { "no" }.into()),
                    Value::Num(Some(e.net)),
                ]);
            }
            month = month.next();
        }
    }
    let mut out = std::io::stdout().lock();
    output::write(
        &mut out,
        Format::Table,
        &[
            "client",
            "period",
            "sla",
            "target",
            "achieved",
            "status",
            "credit",
            "earn_back",
        ],
        &sla_rows,
    )?;
    writeln_blank(&mut out)?;
    output::write(
        &mut out,
        Format::Table,
        &[
            "client",
            "period",
            "currency",
            "invoice",
            "bonus_malus",
            "credits_gross",
            "credits_payable",
            "cap_binding",
            "net",
        ],
        &money_rows,
    )?;
    Ok(())
}

fn writeln_blank(out: &mut dyn std::io::Write) -> Result<()> {
    writeln!(out)?;
    Ok(())
}

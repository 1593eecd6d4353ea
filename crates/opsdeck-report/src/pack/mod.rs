//! The review packs — monthly service review, QBR, board pack — as one self-contained HTML
//! document each (inline CSS and SVG, no external request, prints well), drafted from the data:
//! every table is an output table written from its declaration, every chart comes from
//! [`crate::figures`], and the commentary is made of sentences whose every number is a cell of
//! those tables as people read it (`views::table::human`), each linked to the explain view
//! behind it. Deterministic: the same inputs give the same bytes (no clock; `as_of` only when
//! the caller gives one). A client's pack reads through a scope of that client alone.

mod cases;
mod commentary;
mod doc;
mod weekly;

use crate::html::{esc, no_links, table, url};
use opsdeck_core::{Org, Scope, YearMonth};
use opsdeck_engine::error::{EngineError, Result};
use opsdeck_engine::views::profile::forecast_vs_actual;
use opsdeck_engine::views::scorecard::{self, ScorecardParams, HEADLINE};
use opsdeck_engine::views::sla::{money_table, Evaluation, MONEY_HEADLINE, SLA_HEADLINE};
use opsdeck_engine::views::sla_period::{
    evaluate_period, months_of, PeriodEvaluation, StoredContracts,
};
use opsdeck_engine::views::table::Table;
use opsdeck_engine::workspace::Workspace;
use std::fmt::Write;

/// Which pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackKind {
    /// A week of one client: headline KPIs against last week, the month to date, the worst
    /// days and intervals, volume against the plan's forecast, coverage and quarantine.
    Weekly,
    /// The month of one client: every SLA with windows, credits, invoice, trends.
    Monthly,
    /// A quarter of one client: each month and the total.
    Qbr,
    /// Every client the scope reads: the portfolio, ranked by risk.
    Board,
}

impl PackKind {
    pub fn name(self) -> &'static str {
        match self {
            PackKind::Weekly => "weekly",
            PackKind::Monthly => "monthly",
            PackKind::Qbr => "qbr",
            PackKind::Board => "board",
        }
    }
    fn title(self) -> &'static str {
        match self {
            PackKind::Weekly => "Weekly operations review",
            PackKind::Monthly => "Monthly service review",
            PackKind::Qbr => "Quarterly business review",
            PackKind::Board => "Board pack",
        }
    }
}

/// What to draft.
#[derive(Debug, Clone)]
pub struct PackRequest {
    pub kind: PackKind,
    /// The client (monthly, QBR); the board pack covers the scope.
    pub client: Option<String>,
    /// A month (`2025-10`), a quarter (`2025-Q4`) or a range of months.
    pub period: String,
    /// Written on the cover when given (never the clock).
    pub as_of: Option<String>,
    /// A manager's notes (Markdown: paragraphs, `- ` lists, `#` headings), rendered as written.
    pub notes: Option<String>,
    /// Prefix of the explain links (the dashboard's address); empty: links relative to it.
    pub link_base: String,
}

/// A drafted pack.
#[derive(Debug, Clone)]
pub struct Pack {
    pub title: String,
    /// A file name without extension: `monthly-northwind-2025-10`.
    pub stem: String,
    pub html: String,
}

/// A pack's file name without extension: `monthly-northwind-2025-10`, `board-2025-10`
/// (a range's `..` written `_`).
pub fn stem(kind: PackKind, client: Option<&str>, label: &str) -> String {
    let label = label.replace("..", "_");
    match client {
        Some(c) => format!("{}-{c}-{label}", kind.name()),
        None => format!("{}-{label}", kind.name()),
    }
}

/// Months of trend before the period's last month.
const TREND_MONTHS: u32 = 6;

fn trend_of(last: YearMonth) -> Vec<YearMonth> {
    let mut out = vec![last];
    for _ in 1..TREND_MONTHS {
        let m = out[0].prev();
        out.insert(0, m);
    }
    out
}

/// Draft a pack from the workspace, through `scope` (narrowed to the client for a client's
/// pack), with the organisation and contracts that scope reads.
pub fn build(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    stored: &StoredContracts,
    req: &PackRequest,
) -> Result<Pack> {
    // a week is not made of months: the weekly pack reads its own period
    let span = || -> Result<_> {
        let (range, months) = months_of(&req.period)?;
        match (months.first(), months.last()) {
            (Some(&first), Some(&last)) => Ok((range, months.clone(), first, last)),
            _ => Err(EngineError::invalid("period", "the period holds no month")),
        }
    };
    match req.kind {
        PackKind::Weekly => weekly::pack(ws, scope, org, stored, req),
        PackKind::Monthly | PackKind::Qbr => {
            let (range, months, first, last) = span()?;
            let client = req.client.as_deref().ok_or_else(|| {
                EngineError::invalid(
                    "client",
                    format!("a {} pack is of one client: name it", req.kind.name()),
                )
            })?;
            org.require("client", client)?;
            if req.kind == PackKind::Monthly && months.len() != 1 {
                return Err(EngineError::invalid(
                    "period",
                    format!("a monthly pack is of one month, not {}", range.label),
                ));
            }
            let scope = scope.narrowed_to(client);
            let trend = trend_of(last);
            let all: Vec<YearMonth> = trend
                .iter()
                .copied()
                .filter(|m| *m < first)
                .chain(months.iter().copied())
                .collect();
            let e = evaluated(ws, &scope, org, stored, Some(client), &all)?;
            client_pack(
                ws,
                &scope,
                org,
                stored,
                req,
                client,
                &range.label,
                &months,
                &trend,
                e.as_ref(),
            )
        }
        PackKind::Board => {
            let (range, months, first, _) = span()?;
            let e = evaluated(ws, scope, org, stored, None, &months)?;
            let prev_month = first.prev();
            let before = evaluated(ws, scope, org, stored, None, &[prev_month])?;
            board_pack(
                ws,
                scope,
                org,
                req,
                &range.label,
                &months,
                e.as_ref(),
                before.as_ref(),
            )
        }
    }
}

/// The evaluation of `months`, or `None` when no contract covers them.
pub(crate) fn evaluated(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    stored: &StoredContracts,
    client: Option<&str>,
    months: &[YearMonth],
) -> Result<Option<PeriodEvaluation>> {
    match evaluate_period(ws, scope, org, stored, client, None, months) {
        Ok(e) => Ok(Some(e)),
        Err(EngineError::NoData { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The scorecard of a period at a level, or `None` without contacts.
pub(crate) fn scorecard_of(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    client: Option<&str>,
    period: &str,
    level: &str,
    by: &str,
) -> Result<Option<Table>> {
    let mut q = ScorecardParams {
        client: client.map(str::to_string),
        period: Some(period.to_string()),
        level: Some(level.to_string()),
        by: Some(by.to_string()),
        ..ScorecardParams::default()
    }
    .query()?;
    match scorecard::run(ws, scope, org, &mut q) {
        Ok(r) => Ok(Some(r.table)),
        Err(EngineError::NoData { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The scorecard without the rows of ticket channels that carried no contact (a service desk's
/// figures are its cases').
fn without_idle_tickets(t: &Table) -> Table {
    use opsdeck_engine::views::table::Value;
    let col = |n: &str| t.columns.iter().position(|c| c.name == n);
    let (Some(ch), Some(off)) = (col("channel"), col("offered")) else {
        return t.clone();
    };
    Table {
        columns: t.columns.clone(),
        rows: t
            .rows
            .iter()
            .filter(|r| {
                !(matches!(&r[ch], Value::Text(c) if c == "ticket")
                    && matches!(r[off], Value::Int(0)))
            })
            .cloned()
            .collect(),
    }
}

fn of_months(e: &PeriodEvaluation, months: &[YearMonth]) -> PeriodEvaluation {
    let keep = |x: &Evaluation| months.iter().any(|m| m.label() == x.period);
    PeriodEvaluation {
        evals: e.evals.iter().filter(|x| keep(x)).cloned().collect(),
        earlier: e.earlier.iter().filter(|x| keep(x)).cloned().collect(),
        stale: e.stale.clone(),
    }
}

#[allow(clippy::too_many_arguments)] // the pack's request, as resolved
fn client_pack(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    stored: &StoredContracts,
    req: &PackRequest,
    client: &str,
    label: &str,
    months: &[YearMonth],
    trend: &[YearMonth],
    e: Option<&PeriodEvaluation>,
) -> Result<Pack> {
    let name = org.clients.get(client).map_or(client, |c| c.name.as_str());
    let last = months[months.len() - 1];
    let title = format!("{} — {name} — {label}", req.kind.title());
    let mut body = String::new();
    let period_eval = e.map(|e| of_months(e, months));
    let prev_eval = e.map(|e| of_months(e, &[months[0].prev()]));
    let card = scorecard_of(ws, scope, org, Some(client), label, "program", "month")?;
    let prev_card = scorecard_of(
        ws,
        scope,
        org,
        Some(client),
        &months[0].prev().label(),
        "program",
        "month",
    )?;
    // the summary: sentences from the tables below
    let mut sentences = commentary::client(
        period_eval.as_ref(),
        prev_eval.as_ref(),
        card.as_ref(),
        prev_card.as_ref(),
        label,
        &req.link_base,
        client,
    );
    // volume against the plan's forecast, by weekday, per queue: the driver behind a movement
    let mut forecasts = String::new();
    for q in org.queues.values().filter(|q| q.client == client) {
        let (from, to) = (months[0].first, last.last());
        if let Ok(t) = forecast_vs_actual(ws, scope, org, &q.id, from, to) {
            sentences.extend(commentary::forecast(&t, &q.name, &req.link_base, &q.id));
            forecasts.push_str(&table(
                &t,
                &format!(
                    "{} ({}): volume against forecast by weekday, {label}",
                    q.name, q.id
                ),
                None,
                &no_links,
            ));
        }
    }
    doc::section(&mut body, "summary", "Summary", &doc::sentences(&sentences));
    match &period_eval {
        Some(pe) if !pe.evals.is_empty() => {
            let slas = pe.sla_rows();
            let link = |row: usize, col: &str| {
                (col == "sla").then(|| {
                    format!(
                        "{}/sla/{}?client={}&period={}",
                        req.link_base,
                        url(doc::text(&slas, row, "sla")),
                        url(client),
                        url(doc::text(&slas, row, "period"))
                    )
                })
            };
            let mut s = table(
                &slas.select(&SLA_HEADLINE),
                "Every SLA of the contract",
                None,
                &link,
            );
            let excluded: Vec<String> = (0..slas.rows.len())
                .filter(|&r| !doc::text(&slas, r, "excluded_days").is_empty())
                .map(|r| {
                    format!(
                        "{} {}: {}",
                        doc::text(&slas, r, "period"),
                        doc::text(&slas, r, "sla"),
                        doc::text(&slas, r, "excluded_days")
                    )
                })
                .collect();
            if !excluded.is_empty() {
                s.push_str("<h3>Exclusions applied</h3><ul>");
                for x in excluded {
                    let _ = write!(s, "<li>{}</li>", esc(&x));
                }
                s.push_str("</ul>");
            }
            doc::section(&mut body, "slas", "Service levels", &s);
            let money = money_table(&pe.evals, label);
            doc::section(
                &mut body,
                "money",
                "Credits, earn-back and invoice",
                &table(
                    &money.select(&MONEY_HEADLINE),
                    "Invoice, credits and net",
                    None,
                    &no_links,
                ),
            );
        }
        _ => doc::section(
            &mut body,
            "slas",
            "Service levels",
            "<p>No contract of this client covers the period: no SLA is judged.</p>",
        ),
    }
    let changes = changes(ws, scope, stored, client, months, period_eval.as_ref())?;
    if !changes.is_empty() {
        let mut list = String::from("<ul>");
        for c in changes {
            let _ = write!(list, "<li>{}</li>", esc(&c));
        }
        list.push_str("</ul>");
        doc::section(&mut body, "changes", "What changed and why", &list);
    }
    if let Some(e) = e {
        let upto = of_months(e, trend);
        let labels: Vec<String> = trend.iter().map(|m| m.label()).collect();
        let charts = crate::figures::sla_trends(&upto.sla_rows(), &labels);
        if !charts.is_empty() {
            doc::section(
                &mut body,
                "trends",
                &format!("Trends, {} to {}", labels[0], last.label()),
                &charts,
            );
        }
    }
    // a ticket program has no contacts: its figures are the cases' (below)
    if let Some(c) = card
        .as_ref()
        .map(without_idle_tickets)
        .filter(|c| !c.rows.is_empty())
    {
        doc::section(
            &mut body,
            "scorecard",
            "Scorecard by program",
            &table(
                &c.select(&HEADLINE),
                &format!("Scorecard, {label}"),
                None,
                &no_links,
            ),
        );
    }
    if let Some(t) = cases::card(ws, scope, org, client, label)? {
        doc::section(
            &mut body,
            "cases",
            "Service desk cases by month",
            &table(
                &t.select(&opsdeck_engine::views::cases::CASE_HEADLINE),
                &format!("Cases by month and priority, {label}"),
                None,
                &no_links,
            ),
        );
    }
    if months.len() > 1 {
        if let Some(c) = scorecard_of(ws, scope, org, Some(client), label, "queue", "total")? {
            doc::section(
                &mut body,
                "queues",
                "The period by queue",
                &table(
                    &c.select(&HEADLINE),
                    &format!("Queues, {label} in total"),
                    None,
                    &no_links,
                ),
            );
        }
    }
    if !forecasts.is_empty() {
        doc::section(
            &mut body,
            "forecast",
            "Volume against forecast",
            &format!("<p>The forecast is the one the plan makes from the eight weeks before the period (<code>opsdeck plan</code>'s baseline).</p>{forecasts}"),
        );
    }
    if req.kind == PackKind::Qbr {
        if let Some(f) = cases::findings(ws, scope, org, client, months, &req.link_base)? {
            doc::section(
                &mut body,
                "process",
                "Process findings on the service desk's cases",
                &f,
            );
        }
        let outlook = outlook(ws, scope, org, client, last)?;
        if !outlook.is_empty() {
            doc::section(
                &mut body,
                "outlook",
                "Capacity outlook for the next quarter",
                &outlook,
            );
        }
    }
    if let Some(notes) = &req.notes {
        doc::section(
            &mut body,
            "notes",
            "Notes and commitments",
            &doc::markdown(notes),
        );
    }
    let stem = stem(req.kind, Some(client), label);
    Ok(Pack {
        html: doc::document(&title, &meta(req, ws)?, &body),
        title,
        stem,
    })
}

/// What changed in the period and why: SLA versions that came into force, contract revisions
/// applied, and restatements of the client's data (corrected exports, withdrawn batches).
fn changes(
    ws: &Workspace,
    scope: &Scope,
    stored: &StoredContracts,
    client: &str,
    months: &[YearMonth],
    e: Option<&PeriodEvaluation>,
) -> Result<Vec<String>> {
    use opsdeck_engine::views::ingest::batch_lines;
    use opsdeck_engine::views::table::thousands;
    let (from, to) = (months[0].first, months[months.len() - 1].last());
    let within = |d: &str| {
        chrono::NaiveDate::parse_from_str(d.get(..10).unwrap_or(""), "%Y-%m-%d")
            .is_ok_and(|d| d >= from && d <= to)
    };
    let mut out = Vec::new();
    if let Some(e) = e {
        let t = e.sla_rows();
        let mut seen = Vec::new();
        for r in 0..t.rows.len() {
            let sla = doc::text(&t, r, "sla");
            let since = doc::text(&t, r, "effective_from");
            if within(since) && !seen.contains(&(sla, since)) {
                seen.push((sla, since));
                out.push(format!(
                    "SLA {sla} version {} in force from {since} (contract {} revision {}).",
                    commentary::h(&t, r, "version"),
                    doc::text(&t, r, "contract"),
                    commentary::h(&t, r, "revision"),
                ));
            }
        }
    }
    for revs in stored.history.values() {
        for r in revs
            .iter()
            .filter(|r| r.client == client && within(&r.applied_at))
        {
            out.push(format!(
                "Contract {} revision {} applied on {}.",
                r.contract_id,
                r.revision,
                r.applied_at.get(..10).unwrap_or(&r.applied_at)
            ));
        }
    }
    let m = ws.manifest()?;
    for b in batch_lines(&m, scope)
        .iter()
        .filter(|b| b.kind != "contacts" && b.clients.iter().any(|c| c == client))
        // a case batch restates only when it replaced cases
        .filter(|b| b.kind != "cases" || b.rows_replaced > 0)
        .filter(|b| {
            b.committed_at
                .get(..10)
                .is_some_and(|d| d >= from.to_string().as_str())
        })
    {
        out.push(match b.kind.as_str() {
            "cases" => format!(
                "Batch {} restated the cases on {}: {} cases replaced by a corrected export.",
                b.batch_id,
                b.committed_at.get(..10).unwrap_or(""),
                thousands(b.rows_replaced)
            ),
            "void" => format!(
                "Batch {} withdrew {} contacts on {} (batch {}).",
                b.batch_id,
                thousands(b.rows_withdrawn),
                b.committed_at.get(..10).unwrap_or(""),
                b.files.join(", ")
            ),
            _ => format!(
                "Batch {} restated the data on {}: {} contacts replaced by a corrected export.",
                b.batch_id,
                b.committed_at.get(..10).unwrap_or(""),
                thousands(b.rows_replaced)
            ),
        });
    }
    Ok(out)
}

/// The next quarter's plan of each of the client's queues (`opsdeck plan` from the day after
/// the period, 13 weeks, on its history): forecast volume and FTE per site.
fn outlook(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    client: &str,
    last: YearMonth,
) -> Result<String> {
    use opsdeck_engine::inputs::scenario::ScenarioSpec;
    use opsdeck_engine::views::plan::{plan, table as plan_table, PlanParams, PlanView};
    let from = last.last().succ_opt().unwrap_or(last.last());
    let mut s = String::new();
    // the plan works from contacts; a ticket queue's cases have no plan yet
    for q in org
        .queues
        .values()
        .filter(|q| q.client == client && q.channel != opsdeck_core::Channel::Ticket)
    {
        let req = PlanParams {
            queue: Some(q.id.clone()),
            from: Some(from),
            days: Some("91".into()),
            ..PlanParams::default()
        }
        .request(ScenarioSpec::default())?;
        match plan(ws, scope, org, &req) {
            Ok(r) => s.push_str(&table(
                &plan_table(&r, PlanView::Site),
                &format!("{} ({}): the next 13 weeks by site", q.name, q.id),
                None,
                &no_links,
            )),
            // a queue without history to forecast from is left out, with the reason
            Err(e) => {
                let _ = write!(
                    s,
                    "<p>{} ({}): no outlook — {}</p>",
                    esc(&q.name),
                    esc(&q.id),
                    esc(&e.to_string())
                );
            }
        }
    }
    Ok(s)
}

/// The cover's facts: the period's data generation and the as-of date when given.
pub(crate) fn meta(req: &PackRequest, ws: &Workspace) -> Result<String> {
    let generation = ws.manifest()?.generation;
    Ok(format!(
        "Drafted by opsdeck from facts generation {generation}{}. Every figure is a table cell; \
         every sentence links to the rows behind it.",
        req.as_of
            .as_deref()
            .map_or(String::new(), |a| format!(", as of {}", esc(a)))
    ))
}

#[allow(clippy::too_many_arguments)] // the pack's request, as resolved
fn board_pack(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    req: &PackRequest,
    label: &str,
    months: &[YearMonth],
    e: Option<&PeriodEvaluation>,
    before: Option<&PeriodEvaluation>,
) -> Result<Pack> {
    let title = format!("{} — {label}", req.kind.title());
    let mut body = String::new();
    let card = scorecard_of(ws, scope, org, None, label, "client", "total")?;
    let prev_label = months[0].prev().label();
    let prev_card = scorecard_of(ws, scope, org, None, &prev_label, "client", "total")?;
    let ranked = commentary::risk_ranking(e, org);
    let sentences = commentary::board(
        e,
        before,
        card.as_ref(),
        prev_card.as_ref(),
        &ranked,
        label,
        &req.link_base,
        org,
    );
    doc::section(&mut body, "summary", "Summary", &doc::sentences(&sentences));
    if let Some(e) = e {
        let mut s = String::from("<ol class=\"ranking\">");
        for r in &ranked {
            let _ = write!(s, "<li>{}</li>", esc(&r.line));
        }
        s.push_str("</ol>");
        doc::section(&mut body, "risk", "Clients ranked by risk", &s);
        let money = money_table(&e.evals, label);
        doc::section(
            &mut body,
            "money",
            "Credits, invoice and net by client",
            &table(
                &money.select(&MONEY_HEADLINE),
                "Every client's month",
                None,
                &no_links,
            ),
        );
        let slas = e.sla_rows();
        doc::section(
            &mut body,
            "slas",
            "SLA attainment",
            &table(
                &slas.select(&SLA_HEADLINE),
                "Every SLA of every client",
                None,
                &no_links,
            ),
        );
    }
    if let Some(c) = &card {
        doc::section(
            &mut body,
            "clients",
            "Volume and service by client",
            &table(
                &c.select(&HEADLINE),
                &format!("Clients, {label}"),
                None,
                &no_links,
            ),
        );
    }
    if let Some(c) = scorecard_of(ws, scope, org, None, label, "site", "total")? {
        doc::section(
            &mut body,
            "sites",
            "Sites",
            &table(
                &c.select(&HEADLINE),
                &format!("Sites, {label}"),
                None,
                &no_links,
            ),
        );
    }
    if let Some(notes) = &req.notes {
        doc::section(&mut body, "notes", "Notes", &doc::markdown(notes));
    }
    Ok(Pack {
        html: doc::document(&title, &meta(req, ws)?, &body),
        title,
        stem: stem(req.kind, None, label),
    })
}

//! The weekly operations review of one client: the week's headline KPIs by program, queue and
//! channel beside last week's, the month to date under the contract (status and the credit if
//! the month closed today), the worst days and intervals, volume against the plan's forecast
//! with the staffing gap, and data coverage and quarantine counts.

use super::commentary::{h, Sentence};
use super::{doc, evaluated, meta, scorecard_of, Pack, PackRequest};
use crate::html::{no_links, table};
use opsdeck_core::{parse_period, Org, Scope, YearMonth};
use opsdeck_engine::error::{EngineError, Result};
use opsdeck_engine::views::ingest::{batch_lines, ingest_log_table};
use opsdeck_engine::views::scorecard::HEADLINE;
use opsdeck_engine::views::sla::{money_table, MONEY_HEADLINE, SLA_HEADLINE};
use opsdeck_engine::views::sla_period::StoredContracts;
use opsdeck_engine::views::table::{Table, Value};
use opsdeck_engine::workspace::Workspace;
use std::fmt::Write;

/// Worst days and intervals listed.
const WORST: usize = 5;
/// An interval needs this many offered contacts to be among the worst (one abandon in an
/// interval of two contacts is not a finding).
const MIN_OFFERED: f64 = 10.0;

fn num(t: &Table, r: usize, col: &str) -> Option<f64> {
    match t.get(r, col) {
        Some(Value::Num(v)) => *v,
        Some(Value::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

/// The rows with the lowest service level (at least `min_offered` offered), worst first, ties
/// by period and queue: the same rows, in a chosen order.
fn worst(t: &Table, min_offered: f64) -> Table {
    let mut rows: Vec<usize> = (0..t.rows.len())
        .filter(|&r| num(t, r, "offered").is_some_and(|o| o >= min_offered))
        .filter(|&r| num(t, r, "service_level").is_some())
        .collect();
    rows.sort_by(|&a, &b| {
        num(t, a, "service_level")
            .unwrap_or(1.0)
            .total_cmp(&num(t, b, "service_level").unwrap_or(1.0))
            .then(doc::text(t, a, "period").cmp(doc::text(t, b, "period")))
            .then(doc::text(t, a, "queue").cmp(doc::text(t, b, "queue")))
    });
    rows.truncate(WORST);
    Table::new(
        t.columns.clone(),
        rows.into_iter().map(|r| t.rows[r].clone()).collect(),
    )
}

pub fn pack(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    stored: &StoredContracts,
    req: &PackRequest,
) -> Result<Pack> {
    let client = req
        .client
        .as_deref()
        .ok_or_else(|| EngineError::invalid("client", "a weekly pack is of one client: name it"))?;
    org.require("client", client)?;
    let scope = scope.narrowed_to(client);
    let week = parse_period(&req.period).map_err(|e| EngineError::invalid("period", e))?;
    if (week.to - week.from).num_days() != 6 {
        return Err(EngineError::invalid(
            "period",
            format!(
                "a weekly pack is of one week (2025-W41), not {}",
                week.label
            ),
        ));
    }
    let before = format!(
        "{}..{}",
        week.from - chrono::Duration::days(7),
        week.to - chrono::Duration::days(7)
    );
    let name = org.clients.get(client).map_or(client, |c| c.name.as_str());
    let title = format!("Weekly operations review — {name} — {}", week.label);
    let mut body = String::new();
    let mut sentences = Vec::new();
    // headline KPIs by level, this week beside last week
    let mut kpis = String::new();
    for level in ["program", "queue", "channel"] {
        if let Some(t) = scorecard_of(ws, &scope, org, Some(client), &week.label, level, "total")? {
            let last = scorecard_of(ws, &scope, org, Some(client), &before, level, "total")?;
            if level == "program" {
                for r in 0..t.rows.len() {
                    let p = doc::text(&t, r, "program");
                    let ch = doc::text(&t, r, "channel");
                    let mut s = format!(
                        "{p} ({ch}), {}: {} offered, service level {}, ASA {}, abandonment {}.",
                        week.label,
                        h(&t, r, "offered"),
                        h(&t, r, "service_level"),
                        h(&t, r, "asa_s"),
                        h(&t, r, "abandon_rate")
                    );
                    if let Some(l) = &last {
                        if let Some(i) = (0..l.rows.len()).find(|&i| {
                            doc::text(l, i, "program") == p && doc::text(l, i, "channel") == ch
                        }) {
                            let _ = write!(
                                s,
                                " Last week: {} offered, service level {}, abandonment {}.",
                                h(l, i, "offered"),
                                h(l, i, "service_level"),
                                h(l, i, "abandon_rate")
                            );
                        }
                    }
                    sentences.push(Sentence {
                        text: s,
                        link: Some(format!(
                            "{}/clients/{}?level=program&by=week",
                            req.link_base,
                            crate::html::url(client)
                        )),
                    });
                }
            }
            kpis.push_str(&table(
                &t.select(&HEADLINE),
                &format!("By {level}, {}", week.label),
                None,
                &no_links,
            ));
            if let Some(l) = &last {
                kpis.push_str(&table(
                    &l.select(&HEADLINE),
                    &format!("By {level}, last week ({before})"),
                    None,
                    &no_links,
                ));
            }
        }
    }
    // the month to date under the contract
    let month = YearMonth::of(week.to);
    let mut mtd = String::new();
    if let Some(e) = evaluated(ws, &scope, org, stored, Some(client), &[month])? {
        let slas = e.sla_rows();
        for r in 0..slas.rows.len() {
            if num(&slas, r, "credit").is_some_and(|c| c > 0.0) {
                sentences.push(Sentence {
                    text: format!(
                        "{} to date in {}: {} against {} {} — {}; if the month closed today it would carry a credit of {}.",
                        doc::text(&slas, r, "sla"),
                        month.label(),
                        h(&slas, r, "achieved"),
                        doc::text(&slas, r, "comparison"),
                        h(&slas, r, "target"),
                        doc::text(&slas, r, "verdict"),
                        h(&slas, r, "credit")
                    ),
                    link: Some(format!(
                        "{}/sla/{}?client={}&period={}",
                        req.link_base,
                        crate::html::url(doc::text(&slas, r, "sla")),
                        crate::html::url(client),
                        month.label()
                    )),
                });
            }
        }
        mtd.push_str(&table(
            &slas.select(&SLA_HEADLINE),
            &format!("SLAs, {} to date", month.label()),
            None,
            &no_links,
        ));
        let money = money_table(&e.evals, &month.label());
        mtd.push_str(&table(
            &money.select(&MONEY_HEADLINE),
            "If the month closed today",
            None,
            &no_links,
        ));
    }
    doc::section(&mut body, "summary", "Summary", &doc::sentences(&sentences));
    if !kpis.is_empty() {
        doc::section(&mut body, "kpis", "Headline KPIs against last week", &kpis);
    }
    if !mtd.is_empty() {
        doc::section(
            &mut body,
            "month",
            &format!("The month to date ({})", month.label()),
            &mtd,
        );
    }
    // the worst days and intervals
    let mut w = String::new();
    let by_day = scorecard_of(ws, &scope, org, Some(client), &week.label, "queue", "day")?;
    if let Some(days) = &by_day {
        w.push_str(&table(
            &worst(days, 1.0).select(&HEADLINE),
            "Worst days by service level",
            None,
            &no_links,
        ));
    }
    if let Some(iv) = scorecard_of(
        ws,
        &scope,
        org,
        Some(client),
        &week.label,
        "queue",
        "interval",
    )? {
        w.push_str(&table(
            &worst(&iv, MIN_OFFERED).select(&HEADLINE),
            &format!("Worst intervals by service level (at least {MIN_OFFERED} offered)"),
            None,
            &no_links,
        ));
    }
    if !w.is_empty() {
        doc::section(&mut body, "worst", "Worst days and intervals", &w);
    }
    // volume against the plan's forecast, and the staffing gap
    let mut plans = String::new();
    for q in org.queues.values().filter(|q| q.client == client) {
        use opsdeck_engine::inputs::scenario::ScenarioSpec;
        use opsdeck_engine::views::plan::{plan, table as plan_table, PlanParams, PlanView};
        let preq = PlanParams {
            queue: Some(q.id.clone()),
            from: Some(week.from),
            days: Some("7".into()),
            ..PlanParams::default()
        }
        .request(ScenarioSpec::default())?;
        if let Ok(r) = plan(ws, &scope, org, &preq) {
            plans.push_str(&table(
                &plan_table(&r, PlanView::Day),
                &format!(
                    "{} ({}): the plan's forecast and staffing gap by day",
                    q.name, q.id
                ),
                None,
                &no_links,
            ));
        }
    }
    if let Some(days) = &by_day {
        plans.push_str(&table(
            &days.select(&HEADLINE),
            "Actual by queue and day",
            None,
            &no_links,
        ));
    }
    if !plans.is_empty() {
        doc::section(
            &mut body,
            "plan",
            "Volume against forecast, and the staffing gap",
            &plans,
        );
    }
    // data coverage and quarantine
    let m = ws.manifest()?;
    let batches = ingest_log_table(&batch_lines(&m, &scope));
    doc::section(
        &mut body,
        "data",
        "Data: coverage and quarantine",
        &format!(
            "<p>Coverage is in the KPI tables above (the share of open intervals with data). The batches this client's data came in, with their quarantined rows:</p>{}",
            table(&batches, "Ingest batches", None, &no_links)
        ),
    );
    if let Some(notes) = &req.notes {
        doc::section(&mut body, "notes", "Notes", &doc::markdown(notes));
    }
    Ok(Pack {
        html: doc::document(&title, &meta(req, ws)?, &body),
        title,
        stem: super::stem(req.kind, Some(client), &week.label),
    })
}

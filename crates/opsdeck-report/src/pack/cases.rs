//! The QBR's process findings on the client's cases (the tickets in the workspace): the most
//! common paths, rework, ping-pong between assignment groups and the automation candidates
//! with the hours they would save — the tables of `opsdeck mine summary`, over the cases
//! opened in the quarter, with sentences made of their cells.

use super::commentary::{h, Sentence};
use super::doc;
use crate::html::{no_links, table};
use opsdeck_core::mining::{summary, AutomationOptions};
use opsdeck_core::{Channel, Org, Scope, YearMonth};
use opsdeck_engine::error::Result;
use opsdeck_engine::views::cases::case_log;
use opsdeck_engine::views::mining::{
    automation_table, pingpong_table, rework_table, variant_table,
};
use opsdeck_engine::workspace::Workspace;

/// Rows of each table shown.
const TOP: usize = 5;

/// The findings section's content, or `None` when the client has no case opened in the
/// months.
pub fn findings(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    client: &str,
    months: &[YearMonth],
    base: &str,
) -> Result<Option<String>> {
    // the client's ticket queue gives the zone of the months and the hour's cost
    let Some(queue) = org
        .queues
        .values()
        .find(|q| q.client == client && q.channel == Channel::Ticket)
    else {
        return Ok(None);
    };
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(None);
    };
    let from = opsdeck_core::calendar::local_midnight_utc(queue.zone, first.first);
    let to = opsdeck_core::calendar::local_midnight_utc(
        queue.zone,
        last.last().succ_opt().unwrap_or(last.last()),
    );
    let Some(log) = case_log(ws, scope, client, from, to)? else {
        return Ok(None);
    };
    let site = queue.site.as_ref().and_then(|s| org.sites.get(s));
    let opts = AutomationOptions {
        cost_per_hour: site.map_or(AutomationOptions::default().cost_per_hour, |s| {
            s.cost_per_productive_hour
        }),
        ..AutomationOptions::default()
    };
    let currency = site.map_or("USD".to_string(), |s| s.currency.clone());
    let s = summary(&log, &opts, TOP);
    let variants = variant_table(&s.top_variants);
    let rework = rework_table(&s.rework.iter().take(TOP).cloned().collect::<Vec<_>>());
    let automation = automation_table(&s.automation, &currency);
    let pingpong = s.pingpong_team.as_ref().map(pingpong_table);
    let link = Some(format!("{base}/mining"));
    let mut said = Vec::new();
    if !variants.rows.is_empty() {
        said.push(Sentence {
            text: format!(
                "{} cases opened in the period; the most common path ({}) covers {} of them ({}).",
                opsdeck_engine::views::table::thousands(s.cases as i64),
                doc::text(&variants, 0, "variant"),
                h(&variants, 0, "count"),
                h(&variants, 0, "share")
            ),
            link: link.clone(),
        });
    }
    if !rework.rows.is_empty() {
        said.push(Sentence {
            text: format!(
                "Rework: {} repeats in {} of the {} cases that reach it ({}).",
                doc::text(&rework, 0, "activity"),
                h(&rework, 0, "cases_with_rework"),
                h(&rework, 0, "cases_with_activity"),
                h(&rework, 0, "rework_rate")
            ),
            link: link.clone(),
        });
    }
    if !automation.rows.is_empty() {
        said.push(Sentence {
            text: format!(
                "Automation candidate: {} after {} ({} occurrences) would save {} of work, {} at the site's hourly cost.",
                doc::text(&automation, 0, "activity"),
                doc::text(&automation, 0, "top_predecessor"),
                h(&automation, 0, "occurrences"),
                h(&automation, 0, "saved_s"),
                h(&automation, 0, "cost_saved")
            ),
            link: link.clone(),
        });
    }
    let mut out = format!(
        "<p>From the {} cases of queue {} opened in the period, as <code>opsdeck mine summary</code> reads them (status as activity, assignee as resource, assignment group as team).</p>",
        opsdeck_engine::views::table::thousands(s.cases as i64),
        crate::html::esc(&queue.id)
    );
    out.push_str(&doc::sentences(&said));
    out.push_str(&table(&variants, "The most common paths", None, &no_links));
    if !rework.rows.is_empty() {
        out.push_str(&table(&rework, "Rework by status", None, &no_links));
    }
    if let Some(p) = pingpong.filter(|p| !p.rows.is_empty()) {
        out.push_str(&table(
            &p,
            "Ping-pong between assignment groups",
            None,
            &no_links,
        ));
    }
    if !automation.rows.is_empty() {
        out.push_str(&table(
            &automation,
            "Automation candidates and the work they would save",
            None,
            &no_links,
        ));
    }
    Ok(Some(out))
}

/// The client's case scorecard by month over the period (`opsdeck scorecard --cases`), when it
/// has ticket queues with cases.
pub fn card(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    client: &str,
    period: &str,
) -> Result<Option<opsdeck_engine::views::table::Table>> {
    if !org
        .queues
        .values()
        .any(|q| q.client == client && q.channel == Channel::Ticket)
    {
        return Ok(None);
    }
    let mut q = opsdeck_engine::views::scorecard::ScorecardParams {
        client: Some(client.to_string()),
        period: Some(period.to_string()),
        by: Some("month".into()),
        ..Default::default()
    }
    .query()?;
    let t = opsdeck_engine::views::cases::case_scorecard(ws, scope, org, &mut q)?;
    Ok((!t.rows.is_empty()).then_some(t))
}

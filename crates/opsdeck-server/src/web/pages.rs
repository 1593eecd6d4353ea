//! The pages: portfolio (`/`), clients (`/clients`), one client (`/clients/{id}`) and the SLA
//! drill-down (`/sla/{id}`: windows → days → intervals). Each reads through the caller's scope
//! with the engine calls the API makes, and writes the engine's output tables.

use super::html::{self, esc, no_links, status_badge, table, url, Page};
use super::{WebError, WebResult};
use crate::api::{self, Inputs};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use opsdeck_core::{Role, Scope, YearMonth};
use opsdeck_engine::views::scorecard::{self, ScorecardParams};
use opsdeck_engine::views::sla::{
    explain_table, money_table, Evaluation, SlaResult, MONEY_HEADLINE, SLA_HEADLINE,
};
use opsdeck_engine::views::sla_period::{evaluate_period, explain_sla, PeriodEvaluation};
use opsdeck_engine::views::table::{measure, write_csv, Table};
use std::fmt::Write;
use std::future::Future;
use std::sync::Arc;

type St = State<Arc<AppState>>;
type Who = Extension<Caller>;

/// Months of trend on the portfolio and client pages.
const TREND_MONTHS: u32 = 6;

/// A page's parameters: the period shown, and a table to download as CSV instead.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    period: Option<String>,
    csv: Option<String>,
    level: Option<String>,
    by: Option<String>,
    client: Option<String>,
    window: Option<String>,
    day: Option<String>,
}

/// The page's body, kept like the API's answers (keyed on the route, the query, the scope,
/// the facts' generation and the store's data version); the shell, which names the caller and
/// holds their CSRF token, is made per request.
async fn kept_body<Fut>(
    st: &AppState,
    scope: &Scope,
    route: &str,
    raw: &Option<String>,
    make: Fut,
) -> WebResult<String>
where
    Fut: Future<Output = WebResult<String>>,
{
    let key = api::answer_key(st, scope, route, raw).await?;
    let hit = |st: &AppState| {
        st.answers
            .get(&key)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    if let Some(b) = hit(st) {
        return Ok(b);
    }
    let _turn = st.answers.turn(&key).await;
    if let Some(b) = hit(st) {
        return Ok(b);
    }
    let body = make.await?;
    st.answers.put(key.clone(), body.clone().into());
    Ok(body)
}

/// A page's title and body, kept like [`kept_body`] (they are kept together, split on a NUL,
/// which no escaped text holds).
pub(super) async fn kept_titled<Fut>(
    st: &AppState,
    scope: &Scope,
    route: &str,
    raw: &Option<String>,
    make: Fut,
) -> WebResult<(String, String)>
where
    Fut: Future<Output = WebResult<(String, String)>>,
{
    let both = kept_body(st, scope, route, raw, async {
        let (title, body) = make.await?;
        Ok(format!("{}\0{body}", title.replace('\0', "")))
    })
    .await?;
    let (title, body) = both.split_once('\0').unwrap_or(("", &both));
    Ok((title.to_string(), body.to_string()))
}

fn page(caller: &Caller, p: Page) -> Response {
    let mut res = Html(html::document(caller, &p)).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    res
}

fn csv_response(t: &Table, name: &str) -> WebResult<Response> {
    let mut out = Vec::new();
    write_csv(&mut out, t).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        out,
    )
        .into_response())
}

/// Pick the table `name` of `tables` for a CSV download, or say which there are.
pub(super) fn csv_of(tables: Vec<(&str, Table)>, name: &str) -> WebResult<Response> {
    let names: Vec<String> = tables.iter().map(|(n, _)| n.to_string()).collect();
    match tables.into_iter().find(|(n, _)| *n == name) {
        Some((n, t)) => csv_response(&t, n),
        None => Err(WebError(api::bad(format!(
            "parameter csv: {name:?} is not a table of this page (it has {})",
            names.join(", ")
        )))),
    }
}

/// This page's URL with `csv=NAME` added.
fn csv_href(path: &str, raw: &Option<String>, name: &str) -> String {
    match raw.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => format!("{path}?{q}&csv={name}"),
        None => format!("{path}?csv={name}"),
    }
}

/// The latest month with interval facts of a client the scope may read.
async fn latest_month(st: &AppState, scope: &Scope) -> WebResult<Option<YearMonth>> {
    let ws = st.ws.clone();
    let m = api::blocking(move || ws.manifest()).await?;
    Ok(m.intervals
        .iter()
        .filter(|f| scope.allows(&f.client))
        .filter_map(|f| YearMonth::parse(&f.month).ok())
        .max())
}

/// The months shown: the trend ending at the period asked for, or at the latest month with
/// data (the month after it when the facts reach into it only by a few UTC hours is dropped
/// by the caller, which keeps the latest month with volume).
async fn trend_months(
    st: &AppState,
    scope: &Scope,
    period: Option<&str>,
) -> WebResult<Vec<YearMonth>> {
    let last = match period {
        Some(p) => YearMonth::parse(p)
            .map_err(|e| api::bad(format!("parameter period: {e} (a month such as 2025-10)")))?,
        None => match latest_month(st, scope).await? {
            Some(m) => m,
            None => return Ok(Vec::new()),
        },
    };
    let mut months = vec![last];
    for _ in 1..TREND_MONTHS {
        let m = months[0].prev();
        months.insert(0, m);
    }
    Ok(months)
}

/// The evaluation of `months` for the caller's clients (or one client); `None` when no
/// contract covers them.
async fn evaluation(
    st: &AppState,
    scope: &Scope,
    client: Option<&str>,
    months: &[YearMonth],
) -> WebResult<Option<PeriodEvaluation>> {
    let Inputs { org, stored } = api::inputs(st, scope, true).await?;
    let ws = st.ws.clone();
    let (scope, client, months) = (scope.clone(), client.map(str::to_string), months.to_vec());
    let r = api::blocking(move || {
        match evaluate_period(&ws, &scope, &org, &stored, client.as_deref(), None, &months) {
            Err(opsdeck_engine::EngineError::NoData { .. }) => Ok(None),
            other => other.map(Some),
        }
    })
    .await?;
    Ok(r)
}

/// The latest month of `months` in which some SLA measured volume, or the last month.
fn current_month(e: &PeriodEvaluation, months: &[YearMonth]) -> Option<YearMonth> {
    months
        .iter()
        .rev()
        .find(|m| {
            e.evals
                .iter()
                .any(|x| x.period == m.label() && x.slas.iter().any(|s| s.volume > 0))
        })
        .or(months.last())
        .copied()
}

fn evals_of(e: &PeriodEvaluation, month: &str) -> Vec<Evaluation> {
    e.evals
        .iter()
        .filter(|x| x.period == month)
        .cloned()
        .collect::<Vec<_>>()
}

/// The SLA's result in a month for a client.
fn result_of<'a>(
    e: &'a PeriodEvaluation,
    client: &str,
    month: &str,
    sla: &str,
) -> Option<&'a SlaResult> {
    e.evals
        .iter()
        .filter(|x| x.client == client && x.period == month)
        .flat_map(|x| x.slas.iter())
        .find(|s| s.sla == sla)
}

/// An SLA's figure in a month, with its status badge, linked to the drill-down.
fn figure_cell(r: Option<&SlaResult>, client: &str, month: &str) -> String {
    match r {
        None => "<td class=\"num\">—</td>".into(),
        Some(r) => format!(
            "<td class=\"num\"><a href=\"/sla/{}?client={}&amp;period={}\">{}</a> {}</td>",
            url(&r.sla),
            url(client),
            url(month),
            esc(&r.achieved.map_or("—".into(), |a| measure(a, &r.unit))),
            status_badge(r.shown_status())
        ),
    }
}

/// A picker: its parameter, the value shown, and the (value, label) options.
type Field<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// A form of GET pickers that reloads the page.
fn picker(action: &str, fields: &[Field], hidden: &[(&str, &str)]) -> String {
    let mut s = format!(
        "<form class=\"picker\" method=\"get\" action=\"{}\">",
        esc(action)
    );
    for (name, value) in hidden {
        let _ = write!(
            s,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(name),
            esc(value)
        );
    }
    for (name, current, options) in fields {
        let _ = write!(s, "<label>{} <select name=\"{}\">", esc(name), esc(name));
        for (v, label) in *options {
            let sel = if v == current { " selected" } else { "" };
            let _ = write!(
                s,
                "<option value=\"{}\"{sel}>{}</option>",
                esc(v),
                esc(label)
            );
        }
        s.push_str("</select></label>");
    }
    s.push_str("<button type=\"submit\">Show</button></form>");
    s
}

fn month_options(months: &[YearMonth]) -> Vec<(String, String)> {
    months
        .iter()
        .rev()
        .map(|m| (m.label(), m.label()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Portfolio

/// `/`: the portfolio for callers who see several clients; a client viewer of one client
/// lands on that client's page.
pub async fn home(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> WebResult<Response> {
    let p: PageParams = api::query(raw.clone(), &[])?;
    if c.role == Role::ClientViewer && p.csv.is_none() {
        if let Some(only) = c.scope.listed().filter(|s| s.len() == 1) {
            if let Some(id) = only.iter().next() {
                return Ok(Redirect::to(&format!("/clients/{}", url(id))).into_response());
            }
        }
    }
    let months = trend_months(&st, &c.scope, p.period.as_deref()).await?;
    if let Some(name) = p.csv.as_deref() {
        let e = evaluation(&st, &c.scope, None, &months).await?;
        let Some(e) = e else {
            return csv_of(Vec::new(), name);
        };
        let cur = current_month(&e, &months)
            .map(|m| m.label())
            .unwrap_or_default();
        let evals = evals_of(&e, &cur);
        return csv_of(
            vec![
                ("credits", money_table(&evals, &cur)),
                ("slas", e.sla_rows()),
            ],
            name,
        );
    }
    let body = kept_body(&st, &c.scope, "page:home", &raw, async {
        portfolio_body(&st, &c.scope, &months, &raw).await
    })
    .await?;
    Ok(page(
        &c,
        Page {
            title: "Portfolio".into(),
            crumbs: vec![],
            body,
        },
    ))
}

async fn portfolio_body(
    st: &AppState,
    scope: &Scope,
    months: &[YearMonth],
    raw: &Option<String>,
) -> WebResult<String> {
    let mut s = String::new();
    let Some(e) = evaluation(st, scope, None, months).await? else {
        s.push_str("<p>No contract covers these months yet: store one with <code>opsdeck contract apply FILE</code>.</p>");
        return Ok(s);
    };
    let Inputs { org, .. } = api::inputs(st, scope, false).await?;
    let cur = current_month(&e, months).unwrap_or(months[months.len() - 1]);
    let prev = cur.prev();
    let shown: Vec<YearMonth> = months.iter().copied().filter(|m| *m <= cur).collect();
    let opts = month_options(months);
    let opts: Vec<(&str, &str)> = opts.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    s.push_str(&picker("/", &[("period", &cur.label(), &opts)], &[]));
    let _ = write!(
        s,
        "<p class=\"lede\">Every SLA of every contract you may see, {} and {}; a status is never \
         given on missing data. Credits are the month's.</p>",
        esc(&prev.label()),
        esc(&cur.label())
    );
    // SLA grid
    s.push_str("<div class=\"table\"><table><caption>SLAs by client</caption><thead><tr>\
        <th scope=\"col\">client</th><th scope=\"col\">SLA</th><th scope=\"col\" class=\"num\">target</th>");
    let _ = write!(
        s,
        "<th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">last {} months</th></tr></thead><tbody>",
        esc(&prev.label()),
        esc(&cur.label()),
        shown.len()
    );
    let mut warnings = Vec::new();
    let cur_label = cur.label();
    for ev in e.evals.iter().filter(|x| x.period == cur_label) {
        let name = org
            .clients
            .get(&ev.client)
            .map_or(ev.client.as_str(), |x| x.name.as_str());
        for r in &ev.slas {
            let series: Vec<Option<f64>> = shown
                .iter()
                .map(|m| result_of(&e, &ev.client, &m.label(), &r.sla).and_then(|x| x.achieved))
                .collect();
            let _ = write!(
                s,
                "<tr><td><a href=\"/clients/{}\">{}</a></td><td>{}</td><td class=\"num\">{} {}</td>{}{}<td>{}{}</td></tr>",
                url(&ev.client),
                esc(name),
                esc(&r.name),
                esc(&r.comparison),
                esc(&measure(r.target, &r.unit)),
                figure_cell(result_of(&e, &ev.client, &prev.label(), &r.sla), &ev.client, &prev.label()),
                figure_cell(Some(r), &ev.client, &cur_label),
                super::charts::sla_sparkline(
                    &format!("sp-{}-{}", ev.client, r.sla),
                    &r.name,
                    &series,
                    r.target,
                    &r.unit
                ),
                trend_text(&series, &r.unit),
            );
            if r.status == opsdeck_core::sla::Status::InsufficientData {
                warnings.push(format!(
                    "{name}: {} has data for {} of its open intervals (the contract asks {}): no verdict",
                    r.name,
                    r.coverage.map_or("—".into(), opsdeck_engine::views::table::percent),
                    opsdeck_engine::views::table::percent(r.min_coverage)
                ));
            }
        }
    }
    s.push_str("</tbody></table></div>");
    if !warnings.is_empty() || !e.stale.is_empty() {
        s.push_str("<section class=\"warnings\"><h2>Coverage</h2><ul>");
        for w in warnings.iter().chain(&e.stale) {
            let _ = write!(s, "<li>{}</li>", esc(w));
        }
        s.push_str("</ul></section>");
    }
    let money = money_table(&evals_of(&e, &cur_label), &cur_label).select(&MONEY_HEADLINE);
    let link = |row: usize, col: &str| {
        (col == "client")
            .then(|| money.get(row, "client"))
            .flatten()
            .and_then(text_of)
            .map(|c| format!("/clients/{}", url(c)))
    };
    s.push_str(&table(
        &money,
        &format!("Credits and invoice, {cur_label}"),
        Some(&csv_href("/", raw, "credits")),
        &link,
    ));
    Ok(s)
}

/// An SLA's months in order, as people read them (`—` for a month without a figure).
fn trend_text(series: &[Option<f64>], unit: &str) -> String {
    let parts: Vec<String> = series
        .iter()
        .map(|v| esc(&v.map_or("—".into(), |x| measure(x, unit))))
        .collect();
    format!("<span class=\"trend\">{}</span>", parts.join(" · "))
}

fn text_of(v: &opsdeck_engine::views::table::Value) -> Option<&str> {
    match v {
        opsdeck_engine::views::table::Value::Text(s) => Some(s),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Clients

/// `/clients`: the clients the caller may see.
pub async fn clients(State(st): St, Extension(c): Who) -> WebResult<Response> {
    let Inputs { org, .. } = api::inputs(&st, &c.scope, false).await?;
    let mut s = String::from(
        "<div class=\"table\"><table><caption>Clients</caption><thead><tr><th scope=\"col\">client</th>\
         <th scope=\"col\">id</th><th scope=\"col\" class=\"num\">programs</th><th scope=\"col\" class=\"num\">queues</th></tr></thead><tbody>",
    );
    for cl in org.clients.values() {
        let programs = org.programs.values().filter(|p| p.client == cl.id).count();
        let queues = org.queues.values().filter(|q| q.client == cl.id).count();
        let _ = write!(
            s,
            "<tr><td><a href=\"/clients/{}\">{}</a></td><td>{}</td><td class=\"num\">{programs}</td><td class=\"num\">{queues}</td></tr>",
            url(&cl.id),
            esc(&cl.name),
            esc(&cl.id)
        );
    }
    s.push_str("</tbody></table></div>");
    Ok(page(
        &c,
        Page {
            title: "Clients".into(),
            crumbs: vec![],
            body: s,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// One client

const LEVELS: [(&str, &str); 5] = [
    ("program", "program"),
    ("queue", "queue"),
    ("channel", "channel"),
    ("site", "site"),
    ("client", "client"),
];
const BYS: [(&str, &str); 4] = [
    ("month", "month"),
    ("week", "week"),
    ("day", "day"),
    ("total", "total"),
];

/// `/clients/{id}`: contracts, SLA attainment by month, credits and invoice, and the
/// scorecard by level and period.
pub async fn client(
    State(st): St,
    Extension(c): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> WebResult<Response> {
    let p: PageParams = api::query(raw.clone(), &[])?;
    let Inputs { org, stored } = api::inputs(&st, &c.scope, true).await?;
    let Some(cl) = org.clients.get(&id).cloned() else {
        return Err(WebError(ApiError::not_found(&format!("client {id:?}"))));
    };
    let months = trend_months(&st, &c.scope, p.period.as_deref()).await?;
    let level = p.level.clone().unwrap_or_else(|| "program".into());
    let by = p.by.clone().unwrap_or_else(|| "month".into());
    if let Some(name) = p.csv.as_deref() {
        let (tables, _) = client_tables(&st, &c.scope, &id, &months, &level, &by).await?;
        return csv_of(tables, name);
    }
    let route = format!("page:client:{id}");
    let mut body = kept_body(&st, &c.scope, &route, &raw, async {
        let (tables, cur) = client_tables(&st, &c.scope, &id, &months, &level, &by).await?;
        client_body(&id, tables, &months, cur, &level, &by, &raw)
    })
    .await?;
    let contracts: Vec<_> = stored.latest.iter().filter(|r| r.client == id).collect();
    if !contracts.is_empty() {
        body.push_str("<section><h2>Contracts</h2><ul class=\"contracts\">");
        for r in contracts {
            let h = &r.contract.contract;
            let _ = write!(
                body,
                "<li>{} {} (revision {}, applied {}): term {}..{}, {}, {} SLAs, minimum coverage {}</li>",
                esc(&h.id),
                esc(&h.name),
                r.revision,
                esc(&r.applied_at),
                esc(&h.start),
                esc(h.end.as_deref().unwrap_or("open")),
                esc(&h.currency),
                r.contract.slas.len(),
                opsdeck_engine::views::table::percent(h.min_coverage.unwrap_or(1.0))
            );
        }
        body.push_str("</ul></section>");
    }
    body.push_str("<section><h2>Queues</h2><ul class=\"queues\">");
    for q in org.queues.values().filter(|q| q.client == id) {
        let _ = write!(
            body,
            "<li><a href=\"/queues/{}\">{}</a> ({}, {}) · <a href=\"/plan?queue={}\">plan</a></li>",
            url(&q.id),
            esc(&q.name),
            esc(&q.id),
            esc(&q.channel.to_string()),
            url(&q.id)
        );
    }
    body.push_str("</ul></section>");
    let crumbs = if c.role == Role::ClientViewer {
        vec![]
    } else {
        vec![("Clients".to_string(), "/clients".to_string())]
    };
    Ok(page(
        &c,
        Page {
            title: cl.name.clone(),
            crumbs,
            body,
        },
    ))
}

/// The client page's tables: SLAs by month, credits by month, the scorecard; and the month
/// shown as current.
async fn client_tables(
    st: &AppState,
    scope: &Scope,
    id: &str,
    months: &[YearMonth],
    level: &str,
    by: &str,
) -> WebResult<(Vec<(&'static str, Table)>, Option<YearMonth>)> {
    let mut tables = Vec::new();
    let mut cur = months.last().copied();
    if let Some(e) = evaluation(st, scope, Some(id), months).await? {
        cur = current_month(&e, months);
        let label = match (months.first(), cur) {
            (Some(a), Some(b)) => format!("{}..{}", a.label(), b.label()),
            _ => String::new(),
        };
        let upto =
            |x: &Evaluation| cur.is_none_or(|c| YearMonth::parse(&x.period).is_ok_and(|m| m <= c));
        let evals: Vec<Evaluation> = e.evals.iter().filter(|x| upto(x)).cloned().collect();
        let kept = PeriodEvaluation {
            evals: evals.clone(),
            earlier: e.earlier.iter().filter(|x| upto(x)).cloned().collect(),
            stale: e.stale.clone(),
        };
        tables.push(("slas", kept.sla_rows()));
        tables.push(("credits", money_table(&evals, &label)));
    }
    let period = match (months.first(), cur) {
        (Some(a), Some(b)) => Some(format!("{}..{}", a.label(), b.label())),
        _ => None,
    };
    let params = ScorecardParams {
        client: Some(id.to_string()),
        period,
        level: Some(level.to_string()),
        by: Some(by.to_string()),
        ..ScorecardParams::default()
    };
    let mut q = params.query()?;
    let Inputs { org, .. } = api::inputs(st, scope, false).await?;
    let ws = st.ws.clone();
    let scope = scope.clone();
    match api::blocking(move || scorecard::run(&ws, &scope, &org, &mut q)).await {
        Ok(run) => tables.push(("scorecard", run.table)),
        Err(e) if e.code == "no_data" => {}
        Err(e) => return Err(WebError(e)),
    }
    Ok((tables, cur))
}

fn client_body(
    id: &str,
    tables: Vec<(&'static str, Table)>,
    months: &[YearMonth],
    cur: Option<YearMonth>,
    level: &str,
    by: &str,
    raw: &Option<String>,
) -> WebResult<String> {
    let path = format!("/clients/{}", url(id));
    let mut s = String::new();
    let opts = month_options(months);
    let opts: Vec<(&str, &str)> = opts.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let cur_label = cur.map(|m| m.label()).unwrap_or_default();
    s.push_str(&picker(
        &path,
        &[
            ("period", &cur_label, &opts),
            ("level", level, &LEVELS),
            ("by", by, &BYS),
        ],
        &[],
    ));
    for (name, t) in &tables {
        match *name {
            "slas" => {
                let shown: Vec<String> = months
                    .iter()
                    .filter(|m| cur.is_none_or(|c| **m <= c))
                    .map(|m| m.label())
                    .collect();
                s.push_str(&super::charts::sla_trends(t, &shown));
                let slim = t.select(&SLA_HEADLINE);
                let link = |row: usize, col: &str| {
                    (col == "sla").then(|| {
                        format!(
                            "/sla/{}?client={}&period={}",
                            url(slim.get(row, "sla").and_then(text_of).unwrap_or("")),
                            url(id),
                            url(slim.get(row, "period").and_then(text_of).unwrap_or(""))
                        )
                    })
                };
                s.push_str(&table(
                    &slim,
                    "SLA attainment by month",
                    Some(&csv_href(&path, raw, "slas")),
                    &link,
                ));
            }
            "credits" => s.push_str(&table(
                &t.select(&MONEY_HEADLINE),
                "Credits, invoice and net by month",
                Some(&csv_href(&path, raw, "credits")),
                &no_links,
            )),
            _ => s.push_str(&table(
                &t.select(&scorecard::HEADLINE),
                &format!("Scorecard by {level} and {by}"),
                Some(&csv_href(&path, raw, "scorecard")),
                &no_links,
            )),
        }
    }
    if tables.is_empty() {
        s.push_str("<p>No contract and no contacts for this client yet.</p>");
    }
    Ok(s)
}

// ---------------------------------------------------------------------------------------------
// SLA drill-down

/// `/sla/{id}?client=C&period=M[&window=W][&day=D]`: one SLA of a client in a month — its
/// windows, the days of a window (or of the month), and the intervals of one day; each row
/// re-sums to the figure above it, as `opsdeck sla explain` shows.
pub async fn sla(
    State(st): St,
    Extension(c): Who,
    Path(sla): Path<String>,
    RawQuery(raw): RawQuery,
) -> WebResult<Response> {
    let p: PageParams = api::query(raw.clone(), &[])?;
    let client = p
        .client
        .clone()
        .ok_or_else(|| api::bad("parameter client is required".into()))?;
    let month = match p.period.as_deref() {
        Some(m) => YearMonth::parse(m)
            .map_err(|e| api::bad(format!("parameter period: {e} (one month)")))?,
        None => latest_month(&st, &c.scope)
            .await?
            .ok_or_else(|| ApiError::not_found(&format!("data for SLA {sla:?}")))?,
    };
    let route = format!("page:sla:{sla}");
    if let Some(name) = p.csv.as_deref() {
        let (detail, _, _) = sla_compute(&st, &c, &sla, &client, month, &p, &raw).await?;
        return csv_of(vec![("rows", detail)], name);
    }
    let (title, s) = kept_titled(&st, &c.scope, &route, &raw, async {
        let (_, title, body) = sla_compute(&st, &c, &sla, &client, month, &p, &raw).await?;
        Ok((title, body))
    })
    .await?;
    let base = format!(
        "/sla/{}?client={}&period={}",
        url(&sla),
        url(&client),
        url(&month.label())
    );
    let mut crumbs = vec![];
    if c.role != Role::ClientViewer {
        crumbs.push(("Clients".to_string(), "/clients".to_string()));
    }
    crumbs.push((client.clone(), format!("/clients/{}", url(&client))));
    if p.window.is_some() || p.day.is_some() {
        crumbs.push((format!("{title}, {}", month.label()), base.clone()));
    }
    Ok(page(
        &c,
        Page {
            title: format!("{title} — {}", month.label()),
            crumbs,
            body: s,
        },
    ))
}

/// The SLA page's rows, title and body.
#[allow(clippy::too_many_arguments)] // the page's request, as parsed
async fn sla_compute(
    st: &AppState,
    c: &Caller,
    sla: &str,
    client: &str,
    month: YearMonth,
    p: &PageParams,
    raw: &Option<String>,
) -> WebResult<(Table, String, String)> {
    let Inputs { org, stored } = api::inputs(st, &c.scope, true).await?;
    if !org.clients.contains_key(client) {
        return Err(WebError(ApiError::not_found(&format!("client {client:?}"))));
    }
    let by_interval = p.day.is_some();
    let ws = st.ws.clone();
    let scope = c.scope.clone();
    let (sla2, client2) = (sla.to_string(), client.to_string());
    let x = api::blocking(move || {
        explain_sla(
            &ws,
            &scope,
            &org,
            &stored,
            &sla2,
            month,
            Some(&client2),
            None,
            by_interval,
        )
    })
    .await?;
    let e = evaluation(st, &c.scope, Some(client), &[month]).await?;
    let result = e
        .as_ref()
        .and_then(|e| result_of(e, client, &month.label(), sla).cloned());
    let rows: Vec<_> = x
        .rows
        .iter()
        .filter(|r| p.window.as_ref().is_none_or(|w| r.window == *w))
        .filter(|r| {
            p.day
                .as_ref()
                .is_none_or(|d| r.period.starts_with(d.as_str()))
        })
        .cloned()
        .collect();
    // a case SLA: the cases behind its figure, instead of queue-days
    let is_case = x.sla_version().is_some_and(|v| v.metric.is_case_metric());
    let detail = if is_case {
        let cases: Vec<_> = x
            .cases
            .iter()
            .filter(|r| p.window.as_ref().is_none_or(|w| r.window == *w))
            .cloned()
            .collect();
        opsdeck_engine::views::sla::case_explain_table(&cases)
    } else {
        explain_table(&rows)
    };
    let path = format!("/sla/{}", url(sla));
    let base = format!(
        "{path}?client={}&period={}",
        url(client),
        url(&month.label())
    );
    let mut s = String::new();
    let title = result.as_ref().map_or(sla.to_string(), |r| r.name.clone());
    if let Some(r) = &result {
        let _ = write!(
            s,
            "<dl class=\"figure\"><dt>achieved</dt><dd>{}</dd><dt>target</dt><dd>{} {}</dd>\
             <dt>status</dt><dd>{}</dd><dt>volume</dt><dd>{}</dd><dt>coverage</dt><dd>{}</dd>\
             <dt>window</dt><dd>{}</dd><dt>verdict</dt><dd>{}</dd></dl>",
            esc(&r.achieved.map_or("—".into(), |a| measure(a, &r.unit))),
            esc(&r.comparison),
            esc(&measure(r.target, &r.unit)),
            status_badge(r.shown_status()),
            opsdeck_engine::views::table::thousands(r.volume),
            esc(&r
                .coverage
                .map_or("—".into(), opsdeck_engine::views::table::percent)),
            esc(&r.window),
            esc(&r.verdict)
        );
        if r.windows.len() > 1 {
            let bars: Vec<(String, Option<f64>, Option<bool>)> = r
                .windows
                .iter()
                .map(|w| (w.window.clone(), w.verdict.achieved, w.verdict.met))
                .collect();
            s.push_str(&super::charts::window_bars(
                "windows",
                &format!(
                    "{} by window against {}",
                    r.name,
                    measure(r.target, &r.unit)
                ),
                &bars,
                r.target,
                &r.unit,
            ));
            s.push_str("<div class=\"table\"><table><caption>Windows</caption><thead><tr><th scope=\"col\">window</th>\
                <th scope=\"col\" class=\"num\">achieved</th><th scope=\"col\" class=\"num\">volume</th><th scope=\"col\">status</th></tr></thead><tbody>");
            for w in &r.windows {
                let status = match w.verdict.met {
                    Some(true) => "met",
                    Some(false) => "missed",
                    None => "not_measured",
                };
                let _ = write!(
                    s,
                    "<tr><td><a href=\"{}&amp;window={}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                    esc(&base),
                    url(&w.window),
                    esc(&w.window),
                    esc(&w.verdict.achieved.map_or("—".into(), |a| measure(a, &r.unit))),
                    opsdeck_engine::views::table::thousands(w.verdict.volume),
                    status_badge(status)
                );
            }
            s.push_str("</tbody></table></div>");
        }
    }
    let caption = match (&p.day, &p.window) {
        _ if is_case => format!(
            "Cases behind the figure ({}), those outside the time first",
            p.window.as_deref().unwrap_or(&month.label())
        ),
        (Some(d), _) => format!("Intervals of {d}"),
        (None, Some(w)) => format!("Days of window {w}"),
        (None, None) => format!("Days of {}", month.label()),
    };
    let link = |row: usize, col: &str| {
        let period = detail.get(row, "period").and_then(text_of).unwrap_or("");
        match (col, p.day.is_some()) {
            _ if is_case => None,
            ("period", false) => Some(format!("{base}&day={}", url(period))),
            // an interval: the contacts behind it
            ("period", true) => Some(format!(
                "/queues/{}/contacts?start={}",
                url(detail.get(row, "queue").and_then(text_of).unwrap_or("")),
                url(period)
            )),
            _ => None,
        }
    };
    s.push_str(&table(
        &detail,
        &caption,
        Some(&csv_href(&path, raw, "rows")),
        &link,
    ));
    Ok((detail, title, s))
}

//! The operations pages: a queue's intraday (`/queues/{id}?day=`: offered, answered, service
//! level, ASA and abandonment by interval, beside the plan's forecast and required / staffed
//! agents) and the capacity plan with its what-if form (`/plan?queue=…`: `opsdeck plan`, the
//! baseline beside the scenario). Nothing here is stored: the what-if is a GET form.

use super::charts;
use super::html::{self, esc, no_links, table, url, Page};
use super::{WebError, WebResult};
use crate::api::{self, Inputs};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::guard::form_urlencoded;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use chrono::{Datelike, NaiveDate};
use opsdeck_core::{Org, Role};
use opsdeck_engine::inputs::scenario::{read_scenario, ScenarioSpec};
use opsdeck_engine::views::plan::{describe, plan, table as plan_table, PlanParams, PlanView};
use opsdeck_engine::views::scorecard::{self, ScorecardParams, HEADLINE};
use opsdeck_engine::views::table::{Table, Value};
use std::fmt::Write;
use std::sync::Arc;

type St = State<Arc<AppState>>;
type Who = Extension<Caller>;

/// The query's pairs; each name at most once unless listed in `repeatable`.
fn pairs(raw: &Option<String>) -> Vec<(String, String)> {
    form_urlencoded(raw.as_deref().unwrap_or("").as_bytes())
}

fn one<'a>(p: &'a [(String, String)], name: &str) -> Option<&'a str> {
    p.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

fn date(p: &[(String, String)], name: &str) -> WebResult<Option<NaiveDate>> {
    one(p, name)
        .map(|v| {
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
                WebError(api::bad(format!(
                    "parameter {name}: {v:?} is not a date YYYY-MM-DD"
                )))
            })
        })
        .transpose()
}

fn queue_of<'a>(org: &'a Org, id: &str) -> WebResult<&'a opsdeck_core::org::Queue> {
    org.queues
        .get(id)
        .ok_or_else(|| WebError(ApiError::not_found(&format!("queue {id:?}"))))
}

fn crumbs_for(c: &Caller, client: &str) -> Vec<(String, String)> {
    let mut v = Vec::new();
    if c.role != Role::ClientViewer {
        v.push(("Clients".to_string(), "/clients".to_string()));
    }
    v.push((client.to_string(), format!("/clients/{}", url(client))));
    v
}

fn page(c: &Caller, title: String, crumbs: Vec<(String, String)>, body: String) -> Response {
    Html(html::document(
        c,
        &Page {
            title,
            crumbs,
            body,
        },
    ))
    .into_response()
}

fn num_of(t: &Table, row: usize, col: &str) -> Option<f64> {
    match t.get(row, col) {
        Some(Value::Num(v)) => *v,
        Some(Value::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

fn text_of(t: &Table, row: usize, col: &str) -> String {
    match t.get(row, col) {
        Some(Value::Text(s)) => s.clone(),
        _ => String::new(),
    }
}

/// The last local day with contacts of a queue (the scorecard's data range).
async fn last_day(
    st: &AppState,
    c: &Caller,
    org: &Org,
    queue: &str,
) -> WebResult<Option<NaiveDate>> {
    let params = ScorecardParams {
        queue: Some(queue.to_string()),
        by: Some("total".into()),
        level: Some("queue".into()),
        ..ScorecardParams::default()
    };
    let mut q = params.query()?;
    let (ws, scope, org) = (st.ws.clone(), c.scope.clone(), org.clone());
    match api::blocking(move || scorecard::run(&ws, &scope, &org, &mut q)).await {
        Ok(run) => Ok((0..run.table.rows.len())
            .filter_map(|r| {
                let p = text_of(&run.table, r, "period");
                let last = p.rsplit("..").next().unwrap_or("").to_string();
                NaiveDate::parse_from_str(&last, "%Y-%m-%d").ok()
            })
            .max()),
        Err(e) if e.code == "no_data" => Ok(None),
        Err(e) => Err(WebError(e)),
    }
}

/// `/queues/{id}?day=YYYY-MM-DD`: a queue's day by interval, actual beside the plan.
pub async fn queue(
    State(st): St,
    Extension(c): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> WebResult<Response> {
    let p = pairs(&raw);
    if let Some((k, _)) = p.iter().find(|(k, _)| !matches!(k.as_str(), "day" | "csv")) {
        return Err(WebError(api::bad(format!(
            "parameter {k} is not known here (day, csv)"
        ))));
    }
    let Inputs { org, .. } = api::inputs(&st, &c.scope, false).await?;
    let q = queue_of(&org, &id)?.clone();
    if q.channel == opsdeck_core::Channel::Ticket {
        return ticket_queue(&st, &c, &org, &q, &raw).await;
    }
    let day = match date(&p, "day")? {
        Some(d) => d,
        None => match last_day(&st, &c, &org, &id).await? {
            Some(d) => d,
            None => {
                let body = "<p>No contacts for this queue yet.</p>".to_string();
                return Ok(page(&c, q.name.clone(), crumbs_for(&c, &q.client), body));
            }
        },
    };
    if let Some(name) = one(&p, "csv") {
        let (actual, plan_t, _) = queue_compute(&st, &c, &org, &id, &q, day).await?;
        let mut tables = Vec::new();
        if let Some(t) = actual {
            tables.push(("actual", t));
        }
        if let Some(t) = plan_t {
            tables.push(("plan", t));
        }
        return super::pages::csv_of(tables, name);
    }
    let s = super::pages::kept_titled(&st, &c.scope, &format!("page:queue:{id}"), &raw, async {
        let (_, _, body) = queue_compute(&st, &c, &org, &id, &q, day).await?;
        Ok((String::new(), body))
    })
    .await?
    .1;
    Ok(page(
        &c,
        format!("{} — {day}", q.name),
        crumbs_for(&c, &q.client),
        s,
    ))
}

/// A ticket queue's page: the case scorecard by week (each priority and all) and the open
/// cases at the end of the data, breaching soonest first (`opsdeck scorecard --cases`,
/// `opsdeck backlog`); `?csv=cases|backlog` downloads either.
async fn ticket_queue(
    st: &AppState,
    c: &Caller,
    org: &Org,
    q: &opsdeck_core::org::Queue,
    raw: &Option<String>,
) -> WebResult<Response> {
    let params = ScorecardParams {
        queue: Some(q.id.clone()),
        client: Some(q.client.clone()),
        by: Some("week".into()),
        ..ScorecardParams::default()
    };
    let mut sq = params.query()?;
    let (ws, scope, org2, id) = (st.ws.clone(), c.scope.clone(), org.clone(), q.id.clone());
    let (card, (backlog, at)) = api::blocking(move || {
        let card = opsdeck_engine::views::cases::case_scorecard(&ws, &scope, &org2, &mut sq)?;
        let b = opsdeck_engine::views::cases::backlog(&ws, &scope, &org2, &id, None)?;
        Ok((card, b))
    })
    .await?;
    if let Some(name) = one(&pairs(raw), "csv") {
        return super::pages::csv_of(vec![("cases", card), ("backlog", backlog)], name);
    }
    let path = format!("/queues/{}", url(&q.id));
    let csv = |name: &str| format!("{path}?csv={name}");
    let mut s = String::new();
    let _ = write!(
        s,
        "<p class=\"lede\">ticket queue · {} · measured by its clock policy (<code>opsdeck ingest cases --policy</code>)</p>",
        esc(&q.program)
    );
    if card.rows.is_empty() {
        s.push_str("<p>No cases for this queue yet (<code>opsdeck ingest cases</code>).</p>");
    } else {
        s.push_str(&table(
            &card.select(&opsdeck_engine::views::cases::CASE_HEADLINE),
            "Cases by week and priority",
            Some(&csv("cases")),
            &no_links,
        ));
        let when = chrono::DateTime::from_timestamp(at, 0)
            .map(|d| {
                d.with_timezone(&q.zone)
                    .format("%Y-%m-%d %H:%M %Z")
                    .to_string()
            })
            .unwrap_or_default();
        let shown = Table {
            columns: backlog.columns.clone(),
            rows: backlog.rows.iter().take(50).cloned().collect(),
        };
        s.push_str(&table(
            &shown,
            &format!(
                "Open cases at {when}, breaching soonest first ({} of {})",
                shown.rows.len(),
                backlog.rows.len()
            ),
            Some(&csv("backlog")),
            &no_links,
        ));
    }
    Ok(page(c, q.name.clone(), crumbs_for(c, &q.client), s))
}

/// The what-if fields of the plan form.
const PLAN_FIELDS: [&str; 10] = [
    "queue",
    "from",
    "days",
    "history_weeks",
    "model",
    "shrinkage",
    "max_occupancy",
    "fte_hours",
    "volume_pct",
    "aht_delta_s",
];

/// `/plan?queue=Q&from=D&days=N…`: the capacity plan of a queue with a what-if scenario
/// (volume %, AHT change, outages `SITE:FROM:TO` one per line, site shares and seats as
/// `share_SITE` / `seats_SITE`), baseline beside scenario, as `opsdeck plan` computes it.
pub async fn plan_page(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> WebResult<Response> {
    let csv = one(&pairs(&raw), "csv").map(str::to_string);
    if let Some(name) = csv {
        let (_, _, tables) = plan_compute(&st, &c, &raw).await?;
        return super::pages::csv_of(tables, &name);
    }
    let (title, body) = super::pages::kept_titled(&st, &c.scope, "page:plan", &raw, async {
        let (title, body, _) = plan_compute(&st, &c, &raw).await?;
        Ok((title, body))
    })
    .await?;
    let crumbs = if title == "Capacity plan" {
        vec![]
    } else {
        vec![("Capacity plan".to_string(), "/plan".to_string())]
    };
    Ok(page(&c, title, crumbs, body))
}

/// The plan page's title, body and tables.
async fn plan_compute(
    st: &AppState,
    c: &Caller,
    raw: &Option<String>,
) -> WebResult<(String, String, Vec<(&'static str, Table)>)> {
    let p = pairs(raw);
    for (k, _) in &p {
        let known = PLAN_FIELDS.contains(&k.as_str())
            || matches!(k.as_str(), "outages" | "csv" | "by")
            || k.starts_with("share_")
            || k.starts_with("seats_");
        if !known {
            return Err(WebError(api::bad(format!(
                "parameter {k} is not known here"
            ))));
        }
    }
    let Inputs { org, .. } = api::inputs(st, &c.scope, false).await?;
    let get = |k: &str| one(&p, k).map(str::to_string);
    let mut s = String::new();
    // the form, filled with what was asked
    let queues: Vec<&opsdeck_core::org::Queue> = org.queues.values().collect();
    let chosen = get("queue");
    if let Some(qid) = &chosen {
        queue_of(&org, qid)?;
    }
    s.push_str(
        "<form class=\"whatif\" method=\"get\" action=\"/plan\"><fieldset><legend>Plan</legend>",
    );
    s.push_str("<label>queue <select name=\"queue\" required>");
    for q in &queues {
        let sel = if chosen.as_deref() == Some(q.id.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            s,
            "<option value=\"{}\"{sel}>{} ({})</option>",
            esc(&q.id),
            esc(&q.name),
            esc(&q.id)
        );
    }
    s.push_str("</select></label>");
    let field = |s: &mut String,
                 name: &str,
                 label: &str,
                 kind: &str,
                 value: Option<String>,
                 extra: &str| {
        let _ = write!(
            s,
            "<label>{label} <input type=\"{kind}\" name=\"{name}\" value=\"{}\"{extra}></label>",
            esc(&value.unwrap_or_default())
        );
    };
    field(
        &mut s,
        "from",
        "first day",
        "date",
        get("from"),
        " required",
    );
    field(
        &mut s,
        "days",
        "days",
        "number",
        get("days").or(Some("7".into())),
        " min=\"1\" max=\"92\"",
    );
    field(
        &mut s,
        "history_weeks",
        "history weeks",
        "number",
        get("history_weeks").or(Some("8".into())),
        " min=\"1\"",
    );
    s.push_str("</fieldset><fieldset><legend>What if</legend>");
    field(
        &mut s,
        "volume_pct",
        "volume change %",
        "number",
        get("volume_pct"),
        " step=\"any\"",
    );
    field(
        &mut s,
        "aht_delta_s",
        "AHT change (s)",
        "number",
        get("aht_delta_s"),
        " step=\"any\"",
    );
    let _ = write!(
        s,
        "<label>outages (SITE:FROM:TO, one per line) <textarea name=\"outages\" rows=\"2\">{}</textarea></label>",
        esc(&get("outages").unwrap_or_default())
    );
    // site shares and seats: the sites of the chosen queue's program
    if let Some(qid) = &chosen {
        let program = &org.queues[qid].program;
        let sites: Vec<&String> = org
            .programs
            .get(program)
            .map(|p| p.sites.iter().collect())
            .unwrap_or_default();
        for site in sites {
            field(
                &mut s,
                &format!("share_{site}"),
                &format!("{site} share (0–1)"),
                "number",
                get(&format!("share_{site}")),
                " step=\"any\" min=\"0\" max=\"1\"",
            );
            field(
                &mut s,
                &format!("seats_{site}"),
                &format!("{site} seats"),
                "number",
                get(&format!("seats_{site}")),
                " min=\"0\"",
            );
        }
    }
    s.push_str("</fieldset><button type=\"submit\">Plan</button></form>");
    let (Some(qid), Some(_)) = (chosen.clone(), get("from")) else {
        s.push_str("<p class=\"lede\">Pick a queue and a first day. The plan forecasts from the weeks of history before it, sizes the agents each interval needs and splits them across the program's sites; the what-if fields change the volume, the handle time, take sites out or change their shares and seats.</p>");
        return Ok(("Capacity plan".into(), s, Vec::new()));
    };
    // the scenario: shares and seats as a scenario file's [sites] (checked by its reader),
    // volume, AHT and outages as the CLI's flags
    let mut toml = String::new();
    for (k, v) in p.iter().filter(|(_, v)| !v.trim().is_empty()) {
        let (what, site) = match (k.strip_prefix("share_"), k.strip_prefix("seats_")) {
            (Some(site), _) => ("share", site),
            (_, Some(site)) => ("seats", site),
            _ => continue,
        };
        let value: f64 = v
            .trim()
            .parse()
            .map_err(|_| WebError(api::bad(format!("parameter {k}: {v:?} is not a number"))))?;
        if !site
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            return Err(WebError(api::bad(format!("parameter {k}: no such site"))));
        }
        if what == "seats" {
            if value.fract() != 0.0 || value < 0.0 {
                return Err(WebError(api::bad(format!(
                    "parameter {k}: seats are a whole number ≥ 0"
                ))));
            }
            let _ = writeln!(toml, "[sites.{site}]\nseats = {}", value as u64);
        } else {
            let _ = writeln!(toml, "[sites.{site}]\nshare = {value}");
        }
    }
    // one table per site: merge the lines of a site given twice (share and seats)
    let toml = merge_site_tables(&toml);
    let mut scenario = read_scenario(&toml, std::path::Path::new("the what-if form"))?;
    let number = |k: &str| -> WebResult<Option<f64>> {
        get(k)
            .map(|v| {
                v.trim().parse::<f64>().map_err(|_| {
                    WebError(api::bad(format!("parameter {k}: {v:?} is not a number")))
                })
            })
            .transpose()
    };
    let outages: Vec<(String, String)> = get("outages")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| (format!("outage {l}"), l.to_string()))
        .collect();
    scenario.override_with(number("volume_pct")?, number("aht_delta_s")?, &outages)?;
    let req = PlanParams {
        queue: Some(qid.clone()),
        from: date(&p, "from")?,
        days: get("days"),
        history_weeks: get("history_weeks"),
        model: get("model"),
        shrinkage: get("shrinkage"),
        max_occupancy: get("max_occupancy"),
        fte_hours: get("fte_hours"),
    }
    .request(scenario)?;
    let (ws, scope, org2) = (st.ws.clone(), c.scope.clone(), org.clone());
    let report = api::blocking(move || plan(&ws, &scope, &org2, &req)).await?;
    let days = plan_table(&report, PlanView::Day);
    let sites = plan_table(&report, PlanView::Site);
    let intervals = plan_table(&report, PlanView::Interval);
    s.push_str("<ul class=\"notes\">");
    for l in describe(&report.estimates) {
        let _ = write!(s, "<li>{}</li>", esc(&l));
    }
    s.push_str("</ul>");
    let labels: Vec<String> = (0..days.rows.len())
        .map(|r| text_of(&days, r, "date"))
        .collect();
    s.push_str(&charts::baseline_vs_scenario(
        "Offered per day: baseline and scenario",
        &labels,
        (0..days.rows.len())
            .map(|r| num_of(&days, r, "offered_baseline"))
            .collect(),
        (0..days.rows.len())
            .map(|r| num_of(&days, r, "offered"))
            .collect(),
    ));
    let href = |name: &str| {
        let q = raw.as_deref().unwrap_or("");
        format!("/plan?{q}&csv={name}")
    };
    s.push_str(&table(
        &days,
        "By day: baseline and scenario",
        Some(&href("days")),
        &no_links,
    ));
    s.push_str(&table(&sites, "By site", Some(&href("sites")), &no_links));
    s.push_str(&table(
        &intervals,
        "By interval",
        Some(&href("intervals")),
        &no_links,
    ));
    Ok((
        format!("Capacity plan — {}", org.queues[&qid].name),
        s,
        vec![("days", days), ("sites", sites), ("intervals", intervals)],
    ))
}

/// `[sites.X]` tables written once per site (share and seats of one site under one header).
fn merge_site_tables(toml: &str) -> String {
    let mut sites: Vec<(String, Vec<String>)> = Vec::new();
    let mut current: Option<usize> = None;
    for line in toml.lines() {
        if let Some(h) = line
            .strip_prefix("[sites.")
            .and_then(|l| l.strip_suffix(']'))
        {
            current = Some(match sites.iter().position(|(s, _)| s == h) {
                Some(i) => i,
                None => {
                    sites.push((h.to_string(), Vec::new()));
                    sites.len() - 1
                }
            });
        } else if let Some(i) = current {
            sites[i].1.push(line.to_string());
        }
    }
    sites
        .into_iter()
        .map(|(s, lines)| format!("[sites.{s}]\n{}\n", lines.join("\n")))
        .collect()
}

/// Contacts per page on the contacts page.
const CONTACTS_PER_PAGE: usize = 100;

/// `/queues/{id}/contacts?start=T[&page=N]`: the contacts behind one interval of a queue
/// (`T` as the drill-down writes it, `2025-09-03 09:30-04:00`, or RFC 3339), paged.
pub async fn contacts(
    State(st): St,
    Extension(c): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> WebResult<Response> {
    use opsdeck_engine::views::contacts::interval_contacts;
    let p = pairs(&raw);
    if let Some((k, _)) = p
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "start" | "page" | "csv"))
    {
        return Err(WebError(api::bad(format!(
            "parameter {k} is not known here (start, page, csv)"
        ))));
    }
    let Inputs { org, .. } = api::inputs(&st, &c.scope, false).await?;
    let q = queue_of(&org, &id)?.clone();
    let text = one(&p, "start")
        .ok_or_else(|| WebError(api::bad("parameter start is required".into())))?
        .trim()
        .to_string();
    let start = chrono::DateTime::parse_from_str(&text, "%Y-%m-%d %H:%M%:z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(&text))
        .map_err(|_| {
            WebError(api::bad(format!(
                "parameter start: {text:?} is not a time such as 2025-09-03 09:30-04:00"
            )))
        })?
        .timestamp();
    let page_no: usize = match one(&p, "page") {
        None => 1,
        Some(v) => v.trim().parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
            WebError(api::bad(format!(
                "parameter page: {v:?} is not a page number"
            )))
        })?,
    };
    let csv = one(&p, "csv").map(str::to_string);
    let (offset, limit) = if csv.is_some() {
        (0, usize::MAX)
    } else {
        ((page_no - 1) * CONTACTS_PER_PAGE, CONTACTS_PER_PAGE)
    };
    let read = |org: Org| {
        let (ws, scope, id2) = (st.ws.clone(), c.scope.clone(), id.clone());
        api::blocking(move || interval_contacts(&ws, &scope, &org, &id2, start, offset, limit))
    };
    if let Some(name) = csv {
        let r = read(org).await?;
        return super::pages::csv_of(vec![("contacts", r.table)], &name);
    }
    let route = format!("page:contacts:{id}");
    let (_, s) = super::pages::kept_titled(&st, &c.scope, &route, &raw, async {
    let r = read(org).await?;
    let path = format!("/queues/{}/contacts?start={}", url(&id), url(&text));
    let pages = r.total.div_ceil(CONTACTS_PER_PAGE).max(1);
    let mut s = format!(
        "<p class=\"lede\">{} contacts arrived in this interval (the interval facts count them by the same rule); page {page_no} of {pages}.</p>",
        r.total
    );
    s.push_str(&table(
        &r.table,
        &format!("Contacts of {text}"),
        Some(&format!("{path}&csv=contacts")),
        &no_links,
    ));
    s.push_str("<nav class=\"pages\" aria-label=\"pages\">");
    if page_no > 1 {
        let _ = write!(
            s,
            "<a href=\"{}&amp;page={}\">← previous</a> ",
            esc(&path),
            page_no - 1
        );
    }
    if page_no < pages {
        let _ = write!(
            s,
            "<a href=\"{}&amp;page={}\">next →</a>",
            esc(&path),
            page_no + 1
        );
    }
    s.push_str("</nav>");
    Ok((String::new(), s))
    })
    .await?;
    let mut crumbs = crumbs_for(&c, &q.client);
    crumbs.push((q.name.clone(), format!("/queues/{}", url(&id))));
    Ok(page(
        &c,
        format!("{} — contacts of {text}", q.name),
        crumbs,
        s,
    ))
}

/// A queue's day: the actual by interval, the plan's intervals, and the page's body.
async fn queue_compute(
    st: &AppState,
    c: &Caller,
    org: &Org,
    id: &str,
    q: &opsdeck_core::org::Queue,
    day: NaiveDate,
) -> WebResult<(Option<Table>, Option<Table>, String)> {
    let params = ScorecardParams {
        queue: Some(id.to_string()),
        from: Some(day),
        to: Some(day),
        by: Some("interval".into()),
        level: Some("queue".into()),
        ..ScorecardParams::default()
    };
    let mut sq = params.query()?;
    let (ws, scope, org2) = (st.ws.clone(), c.scope.clone(), org.clone());
    let actual = match api::blocking(move || scorecard::run(&ws, &scope, &org2, &mut sq)).await {
        Ok(run) => Some(run.table),
        Err(e) if e.code == "no_data" => None,
        Err(e) => return Err(WebError(e)),
    };
    let req = PlanParams {
        queue: Some(id.to_string()),
        from: Some(day),
        days: Some("1".into()),
        ..PlanParams::default()
    }
    .request(ScenarioSpec::default())?;
    let (ws, scope, org2) = (st.ws.clone(), c.scope.clone(), org.clone());
    let planned = api::blocking(move || plan(&ws, &scope, &org2, &req)).await;
    let plan_t = planned
        .as_ref()
        .ok()
        .map(|r| plan_table(r, PlanView::Interval));
    let path = format!("/queues/{}", url(id));
    let mut s = String::new();
    let prev = day.pred_opt().unwrap_or(day);
    let next = day.succ_opt().unwrap_or(day);
    let _ = write!(
        s,
        "<form class=\"picker\" method=\"get\" action=\"{path}\"><label>day <input type=\"date\" name=\"day\" value=\"{day}\"></label>\
         <button type=\"submit\">Show</button> <a href=\"{path}?day={prev}\">← {prev}</a> <a href=\"{path}?day={next}\">{next} →</a> \
         <a href=\"/plan?queue={q}&amp;from={day}&amp;days=7\">Capacity plan from this day</a></form>",
        q = url(id)
    );
    let _ = write!(
        s,
        "<p class=\"lede\">{} · {} · target {} within {} · intervals of {} min, {}</p>",
        esc(&q.channel.to_string()),
        esc(&q.program),
        esc(&opsdeck_engine::views::table::percent(q.sl_target)),
        esc(&opsdeck_engine::views::table::duration(
            q.thresholds.service_s as f64
        )),
        q.interval.minutes(),
        esc(q.zone.name())
    );
    // offered by interval: actual beside the plan's forecast
    if let Some(t) = &actual {
        let labels: Vec<String> = (0..t.rows.len())
            .map(|r| text_of(t, r, "period").chars().skip(11).take(5).collect())
            .collect();
        let mut series = vec![opsdeck_report::chart::Series::new(
            "offered",
            (0..t.rows.len()).map(|r| num_of(t, r, "offered")).collect(),
        )];
        if let Some(pt) = &plan_t {
            let forecast: Vec<Option<f64>> = (0..t.rows.len())
                .map(|r| {
                    let start = text_of(t, r, "period");
                    (0..pt.rows.len())
                        .find(|&i| text_of(pt, i, "start").get(..16) == start.get(..16))
                        .and_then(|i| num_of(pt, i, "offered"))
                })
                .collect();
            series.push(opsdeck_report::chart::Series::new("forecast", forecast));
        }
        s.push_str(&charts::intraday(
            &format!("Offered by interval, {day}"),
            &labels,
            series,
        ));
        s.push_str(&charts::answer_mix(t, &labels));
        s.push_str(&table(
            &t.select(&HEADLINE),
            &format!("Actual by interval, {day}"),
            Some(&format!("{path}?day={day}&csv=actual")),
            &no_links,
        ));
    } else {
        let _ = write!(s, "<p>No contacts on {day}.</p>");
    }
    // the month's week profile: where the week is heavy, where service suffers
    let month = opsdeck_core::YearMonth::of(day);
    let first = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
    let (ws, scope, org2, qid) = (st.ws.clone(), c.scope.clone(), org.clone(), id.to_string());
    let last = month.last();
    let profile = api::blocking(move || {
        opsdeck_engine::views::profile::week_profile(&ws, &scope, &org2, &qid, first, last)
    })
    .await?;
    if !profile.rows.is_empty() {
        let _ = write!(s, "<h2>Week profile, {}</h2>", month.label());
        s.push_str(&charts::week_heatmap(
            "heat-offered",
            &profile,
            "offered_per_day",
            &format!("Offered per day by weekday and interval, {}", month.label()),
            "count",
        ));
        s.push_str(&charts::week_heatmap(
            "heat-sl",
            &profile,
            "service_level",
            &format!("Service level by weekday and interval, {}", month.label()),
            "fraction",
        ));
    }
    match (&planned, &plan_t) {
        (Ok(r), Some(t)) => {
            s.push_str("<ul class=\"notes\">");
            for l in describe(&r.estimates) {
                let _ = write!(s, "<li>{}</li>", esc(&l));
            }
            s.push_str("</ul>");
            s.push_str(&table(
                t,
                &format!("Plan for {day}: forecast, required and staffed agents"),
                Some(&format!("{path}?day={day}&csv=plan")),
                &no_links,
            ));
        }
        (Err(e), _) => {
            let _ = write!(
                s,
                "<p class=\"note\">No plan for this day: {}</p>",
                esc(&e.message)
            );
        }
        _ => {}
    }
    Ok((actual, plan_t, s))
}

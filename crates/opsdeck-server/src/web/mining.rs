//! The process-mining page (`/mining`): upload an event log (CSV or XES, plain or gzip) with
//! the options of `opsdeck mine summary`, and read its summary, the directly-follows graph
//! drawn as SVG (the most frequent edges, how many chosen in the form, mean durations on the
//! edges), variants, rework, ping-pong, bottlenecks and automation candidates. Nothing is
//! stored; the upload is a POST form only because a file needs one.

use super::html::{esc, no_links, table, Page};
use super::multipart::request_parts;
use super::{WebError, WebResult};
use crate::api;
use crate::auth::Caller;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use opsdeck_core::mining;
use opsdeck_engine::views::mining::{
    automation_table, bottleneck_table, pingpong_table, rework_table, variant_table,
};
use opsdeck_engine::views::table::duration;
use opsdeck_report::chart::{dfg, DfgEdge, DfgNode, DfgSpec};
use serde_json::{Map, Value};
use std::fmt::Write;
use std::sync::Arc;

type St = State<Arc<AppState>>;
type Who = Extension<Caller>;

/// Edges drawn when the form does not say.
const DEFAULT_EDGES: usize = 20;

fn form(c: &Caller, edges: usize) -> String {
    let csrf = c.session.as_ref().map_or(String::new(), |s| {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            esc(&s.csrf)
        )
    });
    let text = |name: &str, label: &str, hint: &str| {
        format!("<label>{label} <input name=\"{name}\" placeholder=\"{hint}\"></label>")
    };
    format!(
        "<form class=\"upload\" method=\"post\" action=\"/mining\" enctype=\"multipart/form-data\">{csrf}\
         <fieldset><legend>Event log</legend>\
         <label>file (CSV or XES, plain or gzip) <input type=\"file\" name=\"file\" required></label>\
         {}{}{}{}{}{}</fieldset><fieldset><legend>Filters</legend>\
         <label>keep cases where (ATTR=VALUE, one per line) <textarea name=\"where\" rows=\"2\"></textarea></label>\
         {}{}</fieldset>\
         <label>edges drawn <input type=\"number\" name=\"edges\" min=\"1\" max=\"200\" value=\"{edges}\"></label>\
         <button type=\"submit\">Mine</button></form>",
        text("case", "case column", "case_id"),
        text("activity", "activity column", "activity"),
        text("timestamp", "timestamp column", "timestamp"),
        text("team", "team column (ping-pong)", ""),
        text("resource", "resource column", "resource"),
        text("tz", "zone of times without an offset", "UTC"),
        text("from", "from", "YYYY-MM-DD"),
        text("to", "to", "YYYY-MM-DD"),
    )
}

fn page(c: &Caller, body: String) -> Response {
    Html(super::html::document(
        c,
        &Page {
            title: "Process mining".into(),
            crumbs: vec![],
            body,
        },
    ))
    .into_response()
}

/// `GET /mining`: the upload form.
pub async fn mining_form(Extension(c): Who) -> Response {
    let body = format!(
        "<p class=\"lede\">Upload a case event log — a ticketing or case system's export — to see how its cases really flow. Nothing is stored.</p>{}",
        form(&c, DEFAULT_EDGES)
    );
    page(&c, body)
}

/// `POST /mining`: the uploaded log mined.
pub async fn mining_run(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let parts = request_parts(&headers, &body, "mining").map_err(|e| WebError(api::bad(e)))?;
    // the form's fields as the API's query parameters: one definition of the options
    let mut obj = Map::new();
    let mut file = None;
    let mut edges = DEFAULT_EDGES;
    for p in parts {
        match p.name.as_str() {
            "file" => file = Some(p.data),
            "csrf" => {}
            "edges" => {
                let t = p.text();
                edges = t
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| (1..=200).contains(n))
                    .ok_or_else(|| {
                        WebError(api::bad(format!(
                            "edges: {t:?} is not a number from 1 to 200"
                        )))
                    })?;
            }
            "where" | "missing" => {
                let items: Vec<Value> = p
                    .text()
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::String(l.to_string()))
                    .collect();
                obj.insert(p.name.clone(), Value::Array(items));
            }
            name => {
                let t = p.text();
                if !t.trim().is_empty() {
                    obj.insert(name.to_string(), Value::String(t.trim().to_string()));
                }
            }
        }
    }
    let params: api::MiningParams = serde_json::from_value(Value::Object(obj))
        .map_err(|e| WebError(api::bad(format!("the form: {e}"))))?;
    let o = api::mining_options(params)?;
    let file = file.ok_or_else(|| WebError(api::bad("the form has no file".into())))?;
    let read = api::read_uploaded_log(&st, o.log, file.into()).await?;
    let log = &read.log;
    let summary = mining::summary(log, &o.automation, o.top);
    let g = mining::dfg(log);
    let mut s = String::new();
    let _ = write!(
        s,
        "<p class=\"lede\">{} events in {} cases, {} activities, {} variants; case duration median {}, p90 {}. {} events left out.</p>",
        summary.events,
        summary.cases,
        summary.activities,
        summary.variants,
        summary.case_duration.median_s.map_or("—".into(), duration),
        summary.case_duration.p90_s.map_or("—".into(), duration),
        read.issue_count
    );
    // the graph: the most frequent edges (ties by name), their activities
    let mut top_edges: Vec<&mining::Edge> = g.edges.iter().collect();
    top_edges.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then((&a.from, &a.to).cmp(&(&b.from, &b.to)))
    });
    top_edges.truncate(edges);
    let mut spec = DfgSpec::new("dfg", "Directly-follows graph");
    spec.nodes = g
        .activities
        .iter()
        .filter(|a| {
            top_edges
                .iter()
                .any(|e| e.from == a.activity || e.to == a.activity)
        })
        .map(|a| DfgNode::new(a.activity.clone(), a.count))
        .collect();
    spec.edges = top_edges
        .iter()
        .map(|e| {
            let d = DfgEdge::new(e.from.clone(), e.to.clone(), e.count);
            match e.duration.mean_s {
                Some(m) => d.with_duration(format!("mean {}", duration(m))),
                None => d,
            }
        })
        .collect();
    let _ = write!(
        s,
        "<figure class=\"chart dfg\"><figcaption>Directly-follows graph: the {} most frequent of {} edges, with their mean time</figcaption>{}</figure>",
        top_edges.len(),
        g.edges.len(),
        dfg(&spec, &|v| opsdeck_engine::views::table::thousands(v as i64))
    );
    s.push_str(&table(
        &variant_table(&summary.top_variants),
        "Top variants",
        None,
        &no_links,
    ));
    s.push_str(&table(
        &rework_table(&summary.rework),
        "Rework: activities repeated within a case",
        None,
        &no_links,
    ));
    if let Some(pp) = &summary.pingpong_team {
        s.push_str(&table(
            &pingpong_table(pp),
            "Ping-pong between teams",
            None,
            &no_links,
        ));
    }
    s.push_str(&super::charts::pareto_of(
        "pareto-delay",
        "Where the waiting is: total delay by edge (Pareto)",
        summary
            .bottlenecks
            .iter()
            .map(|b| (format!("{} → {}", b.from, b.to), b.total_s))
            .collect(),
        "seconds",
    ));
    s.push_str(&table(
        &bottleneck_table(&summary.bottlenecks),
        "Bottlenecks: edges by total delay",
        None,
        &no_links,
    ));
    s.push_str(&table(
        &automation_table(&summary.automation, &o.currency),
        "Automation candidates",
        None,
        &no_links,
    ));
    s.push_str("<h2>Mine another log</h2>");
    s.push_str(&form(&c, edges));
    Ok(page(&c, s))
}

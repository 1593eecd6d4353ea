//! The review packs on the dashboard (`/reports`): a form to draft one, and the pack itself
//! (`/reports/pack?kind=…&client=…&period=…`) — the same document `opsdeck report` writes,
//! drafted through the caller's scope (a client outside it is not found; a board pack covers
//! the caller's clients only). Each pack drafted is in the audit trail.

use super::html::{esc, Page};
use super::{WebError, WebResult};
use crate::api::{self, Inputs};
use crate::audit::{record, Entry};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use opsdeck_report::pack::{build, PackKind, PackRequest};
use std::fmt::Write;
use std::sync::Arc;

type St = State<Arc<AppState>>;
type Who = Extension<Caller>;

/// `GET /reports`: the form.
pub async fn reports(State(st): St, Extension(c): Who) -> WebResult<Response> {
    let Inputs { org, .. } = api::inputs(&st, &c.scope, false).await?;
    let mut clients = String::new();
    for cl in org.clients.values() {
        let _ = write!(
            clients,
            "<option value=\"{}\">{}</option>",
            esc(&cl.id),
            esc(&cl.name)
        );
    }
    let body = format!(
        "<p class=\"lede\">A review pack drafted from the data: every figure a table cell, every sentence linked to the rows behind it. The same document as <code>opsdeck report</code>; print it, or use the CLI for a PDF.</p>\
         <form class=\"picker\" method=\"get\" action=\"/reports/pack\">\
         <label>pack <select name=\"kind\"><option value=\"weekly\">weekly operations review</option><option value=\"monthly\">monthly service review</option><option value=\"qbr\">quarterly business review</option><option value=\"board\">board pack (every client you see)</option></select></label>\
         <label>client <select name=\"client\">{clients}</select></label>\
         <label>period <input name=\"period\" placeholder=\"2025-10 or 2025-Q4\" required></label>\
         <button type=\"submit\">Draft</button></form>"
    );
    // the packs the schedules stored, those the caller may read
    let ids: Vec<String> = org.clients.keys().cloned().collect();
    let dir = crate::scheduler::reports_dir(&st.ws);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| crate::scheduler::visible(n, &ids, &c.scope))
        .collect();
    names.sort();
    let mut body = body;
    body.push_str("<section><h2>Stored packs</h2>");
    if names.is_empty() {
        body.push_str("<p>No pack stored yet: the schedules of <code>report-schedules.toml</code> in the workspace store them (docs/reports.md).</p>");
    } else {
        body.push_str("<ul class=\"packs\">");
        for n in &names {
            let _ = write!(
                body,
                "<li><a href=\"/reports/stored/{}\">{}</a></li>",
                super::html::url(n),
                esc(n)
            );
        }
        body.push_str("</ul>");
    }
    body.push_str("</section>");
    Ok(Html(super::html::document(
        &c,
        &Page {
            title: "Review packs".into(),
            crumbs: vec![],
            body,
        },
    ))
    .into_response())
}

/// `GET /reports/pack?kind=&client=&period=`: the pack, for the caller's scope.
pub async fn pack(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> WebResult<Response> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct P {
        kind: Option<String>,
        client: Option<String>,
        period: Option<String>,
        as_of: Option<String>,
    }
    let p: P = api::query(raw, &[])?;
    let kind = match p.kind.as_deref().unwrap_or("monthly") {
        "weekly" => PackKind::Weekly,
        "monthly" => PackKind::Monthly,
        "qbr" => PackKind::Qbr,
        "board" => PackKind::Board,
        other => {
            return Err(WebError(api::bad(format!(
                "parameter kind: {other:?} is not weekly, monthly, qbr or board"
            ))))
        }
    };
    let period = p
        .period
        .ok_or_else(|| WebError(api::bad("parameter period is required".into())))?;
    let client = if kind == PackKind::Board {
        None
    } else {
        p.client
    };
    let Inputs { org, stored } = api::inputs(&st, &c.scope, true).await?;
    if let Some(cl) = &client {
        if !org.clients.contains_key(cl) {
            return Err(WebError(ApiError::not_found(&format!("client {cl:?}"))));
        }
    }
    let req = PackRequest {
        kind,
        client: client.clone(),
        period,
        as_of: p.as_of,
        notes: None,
        link_base: String::new(),
    };
    let (ws, scope) = (st.ws.clone(), c.scope.clone());
    let pack = api::blocking(move || build(&ws, &scope, &org, &stored, &req)).await?;
    record(
        &st.store,
        Entry::new(&c.actor(), "report.generate", &pack.stem)
            .client(client)
            .request(crate::request_id(&headers))
            .payload(pack.html.as_bytes()),
    )
    .await?;
    let mut res = Html(pack.html).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

/// `GET /reports/stored/{id}`: a stored pack the caller may read (else not found).
pub async fn stored(
    State(st): St,
    Extension(c): Who,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> WebResult<Response> {
    let Inputs { org, .. } = api::inputs(&st, &c.scope, false).await?;
    let ids: Vec<String> = org.clients.keys().cloned().collect();
    let missing = || WebError(ApiError::not_found(&format!("stored pack {id:?}")));
    // a plain file name of the reports directory, never a path
    if id.contains(['/', '\\'])
        || id.starts_with('.')
        || !crate::scheduler::visible(&id, &ids, &c.scope)
    {
        return Err(missing());
    }
    let path = crate::scheduler::reports_dir(&st.ws).join(&id);
    let bytes = tokio::fs::read(&path).await.map_err(|_| missing())?;
    let media = if id.ends_with(".pdf") {
        "application/pdf"
    } else {
        "text/html; charset=utf-8"
    };
    let mut res = ([(header::CONTENT_TYPE, media)], bytes).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

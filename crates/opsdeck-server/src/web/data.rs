//! The data page (`/data`): the ingest batches the caller may see with their counts, each
//! batch's quarantine report as CSV (roles that see every client: a report may hold any
//! client's rows), and — for roles that operate — a contacts upload (one atomic batch, the
//! CLI's rules, `replace` for a corrected export) and the withdrawal of a batch. Writes are
//! forms with the session's CSRF token; each is audited.

use super::html::{esc, table, url, Page};
use super::multipart::{field, request_parts};
use super::{WebError, WebResult};
use crate::api;
use crate::auth::Caller;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use opsdeck_engine::contacts::profile::PROFILES;
use opsdeck_engine::views::ingest::{batch_lines, ingest_log_table};
use std::fmt::Write;
use std::sync::Arc;

type St = State<Arc<AppState>>;
type Who = Extension<Caller>;

fn csrf_field(c: &Caller) -> String {
    c.session.as_ref().map_or(String::new(), |s| {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            esc(&s.csrf)
        )
    })
}

fn page(c: &Caller, status: StatusCode, title: &str, body: String) -> Response {
    (
        status,
        Html(super::html::document(
            c,
            &Page {
                title: title.to_string(),
                crumbs: vec![("Data".into(), "/data".into())],
                body,
            },
        )),
    )
        .into_response()
}

/// `/data`: the batches, and the forms the caller's role may use.
pub async fn data(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> WebResult<Response> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct P {
        csv: Option<String>,
    }
    let p: P = api::query(raw, &[])?;
    let ws = st.ws.clone();
    let m = api::blocking(move || ws.manifest()).await?;
    let lines = batch_lines(&m, &c.scope);
    let t = ingest_log_table(&lines);
    if let Some(name) = p.csv.as_deref() {
        return super::pages::csv_of(vec![("batches", t)], name);
    }
    let mut s = String::new();
    if c.role.operates() {
        let _ = write!(
            s,
            "<form class=\"upload\" method=\"post\" action=\"/data/upload\" enctype=\"multipart/form-data\">\
             <fieldset><legend>Upload contacts</legend>{}\
             <label>file (CSV or CSV.gz) <input type=\"file\" name=\"file\" required></label>\
             <label>profile <select name=\"profile\">{}</select></label>\
             <label><input type=\"checkbox\" name=\"replace\" value=\"true\"> a corrected export: replace the stored versions of its contacts</label>\
             <button type=\"submit\">Ingest</button></fieldset></form>",
            csrf_field(&c),
            PROFILES
                .iter()
                .map(|p| format!("<option>{p}</option>"))
                .collect::<String>()
        );
    }
    let link = |row: usize, col: &str| -> Option<String> {
        let id = match t.get(row, "batch_id") {
            Some(opsdeck_engine::views::table::Value::Text(id)) => id.clone(),
            _ => return None,
        };
        (col == "rows_quarantined" && c.scope.is_every_client())
            .then(|| format!("/data/quarantine/{}", url(&id)))
    };
    s.push_str(&table(
        &t,
        "Ingest batches",
        Some("/data?csv=batches"),
        &link,
    ));
    if c.scope.is_every_client() {
        s.push_str("<p class=\"lede\">A batch's quarantined count links to its quarantine report (CSV: file, line, field, reason).</p>");
    }
    if c.role.operates() {
        let open: Vec<_> = lines
            .iter()
            .filter(|b| b.kind != "void" && b.voided_by.is_empty())
            .collect();
        if !open.is_empty() {
            s.push_str("<section><h2>Withdraw a batch</h2><p class=\"lede\">Its contacts leave the facts and the versions it replaced come back, in one commit.</p><ul class=\"voids\">");
            for b in open {
                let _ = write!(
                    s,
                    "<li><form method=\"post\" action=\"/data/void/{}\">{}<button type=\"submit\">Withdraw {}</button> ({} contacts accepted, {})</form></li>",
                    url(&b.batch_id),
                    csrf_field(&c),
                    esc(&b.batch_id),
                    b.rows_accepted,
                    esc(&b.committed_at)
                );
            }
            s.push_str("</ul></section>");
        }
    }
    Ok(page(&c, StatusCode::OK, "Data", s))
}

/// `/data/quarantine/{id}`: a batch's quarantine report as CSV (audited export).
pub async fn quarantine(
    State(st): St,
    Extension(c): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let bytes = api::quarantine_csv(&st, &c, crate::request_id(&headers), &id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"quarantine.csv\"".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /data/upload`: the form's file ingested as one batch; the answer shows the counts
/// and the rejected rows.
pub async fn upload(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let parts = request_parts(&headers, &body, "upload").map_err(|e| WebError(api::bad(e)))?;
    let file =
        field(&parts, "file").ok_or_else(|| WebError(api::bad("the form has no file".into())))?;
    let profile = field(&parts, "profile").map(|p| p.text());
    let replace = field(&parts, "replace").is_some_and(|p| p.text() == "true");
    let name = file.filename.clone().unwrap_or_default();
    let (status, v) = api::ingest_upload(
        &st,
        &c,
        crate::request_id(&headers),
        profile.as_deref(),
        replace,
        None,
        file.data.clone().into(),
    )
    .await?;
    let mut s = format!("<p class=\"lede\">File {}: ", esc(&name));
    if let Some(r) = v["refused"].as_str() {
        let _ = write!(s, "refused, nothing was stored — {}</p>", esc(r));
    } else if v["committed"].as_bool() == Some(true) {
        let _ = write!(
            s,
            "stored as batch {}.</p>",
            esc(v["batch_id"].as_str().unwrap_or(""))
        );
    } else if let Some(b) = v["same_as"].as_str() {
        let _ = write!(
            s,
            "nothing new: the same file as batch {}, whose contacts are all stored.</p>",
            esc(b)
        );
    } else {
        s.push_str("nothing new: every contact is already stored as it is.</p>");
    }
    s.push_str("<dl class=\"figure\">");
    for k in [
        "rows_read",
        "rows_accepted",
        "rows_duplicate",
        "rows_replaced",
        "rows_quarantined",
        "rows_skipped",
    ] {
        let _ = write!(
            s,
            "<dt>{}</dt><dd>{}</dd>",
            k.replace('_', " "),
            opsdeck_engine::views::table::thousands(v[k].as_i64().unwrap_or(0))
        );
    }
    s.push_str("</dl>");
    if let Some(rej) = v["rejected"].as_array().filter(|r| !r.is_empty()) {
        s.push_str("<div class=\"table\"><table><caption>Rejected rows</caption><thead><tr><th scope=\"col\" class=\"num\">line</th><th scope=\"col\">field</th><th scope=\"col\">reason</th></tr></thead><tbody>");
        for r in rej.iter().take(200) {
            let _ = write!(
                s,
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                r["line"],
                esc(r["field"].as_str().unwrap_or("")),
                esc(r["reason"].as_str().unwrap_or(""))
            );
        }
        s.push_str("</tbody></table></div>");
    }
    s.push_str("<p><a href=\"/data\">Back to the batches</a></p>");
    Ok(page(&c, status, "Upload", s))
}

/// `POST /data/void/{id}`: withdraw a batch.
pub async fn void(
    State(st): St,
    Extension(c): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let v = api::void_batch(&st, &c, crate::request_id(&headers), &id).await?;
    let s = if v.committed {
        format!(
            "<p class=\"lede\">Batch {} withdrawn as {}: {} contacts left the facts, {} earlier versions came back ({} partitions recomputed).</p><p><a href=\"/data\">Back to the batches</a></p>",
            esc(&v.voided),
            esc(&v.batch_id),
            v.rows_withdrawn,
            v.rows_restored,
            v.partitions.len()
        )
    } else {
        format!(
            "<p class=\"lede\">Batch {} was already withdrawn: nothing changed.</p><p><a href=\"/data\">Back to the batches</a></p>",
            esc(&id)
        )
    };
    Ok(page(&c, StatusCode::OK, "Withdrawal", s))
}

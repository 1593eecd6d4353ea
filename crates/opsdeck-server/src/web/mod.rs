//! The dashboard: server-rendered HTML pages over the same engine calls and output tables as
//! the API and the CLI. Every page is a route of [`crate::routes::ROUTES`] behind the same
//! guard, so it is scoped like the API (a client outside the caller's scope is not found) and
//! covered by the access matrix. No script, no external request: the stylesheet is compiled
//! into the binary. Every table can be downloaded as CSV (`?csv=NAME` on the page's URL) with
//! the CLI's columns.

mod admin;
mod data;
pub mod html;
use opsdeck_report::figures as charts;
mod mining;
pub mod multipart;
mod ops;
mod pages;
mod reports;

pub use admin::{admin, admin_change, audit};
pub use data::{data, quarantine, upload, void};
pub use mining::{mining_form, mining_run};
pub use ops::{contacts, plan_page, queue};
pub use pages::{client, clients, home, sla};
pub use reports::{pack, reports, stored};

use crate::error::ApiError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// The stylesheet, served at `/assets/opsdeck.css`.
pub const CSS: &str = include_str!("opsdeck.css");

pub async fn stylesheet() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        format!("{CSS}\n{}", opsdeck_report::chart::CHART_CSS),
    )
        .into_response()
}

/// A page's error: the API's error (same code, same status) as a small HTML page.
pub struct WebError(pub ApiError);

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        WebError(e)
    }
}

impl From<opsdeck_engine::EngineError> for WebError {
    fn from(e: opsdeck_engine::EngineError) -> Self {
        WebError(ApiError::from(e))
    }
}

impl From<opsdeck_store::StoreError> for WebError {
    fn from(e: opsdeck_store::StoreError) -> Self {
        WebError(ApiError::from(e))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let e = self.0;
        if e.status.is_server_error() {
            tracing::error!(code = e.code, "{}", e.message);
        }
        let title = match e.status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "Cannot show this",
            StatusCode::FORBIDDEN => "Not allowed",
            _ => "Something went wrong",
        };
        let body = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} — opsdeck</title>\
             <link rel=\"stylesheet\" href=\"/assets/opsdeck.css\"></head><body><main id=\"main\">\
             <h1>{title}</h1><p role=\"alert\">{}</p><p class=\"code\">{}</p>\
             <p><a href=\"/\">Back to the start</a></p></main></body></html>",
            html::esc(&e.message),
            e.code
        );
        (e.status, Html(body)).into_response()
    }
}

pub type WebResult<T> = Result<T, WebError>;

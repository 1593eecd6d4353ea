//! The route table: every route of the server, declared once — method, path, who may call it,
//! parameters and output. The router ([`router`]), the OpenAPI document ([`crate::openapi`])
//! and the access-matrix test are made from it, so a route cannot exist without its access
//! rule, and cannot be left out of the test.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use std::sync::Arc;

/// HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without logging in (health, readiness, the API's description).
    Public,
    /// Any logged-in user; what it returns is limited to the caller's scope.
    Read,
    /// Roles that operate the clients of their scope (admin, account manager).
    Operate,
    /// Admin only: reference data, contracts, users, tokens.
    Administer,
    /// Admin and auditor: the audit trail.
    Audit,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
}

/// The type of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    String,
    Integer,
    Boolean,
}

/// One parameter of a route.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub at: In,
    pub ty: Type,
    pub required: bool,
    pub about: &'static str,
}

/// What a route answers with.
#[derive(Debug, Clone, Copy)]
pub enum Output {
    /// Rows of an output table of the engine's catalogue (`opsdeck tables`), by name.
    Table(&'static str),
    /// A JSON object described in words.
    Object(&'static str),
}

/// A route of the API.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: Method,
    /// axum 0.8 syntax: `/api/v1/clients/{id}`.
    pub path: &'static str,
    /// Unique; the OpenAPI `operationId`.
    pub name: &'static str,
    pub summary: &'static str,
    pub access: Access,
    pub params: &'static [Param],
    pub output: Output,
}

/// Every route of the server.
pub const ROUTES: &[Route] = &[
    Route {
        method: Method::Get,
        path: "/healthz",
        name: "healthz",
        summary: "the process answers",
        access: Access::Public,
        params: &[],
        output: Output::Object("{\"status\": \"ok\"}"),
    },
    Route {
        method: Method::Get,
        path: "/readyz",
        name: "readyz",
        summary: "the store answers and the facts are readable (503 otherwise)",
        access: Access::Public,
        params: &[],
        output: Output::Object("{\"status\": \"ready\"} or an error"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/openapi.json",
        name: "openapi",
        summary: "this API's OpenAPI 3.1 description, made from the route table",
        access: Access::Public,
        params: &[],
        output: Output::Object("an OpenAPI 3.1 document"),
    },
];

/// The handler of a route, by name.
fn handler(name: &str) -> MethodRouter<Arc<AppState>> {
    match name {
        "healthz" => get(healthz),
        "readyz" => get(readyz),
        "openapi" => get(openapi),
        other => unreachable!("route {other} has no handler"),
    }
}

/// The router of every route in [`ROUTES`]; anything else is a JSON 404.
pub fn router(state: Arc<AppState>) -> Router {
    let mut r = Router::new();
    for route in ROUTES {
        r = r.route(route.path, handler(route.name));
    }
    r.fallback(|| async { ApiError::not_found("such route (see /api/v1/openapi.json)") })
        .with_state(state)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

async fn readyz(State(st): State<Arc<AppState>>) -> ApiResult<Response> {
    use opsdeck_store::Store;
    st.store
        .list_ingests(&opsdeck_core::Scope::nothing())
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                format!("the store does not answer: {e}"),
            )
        })?;
    let ws = st.ws.clone();
    tokio::task::spawn_blocking(move || ws.manifest())
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                format!("the facts cannot be read: {e}"),
            )
        })?;
    Ok(Json(serde_json::json!({"status": "ready"})).into_response())
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

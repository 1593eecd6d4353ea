//! opsdeck-server: `opsdeck serve`, the JSON API (`/api/v1`) over the same library calls the
//! CLI makes, for the people who will not run a CLI.
//!
//! Architecture invariants:
//! - **No KPI math and no SQL here.** Handlers call the engine and the store and write the
//!   engine's output tables (`opsdeck_engine::views`) as JSON, in machine units.
//! - **One route table.** Every route is declared once in [`routes::ROUTES`] (method, path,
//!   who may call it, parameters, output); the router, the OpenAPI document
//!   (`/api/v1/openapi.json`) and the access-matrix test are all made from it.
//! - **Errors are the engine's stable codes** with their HTTP statuses, as JSON
//!   `{"error": {"code", "message", "request_id"}}`.
//!
//! The server is a tokio application: engine calls (file reads on all cores) run on the
//! blocking pool, the store is async. It shuts down gracefully on Ctrl-C or SIGTERM: new
//! connections stop, requests in flight finish.

pub mod accounts;
mod api;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod error;
pub mod guard;
mod login;
pub mod openapi;
pub mod routes;
pub mod scheduler;
pub mod state;
pub mod web;

pub use state::AppState;

use axum::http::{HeaderName, Request};
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

/// The header that carries a request's id (set by a proxy, or made here), echoed on the
/// response and written into every log line and error of the request.
pub const REQUEST_ID: &str = "x-request-id";

/// The request's id (set by [`app`]'s request-id layer), for the audit trail.
pub fn request_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Request ids: the process's start time and a counter (unique per process, sortable; a
/// proxy's id is kept when one is given).
#[derive(Clone)]
struct Counter {
    prefix: Arc<str>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{}-{n}", self.prefix)
            .parse()
            .ok()
            .map(RequestId::new)
    }
}

/// The application: every route of the table, with request ids, tracing and body limits.
pub fn app(state: Arc<AppState>) -> Router {
    let header = HeaderName::from_static(REQUEST_ID);
    let ids = Counter {
        prefix: format!("r{}", chrono::Utc::now().format("%Y%m%dT%H%M%S")).into(),
        next: Arc::new(std::sync::atomic::AtomicU64::new(1)),
    };
    routes::router(state)
        .layer(axum::middleware::from_fn(error_request_id))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .layer(PropagateRequestIdLayer::new(header.clone()))
        .layer(SetRequestIdLayer::new(header, ids))
}

/// Write the request's id into a JSON error body (`error.request_id`), so a user can quote it
/// and an operator find the request's log lines.
async fn error_request_id(
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let res = next.run(req).await;
    let json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let (Some(id), true, true) = (id, res.status().as_u16() >= 400, json) else {
        return res;
    };
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return axum::response::IntoResponse::into_response(error::ApiError::internal(
            "an error response could not be read",
        ));
    };
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(e) = v.get_mut("error").and_then(|e| e.as_object_mut()) {
        e.insert("request_id".into(), serde_json::Value::String(id));
    }
    let body = serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    axum::response::Response::from_parts(parts, axum::body::Body::from(body))
}

/// Serve `app` on `listener` until `shutdown` completes, then let requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// [`serve`] over TLS: the certificate chain and private key are PEM files. On `shutdown`,
/// new connections stop and requests in flight get 30 s to finish.
pub async fn serve_tls(
    listener: std::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    cert: &std::path::Path,
    key: &std::path::Path,
) -> std::io::Result<()> {
    // one crypto provider for the process (a second install is refused, harmlessly). ring, not
    // aws-lc-rs: no cmake and a short C build here; rustls marks it deprecated only for
    // lacking post-quantum key exchange.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot load the TLS certificate {} and key {}: {e}",
                    cert.display(),
                    key.display()
                ),
            )
        })?;
    let handle = axum_server::Handle::new();
    let stop = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
    });
    listener.set_nonblocking(true)?;
    axum_server::from_tcp_rustls(listener, config)
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .await
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: no new connections; requests in flight finish");
}

//! The server's frame, in process: health and readiness, the OpenAPI document made from the
//! route table, JSON errors with the request id, and a real socket with graceful shutdown.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use opsdeck_server::{app, routes::ROUTES, AppState};
use std::sync::Arc;
use tower::ServiceExt;

async fn state(dir: &std::path::Path) -> Arc<AppState> {
    let ws = opsdeck_engine::workspace::Workspace::new(dir.join("ws"));
    ws.ensure().unwrap();
    let store = opsdeck_store::open(&opsdeck_store::StoreTarget::Sqlite(ws.sqlite_path()))
        .await
        .unwrap();
    Arc::new(AppState::new(ws, store))
}

async fn call(
    st: &Arc<AppState>,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let res = app(st.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 24)
        .await
        .unwrap();
    let v = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, headers, v)
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn health_readiness_and_the_openapi_document() {
    let dir = tempfile::tempdir().unwrap();
    let st = state(dir.path()).await;
    let (s, h, v) = call(&st, get("/healthz")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    assert!(h.contains_key("x-request-id"));
    let (s, _, v) = call(&st, get("/readyz")).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ready")));

    let (s, _, doc) = call(&st, get("/api/v1/openapi.json")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    for r in ROUTES {
        let op = &doc["paths"][r.path][r.method.as_str().to_ascii_lowercase()];
        assert_eq!(
            op["operationId"],
            r.name,
            "{} {}",
            r.method.as_str(),
            r.path
        );
    }
    let names: std::collections::BTreeSet<&str> = ROUTES.iter().map(|r| r.name).collect();
    assert_eq!(names.len(), ROUTES.len(), "route names are unique");
}

#[tokio::test]
async fn errors_are_json_with_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let st = state(dir.path()).await;
    let (s, h, v) = call(&st, get("/api/v1/nothing-here")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "not_found");
    assert_eq!(
        v["error"]["request_id"].as_str(),
        h.get("x-request-id").and_then(|x| x.to_str().ok())
    );
    // a proxy's request id is kept
    let req = Request::get("/nope")
        .header("x-request-id", "proxy-42")
        .body(Body::empty())
        .unwrap();
    let (_, h, v) = call(&st, req).await;
    assert_eq!(h["x-request-id"], "proxy-42");
    assert_eq!(v["error"]["request_id"], "proxy-42");
}

#[tokio::test]
async fn readiness_fails_when_the_facts_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let st = state(dir.path()).await;
    std::fs::write(st.ws.facts_dir().join("manifest.json"), "{not json").unwrap();
    let (s, _, v) = call(&st, get("/readyz")).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["error"]["code"], "not_ready");
}

/// A real socket: the server answers, and a shutdown lets it return.
#[tokio::test]
async fn serves_on_a_socket_and_shuts_down() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let st = state(dir.path()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(opsdeck_server::serve(listener, app(st), async {
        let _ = stopped.await;
    }));
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with("{\"status\":\"ok\"}"), "{text}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

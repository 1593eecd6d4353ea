//! API errors as JSON: `{"error": {"code", "message", "request_id"}}` with the engine's stable
//! codes and their HTTP statuses (docs/formats.md §15), plus the codes only the API has
//! (`unauthenticated`, `forbidden`, `csrf`, `throttled`, `not_found` for a route).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use opsdeck_engine::EngineError;

/// An error answered to an API caller.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// No valid credentials (none given, expired, revoked, tampered).
    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "log in, or send a valid token as `Authorization: Bearer TOKEN`",
        )
    }

    /// The caller is known but its role may not do this.
    pub fn forbidden(role: &str, method: &str, path: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("the role {role} may not call {method} {path}"),
        )
    }

    /// Nothing here — also what a caller sees of an object outside its scope.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no {what}"))
    }

    /// A session's state-changing request without its CSRF token.
    pub fn csrf() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "this request changes data and lacks the session's CSRF token (form field `csrf` or header `x-csrf-token`; see /api/v1/me)",
        )
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        let code = e.code();
        let status = opsdeck_engine::error::CODES
            .iter()
            .find(|(c, _, _)| *c == code)
            .and_then(|(_, s, _)| StatusCode::from_u16(*s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = match (&e, e.param()) {
            (_, Some(p)) => format!("{e} (parameter {p})"),
            _ => e.to_string(),
        };
        ApiError::new(status, code, message)
    }
}

impl From<opsdeck_store::StoreError> for ApiError {
    /// The store's message names the database (a path, a redacted URL): it goes to the
    /// server's log, the caller reads a generic message with the request id.
    fn from(e: opsdeck_store::StoreError) -> ApiError {
        tracing::error!("store: {e}");
        ApiError::internal(
            "the store failed; the server's log has the details (quote the request id)",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, "{}", self.message);
        }
        // the request id is added by the middleware that knows it (`error_request_id`)
        let body = serde_json::json!({
            "error": { "code": self.code, "message": self.message }
        });
        (self.status, axum::Json(body)).into_response()
    }
}

/// The result of a handler.
pub type ApiResult<T> = std::result::Result<T, ApiError>;

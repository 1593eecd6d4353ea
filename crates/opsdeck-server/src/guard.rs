//! The access guard in front of every route: it finds the request's route in the table,
//! authenticates the caller (bearer token or session cookie), checks the route's access
//! against the caller's role, checks the CSRF token of a session's state-changing request,
//! and hands the [`Caller`] to the handler. A handler cannot be reached without passing here:
//! the router puts the guard on every route of [`crate::routes::ROUTES`].

use crate::auth::{self, Caller, CSRF_HEADER, SESSION_COOKIE};
use crate::error::ApiError;
use crate::routes::{route_of, Access, Output};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{MatchedPath, State};
use axum::http::{header, HeaderMap, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Largest form body the guard reads to find its CSRF field.
const MAX_FORM: usize = 64 * 1024;

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The caller the request's credentials name, if they are valid now: a bearer token first,
/// else a session cookie.
pub async fn authenticate(st: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
    let now = chrono::Utc::now();
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let token = v
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        return match token {
            Some(t) => Ok(auth::from_token(&st.store, t, now).await?),
            None => Ok(None),
        };
    }
    match cookie(headers, SESSION_COOKIE) {
        Some(c) => Ok(auth::from_session(&st.store, c, st.sessions, now).await?),
        None => Ok(None),
    }
}

fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The `csrf` field of a URL-encoded form body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The pairs of a URL-encoded form (`+` is a space, `%XX` a byte; a malformed escape is
/// kept as it is; invalid UTF-8 becomes U+FFFD).
pub fn form_urlencoded(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (s[i], hex) {
                (b'%', Some(b)) => {
                    out.push(b);
                    i += 3;
                }
                (b'+', _) => {
                    out.push(b' ');
                    i += 1;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    body.split(|&b| b == b'&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.iter().position(|&b| b == b'=') {
            Some(p) => (decode(&kv[..p]), decode(&kv[p + 1..])),
            None => (decode(kv), String::new()),
        })
        .collect()
}

/// The guard (an axum middleware on every route).
pub async fn guard(
    State(st): State<Arc<AppState>>,
    matched: MatchedPath,
    req: Request<Body>,
    next: Next,
) -> Response {
    // a NUL byte names nothing anywhere (PostgreSQL refuses it in text); refuse it up front
    let uri = req.uri();
    let nul = |s: &str| s.to_ascii_lowercase().contains("%00");
    if nul(uri.path()) || uri.query().is_some_and(nul) {
        return ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_argument",
            "the request's path or query holds a NUL byte (%00)",
        )
        .into_response();
    }
    let Some(route) = route_of(matched.as_str(), req.method()) else {
        // a method the path does not have: axum answers 405 itself
        return next.run(req).await;
    };
    if route.access == Access::Public {
        return next.run(req).await;
    }
    let caller = match authenticate(&st, req.headers()).await {
        Ok(Some(c)) => c,
        // a browser without a session is sent to the login form, the API answers 401
        Ok(None) if matches!(route.output, Output::Html(_)) => {
            return axum::response::Redirect::to("/login").into_response()
        }
        Ok(None) => return ApiError::unauthenticated().into_response(),
        Err(e) => return e.into_response(),
    };
    let page = matches!(route.output, Output::Html(_));
    // a page's refusal is a page, the API's is JSON
    let refuse = |e: ApiError| {
        if page {
            crate::web::WebError(e).into_response()
        } else {
            e.into_response()
        }
    };
    if !route.access.allows(caller.role) {
        return refuse(ApiError::forbidden(
            caller.role.as_str(),
            route.method.as_str(),
            route.path,
        ));
    }
    let mut req = req;
    if changes_state(req.method()) {
        if let Some(session) = &caller.session {
            let header_token = req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let content_type = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let is_form = content_type.starts_with("application/x-www-form-urlencoded");
            let multipart = crate::web::multipart::boundary(&content_type);
            let (token, rebuilt) = match header_token {
                Some(t) => (Some(t), req),
                // an upload form: its csrf part (the body is read once, whole, as the upload
                // handlers read it anyway)
                None if multipart.is_some() => {
                    let (parts, body) = req.into_parts();
                    let Ok(bytes) = axum::body::to_bytes(body, crate::api::MAX_UPLOAD).await else {
                        return ApiError::new(
                            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                            "too_large",
                            "the upload is larger than 256 MiB",
                        )
                        .into_response();
                    };
                    let t = multipart.as_deref().and_then(|b| {
                        crate::web::multipart::parse(&bytes, b).ok().and_then(|p| {
                            crate::web::multipart::field(&p, "csrf").map(|f| f.text())
                        })
                    });
                    (t, Request::from_parts(parts, Body::from(bytes)))
                }
                None if is_form => {
                    let (parts, body) = req.into_parts();
                    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
                        return ApiError::new(
                            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                            "too_large",
                            "the form is larger than 64 KiB",
                        )
                        .into_response();
                    };
                    let t = form_field(&bytes, "csrf");
                    (t, Request::from_parts(parts, Body::from(bytes)))
                }
                None => (None, req),
            };
            if !token.is_some_and(|t| auth::same_secret(&t, &session.csrf)) {
                return refuse(ApiError::csrf());
            }
            req = rebuilt;
        }
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_cookies_parse() {
        let pairs = form_urlencoded(b"email=ana%40example.com&password=a+b%26c&csrf=x&flag");
        assert_eq!(pairs[0], ("email".into(), "ana@example.com".into()));
        assert_eq!(pairs[1], ("password".into(), "a b&c".into()));
        assert_eq!(form_field(b"a=1&csrf=zz", "csrf").as_deref(), Some("zz"));
        assert_eq!(form_field(b"%zz=%4", "%zz").as_deref(), Some("%4"));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; opsdeck_session=abc".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "b"), None);
    }
}

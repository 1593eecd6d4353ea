//! The browser's way in: a login form (`GET /login`), the login itself (`POST /login`, form
//! fields `email`, `password` and the form's CSRF field) starting a server-side session, and
//! `POST /logout` ending it. Every attempt, good or bad, is in the audit trail.

use crate::audit::{record, Entry};
use crate::auth::{self, Caller, LOGIN_COOKIE, SESSION_COOKIE};
use crate::error::ApiError;
use crate::guard::{cookie, form_urlencoded};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use opsdeck_store::SessionRecord;
use std::net::SocketAddr;
use std::sync::Arc;

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, Secure behind HTTPS.
fn set_cookie(st: &AppState, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if st.secure_cookies {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

fn page(form_token: &str, message: &str) -> String {
    let note = if message.is_empty() {
        String::new()
    } else {
        format!(
            "<p role=\"alert\">{}</p>",
            opsdeck_report::html::esc(message)
        )
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>opsdeck: log in</title>\
         <meta name=\"viewport\" content=\"width=device-width\"></head><body>\
         <main><h1>opsdeck</h1>{note}<form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <p><label>E-mail <input name=\"email\" type=\"email\" autocomplete=\"username\" required></label></p>\
         <p><label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label></p>\
         <p><button type=\"submit\">Log in</button></p></form></main></body></html>",
        opsdeck_report::html::esc(form_token)
    )
}

/// The login page, with a fresh double-submit token (cookie and hidden field).
pub async fn form(State(st): State<Arc<AppState>>) -> Response {
    login_page(&st, StatusCode::OK, "")
}

fn login_page(st: &AppState, status: StatusCode, message: &str) -> Response {
    let token = auth::secret();
    let mut res = (status, Html(page(&token, message))).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(st, LOGIN_COOKIE, &token, Some(3600)),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The address a login comes from: the TCP peer, or behind a proxy the address the proxy
/// saw (the last `X-Forwarded-For` entry, the one the proxy itself appended).
fn address(st: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if st.behind_proxy {
        if let Some(f) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
        {
            return f.trim().to_string();
        }
    }
    peer.map_or_else(|| "unknown".to_string(), |p| p.ip().to_string())
}

/// Log in: check the form's token, the throttle, the password; start a session.
pub async fn login(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    peer: Option<Extension<axum::extract::ConnectInfo<SocketAddr>>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fields = form_urlencoded(&body);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let email = field("email").unwrap_or("").trim().to_lowercase();
    let password = field("password").unwrap_or("");
    let form_ok = match (field("csrf"), cookie(&headers, LOGIN_COOKIE)) {
        (Some(f), Some(c)) => auth::same_secret(f, c),
        _ => false,
    };
    if !form_ok {
        return Ok(login_page(
            &st,
            StatusCode::FORBIDDEN,
            "the login form expired or came from another site; log in again",
        ));
    }
    let from = address(&st, &headers, peer.map(|Extension(p)| p.0));
    let request_id = crate::request_id(&headers);
    if let Some(wait) = st.throttle.retry_after(&email, &from) {
        record(
            &st.store,
            Entry::new(&email, "login.throttled", &email)
                .request(request_id.clone())
                .payload(from.as_bytes()),
        )
        .await?;
        let mut res = login_page(
            &st,
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "too many failed logins; try again in {} minute(s)",
                wait.div_ceil(60)
            ),
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(res);
    }
    // no stored e-mail holds a control character (PostgreSQL refuses NUL in text outright)
    let user = if email.chars().any(char::is_control) || email.len() > 254 {
        None
    } else {
        auth::check_password(&st.store, &email, password).await?
    };
    let Some(user) = user.filter(|u| auth::caller_of(u, None).is_some()) else {
        st.throttle.failed(&email, &from);
        record(
            &st.store,
            Entry::new(&email, "login.failure", &email)
                .request(request_id)
                .payload(from.as_bytes()),
        )
        .await?;
        return Ok(login_page(
            &st,
            StatusCode::UNAUTHORIZED,
            "wrong e-mail or password",
        ));
    };
    st.throttle.succeeded(&email);
    let secret = auth::secret();
    let now = chrono::Utc::now();
    let absolute = chrono::Duration::from_std(st.sessions.absolute).unwrap_or_default();
    st.store
        .add_session(&SessionRecord {
            id_hash: auth::secret_hash(&secret),
            email: user.email.clone(),
            csrf: auth::secret(),
            created_at: auth::rfc3339(now),
            last_seen_at: auth::rfc3339(now),
            expires_at: auth::rfc3339(now + absolute),
        })
        .await?;
    record(
        &st.store,
        Entry::new(&user.email, "login.success", &user.email)
            .request(request_id)
            .payload(from.as_bytes()),
    )
    .await?;
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(
            &st,
            SESSION_COOKIE,
            &secret,
            Some(st.sessions.absolute.as_secs()),
        ),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(&st, LOGIN_COOKIE, "", Some(0)),
    );
    Ok(res)
}

/// Log out: the session ends in the store (its cookie is worthless from now on) and the
/// cookie is cleared.
pub async fn logout(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(s) = &caller.session {
        st.store.end_session(&s.id_hash).await?;
    }
    record(
        &st.store,
        Entry::new(&caller.actor(), "logout", &caller.email).request(crate::request_id(&headers)),
    )
    .await?;
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&st, SESSION_COOKIE, "", Some(0)),
    );
    Ok(res)
}

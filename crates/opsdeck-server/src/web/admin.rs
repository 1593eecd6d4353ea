//! The admin page (`/admin`, admins): users with their roles and clients, API tokens, and the
//! forms that change them (the rules of `opsdeck user` and `opsdeck token`, audited); and the
//! audit page (`/audit`, admins and auditors): the trail, filterable, under the chain's
//! verification.

use super::html::{esc, no_links, table, Page};
use super::{WebError, WebResult};
use crate::accounts::{self, Actor, Change};
use crate::api;
use crate::auth::Caller;
use crate::guard::form_urlencoded;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use opsdeck_core::Role;
use std::fmt::Write;
use std::sync::Arc;

type St = State<Arc<AppState>>;
type Who = Extension<Caller>;

const ROLES: [&str; 5] = [
    "admin",
    "executive",
    "account-manager",
    "client-viewer",
    "auditor",
];

fn csrf_field(c: &Caller) -> String {
    c.session.as_ref().map_or(String::new(), |s| {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            esc(&s.csrf)
        )
    })
}

fn page(c: &Caller, title: &str, body: String) -> Response {
    Html(super::html::document(
        c,
        &Page {
            title: title.into(),
            crumbs: vec![],
            body,
        },
    ))
    .into_response()
}

fn role_select(current: &str) -> String {
    let mut s = String::from("<select name=\"role\">");
    for r in ROLES {
        let sel = if r == current { " selected" } else { "" };
        let _ = write!(s, "<option{sel}>{r}</option>");
    }
    s.push_str("</select>");
    s
}

async fn admin_body(st: &AppState, c: &Caller, message: &str) -> WebResult<String> {
    let users = st.store.list_users().await?;
    let tokens = st.store.list_tokens().await?;
    let csrf = csrf_field(c);
    let mut s = String::new();
    if !message.is_empty() {
        let _ = write!(s, "<p role=\"status\" class=\"notice\">{message}</p>");
    }
    let _ = write!(
        s,
        "<form class=\"admin add-user\" method=\"post\" action=\"/admin\">{csrf}<input type=\"hidden\" name=\"action\" value=\"user_add\">\
         <fieldset><legend>Add a user</legend><label>e-mail <input type=\"email\" name=\"email\" required></label>\
         <label>role {}</label><label>clients (space-separated ids) <input name=\"clients\"></label>\
         <label>password (empty: tokens only) <input type=\"password\" name=\"password\" autocomplete=\"new-password\"></label>\
         <button type=\"submit\">Add</button></fieldset></form>",
        role_select("client-viewer")
    );
    s.push_str(&table(
        &accounts::users_table(users.clone()),
        "Users",
        None,
        &no_links,
    ));
    s.push_str("<section><h2>Change a user</h2><ul class=\"users\">");
    for u in &users {
        let toggle = if u.disabled {
            "user_enable"
        } else {
            "user_disable"
        };
        let _ = write!(
            s,
            "<li><form method=\"post\" action=\"/admin\">{csrf}<input type=\"hidden\" name=\"email\" value=\"{e}\">\
             <input type=\"hidden\" name=\"action\" value=\"user_role\"><label>role of <span class=\"who\">{e}</span> {}</label> \
             <label>clients <input name=\"clients\" value=\"{}\"></label><button type=\"submit\">Set role</button></form>\
             <form method=\"post\" action=\"/admin\">{csrf}<input type=\"hidden\" name=\"email\" value=\"{e}\">\
             <input type=\"hidden\" name=\"action\" value=\"{toggle}\"><button type=\"submit\">{}</button></form></li>",
            role_select(&u.role),
            esc(&u.clients.join(" ")),
            if u.disabled { "Enable" } else { "Disable" },
            e = esc(&u.email),
        );
    }
    s.push_str("</ul></section>");
    let _ = write!(
        s,
        "<form class=\"admin new-token\" method=\"post\" action=\"/admin\">{csrf}<input type=\"hidden\" name=\"action\" value=\"token_create\">\
         <fieldset><legend>Create an API token</legend><label>for (e-mail) <input type=\"email\" name=\"email\" required></label>\
         <label>name <input name=\"name\" value=\"api\"></label><label>expires in days (empty: never) <input type=\"number\" name=\"expires_days\" min=\"1\"></label>\
         <button type=\"submit\">Create</button></fieldset></form>"
    );
    s.push_str(&table(
        &accounts::tokens_table(tokens.clone()),
        "API tokens",
        None,
        &no_links,
    ));
    let live: Vec<_> = tokens.iter().filter(|t| t.revoked_at.is_none()).collect();
    if !live.is_empty() {
        s.push_str("<section><h2>Revoke a token</h2><ul class=\"tokens\">");
        for t in live {
            let _ = write!(
                s,
                "<li><form method=\"post\" action=\"/admin\">{csrf}<input type=\"hidden\" name=\"action\" value=\"token_revoke\">\
                 <input type=\"hidden\" name=\"id\" value=\"{}\"><button type=\"submit\">Revoke {} ({}, {})</button></form></li>",
                esc(&t.id),
                esc(&t.id),
                esc(&t.name),
                esc(&t.email)
            );
        }
        s.push_str("</ul></section>");
    }
    Ok(s)
}

/// `GET /admin`.
pub async fn admin(State(st): St, Extension(c): Who) -> WebResult<Response> {
    let body = admin_body(&st, &c, "").await?;
    Ok(page(&c, "Admin", body))
}

/// `POST /admin`: one change (field `action`), then the page again with what happened — a
/// new token shown this once.
pub async fn admin_change(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let fields = form_urlencoded(&body);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let actor = Actor {
        name: c.actor(),
        request_id: crate::request_id(&headers),
    };
    let org = api::inputs(&st, &c.scope, false).await?.org;
    let email = get("email");
    let clients: Vec<String> = get("clients")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let role = || -> WebResult<Role> {
        get("role")
            .parse()
            .map_err(|e: String| WebError(api::bad(e)))
    };
    let message = match get("action").as_str() {
        "user_add" => {
            let pw = get("password");
            let u = accounts::add_user(
                &st.store,
                &org,
                &actor,
                &email,
                role()?,
                &clients,
                (!pw.is_empty()).then_some(pw.as_str()),
            )
            .await
            .map_err(|e| WebError(e.into()))?;
            format!("User {} added: {}.", esc(&u.email), esc(&accounts::describe(&u)))
        }
        a @ ("user_role" | "user_disable" | "user_enable") => {
            let change = match a {
                "user_role" => Change::SetRole {
                    role: role()?,
                    clients,
                },
                "user_disable" => Change::Disable,
                _ => Change::Enable,
            };
            let (u, ended) = accounts::change_user(&st.store, &org, &actor, &email, change)
                .await
                .map_err(|e| WebError(e.into()))?;
            format!(
                "User {} saved: {}{}; {ended} session(s) ended.",
                esc(&u.email),
                esc(&accounts::describe(&u)),
                if u.disabled { ", disabled" } else { "" }
            )
        }
        "token_create" => {
            let days = match get("expires_days").as_str() {
                "" => None,
                d => Some(d.parse::<u32>().map_err(|_| {
                    WebError(api::bad(format!("expires_days: {d:?} is not a number of days")))
                })?),
            };
            let name = get("name");
            let (t, token) = accounts::create_token(
                &st.store,
                &actor,
                &email,
                if name.is_empty() { "api" } else { &name },
                days,
            )
            .await
            .map_err(|e| WebError(e.into()))?;
            format!(
                "Token {} for {} — shown this once, store it now: <code class=\"secret\">{}</code>",
                esc(&t.id),
                esc(&t.email),
                esc(&token)
            )
        }
        "token_revoke" => {
            let id = get("id");
            accounts::revoke_token(&st.store, &actor, &id)
                .await
                .map_err(|e| WebError(e.into()))?;
            format!("Token {} revoked.", esc(&id))
        }
        other => {
            return Err(WebError(api::bad(format!(
                "action {other:?} is not one of user_add, user_role, user_disable, user_enable, token_create, token_revoke"
            ))))
        }
    };
    let body = admin_body(&st, &c, &message).await?;
    let mut res = page(&c, "Admin", body);
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// `GET /audit?actor=&action=&client=&after=&limit=`: the trail under its verification.
pub async fn audit(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> WebResult<Response> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct P {
        actor: Option<String>,
        action: Option<String>,
        client: Option<String>,
        after: Option<String>,
        limit: Option<String>,
        csv: Option<String>,
    }
    let p: P = api::query(raw, &[])?;
    let whole = |name: &str, v: &Option<String>, default: i64| -> WebResult<i64> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                WebError(api::bad(format!("parameter {name}: give a whole number")))
            }),
        }
    };
    let after = whole("after", &p.after, 0)?;
    let limit = whole("limit", &p.limit, 500)?.min(5000);
    let all = crate::audit::all_events(&st.store).await?;
    let verdict = match opsdeck_core::audit::verify(&all) {
        Ok(n) => format!(
            "<p class=\"notice ok\" role=\"status\">The chain verifies: {n} events, head <code>{}</code>. Keep the head elsewhere: the same head later proves nothing was cut from the end.</p>",
            esc(all.last().map_or("(none)", |e| e.hash.as_str()))
        ),
        Err(b) => format!(
            "<p class=\"notice broken\" role=\"alert\">The chain is broken at event {}: {}.</p>",
            b.seq,
            esc(&b.reason)
        ),
    };
    let matches = |want: &Option<String>, have: &str| {
        want.as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .is_none_or(|w| have.contains(w))
    };
    let events: Vec<_> = all
        .into_iter()
        .filter(|e| e.seq > after)
        .filter(|e| matches(&p.actor, &e.event.actor))
        .filter(|e| matches(&p.action, &e.event.action))
        .filter(|e| matches(&p.client, e.event.client.as_deref().unwrap_or("")))
        .take(limit as usize)
        .collect();
    let t = crate::audit::audit_table(events);
    if let Some(name) = p.csv.as_deref() {
        return super::pages::csv_of(vec![("audit", t)], name);
    }
    let field = |name: &str, v: &Option<String>| {
        format!(
            "<label>{name} <input name=\"{name}\" value=\"{}\"></label>",
            esc(v.as_deref().unwrap_or(""))
        )
    };
    let mut s = verdict;
    let _ = write!(
        s,
        "<form class=\"picker\" method=\"get\" action=\"/audit\">{}{}{}{}<button type=\"submit\">Filter</button></form>",
        field("actor", &p.actor),
        field("action", &p.action),
        field("client", &p.client),
        field("after", &p.after),
    );
    let q = raw_query(&p.actor, &p.action, &p.client, &p.after);
    s.push_str(&table(
        &t,
        "Audit trail",
        Some(&format!("/audit?{q}csv=audit")),
        &no_links,
    ));
    Ok(page(&c, "Audit", s))
}

fn raw_query(
    actor: &Option<String>,
    action: &Option<String>,
    client: &Option<String>,
    after: &Option<String>,
) -> String {
    let mut q = String::new();
    for (k, v) in [
        ("actor", actor),
        ("action", action),
        ("client", client),
        ("after", after),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            let _ = write!(q, "{k}={}&", super::html::url(v));
        }
    }
    q
}

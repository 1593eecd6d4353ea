//! The dashboard's page shell (navigation by role, breadcrumbs, the log-out form); the
//! escaping and the table writer are the report crate's, shared with the review packs.

use crate::auth::Caller;
use opsdeck_core::Role;
pub use opsdeck_report::html::{esc, no_links, status_badge, table, url};
use std::fmt::Write;

/// A page's content and where it sits.
pub struct Page {
    pub title: String,
    /// Breadcrumbs before the title: (label, link).
    pub crumbs: Vec<(String, String)>,
    pub body: String,
}

/// The whole document: head, navigation for the caller's role, breadcrumbs, the body.
pub fn document(caller: &Caller, page: &Page) -> String {
    let mut nav = String::new();
    let mut item = |href: &str, label: &str| {
        let _ = write!(nav, "<li><a href=\"{href}\">{label}</a></li>");
    };
    if caller.role != Role::ClientViewer {
        item("/", "Portfolio");
    }
    item("/clients", "Clients");
    item("/plan", "Plan");
    item("/mining", "Mining");
    item("/data", "Data");
    item("/reports", "Reports");
    if caller.role.administers() {
        item("/admin", "Admin");
    }
    if caller.role.reads_audit() {
        item("/audit", "Audit");
    }
    let mut crumbs = String::new();
    for (label, href) in &page.crumbs {
        let _ = write!(
            crumbs,
            "<li><a href=\"{}\">{}</a></li>",
            esc(href),
            esc(label)
        );
    }
    let logout = match &caller.session {
        Some(s) => format!(
            "<form method=\"post\" action=\"/logout\" class=\"logout\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\">Log out</button></form>",
            esc(&s.csrf)
        ),
        None => String::new(),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — opsdeck</title><link rel=\"stylesheet\" href=\"/assets/opsdeck.css\">\
         </head><body><a class=\"skip\" href=\"#main\">Skip to content</a>\
         <header><nav aria-label=\"main\"><a class=\"brand\" href=\"/\">opsdeck</a><ul>{nav}</ul>\
         <p class=\"who\">{who} · {role}</p>{logout}</nav></header>\
         <main id=\"main\"><nav aria-label=\"breadcrumb\"><ol class=\"crumbs\">{crumbs}</ol></nav>\
         <h1>{title}</h1>{body}</main></body></html>",
        title = esc(&page.title),
        who = esc(&caller.email),
        role = caller.role.as_str(),
        body = page.body,
    )
}

//! The route table: every route of the server, declared once — method, path, who may call it,
//! parameters and output. The router ([`router`]), the OpenAPI document ([`crate::openapi`])
//! and the access-matrix test are made from it, so a route cannot exist without its access
//! rule, and cannot be left out of the test.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// A text parameter that may be given more than once.
    Strings,
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
    /// `{"rows": [...], "notes": [...]}`: rows of an output table of the engine's catalogue
    /// (`opsdeck tables`), by name.
    Table(&'static str),
    /// A JSON object described in words.
    Object(&'static str),
    /// An HTML page (the login form, the dashboard's pages).
    Html(&'static str),
    /// A file compiled into the binary (the stylesheet), with its media type.
    Asset(&'static str),
    /// A redirect (after logging in or out).
    Redirect(&'static str),
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

impl Access {
    /// Whether `role` may call a route with this access (public routes need no role).
    pub fn allows(self, role: opsdeck_core::Role) -> bool {
        match self {
            Access::Public | Access::Read => true,
            Access::Operate => role.operates(),
            Access::Administer => role.administers(),
            Access::Audit => role.reads_audit(),
        }
    }
}

const fn q(name: &'static str, about: &'static str) -> Param {
    Param {
        name,
        at: In::Query,
        ty: Type::String,
        required: false,
        about,
    }
}

const fn qs(name: &'static str, about: &'static str) -> Param {
    Param {
        ty: Type::Strings,
        ..q(name, about)
    }
}

const fn path(name: &'static str, about: &'static str) -> Param {
    Param {
        name,
        at: In::Path,
        ty: Type::String,
        required: true,
        about,
    }
}

const SCORECARD_PARAMS: &[Param] = &[
    q("client", "one client"),
    q("program", "one program"),
    q("queue", "one queue"),
    q("site", "queues whose home site is this one"),
    q("channel", "voice, chat, email, callback, messaging or ticket"),
    q("period", "2025-09-01, 2025-W36, 2025-09, 2025-Q4, 2025, or a range A..B"),
    q("from", "first local day YYYY-MM-DD (instead of period)"),
    q("to", "last local day, inclusive"),
    q("by", "interval, day, week, month (default) or total"),
    q("level", "client, program, site, channel or queue"),
    Param {
        name: "blend",
        at: In::Query,
        ty: Type::Boolean,
        required: false,
        about: "roll channels up together",
    },
    q("sl_variant", "offered (default), answered, abandons_good, exclude_abandons_within_t, exclude_short_abandons"),
];

const EVALUATION_PARAMS: &[Param] = &[
    Param {
        name: "period",
        at: In::Query,
        ty: Type::String,
        required: true,
        about: "a month 2025-10, a range of months 2025-09..2025-11, a quarter or a year",
    },
    q(
        "client",
        "one client (default: every client with a contract)",
    ),
    q(
        "contract",
        "one contract (default: the one whose term covers each month)",
    ),
];

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
    Route {
        method: Method::Get,
        path: "/login",
        name: "login_form",
        summary: "the login form (fields email and password)",
        access: Access::Public,
        params: &[],
        output: Output::Html("the login page; sets the form's CSRF cookie"),
    },
    Route {
        method: Method::Get,
        path: "/assets/opsdeck.css",
        name: "stylesheet",
        summary: "the dashboard's stylesheet (compiled into the binary)",
        access: Access::Public,
        params: &[],
        output: Output::Asset("text/css"),
    },
    Route {
        method: Method::Get,
        path: "/",
        name: "page_home",
        summary: "dashboard: the portfolio — clients x SLAs of the last two months with status, trend and credits (a client viewer of one client is sent to its page)",
        access: Access::Read,
        params: &[
            q("period", "the month shown (default: the latest with data)"),
            q("csv", "download a table of the page as CSV: credits or slas"),
        ],
        output: Output::Html("the portfolio page"),
    },
    Route {
        method: Method::Get,
        path: "/clients",
        name: "page_clients",
        summary: "dashboard: the clients the caller may see",
        access: Access::Read,
        params: &[],
        output: Output::Html("the clients page"),
    },
    Route {
        method: Method::Get,
        path: "/clients/{id}",
        name: "page_client",
        summary: "dashboard: one client — SLA attainment by month, credits and invoice, the scorecard by level and period",
        access: Access::Read,
        params: &[
            path("id", "client id"),
            q("period", "the last month shown (default: the latest with data)"),
            q("level", "scorecard level: program (default), queue, channel, site or client"),
            q("by", "scorecard periods: month (default), week, day or total"),
            q("csv", "download a table of the page as CSV: slas, credits or scorecard"),
        ],
        output: Output::Html("the client page"),
    },
    Route {
        method: Method::Get,
        path: "/sla/{id}",
        name: "page_sla",
        summary: "dashboard: one SLA of a client in a month — windows, days, the intervals of a day (`opsdeck sla explain`)",
        access: Access::Read,
        params: &[
            path("id", "SLA id"),
            Param {
                name: "client",
                at: In::Query,
                ty: Type::String,
                required: true,
                about: "the client whose contract has the SLA",
            },
            q("period", "the month (default: the latest with data)"),
            q("window", "only the days of this window"),
            q("day", "the intervals of this day (YYYY-MM-DD)"),
            q("csv", "download the rows as CSV: rows"),
        ],
        output: Output::Html("the SLA drill-down page"),
    },
    Route {
        method: Method::Get,
        path: "/queues/{id}",
        name: "page_queue",
        summary: "dashboard: a queue's day by interval — offered, service level, ASA, abandonment — beside the plan's forecast and required / staffed agents",
        access: Access::Read,
        params: &[
            path("id", "queue id"),
            q("day", "the local day YYYY-MM-DD (default: the latest with contacts)"),
            q("csv", "download a table as CSV: actual or plan"),
        ],
        output: Output::Html("the queue's intraday page"),
    },
    Route {
        method: Method::Get,
        path: "/queues/{id}/contacts",
        name: "page_contacts",
        summary: "dashboard: the contacts behind one interval of a queue (the drill-down's last step), paged",
        access: Access::Read,
        params: &[
            path("id", "queue id"),
            Param {
                name: "start",
                at: In::Query,
                ty: Type::String,
                required: true,
                about: "the interval's start: 2025-09-03 09:30-04:00 or RFC 3339",
            },
            q("page", "page number (100 contacts a page)"),
            q("csv", "download every contact of the interval as CSV: contacts"),
        ],
        output: Output::Html("the contacts page"),
    },
    Route {
        method: Method::Get,
        path: "/plan",
        name: "page_plan",
        summary: "dashboard: the capacity plan of a queue with a what-if form (volume %, AHT, outages, site shares and seats), baseline beside scenario",
        access: Access::Read,
        params: &[
            q("queue", "the queue planned"),
            q("from", "first plan day YYYY-MM-DD"),
            q("days", "plan days (default 7)"),
            q("history_weeks", "weeks of history before from (default 8)"),
            q("volume_pct", "volume change in percent"),
            q("aht_delta_s", "AHT change in seconds"),
            q("outages", "SITE:FROM:TO, one per line"),
            q("csv", "download a table as CSV: days, sites or intervals"),
        ],
        output: Output::Html("the capacity plan page"),
    },
    Route {
        method: Method::Get,
        path: "/data",
        name: "page_data",
        summary: "dashboard: ingest batches with their counts; for operating roles the contacts upload and the withdrawal forms",
        access: Access::Read,
        params: &[q("csv", "download the batches as CSV: batches")],
        output: Output::Html("the data page"),
    },
    Route {
        method: Method::Get,
        path: "/data/quarantine/{id}",
        name: "page_quarantine",
        summary: "dashboard: a batch's quarantine report as CSV (roles that see every client; audited)",
        access: Access::Read,
        params: &[path("id", "batch id")],
        output: Output::Asset("text/csv"),
    },
    Route {
        method: Method::Post,
        path: "/data/upload",
        name: "page_upload",
        summary: "dashboard: the upload form (multipart: file, profile, replace) — one atomic batch, the CLI's rules",
        access: Access::Operate,
        params: &[],
        output: Output::Html("what was stored, and the rejected rows"),
    },
    Route {
        method: Method::Post,
        path: "/data/void/{id}",
        name: "page_void",
        summary: "dashboard: withdraw a batch (a form)",
        access: Access::Operate,
        params: &[path("id", "batch id")],
        output: Output::Html("what the withdrawal did"),
    },
    Route {
        method: Method::Get,
        path: "/mining",
        name: "page_mining_form",
        summary: "dashboard: the process-mining form (upload an event log)",
        access: Access::Read,
        params: &[],
        output: Output::Html("the mining form"),
    },
    Route {
        method: Method::Post,
        path: "/mining",
        name: "page_mining",
        summary: "dashboard: process mining of an uploaded event log (multipart: file and the options of `mine summary`, edges drawn); nothing is stored",
        access: Access::Read,
        params: &[],
        output: Output::Html("summary, directly-follows graph, variants, rework, ping-pong, bottlenecks, automation candidates"),
    },
    Route {
        method: Method::Get,
        path: "/admin",
        name: "page_admin",
        summary: "dashboard: users, roles, client assignments and API tokens, with the forms that change them",
        access: Access::Administer,
        params: &[],
        output: Output::Html("the admin page"),
    },
    Route {
        method: Method::Post,
        path: "/admin",
        name: "page_admin_change",
        summary: "dashboard: one change of users or tokens (a form: action user_add, user_role, user_disable, user_enable, token_create or token_revoke)",
        access: Access::Administer,
        params: &[],
        output: Output::Html("the admin page with what happened"),
    },
    Route {
        method: Method::Get,
        path: "/audit",
        name: "page_audit",
        summary: "dashboard: the audit trail, filterable, under the chain's verification",
        access: Access::Audit,
        params: &[
            q("actor", "events whose actor contains this"),
            q("action", "events whose action contains this"),
            q("client", "events of this client"),
            q("after", "events after this sequence number"),
            q("limit", "at most this many (default 500)"),
            q("csv", "download as CSV: audit"),
        ],
        output: Output::Html("the audit page"),
    },
    Route {
        method: Method::Get,
        path: "/reports",
        name: "page_reports",
        summary: "dashboard: draft a review pack (monthly, QBR, board)",
        access: Access::Read,
        params: &[],
        output: Output::Html("the review packs form"),
    },
    Route {
        method: Method::Get,
        path: "/reports/stored/{id}",
        name: "page_stored_pack",
        summary: "a pack the schedules stored, when the caller may read its client (board packs: roles that see every client)",
        access: Access::Read,
        params: &[path("id", "the pack's file name, e.g. monthly-northwind-2025-10.html")],
        output: Output::Html("the stored pack"),
    },
    Route {
        method: Method::Get,
        path: "/reports/pack",
        name: "page_pack",
        summary: "a review pack drafted for the caller's scope, as `opsdeck report` writes it (self-contained HTML); audited",
        access: Access::Read,
        params: &[
            q("kind", "monthly (default), qbr or board"),
            q("client", "the client (monthly, qbr)"),
            Param {
                name: "period",
                at: In::Query,
                ty: Type::String,
                required: true,
                about: "a month, a quarter (2025-Q4) or a range of months",
            },
            q("as_of", "a date written on the cover"),
        ],
        output: Output::Html("the pack"),
    },
    Route {
        method: Method::Post,
        path: "/login",
        name: "login",
        summary: "log in with email and password (a form); starts a session cookie",
        access: Access::Public,
        params: &[],
        output: Output::Redirect("303 to /api/v1/me; 401 on a wrong password; 429 when throttled"),
    },
    Route {
        method: Method::Post,
        path: "/logout",
        name: "logout",
        summary: "end the session (server-side) and clear its cookie",
        access: Access::Read,
        params: &[],
        output: Output::Redirect("303 to /login"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/me",
        name: "me",
        summary: "who the caller is: e-mail, role and the clients in scope",
        access: Access::Read,
        params: &[],
        output: Output::Object("{\"email\", \"role\", \"clients\": [ids] or \"all\", \"csrf\"}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/clients",
        name: "clients",
        summary: "the clients in the caller's scope",
        access: Access::Read,
        params: &[],
        output: Output::Object("{\"clients\": [{\"id\", \"name\", \"industry\"}]}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/clients/{id}",
        name: "client",
        summary: "one client with its programs and queues (404 outside the caller's scope)",
        access: Access::Read,
        params: &[path("id", "client id")],
        output: Output::Object("{\"client\", \"programs\", \"queues\"}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/programs",
        name: "programs",
        summary: "the programs of the clients in scope",
        access: Access::Read,
        params: &[q("client", "one client")],
        output: Output::Object("{\"programs\": [{\"id\", \"name\", \"client\", \"sites\"}]}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/queues",
        name: "queues",
        summary: "the queues of the clients in scope",
        access: Access::Read,
        params: &[q("client", "one client"), q("program", "one program")],
        output: Output::Object("{\"queues\": [...]}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/sites",
        name: "sites",
        summary: "the delivery sites of the programs and queues in scope",
        access: Access::Read,
        params: &[],
        output: Output::Object("{\"sites\": [...]}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/scorecard",
        name: "scorecard",
        summary: "KPI scorecard, the parameters of `opsdeck scorecard`",
        access: Access::Read,
        params: SCORECARD_PARAMS,
        output: Output::Table("scorecard"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/sla/evaluation",
        name: "sla_evaluation",
        summary: "SLA attainment, coverage, credits, invoice and net per client-month (`opsdeck sla evaluate --format json`)",
        access: Access::Read,
        params: EVALUATION_PARAMS,
        output: Output::Object("{\"format_version\": 2, \"period\", \"evaluations\", \"totals\", \"earlier_revisions\"}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/sla/slas",
        name: "sla_rows",
        summary: "the SLA rows of an evaluation (one per SLA version and client-month)",
        access: Access::Read,
        params: EVALUATION_PARAMS,
        output: Output::Table("sla"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/sla/credits",
        name: "sla_credits",
        summary: "invoice, credits and net per client-month, and a range's totals",
        access: Access::Read,
        params: EVALUATION_PARAMS,
        output: Output::Table("sla_money"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/plan",
        name: "plan",
        summary: "capacity plan and what-if for a queue in scope (`opsdeck plan`): a scenario file (TOML) as the optional body; nothing is stored",
        access: Access::Read,
        params: &[
            Param {
                name: "queue",
                at: In::Query,
                ty: Type::String,
                required: true,
                about: "the queue to plan",
            },
            Param {
                name: "from",
                at: In::Query,
                ty: Type::String,
                required: true,
                about: "first plan date YYYY-MM-DD (the queue calendar's zone)",
            },
            q("days", "number of plan days (default 7)"),
            q("history_weeks", "weeks of history before from (default 8)"),
            q("model", "erlang-c (default) or erlang-a"),
            q("shrinkage", "a fraction in [0, 1) (default 0.30)"),
            q("max_occupancy", "a fraction in (0, 1] (default 0.85)"),
            q("fte_hours", "paid hours of one FTE per week (default 40)"),
        ],
        output: Output::Object("{\"estimates\", \"intervals\", \"days\", \"sites\"}: the plan's tables"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/sla/explain",
        name: "sla_explain",
        summary: "the queue x day (or interval) rows behind one SLA's figure for a month, or the queue-days without data; for a case SLA the cases behind it, as table sla_explain_cases (`opsdeck sla explain`)",
        access: Access::Read,
        params: &[
            Param {
                name: "sla",
                at: In::Query,
                ty: Type::String,
                required: true,
                about: "the SLA id",
            },
            Param {
                name: "period",
                at: In::Query,
                ty: Type::String,
                required: true,
                about: "one month, 2025-10",
            },
            q("client", "the client, when several contracts have this SLA id"),
            q("version", "the SLA version (default: the one governing the month)"),
            Param {
                name: "by_interval",
                at: In::Query,
                ty: Type::Boolean,
                required: false,
                about: "rows per queue x interval instead of queue x day",
            },
            Param {
                name: "missing",
                at: In::Query,
                ty: Type::Boolean,
                required: false,
                about: "the queue-days open by the calendars without data instead",
            },
        ],
        output: Output::Table("sla_explain"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/contracts",
        name: "contracts",
        summary: "the latest revision of each contract of the clients in scope",
        access: Access::Read,
        params: &[q("client", "one client")],
        output: Output::Object("{\"contracts\": [{\"contract_id\", \"client\", \"revision\", \"applied_at\", \"contract\"}]}"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/contracts",
        name: "contract_apply",
        summary: "store a contract (TOML body): a new revision when it changed",
        access: Access::Administer,
        params: &[],
        output: Output::Object("{\"contract_id\", \"revision\", \"changed\"}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/contracts/{id}",
        name: "contract",
        summary: "every revision of one contract, oldest first (404 outside the caller's scope)",
        access: Access::Read,
        params: &[path("id", "contract id")],
        output: Output::Object("{\"revisions\": [...]}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/batches",
        name: "batches",
        summary: "committed ingest batches whose clients are all in scope",
        access: Access::Read,
        params: &[],
        output: Output::Table("ingest_log"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/batches/{id}/quarantine",
        name: "quarantine",
        summary: "a batch's quarantined rows as CSV (callers who see every client: a rejected row may belong to no known client)",
        access: Access::Read,
        params: &[path("id", "batch id")],
        output: Output::Object("text/csv: file, line, field, reason and the row"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/ingest/contacts",
        name: "ingest_contacts",
        summary: "ingest a contacts file (the body) as one atomic batch; rows of queues outside the caller's clients are quarantined",
        access: Access::Operate,
        params: &[
            q("profile", "canonical (default) or a built-in profile name"),
            Param {
                name: "replace",
                at: In::Query,
                ty: Type::Boolean,
                required: false,
                about: "a corrected export replaces the stored versions",
            },
            q("max_rejects", "rejected rows that refuse the batch: a count or a percentage (default 1 %, at least 10)"),
        ],
        output: Output::Object("the batch: ids, row counts, partitions; 422 when refused"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/users",
        name: "users",
        summary: "every user with role, clients and whether disabled",
        access: Access::Administer,
        params: &[],
        output: Output::Object("{\"users\": [...]}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/tokens",
        name: "tokens",
        summary: "every API token (never the secret)",
        access: Access::Administer,
        params: &[],
        output: Output::Object("{\"tokens\": [...]}"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/batches/{id}/void",
        name: "void",
        summary: "withdraw a batch whose clients are all in scope: its contacts leave the facts, versions it replaced come back",
        access: Access::Operate,
        params: &[path("id", "batch id")],
        output: Output::Object("the withdrawal: rows withdrawn and restored, partitions recomputed"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/users",
        name: "user_add",
        summary: "add a user (JSON body: email, role, clients, optional password)",
        access: Access::Administer,
        params: &[],
        output: Output::Object("201 {\"user\"}"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/users/{id}/disable",
        name: "user_disable",
        summary: "disable a user: their sessions end and their tokens stop working",
        access: Access::Administer,
        params: &[path("id", "the user's e-mail")],
        output: Output::Object("{\"user\", \"sessions_ended\"}"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/users/{id}/enable",
        name: "user_enable",
        summary: "enable a disabled user",
        access: Access::Administer,
        params: &[path("id", "the user's e-mail")],
        output: Output::Object("{\"user\", \"sessions_ended\"}"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/users/{id}/role",
        name: "user_role",
        summary: "change a user's role and clients (JSON body: role, clients); their sessions end",
        access: Access::Administer,
        params: &[path("id", "the user's e-mail")],
        output: Output::Object("{\"user\", \"sessions_ended\"}"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/tokens",
        name: "token_create",
        summary: "create an API token (JSON body: email, name, expires_days); the token is in this answer only",
        access: Access::Administer,
        params: &[],
        output: Output::Object("201 {\"token\", \"id\", \"email\", \"expires_at\"}"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/tokens/{id}/revoke",
        name: "token_revoke",
        summary: "revoke a token",
        access: Access::Administer,
        params: &[path("id", "token id")],
        output: Output::Object("{\"revoked\"}"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/mining/summary",
        name: "mining_summary",
        summary: "process mining of an uploaded event log (CSV or XES, plain or gzip, the body), as `opsdeck mine summary --format json`; nothing is stored",
        access: Access::Read,
        params: &[
            q("case", "case id column (CSV default case_id)"),
            q("activity", "activity column (CSV default activity)"),
            q("timestamp", "timestamp column (CSV default timestamp)"),
            q("team", "team column, for ping-pong between teams"),
            q("resource", "resource column, for ping-pong between resources"),
            q("timestamp_format", "strftime pattern of CSV timestamps (default ISO 8601)"),
            q("tz", "IANA zone of timestamps without an offset, and of from / to (default UTC)"),
            q("delimiter", "CSV field delimiter (default ,)"),
            qs("missing", "a text that means no value (e.g. ?); repeatable"),
            q("lifecycle", "lifecycle column: auto (XES lifecycle:transition, the default), none, or a column"),
            qs("where", "ATTR=VALUE: keep cases with an event having it; repeatable (one attribute OR, several AND)"),
            q("from", "start of the time range (a date or a timestamp), included"),
            q("to", "end of the time range, included (a date: to its last microsecond)"),
            q("time_mode", "what the range keeps: contained (default), started or events"),
            q("order", "events within a case: timestamp (default) or file"),
            q("top", "variants and edges listed (default 10; 0: all)"),
            q("cost_per_hour", "cost of an hour of work, for automation candidates (default 30)"),
            q("min_occurrences", "activities measured fewer times are not ranked (default 1)"),
            q("max_work_min", "longest gap counted as work, in minutes (default 60)"),
            q("currency", "ISO 4217 code of cost_per_hour (default USD)"),
        ],
        output: Output::Object("{\"events_read\", \"issues\", \"summary\"}"),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/setup",
        name: "setup_apply",
        summary: "apply reference data (a setup file, TOML, as the body), recomputing the facts of queues whose settings changed",
        access: Access::Administer,
        params: &[],
        output: Output::Object("the apply report per entity kind, the facts changes and the partitions recomputed"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/audit",
        name: "audit",
        summary: "the audit trail, in order",
        access: Access::Audit,
        params: &[
            Param {
                name: "after",
                at: In::Query,
                ty: Type::Integer,
                required: false,
                about: "events after this sequence number",
            },
            Param {
                name: "limit",
                at: In::Query,
                ty: Type::Integer,
                required: false,
                about: "at most this many events (default 500, at most 5000)",
            },
        ],
        output: Output::Object("{\"events\": [...]}"),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/audit/verify",
        name: "audit_verify",
        summary: "recompute the audit trail's hash chain",
        access: Access::Audit,
        params: &[],
        output: Output::Object("{\"ok\", \"events\", \"head\"} or {\"ok\": false, \"broken_at\", \"reason\"}"),
    },
];

/// The handler of a route, by name.
fn handler(name: &str) -> MethodRouter<Arc<AppState>> {
    use crate::{api, login};
    match name {
        "healthz" => get(healthz),
        "readyz" => get(readyz),
        "openapi" => get(openapi),
        "login_form" => get(login::form),
        "stylesheet" => get(crate::web::stylesheet),
        "page_home" => get(crate::web::home),
        "page_clients" => get(crate::web::clients),
        "page_client" => get(crate::web::client),
        "page_sla" => get(crate::web::sla),
        "page_queue" => get(crate::web::queue),
        "page_reports" => get(crate::web::reports),
        "page_pack" => get(crate::web::pack),
        "page_stored_pack" => get(crate::web::stored),
        "page_data" => get(crate::web::data),
        "page_quarantine" => get(crate::web::quarantine),
        "page_upload" => {
            post(crate::web::upload).layer(axum::extract::DefaultBodyLimit::max(api::MAX_UPLOAD))
        }
        "page_void" => post(crate::web::void),
        "page_mining_form" => get(crate::web::mining_form),
        "page_mining" => post(crate::web::mining_run)
            .layer(axum::extract::DefaultBodyLimit::max(api::MAX_UPLOAD)),
        "page_admin" => get(crate::web::admin),
        "page_admin_change" => post(crate::web::admin_change),
        "page_audit" => get(crate::web::audit),
        "page_contacts" => get(crate::web::contacts),
        "page_plan" => get(crate::web::plan_page),
        "login" => post(login::login),
        "logout" => post(login::logout),
        "me" => get(api::me),
        "clients" => get(api::clients),
        "client" => get(api::client),
        "programs" => get(api::programs),
        "queues" => get(api::queues),
        "sites" => get(api::sites),
        "scorecard" => get(api::scorecard),
        "sla_evaluation" => get(api::sla_evaluation),
        "sla_rows" => get(api::sla_rows),
        "sla_credits" => get(api::sla_credits),
        "sla_explain" => get(api::sla_explain),
        "contracts" => get(api::contracts),
        "plan" => post(api::plan),
        "contract_apply" => post(api::contract_apply),
        "ingest_contacts" => {
            post(api::ingest_contacts).layer(axum::extract::DefaultBodyLimit::max(api::MAX_UPLOAD))
        }
        "contract" => get(api::contract),
        "batches" => get(api::batches),
        "quarantine" => get(api::quarantine),
        "users" => get(api::users),
        "void" => post(api::void),
        "setup_apply" => post(api::setup_apply),
        "mining_summary" => {
            post(api::mining_summary).layer(axum::extract::DefaultBodyLimit::max(api::MAX_UPLOAD))
        }
        "user_add" => post(api::user_add),
        "user_disable" => post(api::user_disable),
        "user_enable" => post(api::user_enable),
        "user_role" => post(api::user_role),
        "token_create" => post(api::token_create),
        "token_revoke" => post(api::token_revoke),
        "tokens" => get(api::tokens),
        "audit" => get(api::audit),
        "audit_verify" => get(api::audit_verify),
        other => unreachable!("route {other} has no handler"),
    }
}

/// The route of the table a request matched, by its path pattern and method.
pub fn route_of(pattern: &str, method: &axum::http::Method) -> Option<&'static Route> {
    ROUTES
        .iter()
        .find(|r| r.path == pattern && r.method.as_str() == method.as_str())
}

/// The router of every route in [`ROUTES`], each behind the access guard
/// ([`crate::guard::guard`]); anything else is a JSON 404.
pub fn router(state: Arc<AppState>) -> Router {
    let mut r = Router::new();
    for (path, routes) in by_path() {
        let mut m: Option<MethodRouter<Arc<AppState>>> = None;
        for route in routes {
            let h = handler(route.name);
            m = Some(match m {
                None => h,
                Some(prev) => prev.merge(h),
            });
        }
        if let Some(m) = m {
            r = r.route(path, m);
        }
    }
    r.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::guard::guard,
    ))
    .fallback(|| async { ApiError::not_found("such route (see /api/v1/openapi.json)") })
    .with_state(state)
}

/// The routes grouped by path, in table order.
fn by_path() -> Vec<(&'static str, Vec<&'static Route>)> {
    let mut out: Vec<(&'static str, Vec<&'static Route>)> = Vec::new();
    for r in ROUTES {
        match out.iter_mut().find(|(p, _)| *p == r.path) {
            Some((_, v)) => v.push(r),
            None => out.push((r.path, vec![r])),
        }
    }
    out
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

//! The handlers of `/api/v1`: each reads through the caller's [`Scope`] (the store's and the
//! engine's reads take it; there is no other way to read client data), calls the same
//! library functions as the CLI, and writes the engine's output tables as JSON in machine
//! units. An id outside the scope is unknown, exactly like an id that does not exist.

use crate::audit::{all_events, record, Entry};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::guard::form_urlencoded;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use opsdeck_core::{Org, Scope};
use opsdeck_engine::views::ingest::{batch_lines, ingest_log_table};
use opsdeck_engine::views::scorecard::{self, ScorecardParams};
use opsdeck_engine::views::sla::money_table;
use opsdeck_engine::views::sla_period::{
    evaluate_period, months_of, PeriodEvaluation, StoredContracts,
};
use opsdeck_engine::views::table::{json_rows, Table};
use opsdeck_store::Store;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use std::sync::Arc;

type St = State<Arc<AppState>>;
type Who = Extension<Caller>;

/// Query parameters into `T`: each given at most once; `bools` are read as booleans; an
/// unknown or malformed one is a 400 naming it.
pub(crate) fn query<T: DeserializeOwned>(raw: Option<String>, bools: &[&str]) -> ApiResult<T> {
    query_lists(raw, bools, &[])
}

/// Query parameters as `T`: `bools` read as true / false, `lists` may repeat (an array).
fn query_lists<T: DeserializeOwned>(
    raw: Option<String>,
    bools: &[&str],
    lists: &[&str],
) -> ApiResult<T> {
    let mut obj = Map::new();
    for (k, v) in form_urlencoded(raw.unwrap_or_default().as_bytes()) {
        if lists.contains(&k.as_str()) {
            if let Value::Array(items) = obj.entry(k).or_insert_with(|| Value::Array(Vec::new())) {
                items.push(Value::String(v));
            }
            continue;
        }
        let value = if bools.contains(&k.as_str()) {
            match v.as_str() {
                "true" | "1" | "" => Value::Bool(true),
                "false" | "0" => Value::Bool(false),
                _ => return Err(bad(format!("parameter {k}: give true or false"))),
            }
        } else {
            Value::String(v)
        };
        if obj.insert(k.clone(), value).is_some() {
            return Err(bad(format!("parameter {k} is given more than once")));
        }
    }
    serde_json::from_value(Value::Object(obj)).map_err(|e| bad(format!("query: {e}")))
}

pub(crate) fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_argument", message)
}

/// Run blocking engine work (file reads) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> opsdeck_engine::Result<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("a worker failed: {e}")))?
        .map_err(ApiError::from)
}

/// The reference data the caller may read, validated.
async fn org_of(st: &AppState, scope: &Scope) -> ApiResult<Org> {
    let raw = st.store.load_org(scope).await?;
    validated_org(&raw)
}

fn validated_org(raw: &opsdeck_core::RawOrg) -> ApiResult<Org> {
    Org::from_raw(raw)
        .map_err(|e| ApiError::internal(format!("the stored reference data is not valid: {e}")))
}

/// The key of a computing read route's answer in the response cache: the route, its query,
/// the caller's scope, the facts manifest's generation and the store's data version (raised
/// by every change of reference data or contracts). Read before the inputs, so an answer is
/// never kept under a key older than the data it was computed from.
pub(crate) async fn answer_key(
    st: &AppState,
    scope: &Scope,
    route: &str,
    raw_query: &Option<String>,
) -> ApiResult<String> {
    let version = st.store.data_version().await?;
    let ws = st.ws.clone();
    let generation = blocking(move || ws.manifest()).await?.generation;
    Ok(format!(
        "{route}\n{}\n{:?}\n{generation}\n{version}",
        raw_query.as_deref().unwrap_or(""),
        scope.listed(),
    ))
}

/// What a computing read route reads: the reference data and (when asked) the contracts the
/// scope may read.
pub(crate) struct Inputs {
    pub org: Org,
    pub stored: StoredContracts,
}

pub(crate) async fn inputs(
    st: &AppState,
    scope: &Scope,
    with_contracts: bool,
) -> ApiResult<Inputs> {
    let raw = st.store.load_org(scope).await?;
    let stored = if with_contracts {
        StoredContracts::from_revisions(st.store.all_contract_revisions(scope).await?)
    } else {
        StoredContracts::default()
    };
    Ok(Inputs {
        org: validated_org(&raw)?,
        stored,
    })
}

/// A JSON answer, kept in the response cache under `key`.
fn kept(st: &AppState, key: String, v: &Value) -> Response {
    let body = axum::body::Bytes::from(serde_json::to_vec(v).unwrap_or_default());
    st.answers.put(key, body.clone());
    json_body(body)
}

fn json_body(body: axum::body::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A table as the API writes it.
fn table_json(t: &Table, notes: &[String]) -> Json<Value> {
    Json(json!({"rows": json_rows(t), "notes": notes}))
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ClientFilter {
    client: Option<String>,
    program: Option<String>,
}

pub async fn me(Extension(c): Who) -> Json<Value> {
    let clients = match c.scope.listed() {
        None => json!("all"),
        Some(set) => json!(set),
    };
    Json(json!({
        "email": c.email,
        "role": c.role.as_str(),
        "clients": clients,
        "csrf": c.session.as_ref().map(|s| s.csrf.clone()),
    }))
}

pub async fn clients(State(st): St, Extension(c): Who) -> ApiResult<Json<Value>> {
    let raw = st.store.load_org(&c.scope).await?;
    Ok(Json(json!({"clients": raw.clients})))
}

pub async fn client(
    State(st): St,
    Extension(c): Who,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let raw = st.store.load_org(&c.scope).await?;
    let Some(client) = raw.clients.iter().find(|x| x.id == id) else {
        return Err(ApiError::not_found(&format!("client {id:?}")));
    };
    let programs: Vec<_> = raw.programs.iter().filter(|p| p.client == id).collect();
    let queues: Vec<_> = raw
        .queues
        .iter()
        .filter(|q| programs.iter().any(|p| p.id == q.program))
        .collect();
    Ok(Json(
        json!({"client": client, "programs": programs, "queues": queues}),
    ))
}

pub async fn programs(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let f: ClientFilter = query(raw, &[])?;
    let org = st.store.load_org(&c.scope).await?;
    let programs: Vec<_> = org
        .programs
        .iter()
        .filter(|p| f.client.as_ref().is_none_or(|x| *x == p.client))
        .collect();
    Ok(Json(json!({"programs": programs})))
}

pub async fn queues(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let f: ClientFilter = query(raw, &[])?;
    let org = st.store.load_org(&c.scope).await?;
    let queues: Vec<_> = org
        .queues
        .iter()
        .filter(|q| f.program.as_ref().is_none_or(|x| *x == q.program))
        .filter(|q| {
            f.client.as_ref().is_none_or(|x| {
                org.programs
                    .iter()
                    .any(|p| p.id == q.program && p.client == *x)
            })
        })
        .collect();
    Ok(Json(json!({"queues": queues})))
}

pub async fn sites(State(st): St, Extension(c): Who) -> ApiResult<Json<Value>> {
    let org = st.store.load_org(&c.scope).await?;
    Ok(Json(json!({"sites": org.sites})))
}

pub async fn scorecard(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let params: ScorecardParams = query(raw.clone(), &["blend"])?;
    let mut q = params.query()?;
    let key = answer_key(&st, &c.scope, "scorecard", &raw).await?;
    if let Some(body) = st.answers.get(&key) {
        return Ok(json_body(body));
    }
    let _turn = st.answers.turn(&key).await;
    if let Some(body) = st.answers.get(&key) {
        return Ok(json_body(body));
    }
    let Inputs { org, .. } = inputs(&st, &c.scope, false).await?;
    let ws = st.ws.clone();
    let run = blocking(move || scorecard::run(&ws, &c.scope, &org, &mut q)).await?;
    let mut notes = run.notes;
    notes.extend(run.stale);
    Ok(kept(&st, key, &table_json(&run.table, &notes).0))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationParams {
    period: Option<String>,
    client: Option<String>,
    contract: Option<String>,
}

/// An evaluation computed: the period's label, the evaluation, its cache key, and the turn
/// held until the answer is kept.
type Computed = (
    String,
    PeriodEvaluation,
    String,
    tokio::sync::OwnedMutexGuard<()>,
);

/// The evaluation of a period, for the caller's clients, with its cache key.
async fn evaluation(
    st: &AppState,
    c: Caller,
    route: &str,
    raw: Option<String>,
) -> ApiResult<Result<Computed, axum::body::Bytes>> {
    let p: EvaluationParams = query(raw.clone(), &[])?;
    let period = p.period.ok_or_else(|| {
        bad("parameter period is required (a month, a range of months, a quarter or a year)".into())
    })?;
    let (range, months) = months_of(&period)?;
    let key = answer_key(st, &c.scope, route, &raw).await?;
    if let Some(body) = st.answers.get(&key) {
        return Ok(Err(body));
    }
    let turn = st.answers.turn(&key).await;
    if let Some(body) = st.answers.get(&key) {
        return Ok(Err(body));
    }
    let Inputs { org, stored } = inputs(st, &c.scope, true).await?;
    let ws = st.ws.clone();
    let e = blocking(move || {
        evaluate_period(
            &ws,
            &c.scope,
            &org,
            &stored,
            p.client.as_deref(),
            p.contract.as_deref(),
            &months,
        )
    })
    .await?;
    // the caller keeps the answer before the next in line looks
    Ok(Ok((range.label, e, key, turn)))
}

pub async fn sla_evaluation(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    Ok(match evaluation(&st, c, "sla_evaluation", raw).await? {
        Err(body) => json_body(body),
        Ok((label, e, key, _turn)) => kept(&st, key, &e.to_json(&label)),
    })
}

pub async fn sla_rows(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    Ok(match evaluation(&st, c, "sla_rows", raw).await? {
        Err(body) => json_body(body),
        Ok((_, e, key, _turn)) => kept(&st, key, &table_json(&e.sla_rows(), &e.stale).0),
    })
}

pub async fn sla_credits(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    Ok(match evaluation(&st, c, "sla_credits", raw).await? {
        Err(body) => json_body(body),
        Ok((label, e, key, _turn)) => kept(
            &st,
            key,
            &table_json(&money_table(&e.evals, &label), &e.stale).0,
        ),
    })
}

pub async fn contracts(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let f: ClientFilter = query(raw, &[])?;
    let list: Vec<_> = st
        .store
        .load_contracts(&c.scope)
        .await?
        .into_iter()
        .filter(|r| f.client.as_ref().is_none_or(|x| *x == r.client))
        .collect();
    Ok(Json(json!({"contracts": list})))
}

pub async fn contract(
    State(st): St,
    Extension(c): Who,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let revs = st.store.contract_revisions(&c.scope, &id).await?;
    if revs.is_empty() {
        return Err(ApiError::not_found(&format!("contract {id:?}")));
    }
    Ok(Json(json!({"revisions": revs})))
}

pub async fn batches(State(st): St, Extension(c): Who) -> ApiResult<Json<Value>> {
    let ws = st.ws.clone();
    let m = blocking(move || ws.manifest()).await?;
    let rows = batch_lines(&m, &c.scope);
    Ok(table_json(&ingest_log_table(&rows), &[]))
}

/// A batch's quarantine report. Only for callers who see every client: a rejected row is
/// rejected because it could not be read, so it cannot be attributed to a client with
/// certainty (a row of another client's queue with a bad timestamp is one).
pub async fn quarantine(
    State(st): St,
    Extension(c): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let bytes = quarantine_csv(&st, &c, crate::request_id(&headers), &id).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response())
}

/// The quarantine report (CSV) of batch `id`, for roles that see every client (a report may
/// hold any client's rows); the export is audited.
pub(crate) async fn quarantine_csv(
    st: &AppState,
    c: &Caller,
    request_id: Option<String>,
    id: &str,
) -> ApiResult<Vec<u8>> {
    let missing = || ApiError::not_found(&format!("quarantine report of batch {id:?}"));
    if !c.scope.is_every_client() {
        return Err(missing());
    }
    let ws = st.ws.clone();
    let m = blocking(move || ws.manifest()).await?;
    if !m.batches.iter().any(|b| b.batch_id == id) {
        return Err(missing());
    }
    let path = opsdeck_engine::workspace::report::report_path(&st.ws, id);
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
        Err(e) => return Err(ApiError::internal(format!("cannot read a report: {e}"))),
    };
    record(
        &st.store,
        Entry::new(&c.actor(), "export.quarantine", id)
            .request(request_id)
            .payload(&bytes),
    )
    .await?;
    Ok(bytes)
}

pub async fn users(State(st): St) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"users": st.store.list_users().await?})))
}

pub async fn tokens(State(st): St) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"tokens": st.store.list_tokens().await?})))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    after: Option<String>,
    limit: Option<String>,
}

pub async fn audit(State(st): St, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let p: AuditParams = query(raw, &[])?;
    let num = |name: &str, v: Option<String>, default: i64| -> ApiResult<i64> {
        v.map_or(Ok(default), |v| {
            v.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| bad(format!("parameter {name}: give a whole number")))
        })
    };
    let after = num("after", p.after, 0)?;
    let limit = num("limit", p.limit, 500)?.min(5000);
    Ok(Json(
        json!({"events": st.store.audit_events(after, limit).await?}),
    ))
}

pub async fn audit_verify(State(st): St) -> ApiResult<Json<Value>> {
    let events = all_events(&st.store).await?;
    Ok(Json(match opsdeck_core::audit::verify(&events) {
        Ok(n) => json!({
            "ok": true,
            "events": n,
            "head": events.last().map(|e| e.hash.clone()),
        }),
        Err(b) => json!({"ok": false, "broken_at": b.seq, "reason": b.reason}),
    }))
}

/// Largest contacts file the API takes in one upload (the body is held in memory; stream
/// larger exports through the CLI).
pub const MAX_UPLOAD: usize = 256 * 1024 * 1024;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    profile: Option<String>,
    replace: Option<bool>,
    max_rejects: Option<String>,
}

/// Ingest an uploaded contacts file as one atomic batch, with the CLI's rules. Only queues of
/// the caller's clients are known to this ingest: rows of any other queue are quarantined.
pub async fn ingest_contacts(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let p: UploadParams = query(raw, &["replace"])?;
    let (status, v) = ingest_upload(
        &st,
        &c,
        crate::request_id(&headers),
        p.profile.as_deref(),
        p.replace.unwrap_or(false),
        p.max_rejects.as_deref(),
        body,
    )
    .await?;
    Ok((status, Json(v)).into_response())
}

/// Ingest an uploaded contacts file as one atomic batch, with the CLI's rules (profile,
/// `replace`, reject limit), audited; the answer's JSON and status (422 when refused). The
/// API's upload and the dashboard's data page both call it.
pub(crate) async fn ingest_upload(
    st: &AppState,
    c: &Caller,
    request_id: Option<String>,
    profile: Option<&str>,
    replace: bool,
    max_rejects: Option<&str>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Value)> {
    use opsdeck_engine::workspace::ingest::{ingest, IngestMode, IngestRequest, RejectLimit};
    let profile =
        opsdeck_engine::contacts::profile::Profile::by_name(profile.unwrap_or("canonical"))?;
    let max_rejects = match max_rejects {
        Some(m) => RejectLimit::parse(m).map_err(bad)?,
        None => RejectLimit::Default,
    };
    if body.is_empty() {
        return Err(bad(
            "the request body is empty: send the contacts file as the body".into(),
        ));
    }
    let org = org_of(st, &c.scope).await?;
    let now = chrono::Utc::now();
    let batch_id = format!(
        "b{}-{}-{}",
        now.format("%Y%m%dT%H%M%S%3fZ"),
        std::process::id(),
        &crate::auth::secret()[..6]
    );
    let committed_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mode = if replace {
        IngestMode::Replace
    } else {
        IngestMode::Add
    };
    let ws = st.ws.clone();
    let id = batch_id.clone();
    let digest = opsdeck_core::audit::digest(&body);
    let summary = blocking(move || {
        ws.ensure()?;
        let inbox = ws.root.join("inbox");
        std::fs::create_dir_all(&inbox).map_err(opsdeck_engine::error::io_err(&inbox))?;
        let file = inbox.join(format!("upload-{id}.csv"));
        std::fs::write(&file, &body).map_err(opsdeck_engine::error::io_err(&file))?;
        let files = [file.clone()];
        let req = IngestRequest {
            files: &files,
            profile: &profile,
            org: &org,
            batch_id: id,
            committed_at,
            zone: None,
            mode,
            max_field_bytes: opsdeck_engine::io::csv_reader::DEFAULT_MAX_FIELD_BYTES,
            max_rejects,
            id_memory: opsdeck_engine::workspace::ingest::DEFAULT_ID_MEMORY,
        };
        let out = ingest(&ws, &req, &|_| {});
        let _ = std::fs::remove_file(&file);
        out
    })
    .await?;
    if summary.committed {
        let action = match mode {
            IngestMode::Add => "ingest.contacts",
            IngestMode::Replace => "ingest.replace",
        };
        let e = Entry::new(&c.actor(), action, &batch_id)
            .request(request_id)
            .payload(digest.as_bytes());
        record(&st.store, e).await?;
        if let Err(e) = crate::audit::sync_ingest_log(&st.store, &st.ws).await {
            tracing::warn!("batch {batch_id} stands; the ingest log will be caught up: {e}");
        }
    }
    let v = json!({
        "batch_id": summary.batch_id,
        "committed": summary.committed,
        "rows_read": summary.rows_read,
        "rows_accepted": summary.rows_accepted,
        "rows_duplicate": summary.rows_duplicate,
        "rows_replaced": summary.rows_replaced,
        "rows_quarantined": summary.rows_quarantined,
        "rows_skipped": summary.rows_skipped,
        "partitions": summary.partitions,
        "refused": summary.refused,
        "same_as": summary.same_as,
        "rejected": rejected_rows(summary.quarantine_file.as_deref()),
    });
    let status = if summary.refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, v))
}

/// Most rejected rows an upload's answer lists (the whole report is the batch's quarantine).
const MAX_REJECTED_LISTED: usize = 100;

/// The first rows of an upload's quarantine report — the uploader's own rows, so shown to any
/// uploader — each with line, field and reason (the file is the request body).
fn rejected_rows(report: Option<&std::path::Path>) -> Vec<Value> {
    let Some(Ok(file)) = report.map(std::fs::File::open) else {
        return Vec::new();
    };
    csv::Reader::from_reader(std::io::Read::take(file, 1 << 20))
        .records()
        .map_while(Result::ok)
        .take(MAX_REJECTED_LISTED)
        .map(|r| {
            json!({
                "line": r.get(1).and_then(|l| l.parse::<u64>().ok()),
                "field": r.get(2),
                "reason": r.get(3),
                "row": r.get(4),
            })
        })
        .collect()
}

/// Store a contract (TOML in the body): a new revision when it differs from the stored one.
pub async fn contract_apply(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| bad("the contract is not UTF-8 text".into()))?
        .to_string();
    let org = org_of(&st, &c.scope).await?;
    let (raw, _) = opsdeck_engine::inputs::contract::read_contract(
        &text,
        std::path::Path::new("request body"),
        &org,
    )?;
    if serde_json::to_string(&raw).is_ok_and(|j| j.contains("\\u0000")) {
        return Err(bad("the contract holds a NUL character".into()));
    }
    let now = crate::auth::rfc3339(chrono::Utc::now());
    let r = st.store.apply_contract(&raw, &now).await?;
    if r.changed {
        let e = Entry::new(
            &c.actor(),
            "contract.apply",
            &format!("{} revision {}", r.contract_id, r.revision),
        )
        .client(Some(raw.contract.client.clone()))
        .request(crate::request_id(&headers))
        .payload(text.as_bytes());
        record(&st.store, e).await?;
    }
    Ok(Json(json!({
        "contract_id": r.contract_id,
        "revision": r.revision,
        "changed": r.changed,
    })))
}

/// A capacity plan for a queue in scope: the query parameters of `opsdeck plan`, a scenario
/// file (TOML) as the body when there is one. Nothing is stored.
pub async fn plan(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    use opsdeck_engine::inputs::scenario::{read_scenario, ScenarioSpec};
    use opsdeck_engine::views::plan::{plan, to_json, PlanParams};
    let p: PlanParams = query(raw, &[])?;
    let scenario = if body.is_empty() {
        ScenarioSpec::default()
    } else {
        let text =
            std::str::from_utf8(&body).map_err(|_| bad("the scenario is not UTF-8 text".into()))?;
        read_scenario(text, std::path::Path::new("request body"))?
    };
    let req = p.request(scenario)?;
    let org = org_of(&st, &c.scope).await?;
    let ws = st.ws.clone();
    let report = blocking(move || plan(&ws, &c.scope, &org, &req)).await?;
    Ok(Json(to_json(&report)))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainParams {
    sla: Option<String>,
    period: Option<String>,
    client: Option<String>,
    version: Option<String>,
    by_interval: Option<bool>,
    missing: Option<bool>,
}

/// The queue × day (or interval) rows behind one SLA's figure for a month, or the queue-days
/// without data (`opsdeck sla explain`).
pub async fn sla_explain(
    State(st): St,
    Extension(c): Who,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    use opsdeck_engine::views::sla::{explain_table, missing_table};
    use opsdeck_engine::views::sla_period::explain_sla;
    let p: ExplainParams = query(raw.clone(), &["by_interval", "missing"])?;
    let sla = p
        .sla
        .ok_or_else(|| bad("parameter sla is required".into()))?;
    let period = p
        .period
        .ok_or_else(|| bad("parameter period is required (one month)".into()))?;
    let month = opsdeck_core::YearMonth::parse(&period)
        .map_err(|e| bad(format!("parameter period: {e} (explain takes one month)")))?;
    let version = match p.version {
        Some(v) => Some(
            v.parse::<u32>()
                .map_err(|_| bad(format!("parameter version: {v:?} is not a version number")))?,
        ),
        None => None,
    };
    let Inputs { org, stored } = inputs(&st, &c.scope, true).await?;
    let ws = st.ws.clone();
    let by_interval = p.by_interval.unwrap_or(false);
    let x = blocking(move || {
        explain_sla(
            &ws,
            &c.scope,
            &org,
            &stored,
            &sla,
            month,
            p.client.as_deref(),
            version,
            by_interval,
        )
    })
    .await?;
    let is_case = x.sla_version().is_some_and(|v| v.metric.is_case_metric());
    Ok(if is_case {
        table_json(
            &opsdeck_engine::views::sla::case_explain_table(&x.cases),
            &[],
        )
    } else if p.missing.unwrap_or(false) {
        table_json(&missing_table(&x.missing), &[])
    } else {
        table_json(&explain_table(&x.rows), &[])
    })
}

/// Withdraw a batch (its contacts leave the facts; versions it replaced come back). The
/// caller must see the batch: every client it touched is in scope.
pub async fn void(
    State(st): St,
    Extension(c): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let s = void_batch(&st, &c, crate::request_id(&headers), &id).await?;
    Ok(Json(serde_json::to_value(&s).unwrap_or_default()))
}

/// Withdraw batch `id` for caller `c` (who must see it: every client it touched is in scope),
/// audited; the API's void and the dashboard's data page both call it.
pub(crate) async fn void_batch(
    st: &AppState,
    c: &Caller,
    request_id: Option<String>,
    id: &str,
) -> ApiResult<opsdeck_engine::workspace::restate::VoidSummary> {
    let ws = st.ws.clone();
    let m = blocking(move || ws.manifest()).await?;
    if !batch_lines(&m, &c.scope).iter().any(|b| b.batch_id == id) {
        return Err(ApiError::not_found(&format!("batch {id:?}")));
    }
    // the withdrawal recomputes the touched partitions with every queue's settings
    let org = org_of(st, &Scope::every_client()).await?;
    let now = chrono::Utc::now();
    let tag = format!(
        "v{}-{}-{}",
        now.format("%Y%m%dT%H%M%S%3fZ"),
        std::process::id(),
        &crate::auth::secret()[..6]
    );
    let committed_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let ws = st.ws.clone();
    let (voided, t) = (id.to_string(), tag.clone());
    let s = blocking(move || {
        opsdeck_engine::workspace::restate::void(&ws, &org, &voided, &t, &committed_at)
    })
    .await?;
    if s.committed {
        record(
            &st.store,
            Entry::new(&c.actor(), "ingest.void", id)
                .request(request_id)
                .payload(tag.as_bytes()),
        )
        .await?;
        if let Err(e) = crate::audit::sync_ingest_log(&st.store, &st.ws).await {
            tracing::warn!("withdrawal {tag} stands; the ingest log will be caught up: {e}");
        }
    }
    Ok(s)
}

impl From<crate::accounts::AccountError> for ApiError {
    fn from(e: crate::accounts::AccountError) -> ApiError {
        use crate::accounts::AccountError as A;
        match e {
            A::Invalid(m) => bad(m),
            A::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
            A::Store(s) => s.into(),
        }
    }
}

/// A JSON body into `T`; malformed is a 400 saying why.
fn json_body_of<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| bad(format!("the body is not the JSON expected: {e}")))
}

fn actor_of(c: &Caller, headers: &HeaderMap) -> crate::accounts::Actor {
    crate::accounts::Actor {
        name: c.actor(),
        request_id: crate::request_id(headers),
    }
}

fn role_of(s: &str) -> ApiResult<opsdeck_core::Role> {
    s.parse().map_err(bad)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    email: String,
    role: String,
    #[serde(default)]
    clients: Vec<String>,
    password: Option<String>,
}

pub async fn user_add(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let n: NewUser = json_body_of(&body)?;
    let org = org_of(&st, &c.scope).await?;
    let u = crate::accounts::add_user(
        &st.store,
        &org,
        &actor_of(&c, &headers),
        &n.email,
        role_of(&n.role)?,
        &n.clients,
        n.password.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({"user": u}))).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    role: String,
    #[serde(default)]
    clients: Vec<String>,
}

async fn user_change(
    st: &AppState,
    c: &Caller,
    headers: &HeaderMap,
    email: &str,
    change: crate::accounts::Change,
) -> ApiResult<Json<Value>> {
    let org = org_of(st, &c.scope).await?;
    let (u, ended) =
        crate::accounts::change_user(&st.store, &org, &actor_of(c, headers), email, change).await?;
    Ok(Json(json!({"user": u, "sessions_ended": ended})))
}

pub async fn user_disable(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    Path(email): Path<String>,
) -> ApiResult<Json<Value>> {
    user_change(&st, &c, &headers, &email, crate::accounts::Change::Disable).await
}

pub async fn user_enable(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    Path(email): Path<String>,
) -> ApiResult<Json<Value>> {
    user_change(&st, &c, &headers, &email, crate::accounts::Change::Enable).await
}

pub async fn user_role(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    Path(email): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    let r: RoleChange = json_body_of(&body)?;
    let change = crate::accounts::Change::SetRole {
        role: role_of(&r.role)?,
        clients: r.clients,
    };
    user_change(&st, &c, &headers, &email, change).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    email: String,
    name: Option<String>,
    expires_days: Option<u32>,
}

pub async fn token_create(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let n: NewToken = json_body_of(&body)?;
    let (t, token) = crate::accounts::create_token(
        &st.store,
        &actor_of(&c, &headers),
        &n.email,
        n.name.as_deref().unwrap_or("api"),
        n.expires_days,
    )
    .await?;
    let mut res = (
        StatusCode::CREATED,
        Json(json!({"token": token, "id": t.id, "email": t.email, "expires_at": t.expires_at})),
    )
        .into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("a header value"),
    );
    Ok(res)
}

pub async fn token_revoke(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    crate::accounts::revoke_token(&st.store, &actor_of(&c, &headers), &id).await?;
    Ok(Json(json!({"revoked": id})))
}

/// Apply reference data (a setup file, TOML, as the body): entities created or updated in one
/// transaction, then the interval facts of queues whose facts settings changed recomputed in
/// one commit, as `opsdeck setup apply` does.
pub async fn setup_apply(
    State(st): St,
    Extension(c): Who,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    let text = std::str::from_utf8(&body).map_err(|_| bad("the setup is not UTF-8 text".into()))?;
    let raw: opsdeck_core::RawOrg =
        opsdeck_engine::io::from_toml(text).map_err(|m| bad(format!("the setup: {m}")))?;
    Org::from_raw(&raw).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("the setup: {e}"),
        )
    })?;
    if serde_json::to_string(&raw).is_ok_and(|j| j.contains("\\u0000")) {
        return Err(bad("the setup holds a NUL character".into()));
    }
    let every = Scope::every_client();
    let old = Org::from_raw(&st.store.load_org(&every).await?).unwrap_or_default();
    let report = st.store.apply_org(&raw).await?;
    if report.changed() {
        record(
            &st.store,
            Entry::new(&c.actor(), "setup.apply", "reference data")
                .request(crate::request_id(&headers))
                .payload(&body),
        )
        .await?;
    }
    let new = org_of(&st, &every).await?;
    let ws = st.ws.clone();
    let tag = format!(
        "r{}-{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%3fZ"),
        std::process::id(),
        &crate::auth::secret()[..6]
    );
    let (changes, partitions) = blocking(move || {
        opsdeck_engine::workspace::ingest::refresh_after_setup(&ws, &old, &new, &tag)
    })
    .await?;
    let mut v = serde_json::to_value(&report).unwrap_or_default();
    v["changed"] = json!(report.changed());
    v["facts_changes"] = json!(changes
        .iter()
        .map(|(q, what)| json!({"queue": q, "change": what}))
        .collect::<Vec<_>>());
    v["partitions_recomputed"] = json!(partitions);
    Ok(Json(v))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MiningParams {
    case: Option<String>,
    activity: Option<String>,
    timestamp: Option<String>,
    team: Option<String>,
    resource: Option<String>,
    timestamp_format: Option<String>,
    tz: Option<String>,
    delimiter: Option<String>,
    #[serde(default)]
    missing: Vec<String>,
    lifecycle: Option<String>,
    #[serde(default, rename = "where")]
    where_: Vec<String>,
    from: Option<String>,
    to: Option<String>,
    time_mode: Option<String>,
    order: Option<String>,
    top: Option<String>,
    cost_per_hour: Option<String>,
    min_occurrences: Option<String>,
    max_work_min: Option<String>,
    currency: Option<String>,
}

/// A number parameter, finite and ≥ 0, or its default.
fn number(name: &str, v: Option<&str>, default: f64) -> ApiResult<f64> {
    v.map_or(Ok(default), |v| {
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| bad(format!("parameter {name}: give a number ≥ 0")))
    })
}

/// One of a parameter's words, or its default.
fn choice<T: Copy>(name: &str, v: Option<&str>, words: &[(&str, T)]) -> ApiResult<T> {
    let v = v.unwrap_or(words[0].0);
    words
        .iter()
        .find(|(w, _)| *w == v)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let listed: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
            bad(format!(
                "parameter {name}: {v:?} is not one of {}",
                listed.join(", ")
            ))
        })
}

/// Process mining of an uploaded event log (the body: CSV or XES, plain or gzip), as
/// `opsdeck mine summary --format json`, with the same columns, lifecycle and filters
/// (`where` repeatable, `from`, `to`, `time_mode`): variants, case durations, bottlenecks,
/// rework, ping-pong, automation candidates. Nothing is stored.
pub async fn mining_summary(
    State(st): St,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    let p: MiningParams = query_lists(raw, &[], &["where", "missing"])?;
    let o = mining_options(p)?;
    let read = read_uploaded_log(&st, o.log, body).await?;
    let s = opsdeck_core::mining::summary(&read.log, &o.automation, o.top);
    Ok(Json(json!({
        "events_read": read.events_read,
        "issues": read.issue_count,
        "summary": s,
    })))
}

/// What the mining parameters ask: the reader's options, the automation estimate's, how many
/// rows lists show, and the currency of the cost per hour.
pub(crate) struct MiningOptions {
    pub log: opsdeck_engine::eventlog::LogOptions,
    pub automation: opsdeck_core::mining::AutomationOptions,
    pub top: usize,
    pub currency: String,
}

/// The reader's and the estimate's options, and how many rows lists show, from the mining
/// parameters (the API's query, the dashboard's form).
pub(crate) fn mining_options(p: MiningParams) -> ApiResult<MiningOptions> {
    use opsdeck_core::mining::{Order, TimeMode};
    use opsdeck_engine::eventlog::{CostParams, Lifecycle, LogParams};
    let name = |n: &str| format!("parameter {n}");
    let delimiter = match p.delimiter.as_deref() {
        None => ',',
        Some(d) => {
            let mut chars = d.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => return Err(bad("parameter delimiter: give one character".into())),
            }
        }
    };
    let params = LogParams {
        case: p.case,
        activity: p.activity,
        timestamp: p.timestamp,
        resource: p.resource,
        team: p.team,
        timestamp_format: p.timestamp_format,
        tz: p.tz.unwrap_or_else(|| "UTC".into()),
        delimiter,
        missing: p.missing,
        lifecycle: match p.lifecycle.as_deref() {
            None | Some("auto") => Lifecycle::Auto,
            Some("none") => Lifecycle::Off,
            Some(column) => Lifecycle::Column(column.to_string()),
        },
        where_: p.where_,
        from: p.from,
        to: p.to,
        time_mode: choice(
            "time_mode",
            p.time_mode.as_deref(),
            &[
                ("contained", TimeMode::Contained),
                ("started", TimeMode::Started),
                ("events", TimeMode::Events),
            ],
        )?,
        order: choice(
            "order",
            p.order.as_deref(),
            &[("timestamp", Order::Timestamp), ("file", Order::File)],
        )?,
        ..LogParams::default()
    };
    let opts = params.options(&name).map_err(bad)?;
    let defaults = CostParams::default();
    let currency = p.currency.unwrap_or(defaults.currency.clone());
    let automation = CostParams {
        cost_per_hour: number(
            "cost_per_hour",
            p.cost_per_hour.as_deref(),
            defaults.cost_per_hour,
        )?,
        min_occurrences: number(
            "min_occurrences",
            p.min_occurrences.as_deref(),
            defaults.min_occurrences as f64,
        )? as u64,
        max_work_min: number(
            "max_work_min",
            p.max_work_min.as_deref(),
            defaults.max_work_min,
        )?,
        currency: currency.clone(),
    }
    .options(&name)
    .map_err(bad)?;
    let top = match number("top", p.top.as_deref(), 10.0)? as usize {
        0 => usize::MAX,
        n => n,
    };
    Ok(MiningOptions {
        log: opts,
        automation,
        top,
        currency,
    })
}

/// Read an uploaded event log (CSV or XES, plain or gzip): it is written to the workspace's
/// inbox, read, and removed; nothing is stored.
pub(crate) async fn read_uploaded_log(
    st: &AppState,
    opts: opsdeck_engine::eventlog::LogOptions,
    body: axum::body::Bytes,
) -> ApiResult<opsdeck_engine::eventlog::ReadLog> {
    use opsdeck_engine::eventlog::read_event_log;
    if body.is_empty() {
        return Err(bad(
            "the event log is empty: send the log's file (CSV or XES)".into(),
        ));
    }
    let ws = st.ws.clone();
    blocking(move || {
        ws.ensure()?;
        let inbox = ws.root.join("inbox");
        std::fs::create_dir_all(&inbox).map_err(opsdeck_engine::error::io_err(&inbox))?;
        let file = inbox.join(format!("mine-{}.log", &crate::auth::secret()[..12]));
        std::fs::write(&file, &body).map_err(opsdeck_engine::error::io_err(&file))?;
        let read = read_event_log(&file, &opts, &|_| {});
        let _ = std::fs::remove_file(&file);
        read
    })
    .await
}

//! Writing the audit trail: one [`Entry`] per write (setup and contract apply, ingest,
//! replace, void, user, role and token changes, logins, exports), appended to the store's
//! hash chain. The CLI writes through the same function, with the operating-system user (or
//! `--actor`) as the actor.

use opsdeck_core::audit::digest;
use opsdeck_store::{AnyStore, AuditEvent, NewAuditEvent};

/// An event about to be recorded.
#[derive(Debug, Clone)]
pub struct Entry {
    actor: String,
    action: String,
    object: String,
    client: Option<String>,
    request_id: Option<String>,
    payload: Vec<u8>,
}

impl Entry {
    /// `actor` did `action` (`ingest.contacts`, `user.add`, `login.failure` …) to `object`.
    /// Text that came from a caller (a typed e-mail) is kept to 254 characters, NUL as U+FFFD.
    pub fn new(actor: &str, action: &str, object: &str) -> Entry {
        Entry {
            actor: clean(actor),
            action: clean(action),
            object: clean(object),
            client: None,
            request_id: None,
            payload: Vec::new(),
        }
    }

    /// The client whose data it concerns.
    pub fn client(mut self, client: Option<String>) -> Entry {
        self.client = client.as_deref().map(clean);
        self
    }

    /// The server request that made it.
    pub fn request(mut self, id: Option<String>) -> Entry {
        self.request_id = id.as_deref().map(clean);
        self
    }

    /// What the write was given (a file, a form without its password): only its SHA-256 is
    /// kept.
    pub fn payload(mut self, bytes: &[u8]) -> Entry {
        self.payload = bytes.to_vec();
        self
    }
}

/// Text as an audit field keeps it: at most 254 characters, no NUL (PostgreSQL refuses it).
fn clean(s: &str) -> String {
    s.chars()
        .take(254)
        .map(|c| if c == '\0' { '\u{fffd}' } else { c })
        .collect()
}

/// Append `e` to the audit trail, at the current time.
pub async fn record(store: &AnyStore, e: Entry) -> opsdeck_store::Result<AuditEvent> {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    store
        .append_audit(NewAuditEvent {
            at,
            actor: e.actor,
            action: e.action,
            object: e.object,
            client: e.client,
            request_id: e.request_id,
            payload_digest: digest(&e.payload),
        })
        .await
}

/// The whole trail, in stored order, read in pages.
pub async fn all_events(store: &AnyStore) -> opsdeck_store::Result<Vec<AuditEvent>> {
    const PAGE: i64 = 10_000;
    let mut out: Vec<AuditEvent> = Vec::new();
    loop {
        let after = out.last().map_or(0, |e| e.seq);
        let page = store.audit_events(after, PAGE).await?;
        let n = page.len();
        out.extend(page);
        if (n as i64) < PAGE {
            return Ok(out);
        }
    }
}

/// Record in the store's ingest log every committed batch of the workspace's manifest it
/// lacks, with the clients each touched. The manifest is the truth; a process killed between
/// its commit and this write is caught up by the next writer.
pub async fn sync_ingest_log(
    store: &AnyStore,
    ws: &opsdeck_engine::workspace::Workspace,
) -> Result<(), SyncError> {
    use opsdeck_store::{IngestRecord, Store};
    let logged: std::collections::BTreeSet<String> = store
        .list_ingests(&opsdeck_core::Scope::every_client())
        .await?
        .into_iter()
        .map(|r| r.batch_id)
        .collect();
    let ws = ws.clone();
    let manifest = tokio::task::spawn_blocking(move || ws.manifest())
        .await
        .map_err(|e| SyncError::Worker(e.to_string()))??;
    for b in manifest
        .batches
        .iter()
        .filter(|b| !logged.contains(&b.batch_id))
    {
        let rec = IngestRecord {
            batch_id: b.batch_id.clone(),
            kind: b.kind.clone(),
            files: b.files.clone(),
            rows_read: b.rows_read as i64,
            rows_accepted: b.rows_accepted as i64,
            rows_duplicate: b.rows_duplicate as i64,
            rows_quarantined: b.rows_quarantined as i64,
            committed_at: b.committed_at.clone(),
            clients: manifest.batch_clients(b),
        };
        store.record_ingest(&rec).await?;
    }
    Ok(())
}

/// Why the ingest log could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] opsdeck_store::StoreError),
    #[error(transparent)]
    Engine(#[from] opsdeck_engine::EngineError),
    #[error("a worker failed: {0}")]
    Worker(String),
}

/// Audit events as the `audit` table of the catalogue.
pub fn audit_table(events: Vec<opsdeck_core::audit::Event>) -> opsdeck_engine::views::table::Table {
    use opsdeck_engine::views::table::{Table, Value};
    Table::new(
        opsdeck_engine::views::access::AUDIT_COLUMNS.to_vec(),
        events
            .into_iter()
            .map(|e| {
                let opt = |v: Option<String>| Value::Text(v.unwrap_or_default());
                vec![
                    Value::Int(e.seq),
                    Value::Text(e.event.at),
                    Value::Text(e.event.actor),
                    Value::Text(e.event.action),
                    Value::Text(e.event.object),
                    opt(e.event.client),
                    opt(e.event.request_id),
                    Value::Text(e.event.payload_digest),
                    Value::Text(e.hash),
                ]
            })
            .collect(),
    )
}

//! opsdeck's system of record: reference data (sites, clients, programs, calendars, queues) and
//! the ingest audit log, in SQLite or PostgreSQL behind one [`Store`] trait.
//!
//! Architecture invariant: **only this crate contains SQL.** Other crates talk to the store
//! through [`Store`] and plain types (`RawOrg`, [`ApplyReport`], [`IngestRecord`]); no SQL
//! string, sqlx type or backend detail leaves it.
//!
//! The store holds no business rules: it persists `RawOrg` exactly as given (after the caller
//! has validated it with `opsdeck_core::Org::from_raw`). Foreign keys still make the database
//! itself refuse reference data that points at nothing, and every apply runs in one transaction.
//! The store never reads a clock: timestamps are passed in.
//!
//! Backends live in one module each ([`sqlite`], [`postgres`]) with their own embedded
//! migrations (`migrations/<backend>/*.sql`, run on open); [`open`] picks one from a
//! [`StoreTarget`], [`open_read_only`] opens one for a reader (no migration, nothing written);
//! `tests/conformance.rs` runs the same checks against both. Every database error names its
//! database — the SQLite file, or the PostgreSQL URL with its password redacted.

mod access;
mod apply;
mod backend;
mod contracts;
mod error;
pub mod postgres;
mod rows;
pub mod sqlite;
mod target;

pub use access::{SessionRecord, TokenRecord, UserRecord};
pub use apply::{ApplyReport, EntityReport};
pub use contracts::{ContractApplyReport, ContractRevision};
pub use error::{redact_url, Result, StoreError};
pub use opsdeck_core::audit::{Event as AuditEvent, NewEvent as NewAuditEvent};
pub use opsdeck_core::contract::RawContract;
pub use opsdeck_core::org::RawOrg;
pub use opsdeck_core::Scope;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use target::StoreTarget;

use serde::{Deserialize, Serialize};
use std::future::Future;

/// One committed ingest batch, as recorded in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestRecord {
    /// Unique per batch; recording the same batch twice keeps the first record.
    pub batch_id: String,
    /// What was ingested, e.g. `contacts`.
    pub kind: String,
    pub files: Vec<String>,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_duplicate: i64,
    pub rows_quarantined: i64,
    /// RFC 3339, given by the caller.
    pub committed_at: String,
    /// The clients whose data the batch stored, replaced or withdrew (empty when none, or
    /// for batches recorded before opsdeck kept it): the batch is listed to a caller whose
    /// scope holds every one of them.
    #[serde(default)]
    pub clients: Vec<String>,
}

impl IngestRecord {
    /// Whether a caller with `scope` may see this batch: every client it touched is in scope
    /// (a batch touching no known client only to a scope of every client).
    pub fn visible_in(&self, scope: &Scope) -> bool {
        scope.sees_all_of(&self.clients)
    }
}

/// The rows of `rows` that `scope` may read.
fn scoped<T>(rows: Vec<T>, keep: impl Fn(&T) -> bool) -> Vec<T> {
    rows.into_iter().filter(|r| keep(r)).collect()
}

/// The system of record. Every backend passes `tests/conformance.rs`.
pub trait Store: Send + Sync {
    /// Everything persisted that `scope` may read ([`Scope::narrow_org`]): each list sorted by
    /// id, holidays by date, program sites in declared order.
    fn load_org(&self, scope: &Scope) -> impl Future<Output = Result<RawOrg>> + Send;

    /// In one transaction: insert new entities, update changed ones, leave identical ones
    /// untouched; stored entities missing from `raw` are kept and reported as `not_in_file`.
    /// Applying the same `raw` twice writes nothing the second time. On any error nothing is
    /// written.
    fn apply_org(&self, raw: &RawOrg) -> impl Future<Output = Result<ApplyReport>> + Send;

    /// Append a batch to the audit log; a second record with the same `batch_id` is ignored.
    fn record_ingest(&self, rec: &IngestRecord) -> impl Future<Output = Result<()>> + Send;

    /// The batches `scope` may see ([`IngestRecord::visible_in`]), in the order they were
    /// recorded.
    fn list_ingests(&self, scope: &Scope)
        -> impl Future<Output = Result<Vec<IngestRecord>>> + Send;

    /// Store a contract: a new revision when it differs from the latest stored one (or is new),
    /// nothing when identical. A contract id stays with its client.
    fn apply_contract(
        &self,
        raw: &RawContract,
        applied_at: &str,
    ) -> impl Future<Output = Result<ContractApplyReport>> + Send;

    /// The latest revision of every contract of a client in `scope`, by contract id.
    fn load_contracts(
        &self,
        scope: &Scope,
    ) -> impl Future<Output = Result<Vec<ContractRevision>>> + Send;

    /// Every revision of one contract, oldest first (empty when unknown or its client is
    /// outside `scope`).
    fn contract_revisions(
        &self,
        scope: &Scope,
        contract_id: &str,
    ) -> impl Future<Output = Result<Vec<ContractRevision>>> + Send;

    /// Every revision of every contract of a client in `scope`, by contract id, oldest
    /// revision first (one query: what an evaluation with history reads).
    fn all_contract_revisions(
        &self,
        scope: &Scope,
    ) -> impl Future<Output = Result<Vec<ContractRevision>>> + Send;

    /// A number every change of reference data or contracts raises (in its own transaction):
    /// unchanged, so is everything read from them.
    fn data_version(&self) -> impl Future<Output = Result<i64>> + Send;

    /// Close every connection, waiting for them to finish.
    fn close(self) -> impl Future<Output = ()> + Send
    where
        Self: Sized;
}

/// A store of either backend, chosen at run time by [`open`].
#[derive(Debug, Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl AnyStore {
    /// `"sqlite"` or `"postgresql"`.
    pub fn backend(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(_) => "sqlite",
            AnyStore::Postgres(_) => "postgresql",
        }
    }
}

/// Open the store `target` names, creating and migrating it as needed.
pub async fn open(target: &StoreTarget) -> Result<AnyStore> {
    match target {
        StoreTarget::Sqlite(path) => Ok(AnyStore::Sqlite(SqliteStore::open(path).await?)),
        StoreTarget::Url(url) => match StoreTarget::from_url(url)? {
            StoreTarget::Sqlite(path) => Ok(AnyStore::Sqlite(SqliteStore::open(&path).await?)),
            StoreTarget::Url(url) => Ok(AnyStore::Postgres(PgStore::connect(&url).await?)),
        },
    }
}

/// Open the store `target` names for reading only: nothing is created, migrated or written
/// (reading commands use it, so a read-only workspace stays readable).
pub async fn open_read_only(target: &StoreTarget) -> Result<AnyStore> {
    match target {
        StoreTarget::Sqlite(path) => Ok(AnyStore::Sqlite(SqliteStore::open_read_only(path).await?)),
        StoreTarget::Url(url) => match StoreTarget::from_url(url)? {
            StoreTarget::Sqlite(path) => {
                Ok(AnyStore::Sqlite(SqliteStore::open_read_only(&path).await?))
            }
            StoreTarget::Url(url) => {
                Ok(AnyStore::Postgres(PgStore::connect_read_only(&url).await?))
            }
        },
    }
}

macro_rules! delegate {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $call.await,
            AnyStore::Postgres($s) => $call.await,
        }
    };
}

impl Store for AnyStore {
    async fn load_org(&self, scope: &Scope) -> Result<RawOrg> {
        delegate!(self, s => s.load_org(scope))
    }

    async fn apply_org(&self, raw: &RawOrg) -> Result<ApplyReport> {
        delegate!(self, s => s.apply_org(raw))
    }

    async fn record_ingest(&self, rec: &IngestRecord) -> Result<()> {
        delegate!(self, s => s.record_ingest(rec))
    }

    async fn list_ingests(&self, scope: &Scope) -> Result<Vec<IngestRecord>> {
        delegate!(self, s => s.list_ingests(scope))
    }

    async fn apply_contract(
        &self,
        raw: &RawContract,
        applied_at: &str,
    ) -> Result<ContractApplyReport> {
        delegate!(self, s => s.apply_contract(raw, applied_at))
    }

    async fn load_contracts(&self, scope: &Scope) -> Result<Vec<ContractRevision>> {
        delegate!(self, s => s.load_contracts(scope))
    }

    async fn contract_revisions(
        &self,
        scope: &Scope,
        contract_id: &str,
    ) -> Result<Vec<ContractRevision>> {
        delegate!(self, s => s.contract_revisions(scope, contract_id))
    }

    async fn all_contract_revisions(&self, scope: &Scope) -> Result<Vec<ContractRevision>> {
        delegate!(self, s => s.all_contract_revisions(scope))
    }

    async fn data_version(&self) -> Result<i64> {
        delegate!(self, s => s.data_version())
    }

    async fn close(self) {
        delegate!(self, s => s.close())
    }
}

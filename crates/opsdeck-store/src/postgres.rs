//! PostgreSQL backend: a connection pool, optionally confined to one schema (`search_path`);
//! readers can connect without migrating.

use crate::apply::{plan, ApplyReport, Op};
use crate::error::{check_migrated, db, redact_url, write, Result, StoreError};
use crate::rows::{files_to_json, ingest_from_row, IngestRow, OrgRows};
use crate::{IngestRecord, Store};
use opsdeck_core::org::RawOrg;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor};
use std::str::FromStr;
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The system of record in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    /// Redacted, for messages.
    url: String,
    schema: Option<String>,
}

impl PgStore {
    /// Connect with the server's default `search_path` and migrate.
    pub async fn connect(url: &str) -> Result<PgStore> {
        Self::open(url, None, true).await
    }

    /// Connect for reading only: no schema is created or migrated (a role with read access
    /// alone can read); a schema this opsdeck would have to migrate first is refused.
    pub async fn connect_read_only(url: &str) -> Result<PgStore> {
        Self::open(url, None, false).await
    }

    /// Connect with every pooled connection confined to `schema` (created when missing), and
    /// migrate inside it; several stores can then share one database without seeing each other.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<PgStore> {
        check_schema_name(schema)?;
        Self::open(url, Some(schema.to_string()), true).await
    }

    /// [`PgStore::connect_read_only`] confined to `schema` (which is not created).
    pub async fn connect_in_schema_read_only(url: &str, schema: &str) -> Result<PgStore> {
        check_schema_name(schema)?;
        Self::open(url, Some(schema.to_string()), false).await
    }
}

/// A schema name is a plain identifier, so that quoting it cannot be escaped.
fn check_schema_name(schema: &str) -> Result<()> {
    let valid = !schema.is_empty()
        && schema.len() <= 63
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(StoreError::InvalidSchema(schema.to_string()));
    }
    Ok(())
}

impl PgStore {
    async fn open(url: &str, schema: Option<String>, migrate: bool) -> Result<PgStore> {
        let redacted = redact_url(url);
        let connect_err = |source| StoreError::ConnectPostgres {
            url: redacted.clone(),
            source,
        };
        let mut options = PgConnectOptions::from_str(url).map_err(connect_err)?;
        if !migrate {
            // a reader: the server refuses any write on these connections
            options = options.options([("default_transaction_read_only", "on")]);
        }
        // Probe with one plain connection first: the pool would retry a refused connection until
        // its acquire timeout and then report only "pool timed out".
        let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(|_| {
                connect_err(sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
                )))
            })?
            .map_err(connect_err)?;
        let mut pool_options = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(CONNECT_TIMEOUT);
        if let Some(schema) = &schema {
            // The name was checked to be a plain identifier, so the quoting cannot be escaped.
            if migrate {
                conn.execute(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"").as_str())
                    .await
                    .map_err(db("creating the schema"))?;
            }
            let set_path = format!("SET search_path TO \"{schema}\"");
            pool_options = pool_options.after_connect(move |conn, _meta| {
                let set_path = set_path.clone();
                Box::pin(async move {
                    conn.execute(set_path.as_str()).await?;
                    Ok(())
                })
            });
        }
        conn.close()
            .await
            .map_err(db("closing the probe connection"))?;
        let pool = pool_options
            .connect_with(options)
            .await
            .map_err(connect_err)?;
        let location = match &schema {
            Some(s) => format!("postgresql at {redacted} (schema {s})"),
            None => format!("postgresql at {redacted}"),
        };
        if migrate {
            MIGRATOR
                .run(&pool)
                .await
                .map_err(|source| StoreError::Migrate { location, source })?;
        } else {
            let applied = applied_migrations(&pool)
                .await
                .map_err(db("reading the schema version"))
                .map_err(|e| e.at(&location))?;
            check_migrated(&MIGRATOR, applied, &location)?;
        }
        Ok(PgStore {
            pool,
            url: redacted,
            schema,
        })
    }

    /// The server URL with any password redacted.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema the store is confined to, if any.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Names the database in an error.
    pub(crate) fn here(&self) -> impl Fn(StoreError) -> StoreError + '_ {
        |e| {
            e.at(&match &self.schema {
                Some(s) => format!("postgresql at {} (schema {s})", self.url),
                None => format!("postgresql at {}", self.url),
            })
        }
    }
}

/// The migrations applied in the schema the connections see (none without a migration table).
async fn applied_migrations(pool: &PgPool) -> std::result::Result<Vec<i64>, sqlx::Error> {
    let has_table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    if !has_table {
        return Ok(Vec::new());
    }
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await
}

crate::backend::reference_data_sql!(PgConnection, PgPool, crate::backend::postgres_sql);
/// A transaction holding the audit table's write lock (readers go on; a second appender waits).
async fn begin_audit(pool: &PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool
        .begin()
        .await
        .map_err(db("starting an audit transaction"))?;
    sqlx::query("LOCK TABLE audit_event IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await
        .map_err(db("locking the audit trail"))?;
    Ok(tx)
}

crate::access::access_sql!(PgPool, crate::backend::postgres_sql, begin_audit);
crate::contracts::contract_sql!(
    sqlx::Postgres,
    PgConnection,
    PgPool,
    crate::backend::postgres_sql
);

async fn apply(pool: &PgPool, raw: &RawOrg) -> Result<ApplyReport> {
    let mut tx = pool
        .begin()
        .await
        .map_err(db("starting the apply transaction"))?;
    // Appliers queue behind each other (so the diff below stays true until commit); readers,
    // which take ACCESS SHARE, are not blocked.
    sqlx::query(
        "LOCK TABLE site, client, program, program_site, calendar, calendar_hours, calendar_holiday, queue \
         IN SHARE ROW EXCLUSIVE MODE",
    )
    .execute(&mut *tx)
    .await
    .map_err(db("locking the reference tables"))?;
    let stored = load(&mut tx).await?;
    let plan = plan(&stored, raw)?;
    if !plan.report.changed() {
        // Nothing to write: dropping the transaction rolls it back.
        return Ok(plan.report);
    }
    write_plan(&mut tx, &plan).await?;
    tx.commit()
        .await
        .map_err(db("committing the apply transaction"))?;
    Ok(plan.report)
}

impl Store for PgStore {
    async fn load_org(&self, scope: &crate::Scope) -> Result<RawOrg> {
        // One snapshot across the tables.
        let read = async {
            let mut tx = self
                .pool
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await
                .map_err(db("starting a read transaction"))?;
            let org = load(&mut tx).await?;
            tx.commit().await.map_err(db("ending a read transaction"))?;
            Ok(org)
        };
        read.await
            .map(|org| scope.narrow_org(org))
            .map_err(self.here())
    }

    async fn apply_org(&self, raw: &RawOrg) -> Result<ApplyReport> {
        apply(&self.pool, raw).await.map_err(self.here())
    }

    async fn record_ingest(&self, rec: &IngestRecord) -> Result<()> {
        record_ingest(&self.pool, rec).await.map_err(self.here())
    }

    async fn list_ingests(&self, scope: &crate::Scope) -> Result<Vec<IngestRecord>> {
        list_ingests(&self.pool)
            .await
            .map(|rows| crate::scoped(rows, |r| r.visible_in(scope)))
            .map_err(self.here())
    }

    async fn apply_contract(
        &self,
        raw: &opsdeck_core::contract::RawContract,
        applied_at: &str,
    ) -> Result<crate::ContractApplyReport> {
        let apply = async {
            let mut tx = self
                .pool
                .begin()
                .await
                .map_err(db("starting the contract transaction"))?;
            // Appliers of contracts queue behind each other, so revision numbers cannot collide.
            sqlx::query("LOCK TABLE contract_revision IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await
                .map_err(db("locking the contract table"))?;
            apply_contract_and_commit(tx, raw, applied_at).await
        };
        apply.await.map_err(self.here())
    }

    async fn load_contracts(&self, scope: &crate::Scope) -> Result<Vec<crate::ContractRevision>> {
        latest_contracts(&self.pool)
            .await
            .map(|rows| crate::scoped(rows, |r| scope.allows(&r.client)))
            .map_err(self.here())
    }

    async fn contract_revisions(
        &self,
        scope: &crate::Scope,
        contract_id: &str,
    ) -> Result<Vec<crate::ContractRevision>> {
        contract_revisions(&self.pool, contract_id)
            .await
            .map(|rows| crate::scoped(rows, |r| scope.allows(&r.client)))
            .map_err(self.here())
    }

    async fn all_contract_revisions(
        &self,
        scope: &crate::Scope,
    ) -> Result<Vec<crate::ContractRevision>> {
        all_revisions(&self.pool)
            .await
            .map(|rows| crate::scoped(rows, |r| scope.allows(&r.client)))
            .map_err(self.here())
    }

    async fn data_version(&self) -> Result<i64> {
        data_version(&self.pool).await.map_err(self.here())
    }

    async fn close(self) {
        self.pool.close().await;
    }
}

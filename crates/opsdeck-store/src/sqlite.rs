//! SQLite backend: one file, WAL journal, 5 s busy timeout, foreign keys enforced; readers
//! can open it read-only (no migration, nothing created).

use crate::apply::{plan, ApplyReport, Op};
use crate::error::{check_migrated, db, write, Result, StoreError};
use crate::rows::{files_to_json, ingest_from_row, IngestRow, OrgRows};
use crate::{IngestRecord, Store};
use opsdeck_core::org::RawOrg;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// The system of record in an SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// Open (creating the file and its parent directory when missing) and migrate.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| {
                if is_read_only(&source) {
                    StoreError::ReadOnly {
                        location: location(path),
                    }
                } else {
                    StoreError::OpenSqlite {
                        path: path.to_path_buf(),
                        source,
                    }
                }
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                location: location(path),
                source,
            })?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// Open an existing database for reading only: nothing is created, migrated or written,
    /// so a read-only workspace (or another user's) can be read. SQLite reads a WAL database
    /// through a shared-memory file next to it; when that file is missing and cannot be
    /// created (a read-only directory) and there is no write-ahead log to read, the file is
    /// opened as immutable — no writer can be at work in a directory nobody can write to.
    pub async fn open_read_only(path: &Path) -> Result<SqliteStore> {
        let location = location(path);
        let open_err = |source| StoreError::OpenSqlite {
            path: path.to_path_buf(),
            source,
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let connect = |options: SqliteConnectOptions| async move {
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await?;
            match applied_migrations(&pool).await {
                Ok(applied) => Ok((pool, applied)),
                Err(e) => {
                    pool.close().await;
                    Err(e)
                }
            }
        };
        let (pool, applied) = match connect(options.clone()).await {
            Ok(opened) => opened,
            Err(e) => {
                let wal = PathBuf::from(format!("{}-wal", path.display()));
                let no_log = std::fs::metadata(&wal).map_or(true, |m| m.len() == 0);
                if !no_log {
                    return Err(open_err(e));
                }
                connect(options.immutable(true)).await.map_err(open_err)?
            }
        };
        check_migrated(&MIGRATOR, applied, &location)?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Names the database in an error.
    pub(crate) fn here(&self) -> impl Fn(StoreError) -> StoreError + '_ {
        |e| e.at(&location(&self.path))
    }
}

/// Whether SQLite refused to write because the file (or its directory) is read-only.
fn is_read_only(e: &sqlx::Error) -> bool {
    const SQLITE_READONLY: i64 = 8;
    e.as_database_error()
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i64>().ok())
        .is_some_and(|c| c & 0xff == SQLITE_READONLY)
}

fn location(path: &Path) -> String {
    format!("sqlite database {}", path.display())
}

/// The migrations applied to the database (none when it has no migration table).
async fn applied_migrations(pool: &SqlitePool) -> std::result::Result<Vec<i64>, sqlx::Error> {
    let has_table: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    if has_table == 0 {
        return Ok(Vec::new());
    }
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await
}

crate::backend::reference_data_sql!(SqliteConnection, SqlitePool, crate::backend::sqlite_sql);
/// A transaction holding SQLite's write lock from its start.
async fn begin_audit(pool: &SqlitePool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(db("starting an audit transaction"))
}

crate::access::access_sql!(SqlitePool, crate::backend::sqlite_sql, begin_audit);
crate::contracts::contract_sql!(
    sqlx::Sqlite,
    SqliteConnection,
    SqlitePool,
    crate::backend::sqlite_sql
);

async fn apply(pool: &SqlitePool, raw: &RawOrg) -> Result<ApplyReport> {
    // IMMEDIATE takes the write lock up front, so two appliers queue on busy_timeout instead of
    // failing when both try to upgrade a read transaction.
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(db("starting the apply transaction"))?;
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

impl Store for SqliteStore {
    async fn load_org(&self, scope: &crate::Scope) -> Result<RawOrg> {
        // One read transaction: a consistent snapshot across the tables.
        let read = async {
            let mut tx = self
                .pool
                .begin()
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
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db("starting the contract transaction"))
            .map_err(self.here())?;
        apply_contract_and_commit(tx, raw, applied_at)
            .await
            .map_err(self.here())
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

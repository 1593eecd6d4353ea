//! SQLite backend: one file, WAL journal, 5 s busy timeout, foreign keys enforced.

use crate::apply::{plan, ApplyReport, Op};
use crate::error::{db, write, Result, StoreError};
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
    pool: SqlitePool,
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
            .map_err(|source| StoreError::OpenSqlite {
                path: path.to_path_buf(),
                source,
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                location: format!("sqlite database {}", path.display()),
                source,
            })?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

crate::backend::reference_data_sql!(SqliteConnection, SqlitePool, crate::backend::sqlite_sql);
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
    async fn load_org(&self) -> Result<RawOrg> {
        // One read transaction: a consistent snapshot across the tables.
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(db("starting a read transaction"))?;
        let org = load(&mut tx).await?;
        tx.commit().await.map_err(db("ending a read transaction"))?;
        Ok(org)
    }

    async fn apply_org(&self, raw: &RawOrg) -> Result<ApplyReport> {
        apply(&self.pool, raw).await
    }

    async fn record_ingest(&self, rec: &IngestRecord) -> Result<()> {
        record_ingest(&self.pool, rec).await
    }

    async fn list_ingests(&self) -> Result<Vec<IngestRecord>> {
        list_ingests(&self.pool).await
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
            .map_err(db("starting the contract transaction"))?;
        apply_contract_and_commit(tx, raw, applied_at).await
    }

    async fn load_contracts(&self) -> Result<Vec<crate::ContractRevision>> {
        latest_contracts(&self.pool).await
    }

    async fn contract_revisions(&self, contract_id: &str) -> Result<Vec<crate::ContractRevision>> {
        contract_revisions(&self.pool, contract_id).await
    }

    async fn close(self) {
        self.pool.close().await;
    }
}

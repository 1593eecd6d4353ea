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

async fn load(conn: &mut SqliteConnection) -> Result<RawOrg> {
    let rows = OrgRows {
        sites: sqlx::query_as(
            "SELECT id, name, country, time_zone, cost_per_productive_hour, currency FROM site ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db("loading sites"))?,
        clients: sqlx::query_as("SELECT id, name, industry FROM client ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .map_err(db("loading clients"))?,
        programs: sqlx::query_as("SELECT id, name, client_id FROM program ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .map_err(db("loading programs"))?,
        program_sites: sqlx::query_as("SELECT program_id, site_id FROM program_site ORDER BY program_id, position")
            .fetch_all(&mut *conn)
            .await
            .map_err(db("loading program sites"))?,
        calendars: sqlx::query_as("SELECT id, time_zone FROM calendar ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .map_err(db("loading calendars"))?,
        hours: sqlx::query_as("SELECT calendar_id, weekday, ranges FROM calendar_hours")
            .fetch_all(&mut *conn)
            .await
            .map_err(db("loading calendar hours"))?,
        holidays: sqlx::query_as("SELECT calendar_id, date, name FROM calendar_holiday ORDER BY calendar_id, date")
            .fetch_all(&mut *conn)
            .await
            .map_err(db("loading calendar holidays"))?,
        queues: sqlx::query_as(
            "SELECT id, name, program_id, channel, calendar_id, threshold_s, short_abandon_s, \
             interval_minutes, sl_target, site_id FROM queue ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db("loading queues"))?,
    };
    rows.into_org()
}

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
    let org = &plan.org;
    for &(op, i) in &plan.sites {
        let s = &org.sites[i];
        let sql = match op {
            Op::Create => {
                "INSERT INTO site (name, country, time_zone, cost_per_productive_hour, currency, id) \
                 VALUES (?, ?, ?, ?, ?, ?)"
            }
            Op::Update => {
                "UPDATE site SET name = ?, country = ?, time_zone = ?, cost_per_productive_hour = ?, \
                 currency = ? WHERE id = ?"
            }
        };
        sqlx::query(sql)
            .bind(&s.name)
            .bind(&s.country)
            .bind(&s.time_zone)
            .bind(s.cost_per_productive_hour)
            .bind(&s.currency)
            .bind(&s.id)
            .execute(&mut *tx)
            .await
            .map_err(write("site", &s.id, "referenced entity"))?;
    }
    for &(op, i) in &plan.clients {
        let c = &org.clients[i];
        let sql = match op {
            Op::Create => "INSERT INTO client (name, industry, id) VALUES (?, ?, ?)",
            Op::Update => "UPDATE client SET name = ?, industry = ? WHERE id = ?",
        };
        sqlx::query(sql)
            .bind(&c.name)
            .bind(&c.industry)
            .bind(&c.id)
            .execute(&mut *tx)
            .await
            .map_err(write("client", &c.id, "referenced entity"))?;
    }
    for &(op, i) in &plan.calendars {
        let c = &org.calendars[i];
        let err = || write("calendar", &c.id, "referenced entity");
        match op {
            Op::Create => sqlx::query("INSERT INTO calendar (time_zone, id) VALUES (?, ?)"),
            Op::Update => sqlx::query("UPDATE calendar SET time_zone = ? WHERE id = ?"),
        }
        .bind(&c.time_zone)
        .bind(&c.id)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
        if op == Op::Update {
            for table in [
                "DELETE FROM calendar_hours WHERE calendar_id = ?",
                "DELETE FROM calendar_holiday WHERE calendar_id = ?",
            ] {
                sqlx::query(table)
                    .bind(&c.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err())?;
            }
        }
        for (day, ranges) in &c.hours {
            sqlx::query(
                "INSERT INTO calendar_hours (calendar_id, weekday, ranges) VALUES (?, ?, ?)",
            )
            .bind(&c.id)
            .bind(day)
            .bind(ranges)
            .execute(&mut *tx)
            .await
            .map_err(err())?;
        }
        for h in &c.holidays {
            sqlx::query("INSERT INTO calendar_holiday (calendar_id, date, name) VALUES (?, ?, ?)")
                .bind(&c.id)
                .bind(&h.date)
                .bind(&h.name)
                .execute(&mut *tx)
                .await
                .map_err(err())?;
        }
    }
    for &(op, i) in &plan.programs {
        let p = &org.programs[i];
        let err = || write("program", &p.id, "client or site");
        match op {
            Op::Create => sqlx::query("INSERT INTO program (name, client_id, id) VALUES (?, ?, ?)"),
            Op::Update => sqlx::query("UPDATE program SET name = ?, client_id = ? WHERE id = ?"),
        }
        .bind(&p.name)
        .bind(&p.client)
        .bind(&p.id)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
        if op == Op::Update {
            sqlx::query("DELETE FROM program_site WHERE program_id = ?")
                .bind(&p.id)
                .execute(&mut *tx)
                .await
                .map_err(err())?;
        }
        for (position, site) in (0_i64..).zip(&p.sites) {
            sqlx::query(
                "INSERT INTO program_site (program_id, position, site_id) VALUES (?, ?, ?)",
            )
            .bind(&p.id)
            .bind(position)
            .bind(site)
            .execute(&mut *tx)
            .await
            .map_err(err())?;
        }
    }
    for &(op, i) in &plan.queues {
        let q = &org.queues[i];
        let sql = match op {
            Op::Create => {
                "INSERT INTO queue (name, program_id, channel, calendar_id, threshold_s, short_abandon_s, \
                 interval_minutes, sl_target, site_id, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            }
            Op::Update => {
                "UPDATE queue SET name = ?, program_id = ?, channel = ?, calendar_id = ?, threshold_s = ?, \
                 short_abandon_s = ?, interval_minutes = ?, sl_target = ?, site_id = ? WHERE id = ?"
            }
        };
        sqlx::query(sql)
            .bind(&q.name)
            .bind(&q.program)
            .bind(&q.channel)
            .bind(&q.calendar)
            .bind(q.threshold_s)
            .bind(q.short_abandon_s)
            .bind(i64::from(q.interval_minutes))
            .bind(q.sl_target)
            .bind(&q.site)
            .bind(&q.id)
            .execute(&mut *tx)
            .await
            .map_err(write("queue", &q.id, "program, calendar or site"))?;
    }
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
        sqlx::query(
            "INSERT INTO ingest_batch (batch_id, kind, files, rows_read, rows_accepted, rows_duplicate, \
             rows_quarantined, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (batch_id) DO NOTHING",
        )
        .bind(&rec.batch_id)
        .bind(&rec.kind)
        .bind(files_to_json(rec)?)
        .bind(rec.rows_read)
        .bind(rec.rows_accepted)
        .bind(rec.rows_duplicate)
        .bind(rec.rows_quarantined)
        .bind(&rec.committed_at)
        .execute(&self.pool)
        .await
        .map_err(db("recording an ingest batch"))?;
        Ok(())
    }

    async fn list_ingests(&self) -> Result<Vec<IngestRecord>> {
        let rows: Vec<IngestRow> = sqlx::query_as(
            "SELECT batch_id, kind, files, rows_read, rows_accepted, rows_duplicate, rows_quarantined, \
             committed_at FROM ingest_batch ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db("listing ingest batches"))?;
        rows.into_iter().map(ingest_from_row).collect()
    }

    async fn close(self) {
        self.pool.close().await;
    }
}

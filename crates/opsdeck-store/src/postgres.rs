//! PostgreSQL backend: a connection pool, optionally confined to one schema (`search_path`).

use crate::apply::{plan, ApplyReport, Op};
use crate::error::{db, redact_url, write, Result, StoreError};
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
    pool: PgPool,
    /// Redacted, for messages.
    url: String,
    schema: Option<String>,
}

impl PgStore {
    /// Connect with the server's default `search_path` and migrate.
    pub async fn connect(url: &str) -> Result<PgStore> {
        Self::open(url, None).await
    }

    /// Connect with every pooled connection confined to `schema` (created when missing), and
    /// migrate inside it; several stores can then share one database without seeing each other.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<PgStore> {
        let valid = !schema.is_empty()
            && schema.len() <= 63
            && !schema.starts_with(|c: char| c.is_ascii_digit())
            && schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(StoreError::InvalidSchema(schema.to_string()));
        }
        Self::open(url, Some(schema.to_string())).await
    }

    async fn open(url: &str, schema: Option<String>) -> Result<PgStore> {
        let redacted = redact_url(url);
        let connect_err = |source| StoreError::ConnectPostgres {
            url: redacted.clone(),
            source,
        };
        let options = PgConnectOptions::from_str(url).map_err(connect_err)?;
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
            conn.execute(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"").as_str())
                .await
                .map_err(db("creating the schema"))?;
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
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { location, source })?;
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
}

async fn load(conn: &mut PgConnection) -> Result<RawOrg> {
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
    let org = &plan.org;
    for &(op, i) in &plan.sites {
        let s = &org.sites[i];
        let sql = match op {
            Op::Create => {
                "INSERT INTO site (name, country, time_zone, cost_per_productive_hour, currency, id) \
                 VALUES ($1, $2, $3, $4, $5, $6)"
            }
            Op::Update => {
                "UPDATE site SET name = $1, country = $2, time_zone = $3, cost_per_productive_hour = $4, \
                 currency = $5 WHERE id = $6"
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
            Op::Create => "INSERT INTO client (name, industry, id) VALUES ($1, $2, $3)",
            Op::Update => "UPDATE client SET name = $1, industry = $2 WHERE id = $3",
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
            Op::Create => sqlx::query("INSERT INTO calendar (time_zone, id) VALUES ($1, $2)"),
            Op::Update => sqlx::query("UPDATE calendar SET time_zone = $1 WHERE id = $2"),
        }
        .bind(&c.time_zone)
        .bind(&c.id)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
        if op == Op::Update {
            for table in [
                "DELETE FROM calendar_hours WHERE calendar_id = $1",
                "DELETE FROM calendar_holiday WHERE calendar_id = $1",
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
                "INSERT INTO calendar_hours (calendar_id, weekday, ranges) VALUES ($1, $2, $3)",
            )
            .bind(&c.id)
            .bind(day)
            .bind(ranges)
            .execute(&mut *tx)
            .await
            .map_err(err())?;
        }
        for h in &c.holidays {
            sqlx::query(
                "INSERT INTO calendar_holiday (calendar_id, date, name) VALUES ($1, $2, $3)",
            )
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
            Op::Create => {
                sqlx::query("INSERT INTO program (name, client_id, id) VALUES ($1, $2, $3)")
            }
            Op::Update => sqlx::query("UPDATE program SET name = $1, client_id = $2 WHERE id = $3"),
        }
        .bind(&p.name)
        .bind(&p.client)
        .bind(&p.id)
        .execute(&mut *tx)
        .await
        .map_err(err())?;
        if op == Op::Update {
            sqlx::query("DELETE FROM program_site WHERE program_id = $1")
                .bind(&p.id)
                .execute(&mut *tx)
                .await
                .map_err(err())?;
        }
        for (position, site) in (0_i64..).zip(&p.sites) {
            sqlx::query(
                "INSERT INTO program_site (program_id, position, site_id) VALUES ($1, $2, $3)",
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
                 interval_minutes, sl_target, site_id, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            }
            Op::Update => {
                "UPDATE queue SET name = $1, program_id = $2, channel = $3, calendar_id = $4, threshold_s = $5, \
                 short_abandon_s = $6, interval_minutes = $7, sl_target = $8, site_id = $9 WHERE id = $10"
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

impl Store for PgStore {
    async fn load_org(&self) -> Result<RawOrg> {
        // One snapshot across the tables.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
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
             rows_quarantined, committed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
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

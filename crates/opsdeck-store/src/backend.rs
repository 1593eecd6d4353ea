//! The reference-data SQL shared by both backends, written once with `?` placeholders and
//! instantiated per backend by `reference_data_sql!` (the backend passes its connection type and
//! a function that rewrites placeholders into its dialect).

use std::borrow::Cow;

/// SQLite takes `?` placeholders as written.
pub(crate) fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    Cow::Borrowed(sql)
}

/// PostgreSQL numbers its placeholders: the n-th `?` becomes `$n`.
pub(crate) fn postgres_sql(sql: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// Generates `load` (everything stored, as `RawOrg`) and `write_plan` (the inserts, updates and
/// child-row replacements of an apply plan) for one backend.
macro_rules! reference_data_sql {
    ($conn:ty, $pool:ty, $sql:path) => {
        pub(crate) async fn load(conn: &mut $conn) -> Result<RawOrg> {
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

        /// Execute an apply plan inside the caller's transaction.
        pub(crate) async fn write_plan(conn: &mut $conn, plan: &crate::apply::Plan) -> Result<()> {
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
                sqlx::query(&$sql(sql))
                    .bind(&s.name)
                    .bind(&s.country)
                    .bind(&s.time_zone)
                    .bind(s.cost_per_productive_hour)
                    .bind(&s.currency)
                    .bind(&s.id)
                    .execute(&mut *conn)
                    .await
                    .map_err(write("site", &s.id, "referenced entity"))?;
            }
            for &(op, i) in &plan.clients {
                let c = &org.clients[i];
                let sql = match op {
                    Op::Create => "INSERT INTO client (name, industry, id) VALUES (?, ?, ?)",
                    Op::Update => "UPDATE client SET name = ?, industry = ? WHERE id = ?",
                };
                sqlx::query(&$sql(sql))
                    .bind(&c.name)
                    .bind(&c.industry)
                    .bind(&c.id)
                    .execute(&mut *conn)
                    .await
                    .map_err(write("client", &c.id, "referenced entity"))?;
            }
            for &(op, i) in &plan.calendars {
                let c = &org.calendars[i];
                let err = || write("calendar", &c.id, "referenced entity");
                let sql = match op {
                    Op::Create => "INSERT INTO calendar (time_zone, id) VALUES (?, ?)",
                    Op::Update => "UPDATE calendar SET time_zone = ? WHERE id = ?",
                };
                sqlx::query(&$sql(sql))
                .bind(&c.time_zone)
                .bind(&c.id)
                .execute(&mut *conn)
                .await
                .map_err(err())?;
                if op == Op::Update {
                    for table in [
                        "DELETE FROM calendar_hours WHERE calendar_id = ?",
                        "DELETE FROM calendar_holiday WHERE calendar_id = ?",
                    ] {
                        sqlx::query(&$sql(table))
                            .bind(&c.id)
                            .execute(&mut *conn)
                            .await
                            .map_err(err())?;
                    }
                }
                for (day, ranges) in &c.hours {
                    sqlx::query(&$sql("INSERT INTO calendar_hours (calendar_id, weekday, ranges) VALUES (?, ?, ?)"))
                    .bind(&c.id)
                    .bind(day)
                    .bind(ranges)
                    .execute(&mut *conn)
                    .await
                    .map_err(err())?;
                }
                for h in &c.holidays {
                    sqlx::query(&$sql("INSERT INTO calendar_holiday (calendar_id, date, name) VALUES (?, ?, ?)"))
                        .bind(&c.id)
                        .bind(&h.date)
                        .bind(&h.name)
                        .execute(&mut *conn)
                        .await
                        .map_err(err())?;
                }
            }
            for &(op, i) in &plan.programs {
                let p = &org.programs[i];
                let err = || write("program", &p.id, "client or site");
                let sql = match op {
                    Op::Create => "INSERT INTO program (name, client_id, id) VALUES (?, ?, ?)",
                    Op::Update => "UPDATE program SET name = ?, client_id = ? WHERE id = ?",
                };
                sqlx::query(&$sql(sql))
                .bind(&p.name)
                .bind(&p.client)
                .bind(&p.id)
                .execute(&mut *conn)
                .await
                .map_err(err())?;
                if op == Op::Update {
                    sqlx::query(&$sql("DELETE FROM program_site WHERE program_id = ?"))
                        .bind(&p.id)
                        .execute(&mut *conn)
                        .await
                        .map_err(err())?;
                }
                for (position, site) in (0_i64..).zip(&p.sites) {
                    sqlx::query(&$sql("INSERT INTO program_site (program_id, position, site_id) VALUES (?, ?, ?)"))
                    .bind(&p.id)
                    .bind(position)
                    .bind(site)
                    .execute(&mut *conn)
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
                sqlx::query(&$sql(sql))
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
                    .execute(&mut *conn)
                    .await
                    .map_err(write("queue", &q.id, "program, calendar or site"))?;
            }
            bump_data_version(&mut *conn).await
        }

        /// Raise the data version inside the caller's transaction (a change was written).
        pub(crate) async fn bump_data_version(conn: &mut $conn) -> Result<()> {
            sqlx::query("UPDATE data_version SET version = version + 1 WHERE id = 1")
                .execute(&mut *conn)
                .await
                .map_err(db("raising the data version"))?;
            Ok(())
        }

        /// The data version: raised by every change of reference data or contracts.
        pub(crate) async fn data_version(pool: &$pool) -> Result<i64> {
            sqlx::query_scalar("SELECT version FROM data_version WHERE id = 1")
                .fetch_one(pool)
                .await
                .map_err(db("reading the data version"))
        }

        /// Append a batch to the audit log (a repeated batch id is ignored).
        pub(crate) async fn record_ingest(pool: &$pool, rec: &crate::IngestRecord) -> Result<()> {
            sqlx::query(&$sql("INSERT INTO ingest_batch (batch_id, kind, files, rows_read, rows_accepted, rows_duplicate, \
                 rows_quarantined, committed_at, clients) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (batch_id) DO NOTHING"))
            .bind(&rec.batch_id)
            .bind(&rec.kind)
            .bind(files_to_json(rec)?)
            .bind(rec.rows_read)
            .bind(rec.rows_accepted)
            .bind(rec.rows_duplicate)
            .bind(rec.rows_quarantined)
            .bind(&rec.committed_at)
            .bind(crate::rows::list_to_json(&rec.clients, &rec.batch_id, "clients")?)
            .execute(pool)
            .await
            .map_err(db("recording an ingest batch"))?;
            Ok(())
        }

        /// The audit log, in the order batches were recorded.
        pub(crate) async fn list_ingests(pool: &$pool) -> Result<Vec<crate::IngestRecord>> {
            let rows: Vec<IngestRow> = sqlx::query_as(
                "SELECT batch_id, kind, files, rows_read, rows_accepted, rows_duplicate, rows_quarantined, \
                 committed_at, clients FROM ingest_batch ORDER BY seq",
            )
            .fetch_all(pool)
            .await
            .map_err(db("listing ingest batches"))?;
            rows.into_iter().map(ingest_from_row).collect()
        }
    };
}

pub(crate) use reference_data_sql;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered() {
        assert_eq!(
            postgres_sql("UPDATE t SET a = ?, b = ? WHERE id = ?"),
            "UPDATE t SET a = $1, b = $2 WHERE id = $3"
        );
        assert_eq!(sqlite_sql("SELECT 1"), "SELECT 1");
    }
}

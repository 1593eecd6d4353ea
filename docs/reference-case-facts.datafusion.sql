-- The case day facts from opsdeck's case records, Apache DataFusion dialect: the same logical
-- query as docs/reference-case-facts.sql (DuckDB); the differences, all small:
-- * zone arithmetic: DataFusion's timestamp types carry one zone per column, not per row, so the
--   local days of each zone come from {zone_days}(time_zone, day, start_s, end_s): each local
--   date with the UTC seconds of its first instant and of the next day's (a calendar table the
--   caller makes from the IANA database for the dates of the data,
--   scripts/check_reference_sql.py). The local day of an instant is the row whose span holds
--   it; the days a case is open are the rows between its opening and its last possible day (a
--   range join instead of generate_series);
-- * epoch seconds: to_unixtime(ts) instead of epoch(ts);
-- * IS [NOT] DISTINCT FROM in parentheses (DataFusion 55's parser binds it looser than AND).
-- {cases} and {zones}(queue, time_zone, data_end) are tables the caller registers: the case
-- records Parquet files named by facts/manifest.json (never a glob) and each queue's IANA zone
-- with its client's last update.
WITH c AS (
    SELECT r.*, z.time_zone, to_unixtime(z.data_end) AS data_end_s,
           to_unixtime(r.opened_at) AS opened_s,
           to_unixtime(r.resolution_stop_at) AS resolution_stop_s,
           to_unixtime(r.resolution_breach_at) AS resolution_breach_s,
           to_unixtime(r.first_reopen_at) AS first_reopen_s,
           to_unixtime(r.last_resolved_at) AS last_resolved_s
    FROM {cases} r JOIN {zones} z ON r.queue = z.queue
),
flows AS (
    SELECT client, queue, priority, time_zone, opened_s AS at_s,
           1 AS opened, 0 AS resolved, 0 AS resolved_within_target, 0 AS reopened,
           0 AS first_responses, 0 AS responded_within_target,
           0 AS resolution_business_s, 0 AS resolution_actual_s
    FROM c
    UNION ALL
    SELECT client, queue, priority, time_zone, resolution_stop_s,
           0, 1, CASE WHEN resolution_elapsed_s <= resolution_target_s THEN 1 ELSE 0 END, 0,
           0, 0, resolution_business_s, resolution_actual_s
    FROM c WHERE resolution_stage = 'completed'
    UNION ALL
    SELECT client, queue, priority, time_zone, first_reopen_s, 0, 0, 0, 1, 0, 0, 0, 0
    FROM c WHERE first_reopen_s IS NOT NULL
    UNION ALL
    SELECT client, queue, priority, time_zone, to_unixtime(response_stop_at),
           0, 0, 0, 0, 1, CASE WHEN response_elapsed_s <= response_target_s THEN 1 ELSE 0 END,
           0, 0
    FROM c WHERE response_stage = 'completed'
),
-- the local days a case can be open: from the day of its opening (the day ends after it) to
-- the day of its client's last update and of its last resolution
open_days AS (
    SELECT c.client, c.queue, c.priority, d.day,
           d.end_s - c.opened_s AS age_s,
           coalesce(c.resolution_breach_s <= d.end_s
                    AND ((c.resolution_stage IS DISTINCT FROM 'completed')
                         OR c.resolution_elapsed_s > c.resolution_target_s), false) AS breached
    FROM c JOIN {zone_days} d
      ON d.time_zone = c.time_zone AND d.end_s > c.opened_s AND d.start_s <= c.data_end_s
     AND (c.last_resolved_s IS NULL OR d.start_s <= c.last_resolved_s)
    WHERE NOT coalesce((c.resolution_stage IS NOT DISTINCT FROM 'completed')
                       AND c.resolution_stop_s <= d.end_s
                       AND (c.first_reopen_s IS NULL OR d.end_s < c.first_reopen_s), false)
      AND NOT coalesce(c.last_resolved_s <= d.end_s, false)
),
rows AS (
    SELECT f.client, f.queue, f.priority, d.day,
           opened, resolved, resolved_within_target, reopened, first_responses,
           responded_within_target, resolution_business_s, resolution_actual_s,
           0 AS backlog_0_1d, 0 AS backlog_1_3d, 0 AS backlog_3_7d, 0 AS backlog_7_30d,
           0 AS backlog_over_30d, 0 AS breached_open
    FROM flows f JOIN {zone_days} d
      ON d.time_zone = f.time_zone AND f.at_s >= d.start_s AND f.at_s < d.end_s
    UNION ALL
    SELECT client, queue, priority, day, 0, 0, 0, 0, 0, 0, 0, 0,
           CASE WHEN age_s < 86400 THEN 1 ELSE 0 END,
           CASE WHEN age_s >= 86400 AND age_s < 3 * 86400 THEN 1 ELSE 0 END,
           CASE WHEN age_s >= 3 * 86400 AND age_s < 7 * 86400 THEN 1 ELSE 0 END,
           CASE WHEN age_s >= 7 * 86400 AND age_s < 30 * 86400 THEN 1 ELSE 0 END,
           CASE WHEN age_s >= 30 * 86400 THEN 1 ELSE 0 END,
           CASE WHEN breached THEN 1 ELSE 0 END
    FROM open_days
)
SELECT client, queue, day, priority,
       sum(opened) AS opened, sum(resolved) AS resolved,
       sum(resolved_within_target) AS resolved_within_target, sum(reopened) AS reopened,
       sum(first_responses) AS first_responses,
       sum(responded_within_target) AS responded_within_target,
       sum(resolution_business_s) AS resolution_business_s,
       sum(resolution_actual_s) AS resolution_actual_s,
       sum(backlog_0_1d) AS backlog_0_1d, sum(backlog_1_3d) AS backlog_1_3d,
       sum(backlog_3_7d) AS backlog_3_7d, sum(backlog_7_30d) AS backlog_7_30d,
       sum(backlog_over_30d) AS backlog_over_30d, sum(breached_open) AS breached_open
FROM rows
GROUP BY client, queue, day, priority
ORDER BY client, queue, day, priority

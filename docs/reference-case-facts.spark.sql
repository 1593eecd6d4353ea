-- The case day facts from opsdeck's case records, Apache Spark SQL dialect: the same logical
-- query as docs/reference-case-facts.sql (DuckDB); the differences, all small:
-- * zone arithmetic: from_utc_timestamp(ts, zone) for the local time of an instant and
--   to_utc_timestamp(local, zone) for the UTC instant of a local midnight (the session time zone
--   is UTC), instead of DuckDB's timezone(zone, ts) both ways;
-- * the days a case is open: LATERAL VIEW explode(sequence(first_day, last_day)) instead of
--   unnest(generate_series(...));
-- * epoch seconds: unix_timestamp(ts) instead of epoch(ts).
-- {cases} and {zones}(queue, time_zone, data_end) are views the caller registers: the case
-- records Parquet files named by facts/manifest.json (never a glob) and each queue's IANA zone
-- with its client's last update.
WITH c AS (
    SELECT r.*, z.time_zone, z.data_end,
           CAST(from_utc_timestamp(z.data_end, z.time_zone) AS DATE) AS last_day
    FROM {cases} r JOIN {zones} z ON r.queue = z.queue
),
flows AS (
    SELECT client, queue, priority, time_zone, opened_at AS at_ts,
           1 AS opened, 0 AS resolved, 0 AS resolved_within_target, 0 AS reopened,
           0 AS first_responses, 0 AS responded_within_target,
           0 AS resolution_business_s, 0 AS resolution_actual_s
    FROM c
    UNION ALL
    SELECT client, queue, priority, time_zone, resolution_stop_at,
           0, 1, CASE WHEN resolution_elapsed_s <= resolution_target_s THEN 1 ELSE 0 END, 0,
           0, 0, resolution_business_s, resolution_actual_s
    FROM c WHERE resolution_stage = 'completed'
    UNION ALL
    SELECT client, queue, priority, time_zone, first_reopen_at, 0, 0, 0, 1, 0, 0, 0, 0
    FROM c WHERE first_reopen_at IS NOT NULL
    UNION ALL
    SELECT client, queue, priority, time_zone, response_stop_at,
           0, 0, 0, 0, 1, CASE WHEN response_elapsed_s <= response_target_s THEN 1 ELSE 0 END,
           0, 0
    FROM c WHERE response_stage = 'completed'
),
case_days AS (
    SELECT c.*, t.day,
           to_utc_timestamp(CAST(date_add(t.day, 1) AS TIMESTAMP), time_zone) AS day_end
    FROM c LATERAL VIEW explode(sequence(
        CAST(from_utc_timestamp(opened_at, time_zone) AS DATE),
        least(last_day, coalesce(CAST(from_utc_timestamp(last_resolved_at, time_zone) AS DATE), last_day))
    )) t AS day
),
open_days AS (
    SELECT client, queue, priority, day,
           unix_timestamp(day_end) - unix_timestamp(opened_at) AS age_s,
           coalesce(resolution_breach_at <= day_end
                    AND (resolution_stage IS DISTINCT FROM 'completed'
                         OR resolution_elapsed_s > resolution_target_s), false) AS breached
    FROM case_days
    WHERE opened_at <= day_end
      AND NOT coalesce(resolution_stage IS NOT DISTINCT FROM 'completed'
                       AND resolution_stop_at <= day_end
                       AND (first_reopen_at IS NULL OR day_end < first_reopen_at), false)
      AND NOT coalesce(last_resolved_at <= day_end, false)
),
rows AS (
    SELECT client, queue, priority, CAST(from_utc_timestamp(at_ts, time_zone) AS DATE) AS day,
           opened, resolved, resolved_within_target, reopened, first_responses,
           responded_within_target, resolution_business_s, resolution_actual_s,
           0 AS backlog_0_1d, 0 AS backlog_1_3d, 0 AS backlog_3_7d, 0 AS backlog_7_30d,
           0 AS backlog_over_30d, 0 AS breached_open
    FROM flows
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

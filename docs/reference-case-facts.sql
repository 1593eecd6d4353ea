-- The case day facts (docs/formats.md §9b) from opsdeck's case records, in plain SQL (DuckDB
-- dialect): per queue × local day × priority, the cases opened, resolved (and within their
-- clock's target), reopened, first responses (and within target), the resolution seconds, and
-- at the end of each day the backlog by age band and the breached open cases.
-- The same logical query in Spark SQL: reference-case-facts.spark.sql; in DataFusion:
-- reference-case-facts.datafusion.sql (the differences are listed at the top of each).
--
-- Inputs, as the caller defines them before running this file:
--   {cases}             the case records: read_parquet([...files the manifest names...])
--   {zones}(queue, time_zone, data_end)
--                       each queue's IANA zone and its client's last update (TIMESTAMPTZ)
-- Output: one row per client, queue, day, priority with a non-zero count, ordered; the same
-- rows and values as opsdeck's facts/case_days files (scripts/check-reference-sql.sh checks).
-- Days are local to the queue's zone; a day ends at the next local midnight.
-- The shape: the day's flows (one row per opening, resolution, reopening, first response) and
-- the open cases at each day's end (one row per case and day it is open) in one UNION ALL,
-- summed per client, queue, day and priority.

WITH c AS (
    SELECT r.*, z.time_zone, z.data_end,
           CAST(timezone(z.time_zone, z.data_end) AS DATE) AS last_day
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
-- every local day from a case's opening to the last day it can be open, with its end (UTC)
case_days AS (
    SELECT c.*, CAST(d AS DATE) AS day,
           timezone(time_zone, CAST(CAST(d AS DATE) + 1 AS TIMESTAMP)) AS day_end
    FROM c, unnest(generate_series(
        CAST(CAST(timezone(time_zone, opened_at) AS DATE) AS TIMESTAMP),
        CAST(least(last_day, coalesce(CAST(timezone(time_zone, last_resolved_at) AS DATE), last_day))
             AS TIMESTAMP),
        INTERVAL 1 DAY)) AS t(d)
),
-- the cases open at a day's end, with their age then and whether they have breached
open_days AS (
    SELECT client, queue, priority, day,
           epoch(day_end) - epoch(opened_at) AS age_s,
           coalesce(resolution_breach_at <= day_end
                    AND (resolution_stage IS DISTINCT FROM 'completed'
                         OR resolution_elapsed_s > resolution_target_s), false) AS breached
    FROM case_days
    WHERE opened_at <= day_end
      -- (IS [NOT] DISTINCT FROM and coalesce keep a case without a resolution clock in:
      -- a NULL inside NOT (...) would drop the row)
      AND NOT coalesce(resolution_stage IS NOT DISTINCT FROM 'completed'
                       AND resolution_stop_at <= day_end
                       AND (first_reopen_at IS NULL OR day_end < first_reopen_at), false)
      AND NOT coalesce(last_resolved_at <= day_end, false)
),
rows AS (
    SELECT client, queue, priority, CAST(timezone(time_zone, at_ts) AS DATE) AS day,
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
ORDER BY client, queue, day, priority;

-- opsdeck reference aggregation, Spark SQL dialect (Apache Spark 3.4+/4.x, session time zone
-- UTC): the same logical query as docs/reference-aggregation.sql (DuckDB); the differences:
-- * zone arithmetic: from_utc_timestamp(arrived_at, time_zone) is the local wall-clock time of
--   the arrival in the queue calendar's zone (a per-row zone), read as seconds by
--   unix_timestamp in the UTC session;
-- * epoch seconds: unix_timestamp(ts) instead of epoch(ts);
-- * grouping: by position (GROUP BY 1, 2, 3, 4) instead of GROUP BY ALL.
-- `contacts` is a view of the contact Parquet files named by facts/manifest.json (never a glob:
-- files not in the manifest are uncommitted leftovers).
WITH c AS (
  SELECT client, program, queue, interval_minutes, threshold_s, short_abandon_s,
         unix_timestamp(arrived_at)                                   AS arrived_s,
         unix_timestamp(from_utc_timestamp(arrived_at, time_zone))    AS arrived_local_s,
         answered_at IS NOT NULL                                      AS answered,
         unix_timestamp(coalesce(answered_at, ended_at)) - unix_timestamp(arrived_at) AS wait_s,
         talk_s, hold_s, acw_s, csat, nps, resolved_first_contact, transferred
  FROM contacts
)
SELECT client, program, queue,
       arrived_s - (arrived_local_s % (interval_minutes * 60))             AS interval_start_s,
       count(*)                                                           AS offered,
       count(*) FILTER (WHERE answered)                                   AS answered,
       count(*) FILTER (WHERE NOT answered)                               AS abandoned,
       count(*) FILTER (WHERE NOT answered AND wait_s <= short_abandon_s) AS short_abandoned,
       count(*) FILTER (WHERE answered AND wait_s <= threshold_s)         AS answered_within_t,
       count(*) FILTER (WHERE NOT answered AND wait_s <= threshold_s)     AS abandoned_within_t,
       coalesce(sum(wait_s) FILTER (WHERE answered), 0)                   AS sum_wait_answered_s,
       coalesce(sum(wait_s) FILTER (WHERE NOT answered), 0)               AS sum_wait_abandoned_s,
       count(*) FILTER (WHERE answered)                                   AS handled,
       coalesce(sum(talk_s) FILTER (WHERE answered), 0)                   AS sum_talk_s,
       coalesce(sum(hold_s) FILTER (WHERE answered), 0)                   AS sum_hold_s,
       coalesce(sum(acw_s) FILTER (WHERE answered), 0)                    AS sum_acw_s,
       count(*) FILTER (WHERE transferred)                                AS transferred,
       count(*) FILTER (WHERE resolved_first_contact)                     AS fcr_yes,
       count(resolved_first_contact)                                      AS fcr_rated,
       count(csat)                                                        AS csat_responses,
       count(*) FILTER (WHERE csat >= 4)                                  AS csat_top2,
       count(nps)                                                         AS nps_responses,
       count(*) FILTER (WHERE nps >= 9)                                   AS nps_promoters,
       count(*) FILTER (WHERE nps <= 6)                                   AS nps_detractors
FROM c
GROUP BY 1, 2, 3, 4
ORDER BY queue, interval_start_s

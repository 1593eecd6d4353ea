-- opsdeck reference aggregation: contact facts -> additive interval sums per queue x interval.
-- Dialect: DuckDB. {contacts} is the list of contact Parquet files named by facts/manifest.json
-- (never a glob: files not in the manifest are uncommitted leftovers).
-- The interval start is aligned in the queue calendar's local time: UTC arrival minus the
-- seconds elapsed in the local interval, so DST days get 46 or 50 half-hours and the two
-- repeated local 01:00 intervals of a fall-back night stay distinct.
WITH c AS (
  SELECT client, program, queue, interval_minutes, threshold_s, short_abandon_s,
         CAST(epoch(arrived_at) AS BIGINT)                           AS arrived_s,
         CAST(epoch(timezone(time_zone, arrived_at)) AS BIGINT)      AS arrived_local_s,
         answered_at IS NOT NULL                                     AS answered,
         CAST(epoch(coalesce(answered_at, ended_at)) AS BIGINT)
           - CAST(epoch(arrived_at) AS BIGINT)                       AS wait_s,
         talk_s, hold_s, acw_s, csat, nps, resolved_first_contact, transferred
  FROM read_parquet({contacts})
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
GROUP BY ALL
ORDER BY queue, interval_start_s

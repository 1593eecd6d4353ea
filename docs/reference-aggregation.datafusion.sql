-- opsdeck reference aggregation, Apache DataFusion dialect: the same logical query as
-- docs/reference-aggregation.sql (DuckDB); the differences, all small:
-- * zone arithmetic: DataFusion's timestamp types carry one zone per column, not per row, so the
--   local offset of each arrival comes from {zone_offsets}(time_zone, from_s, to_s, offset_s): the
--   UTC offset of each zone over spans where it is constant, made by the caller from the IANA
--   database for the years of the data (scripts/check_reference_sql.py);
-- * epoch seconds: to_unixtime(ts) instead of epoch(ts);
-- * grouping: the key expressions written out instead of GROUP BY ALL.
-- {contacts} is the UNION ALL of the contact Parquet files named by facts/manifest.json (never a
-- glob: files not in the manifest are uncommitted leftovers).
WITH c AS (
  SELECT client, program, queue, interval_minutes, threshold_s, short_abandon_s, time_zone,
         to_unixtime(arrived_at)                                      AS arrived_s,
         answered_at IS NOT NULL                                      AS answered,
         to_unixtime(coalesce(answered_at, ended_at)) - to_unixtime(arrived_at) AS wait_s,
         talk_s, hold_s, acw_s, csat, nps, resolved_first_contact, transferred
  FROM {contacts}
),
l AS (
  SELECT c.*, c.arrived_s + o.offset_s AS arrived_local_s
  FROM c JOIN {zone_offsets} o
    ON o.time_zone = c.time_zone AND c.arrived_s >= o.from_s AND c.arrived_s < o.to_s
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
FROM l
GROUP BY client, program, queue, arrived_s - (arrived_local_s % (interval_minutes * 60))
ORDER BY queue, interval_start_s

#!/usr/bin/env python3
"""Run the reference aggregation (docs/reference-aggregation*.sql) in a SQL engine over a
workspace's contact facts and diff the result with opsdeck's own interval facts, row for row and
column for column.

Usage: check_reference_sql.py WORKSPACE_DIR [--engine duckdb|datafusion|spark]
       (exit 0 identical, 1 different, 2 usage)

The engine reads the Parquet files the workspace's manifest names (never a glob). opsdeck's side
is read with pyarrow. DataFusion has no per-row time zone, so the UTC offsets of each queue's zone
are given to it as a table (zone_offsets) made here from the IANA database (zoneinfo).
"""
import argparse
import json
import os
import sys
import time

SUMS = ["offered", "answered", "abandoned", "short_abandoned", "answered_within_t", "abandoned_within_t",
        "sum_wait_answered_s", "sum_wait_abandoned_s", "handled", "sum_talk_s", "sum_hold_s", "sum_acw_s",
        "transferred", "fcr_yes", "fcr_rated", "csat_responses", "csat_top2", "nps_responses",
        "nps_promoters", "nps_detractors"]
KEYS = ["client", "program", "queue", "interval_start_s"]
HERE = os.path.dirname(os.path.abspath(__file__))


def sql_of(name):
    with open(os.path.join(HERE, "..", "docs", name)) as f:
        return f.read()


def quoted_list(paths):
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def zone_offsets(zones, lo_s, hi_s):
    """Spans [from_s, to_s) of constant UTC offset of each zone, covering lo_s..hi_s."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo
    rows = []
    for z in sorted(zones):
        tz = ZoneInfo(z)
        start = lo_s - 2 * 86400
        end = hi_s + 2 * 86400
        def off(t):
            return int(datetime.fromtimestamp(t, timezone.utc).astimezone(tz).utcoffset().total_seconds())
        t, cur = start, off(start)
        step = 3600
        span_from = start
        while t < end:
            n = t + step
            o = off(n)
            if o != cur:
                # find the exact second of the change
                a, b = t, n
                while b - a > 1:
                    m = (a + b) // 2
                    if off(m) == cur:
                        a = m
                    else:
                        b = m
                rows.append((z, span_from, b, cur))
                span_from, cur = b, o
            t = n
        rows.append((z, span_from, end + 1, cur))
    return rows


def run_duckdb(contacts):
    import duckdb
    con = duckdb.connect()
    sql = sql_of("reference-aggregation.sql").replace("{contacts}", quoted_list(contacts))
    return con.execute(sql).fetchall(), f"DuckDB {duckdb.__version__}"


def run_datafusion(contacts):
    import datafusion
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datafusion import SessionContext
    ctx = SessionContext()
    for i, p in enumerate(contacts):
        ctx.register_parquet(f"contacts_{i}", p)
    union = "(" + " UNION ALL ".join(f"SELECT * FROM contacts_{i}" for i in range(len(contacts))) + ")"
    # the zones and the time range of the data, to make the offsets table
    zones, lo, hi = set(), None, None
    for p in contacts:
        t = pq.read_table(p, columns=["time_zone", "arrived_at"])
        zones.update(t.column("time_zone").unique().to_pylist())
        secs = t.column("arrived_at").cast(pa.int64()).to_pylist()
        if secs:
            lo = min(secs) // 1_000_000 if lo is None else min(lo, min(secs) // 1_000_000)
            hi = max(secs) // 1_000_000 if hi is None else max(hi, max(secs) // 1_000_000)
    rows = zone_offsets(zones, lo, hi)
    offsets = pa.table({
        "time_zone": [r[0] for r in rows],
        "from_s": pa.array([r[1] for r in rows], pa.int64()),
        "to_s": pa.array([r[2] for r in rows], pa.int64()),
        "offset_s": pa.array([r[3] for r in rows], pa.int64()),
    })
    ctx.register_record_batches("zone_offsets", [offsets.to_batches()])
    sql = (sql_of("reference-aggregation.datafusion.sql")
           .replace("{contacts}", union + " AS contacts")
           .replace("{zone_offsets}", "zone_offsets"))
    batches = ctx.sql(sql).collect()
    out = []
    for b in batches:
        cols = [b.column(i).to_pylist() for i in range(b.num_columns)]
        out.extend(zip(*cols))
    return out, f"DataFusion {datafusion.__version__}"


def run_spark(contacts):
    import pyspark
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("opsdeck-reference-sql")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.read.parquet(*contacts).createOrReplaceTempView("contacts")
    rows = spark.sql(sql_of("reference-aggregation.spark.sql")).collect()
    out = [tuple(r) for r in rows]
    spark.stop()
    return out, f"Spark {pyspark.__version__} (local[2])"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workspace")
    ap.add_argument("--engine", default="duckdb", choices=["duckdb", "datafusion", "spark"])
    a = ap.parse_args()
    facts = os.path.join(a.workspace, "facts")
    with open(os.path.join(facts, "manifest.json")) as f:
        m = json.load(f)
    contacts = [os.path.join(facts, x["path"]) for x in m["contacts"]]
    intervals = [os.path.join(facts, x["path"]) for x in m["intervals"]]
    if not contacts:
        print("no contacts in the manifest", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    ref, engine = {"duckdb": run_duckdb, "datafusion": run_datafusion, "spark": run_spark}[a.engine](contacts)
    took = time.perf_counter() - t0
    ref = sorted(tuple(int(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x for x in r) for r in ref)

    # opsdeck's side, read with pyarrow: an interval whose contacts are stored in two month
    # partitions (UTC months) has a row in each partition's interval file, summed here
    import pyarrow as pa
    import pyarrow.parquet as pq
    ours = {}
    for p in intervals:
        t = pq.read_table(p)
        starts = t.column("interval_start").cast(pa.int64()).to_pylist()
        cols = {c: t.column(c).to_pylist() for c in ["client", "program", "queue"] + SUMS}
        for i, s in enumerate(starts):
            k = (cols["client"][i], cols["program"][i], cols["queue"][i], s // 1_000_000)
            v = ours.setdefault(k, [0] * len(SUMS))
            for j, c in enumerate(SUMS):
                v[j] += cols[c][i]
    ours = sorted(k + tuple(v) for k, v in ours.items())
    names = KEYS + SUMS
    if len(ref) != len(ours):
        print(f"DIFFERENT: the reference SQL on {engine} gives {len(ref)} rows, opsdeck stored {len(ours)}")
        return 1
    diffs = 0
    for x, y in zip(ref, ours):
        if tuple(x) != tuple(y):
            diffs += 1
            if diffs <= 10:
                bad = [f"{n}: sql={p} opsdeck={q}" for n, p, q in zip(names, x, y) if p != q]
                print("DIFFERENT", x[:4], "; ".join(bad))
    if diffs:
        print(f"DIFFERENT: {diffs} of {len(ref)} rows differ ({engine})")
        return 1
    total = sum(r[4] for r in ref)
    print(f"identical: {len(ref)} queue x interval rows, {len(names)} columns each, {total} contacts "
          f"({engine}, {took:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

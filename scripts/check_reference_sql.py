#!/usr/bin/env python3
"""Run the reference aggregation (docs/reference-aggregation*.sql) in a SQL engine over a
workspace's contact facts and diff the result with opsdeck's own interval facts, row for row and
column for column.

Usage: check_reference_sql.py WORKSPACE_DIR [--engine duckdb|datafusion|ballista|spark]
                               [--setup SETUP.json]
       (exit 0 identical, 1 different, 2 usage)

When the workspace holds case records and --setup (the JSON of `opsdeck setup show --format
json`, for each queue's zone) is given, the case day facts are checked too:
docs/reference-case-facts*.sql over the case records, diffed with opsdeck's facts/case_days.

The engine reads the Parquet files the workspace's manifest names (never a glob). opsdeck's side
is read with pyarrow. DataFusion has no per-row time zone, so the UTC offsets of each queue's zone
(zone_offsets) and the local days of each zone (zone_days) are given to it as tables made here
from the IANA database (zoneinfo). Ballista runs the DataFusion dialect on a scheduler and an
executor started in this process (its Python client, PyPI `ballista`).
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


def zone_days(zones, lo_s, hi_s):
    """Each local date of each zone from the day of lo_s to the day of hi_s, with the UTC seconds
    of its first instant and of the next day's."""
    from datetime import date, datetime, time, timedelta, timezone
    from zoneinfo import ZoneInfo
    rows = []
    for z in sorted(zones):
        tz = ZoneInfo(z)
        d = datetime.fromtimestamp(lo_s, timezone.utc).astimezone(tz).date() - timedelta(days=1)
        last = datetime.fromtimestamp(hi_s, timezone.utc).astimezone(tz).date() + timedelta(days=1)
        def start(x):
            return int(datetime.combine(x, time(0), tz).timestamp())
        while d <= last:
            rows.append((z, d, start(d), start(d + timedelta(days=1))))
            d += timedelta(days=1)
    return rows


CASE_COLS = ["client", "queue", "day", "priority", "opened", "resolved", "resolved_within_target",
             "reopened", "first_responses", "responded_within_target", "resolution_business_s",
             "resolution_actual_s", "backlog_0_1d", "backlog_1_3d", "backlog_3_7d", "backlog_7_30d",
             "backlog_over_30d", "breached_open"]


def case_zones(cases, setup):
    """The {zones} input: each queue with cases, its calendar's zone and its client's last update."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    cal = {c["id"]: c["time_zone"] for c in setup.get("calendar", [])}
    queue_zone = {q["id"]: cal[q["calendar"]] for q in setup.get("queue", [])}
    last, queue_client = {}, {}
    for p in cases:
        t = pq.read_table(p, columns=["client", "queue", "last_update_at"])
        ts = t.column("last_update_at").cast(pa.int64()).to_pylist()
        for c, q, x in zip(t.column("client").to_pylist(), t.column("queue").to_pylist(), ts):
            queue_client[q] = c
            last[c] = max(last.get(c, x), x)
    qs = sorted(queue_client)
    return pa.table({
        "queue": qs,
        "time_zone": [queue_zone[q] for q in qs],
        "data_end": pa.array([last[queue_client[q]] for q in qs], pa.timestamp("us", tz="UTC")),
    })


def run_duckdb(contacts):
    import duckdb
    con = duckdb.connect()
    sql = sql_of("reference-aggregation.sql").replace("{contacts}", quoted_list(contacts))
    return con.execute(sql).fetchall(), f"DuckDB {duckdb.__version__}"


_SESSIONS = {}


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def df_session(engine):
    """A DataFusion session and a function that registers a pyarrow table in it: DataFusion in
    this process, or (ballista) a client of a Ballista scheduler and executor started here on
    free ports. Ballista's plans cannot carry in-memory tables, so its tables are Parquet files
    in a temporary directory."""
    if engine in _SESSIONS:
        return _SESSIONS[engine]
    if engine == "datafusion":
        import datafusion
        from datafusion import SessionContext
        ctx = SessionContext()

        def register(name, table):
            ctx.register_record_batches(name, [table.to_batches()])
        label = f"DataFusion {datafusion.__version__}"
    else:
        import tempfile
        import datafusion
        import ballista
        import pyarrow.parquet as pq
        from ballista import BallistaExecutor, BallistaScheduler, BallistaSessionContext
        sp = free_port()
        scheduler = BallistaScheduler(bind_host="127.0.0.1", bind_port=sp)
        scheduler.start()
        # the executor registers once at start (and gives up if the scheduler does not answer
        # yet): wait until the scheduler listens
        import socket
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", sp), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        executor = BallistaExecutor(bind_port=free_port(), bind_host="127.0.0.1",
                                    scheduler_host="127.0.0.1", scheduler_port=sp, concurrent_tasks=2)
        executor.start()
        ctx = BallistaSessionContext(f"df://127.0.0.1:{sp}")
        ctx._opsdeck_cluster = (scheduler, executor)  # kept alive with the session
        tmp = tempfile.mkdtemp(prefix="opsdeck-ballista-")

        def register(name, table):
            path = os.path.join(tmp, f"{name}.parquet")
            pq.write_table(table, path)
            ctx.register_parquet(name, path)
        label = (f"Ballista {ballista.__version__} (scheduler and executor in this process, "
                 f"DataFusion {datafusion.__version__})")
    _SESSIONS[engine] = (ctx, register, label)
    return _SESSIONS[engine]


def df_collect(ctx, sql):
    """Run `sql` and return its rows (a Ballista executor may still be registering: retried
    for up to 30 s)."""
    for attempt in range(30):
        try:
            batches = ctx.sql(sql).collect()
            break
        except Exception:
            if attempt == 29:
                raise
            time.sleep(1)
    out = []
    for b in batches:
        cols = [b.column(i).to_pylist() for i in range(b.num_columns)]
        out.extend(zip(*cols))
    return out


def run_datafusion(contacts, engine="datafusion"):
    import pyarrow as pa
    import pyarrow.parquet as pq
    ctx, register, label = df_session(engine)
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
    register("zone_offsets", offsets)
    sql = (sql_of("reference-aggregation.datafusion.sql")
           .replace("{contacts}", union + " AS contacts")
           .replace("{zone_offsets}", "zone_offsets"))
    return df_collect(ctx, sql), label


def spark_session():
    """Spark in local mode on this machine's two cores, its session zone UTC."""
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("opsdeck-reference-sql")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run_spark(contacts):
    import pyspark
    spark = spark_session()
    spark.read.parquet(*contacts).createOrReplaceTempView("contacts")
    rows = spark.sql(sql_of("reference-aggregation.spark.sql")).collect()
    return [tuple(r) for r in rows], f"Spark {pyspark.__version__} (local[2])"


def run_cases(engine, cases, zones):
    """The case day facts by the engine's dialect of docs/reference-case-facts.sql."""
    if engine == "duckdb":
        import duckdb
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.register("zones", zones)
        sql = (sql_of("reference-case-facts.sql")
               .replace("{cases}", "read_parquet(" + quoted_list(cases) + ")")
               .replace("{zones}", "zones"))
        return con.execute(sql).fetchall()
    if engine in ("datafusion", "ballista"):
        import pyarrow as pa
        ctx, register, _ = df_session(engine)
        for i, p in enumerate(cases):
            ctx.register_parquet(f"cases_{i}", p)
        union = "(" + " UNION ALL ".join(f"SELECT * FROM cases_{i}" for i in range(len(cases))) + ")"
        register("zones", zones)
        import pyarrow.parquet as pq
        lo = min(pq.read_table(p, columns=["opened_at"]).column("opened_at").cast(pa.int64()).to_pylist() or [0]
                 for p in cases)
        lo = min(lo) // 1_000_000
        hi = max(zones.column("data_end").cast(pa.int64()).to_pylist()) // 1_000_000
        rows = zone_days(set(zones.column("time_zone").to_pylist()), lo, hi)
        days = pa.table({
            "time_zone": [r[0] for r in rows],
            "day": pa.array([r[1] for r in rows], pa.date32()),
            "start_s": pa.array([r[2] for r in rows], pa.int64()),
            "end_s": pa.array([r[3] for r in rows], pa.int64()),
        })
        register("zone_days", days)
        sql = (sql_of("reference-case-facts.datafusion.sql")
               .replace("{cases}", union)
               .replace("{zones}", "zones").replace("{zone_days}", "zone_days"))
        return df_collect(ctx, sql)
    spark = spark_session()
    spark.read.parquet(*cases).createOrReplaceTempView("cases")
    rows = zip(zones.column("queue").to_pylist(), zones.column("time_zone").to_pylist(),
               zones.column("data_end").to_pylist())
    spark.createDataFrame(list(rows), "queue string, time_zone string, data_end timestamp") \
        .createOrReplaceTempView("zones")
    sql = sql_of("reference-case-facts.spark.sql").replace("{cases}", "cases").replace("{zones}", "zones")
    return [tuple(r) for r in spark.sql(sql).collect()]


def check_cases(engine, name, m, facts, setup):
    import pyarrow.parquet as pq
    cases = [os.path.join(facts, x["path"]) for x in m.get("cases", [])]
    days = [os.path.join(facts, x["path"]) for x in m.get("case_days", [])]
    zones = case_zones(cases, setup)
    t0 = time.perf_counter()
    ref = sorted(tuple(r) for r in run_cases(engine, cases, zones))
    took = time.perf_counter() - t0
    ours = []
    for p in days:
        t = pq.read_table(p, columns=CASE_COLS)
        cols = [t.column(c).to_pylist() for c in CASE_COLS]
        ours.extend(zip(*cols))
    ours = sorted(ours)
    ref = [tuple(int(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x for x in r) for r in ref]
    if ref == ours:
        print(f"identical: {len(ref)} queue x day x priority case rows, {len(CASE_COLS)} columns each, "
              f"{sum(r[4] for r in ref)} cases opened ({name}, {took:.2f} s)")
        return 0
    print(f"DIFFERENT: the case facts SQL on {name} gives {len(ref)} rows, opsdeck stored {len(ours)}")
    gs, ws = set(ref), set(ours)
    for r in sorted(ws - gs)[:5]:
        print("DIFFERENT opsdeck only:", r)
    for r in sorted(gs - ws)[:5]:
        print("DIFFERENT sql only:", r)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workspace")
    ap.add_argument("--engine", default="duckdb", choices=["duckdb", "datafusion", "ballista", "spark"])
    ap.add_argument("--setup", help="the JSON of `opsdeck setup show --format json` (queue zones)")
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
    ref, engine = {"duckdb": run_duckdb, "datafusion": run_datafusion, "spark": run_spark,
                   "ballista": lambda c: run_datafusion(c, "ballista")}[a.engine](contacts)
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
    if m.get("cases"):
        if not a.setup:
            print("notice: the workspace has case records; give --setup to check its case facts too")
            return 0
        with open(a.setup) as f:
            setup = json.load(f)
        return check_cases(a.engine, engine, m, facts, setup)
    return 0


if __name__ == "__main__":
    sys.exit(main())

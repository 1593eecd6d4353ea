#!/usr/bin/env python3
"""Run docs/reference-case-facts.sql in DuckDB over a workspace's case records and compare with
opsdeck's own case day facts, row for row and column for column.

    compare_case_days.py WORKSPACE --zone QUEUE=ZONE [--zone ...] [--sql docs/reference-case-facts.sql]

The files read are those the workspace's manifest names (never a glob). Prints one JSON line:
{"rows": N, "identical": true|false, "sql_s": seconds, "differences": [...first 10...]};
exit status 1 when the rows differ.
"""
import argparse
import json
import os
import sys
import time

import duckdb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workspace")
    ap.add_argument("--zone", action="append", default=[], help="QUEUE=IANA zone")
    ap.add_argument("--sql", default=os.path.join(os.path.dirname(__file__), "..", "docs", "reference-case-facts.sql"))
    a = ap.parse_args()
    facts = os.path.join(a.workspace, "facts")
    with open(os.path.join(facts, "manifest.json")) as f:
        m = json.load(f)
    cases = [os.path.join(facts, x["path"]) for x in m.get("cases", [])]
    days = [os.path.join(facts, x["path"]) for x in m.get("case_days", [])]
    if not cases:
        print("compare_case_days: the workspace has no case records", file=sys.stderr)
        return 2
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    listed = ", ".join("'" + c.replace("'", "''") + "'" for c in cases)
    con.execute(f"CREATE TABLE cases AS SELECT * FROM read_parquet([{listed}])")
    zones = [z.split("=", 1) for z in a.zone]
    con.execute("CREATE TABLE queue_zone (queue VARCHAR, time_zone VARCHAR)")
    con.executemany("INSERT INTO queue_zone VALUES (?, ?)", zones)
    con.execute("""CREATE TABLE zones AS
        SELECT q.queue, q.time_zone, e.data_end
        FROM queue_zone q
        JOIN (SELECT DISTINCT client, queue FROM cases) cq USING (queue)
        JOIN (SELECT client, max(last_update_at) AS data_end FROM cases GROUP BY client) e USING (client)""")
    with open(a.sql) as f:
        sql = f.read().replace("{cases}", "cases").replace("{zones}", "zones")
    t0 = time.perf_counter()
    got = con.execute(sql).fetchall()
    sql_s = time.perf_counter() - t0
    cols = ["client", "queue", "day", "priority", "opened", "resolved", "resolved_within_target",
            "reopened", "first_responses", "responded_within_target", "resolution_business_s",
            "resolution_actual_s", "backlog_0_1d", "backlog_1_3d", "backlog_3_7d", "backlog_7_30d",
            "backlog_over_30d", "breached_open"]
    want = con.execute(
        f"SELECT {', '.join(cols)} FROM read_parquet(?) ORDER BY client, queue, day, priority", [days]
    ).fetchall()
    got = [tuple(r) for r in got]
    want = [tuple(r) for r in want]
    diffs = []
    if got != want:
        gs, ws = set(got), set(want)
        for r in sorted(ws - gs)[:5]:
            diffs.append({"opsdeck_only": [str(x) for x in r]})
        for r in sorted(gs - ws)[:5]:
            diffs.append({"sql_only": [str(x) for x in r]})
    out = {"rows": len(want), "sql_rows": len(got), "identical": got == want,
           "sql_s": round(sql_s, 4), "differences": diffs}
    print(json.dumps(out))
    return 0 if got == want else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Run docs/reference-aggregation.sql in DuckDB over a workspace's contact facts and diff the
result with opsdeck's own interval facts, row for row and column for column.

Usage: check_reference_sql.py WORKSPACE_DIR      (exit 0 identical, 1 different, 2 usage)
"""
import json
import os
import sys

import duckdb

SUMS = ["offered", "answered", "abandoned", "short_abandoned", "answered_within_t", "abandoned_within_t",
        "sum_wait_answered_s", "sum_wait_abandoned_s", "handled", "sum_talk_s", "sum_hold_s", "sum_acw_s",
        "transferred", "fcr_yes", "fcr_rated", "csat_responses", "csat_top2", "nps_responses",
        "nps_promoters", "nps_detractors"]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    ws = sys.argv[1]
    facts = os.path.join(ws, "facts")
    with open(os.path.join(facts, "manifest.json")) as f:
        m = json.load(f)
    contacts = [os.path.join(facts, x["path"]) for x in m["contacts"]]
    intervals = [os.path.join(facts, x["path"]) for x in m["intervals"]]
    if not contacts:
        print("no contacts in the manifest", file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "docs", "reference-aggregation.sql")) as f:
        sql = f.read()
    con = duckdb.connect()
    lst = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in contacts) + "]"
    ref = con.execute(sql.replace("{contacts}", lst)).fetchall()
    ilst = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in intervals) + "]"
    # an interval whose contacts are stored in two month partitions (UTC months) has a row in
    # each partition's interval file: readers sum them (one row per queue x interval)
    cols = ", ".join(f"CAST(SUM({c}) AS BIGINT) AS {c}" for c in SUMS)
    ours = con.execute(
        f"SELECT client, program, queue, CAST(epoch(interval_start) AS BIGINT) AS interval_start_s, {cols} "
        f"FROM read_parquet({ilst}) GROUP BY client, program, queue, interval_start_s "
        f"ORDER BY queue, interval_start_s").fetchall()
    names = ["client", "program", "queue", "interval_start_s"] + SUMS
    if len(ref) != len(ours):
        print(f"DIFFERENT: reference SQL gives {len(ref)} rows, opsdeck stored {len(ours)}")
        return 1
    diffs = 0
    for a, b in zip(ref, ours):
        if tuple(a) != tuple(b):
            diffs += 1
            if diffs <= 10:
                bad = [f"{n}: sql={x} opsdeck={y}" for n, x, y in zip(names, a, b) if x != y]
                print("DIFFERENT", a[:4], "; ".join(bad))
    total = sum(r[4] for r in ref)
    if diffs:
        print(f"DIFFERENT: {diffs} of {len(ref)} rows differ")
        return 1
    print(f"identical: {len(ref)} queue x interval rows, {len(names)} columns each, {total} contacts "
          f"(DuckDB {duckdb.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

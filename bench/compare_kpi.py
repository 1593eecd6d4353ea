#!/usr/bin/env python3
"""Compare an `opsdeck kpi` CSV with the DuckDB peer's KPI CSV (kpi_peer.py --out), value for value.

    compare_kpi.py OPSDECK.csv PEER.csv [--rel-tol 1e-9]

Rules:
  * same rows in the same order (sorted by queue, interval_start in both);
  * queue and interval_start as text, exactly;
  * integer columns (offered, answered, abandoned, answered_within_*) exactly;
    opsdeck's `answered_within_threshold` is compared with the peer's `answered_within_20s`;
  * float columns (service_level, asa_s, aht_s, abandon_rate, and opsdeck's csat_top2_rate, a
    fraction, against the peer's csat_top2_pct divided by 100): both empty (NULL), or both
    numbers with |a - b| <= rel_tol * max(|a|, |b|);
  * opsdeck's extra columns are checked for consistency: interval_start_utc must be
    interval_start as UTC ("YYYY-MM-DDTHH:MM:SSZ", valid because opsdeck runs with the default
    UTC zone here) and service_level_variant must be "offered" (the peer's SL = within / offered).

Prints one JSON line: identical (bool), rows, float cells compared, float cells that are
bit-identical as printed, the largest relative difference, and the first mismatches.
Exit status 0 if identical, 1 if not, 2 on a usage / file error. Standard library only.
"""
import argparse
import csv
import json
import math
import sys

KEY_COLS = ["queue", "interval_start"]
INT_COLS = [("offered", "offered"), ("answered", "answered"), ("abandoned", "abandoned"),
            ("answered_within_threshold", "answered_within_20s")]
# (opsdeck column, peer column, factor applied to the peer's value)
FLOAT_COLS = [("service_level", "service_level", 1.0), ("asa_s", "asa_s", 1.0),
              ("aht_s", "aht_s", 1.0), ("abandon_rate", "abandon_rate", 1.0),
              ("csat_top2_rate", "csat_top2_pct", 0.01)]


def read(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        return header, list(r)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("opsdeck_csv")
    ap.add_argument("peer_csv")
    ap.add_argument("--rel-tol", type=float, default=1e-9)
    ap.add_argument("--max-report", type=int, default=10, help="mismatches listed in the JSON")
    a = ap.parse_args()

    try:
        oh, orows = read(a.opsdeck_csv)
        ph, prows = read(a.peer_csv)
    except (OSError, StopIteration) as e:
        print(json.dumps({"identical": False, "error": f"cannot read: {e}"}))
        return 2
    oi = {c: i for i, c in enumerate(oh)}
    pi = {c: i for i, c in enumerate(ph)}
    missing = [c for c in KEY_COLS + [o for o, _ in INT_COLS] + [o for o, _, _ in FLOAT_COLS]
               + ["interval_start_utc", "service_level_variant"] if c not in oi]
    missing += [f"peer:{c}" for c in KEY_COLS + [p for _, p in INT_COLS] + [p for _, p, _ in FLOAT_COLS]
                if c not in pi]
    if missing:
        print(json.dumps({"identical": False, "error": f"missing columns: {missing}",
                          "opsdeck_header": oh, "peer_header": ph}))
        return 1

    mism = []
    n_mism = 0
    float_cells = float_exact = 0
    max_rel = 0.0

    def bad(i, col, x, y):
        nonlocal n_mism
        n_mism += 1
        if len(mism) < a.max_report:
            mism.append({"row": i, "column": col, "opsdeck": x, "peer": y})

    if len(orows) != len(prows):
        bad(-1, "<row count>", len(orows), len(prows))
    for i, (o, p) in enumerate(zip(orows, prows)):
        for c in KEY_COLS:
            if o[oi[c]] != p[pi[c]]:
                bad(i, c, o[oi[c]], p[pi[c]])
        for oc, pc in INT_COLS:
            x, y = o[oi[oc]], p[pi[pc]]
            try:
                if int(x) != int(y):
                    bad(i, oc, x, y)
            except ValueError:
                bad(i, oc, x, y)
        for c, pc, factor in FLOAT_COLS:
            x, y = o[oi[c]], p[pi[pc]]
            if x == "" or y == "":
                if x != y:
                    bad(i, c, x, y)
                continue
            float_cells += 1
            try:
                fx, fy = float(x), float(y) * factor
            except ValueError:
                bad(i, c, x, y)
                continue
            if fx == fy:
                float_exact += 1
                continue
            if not (math.isfinite(fx) and math.isfinite(fy)):
                bad(i, c, x, y)
                continue
            rel = abs(fx - fy) / max(abs(fx), abs(fy))
            max_rel = max(max_rel, rel)
            if rel > a.rel_tol:
                bad(i, c, x, y)
        # opsdeck-only columns
        utc = o[oi["interval_start_utc"]]
        if utc != o[oi["interval_start"]].replace(" ", "T") + "Z":
            bad(i, "interval_start_utc", utc, o[oi["interval_start"]])
        if o[oi["service_level_variant"]] != "offered":
            bad(i, "service_level_variant", o[oi["service_level_variant"]], "offered")

    res = {"identical": n_mism == 0, "rows": len(orows), "peer_rows": len(prows),
           "float_cells": float_cells, "float_cells_equal_as_f64": float_exact,
           "max_rel_diff": max_rel, "rel_tol": a.rel_tol, "mismatches": n_mism, "first_mismatches": mism}
    print(json.dumps(res))
    return 0 if n_mism == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

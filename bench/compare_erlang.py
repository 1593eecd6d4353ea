#!/usr/bin/env python3
"""Compare `opsdeck staffing` output with erlang_peer.py (pyworkforce) output, row by row.

    compare_erlang.py OPSDECK.csv PEER.csv

raw_agents / agents must equal raw_positions / positions on every row; service_level,
occupancy and wait_probability must agree to 1e-9 relative (1e-12 absolute), empty where the
peer's are empty (zero calls). Prints one JSON line; exit status 1 on any difference.
Standard library only.
"""
import csv
import json
import sys


def main():
    ours = list(csv.DictReader(open(sys.argv[1], newline="")))
    peer = list(csv.DictReader(open(sys.argv[2], newline="")))
    counts = floats = 0
    first = []
    if len(ours) != len(peer):
        print(json.dumps({"identical": False, "error": f"{len(ours)} rows vs {len(peer)}"}))
        sys.exit(1)
    for o, p in zip(ours, peer):
        if o["interval_id"] != p["interval_id"] or (o["raw_agents"], o["agents"]) != (p["raw_positions"], p["positions"]):
            counts += 1
            if len(first) < 5:
                first.append({"id": p["interval_id"], "ours": [o["raw_agents"], o["agents"]],
                              "peer": [p["raw_positions"], p["positions"]]})
            continue
        for a, b in (("service_level", "service_level"), ("occupancy", "occupancy"),
                     ("wait_probability", "waiting_probability")):
            x, y = o[a], p[b]
            if (x == "") != (y == "") or (x and abs(float(x) - float(y)) > 1e-12 + 1e-9 * abs(float(y))):
                floats += 1
                if len(first) < 5:
                    first.append({"id": p["interval_id"], "field": a, "ours": x, "peer": y})
    ok = counts == 0 and floats == 0
    print(json.dumps({"identical": ok, "rows": len(peer), "agent_count_mismatches": counts,
                      "float_mismatches": floats, "first_mismatches": first}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

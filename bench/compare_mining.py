#!/usr/bin/env python3
"""Compare opsdeck's `mine summary --format json --top 0` with a peer's `--out` JSON
(pm4py_peer.py or polars_mining_peer.py): events, cases, every DFG edge (count exactly, mean
seconds to 1e-6 relative), start / end activity counts and every variant with its case count.

    compare_mining.py OPSDECK_SUMMARY.json PEER.json

Prints one JSON line {"identical": bool, "checked": {...}, "mismatches": [...]}. Standard library only.
"""
import json
import sys


def main():
    ours = json.load(open(sys.argv[1]))
    peer = json.load(open(sys.argv[2]))
    bad = []

    def check(what, a, b):
        if a != b:
            bad.append({"what": what, "opsdeck": a, "peer": b})

    check("events", ours["events"], peer["events"])
    check("cases", ours["cases"], peer["cases"])
    edges = {(e["from"], e["to"]): e for e in ours["bottlenecks"]}
    check("edge set", sorted(map(list, edges)), sorted([e["from"], e["to"]] for e in peer["dfg"]))
    for e in peer["dfg"]:
        o = edges.get((e["from"], e["to"]))
        if o is None:
            continue
        check(f"count {e['from']} -> {e['to']}", o["count"], e["count"])
        m, pm = o["mean_s"], e["mean_s"]
        if m is None or abs(m - pm) > 1e-6 * max(abs(pm), 1e-9):
            bad.append({"what": f"mean_s {e['from']} -> {e['to']}", "opsdeck": m, "peer": pm})
    for key in ("start_activities", "end_activities"):
        check(key, {a["activity"]: a["count"] for a in ours[key]}, peer[key])
    ov = {tuple(v["variant"]): v["count"] for v in ours["top_variants"]}
    pv = {tuple(v["variant"]): v["count"] for v in peer["variants"]}
    check("variant count", len(ov), len(pv))
    diff = [k for k in set(ov) | set(pv) if ov.get(k) != pv.get(k)]
    if diff:
        bad.append({"what": "variants", "differ": len(diff), "first": [list(diff[0]), ov.get(diff[0]), pv.get(diff[0])]})
    print(json.dumps({"identical": not bad,
                      "checked": {"edges": len(peer["dfg"]), "variants": len(pv)},
                      "mismatches": bad[:10]}))
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())

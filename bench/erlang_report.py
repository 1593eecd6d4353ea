#!/usr/bin/env python3
"""Markdown table of bench/erlang.sh runs: opsdeck staffing vs pyworkforce, rows/s and ratio.

    erlang_report.py --command CMD RUN_DIR...

Reads opsdeck_time.json (timeit_cmd.py), peer.json (erlang_peer.py), compare.json and loadavg
from each run folder. Standard library only.
"""
import argparse
import json
import os
import platform


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--command", required=True)
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    print(f"Command: `{a.command}` ({platform.node()}, {os.cpu_count()} CPUs)\n")
    print("| rows | opsdeck best s (end to end) | opsdeck rows/s | pyworkforce best s (loop only) | pyworkforce rows/s | ratio | agents equal | load avg |")
    print("|---:|---:|---:|---:|---:|---:|---|---|")
    for d in a.dirs:
        t = json.load(open(os.path.join(d, "opsdeck_time.json")))
        p = json.load(open(os.path.join(d, "peer.json")))
        c = json.load(open(os.path.join(d, "compare.json")))
        load = open(os.path.join(d, "loadavg")).read().strip()
        rows = p["rows"]
        best = t["best_s"]
        ours = rows / best
        theirs = p["rows_per_s"]
        eq = "yes" if c.get("identical") else f"NO ({c.get('agent_count_mismatches')} counts, {c.get('float_mismatches')} floats)"
        print(f"| {rows:,} | {best:.4f} | {ours:,.0f} | {p['best_s']:.3f} | {theirs:,.0f} | {ours / theirs:,.0f}x | {eq} | {load} |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Markdown table of bench/forecast.sh: per series, WAPE / MASE / seconds of opsdeck's backtest
and of the statsforecast peers on the same folds. Standard library only.

    forecast_report.py --bin BIN --command CMD OUT_DIR...
"""
import argparse
import json
import os
import subprocess


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    ver = subprocess.run([a.bin, "--version"], capture_output=True, text=True).stdout.strip()
    try:
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
    except OSError:
        load = ["?"]
    print(f"Command: `{a.command}` ({ver}; load average at the end {' '.join(load)}; "
          f"{os.cpu_count()} CPUs)\n")
    print("| series | method | WAPE | MASE | 80 % interval coverage | seconds (all folds) |")
    print("|---|---|---:|---:|---:|---:|")
    for d in a.dirs:
        name = os.path.basename(d)
        ours = json.load(open(os.path.join(d, "opsdeck.json")))
        t = json.load(open(os.path.join(d, "opsdeck_time.json")))
        secs = t.get("best_s") or t.get("min_s") or (t.get("times_s") or [None])[0]
        for r in ours:
            cov = r.get("interval_coverage")
            s = f"{secs:.2f} (whole process)" if r["method"] == "opsdeck" and secs else ""
            print(f"| {name} | opsdeck: {r['method']} | {r['wape']:.4f} | {r['mase']:.4f} | "
                  f"{'' if cov is None else f'{cov:.3f}'} | {s} |")
        peer = json.load(open(os.path.join(d, "peer.json")))
        for m, r in peer["models"].items():
            print(f"| {name} | statsforecast: {m} | {r['wape']:.4f} | {r['mase']:.4f} | | "
                  f"{r['fit_predict_s']:.2f} (fit+predict) |")
    print("\nopsdeck's seasonal-naive rows use the same interval of the previous open day / of the same "
          "weekday in the latest week with data; statsforecast's count rows (lag m = rows per day, "
          "weekly = m × open days per week), which differs around missing days.")


if __name__ == "__main__":
    main()

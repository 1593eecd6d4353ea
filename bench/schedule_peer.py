#!/usr/bin/env python3
"""pyworkforce 0.5.1 shift selection (OR-Tools CP-SAT) on an `opsdeck schedule` instance.

    schedule_peer.py REQ.csv SHIFTS.toml [--time-limit 60] [--workers 2]

Builds pyworkforce's inputs from the same files -- required_resources[day][period] and one 0/1
coverage array per shift (breaks as 0) -- and runs MinRequiredResources (min cost, coverage >=
requirement) and MinAbsDifference (min sum |coverage - requirement|). Only for instances
pyworkforce can express: zone UTC, whole days, every shift on every day, no shift crossing
midnight (pyworkforce wraps such a shift into the same day), integer costs. Prints one JSON
line: per model status, wall time of solve(), shift cost, shortage, over-coverage and
sum |coverage - requirement| computed from the returned counts.
"""
import argparse
import csv
import json
import time
import tomllib
from datetime import datetime


def minutes(s):
    s = s.strip()
    if ":" in s:
        h, m = s.split(":")
        return int(h) * 60 + int(m)
    total, num = 0, ""
    for c in s:
        if c.isdigit():
            num += c
        else:
            total += int(num) * (60 if c == "h" else 1)
            num = ""
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("req")
    ap.add_argument("shifts")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources

    spec = tomllib.load(open(a.shifts, "rb"))
    assert spec.get("zone", "UTC") == "UTC", "the peer handles UTC instances only"
    step = spec.get("interval_minutes", 30)
    per_day = 1440 // step
    rows = list(csv.DictReader(open(a.req, newline="")))
    stamps = [datetime.fromisoformat(r["interval_start"]) for r in rows]
    day0 = min(stamps).date()
    days = (max(stamps).date() - day0).days + 1
    req = [[0] * per_day for _ in range(days)]
    listed = [[False] * per_day for _ in range(days)]
    for t, r in zip(stamps, rows):
        d, p = (t.date() - day0).days, (t.hour * 60 + t.minute) // step
        req[d][p] = int(r["required"])
        listed[d][p] = True
    coverage, cost = {}, {}
    for s in spec["shift"]:
        st, ln = minutes(s["start"]), minutes(s["length"])
        assert st + ln <= 1440, f"shift {s['name']} crosses midnight"
        assert "days" not in s, "the peer needs every shift on every day"
        arr = [0] * per_day
        for p in range(per_day):
            m = p * step
            if st <= m and m + step <= st + ln:
                arr[p] = 1
        for b in s.get("breaks", []):
            bs = st + minutes(b["after"])
            be = bs + minutes(b["length"])
            for p in range(per_day):
                m = p * step
                if m < be and m + step > bs:
                    arr[p] = 0
        coverage[s["name"]] = arr
        c = s.get("cost", ln / 60)
        assert float(c).is_integer(), "pyworkforce needs integer costs"
        cost[s["name"]] = int(c)
    peak = max(max(r) for r in req)
    common = dict(num_days=days, periods=per_day, shifts_coverage=coverage, required_resources=req,
                  max_period_concurrency=max(10, 4 * peak), max_shift_concurrency=max(10, 2 * peak),
                  max_search_time=a.time_limit, num_search_workers=a.workers)

    def measure(sol):
        cov = [[0] * per_day for _ in range(days)]
        total_cost = 0
        for x in sol.get("resources_shifts", []):
            if x["day"] < 0:
                return {}
            n = x["resources"]
            total_cost += n * cost[x["shift"]]
            for p in range(per_day):
                cov[x["day"]][p] += n * coverage[x["shift"]][p]
        short = over = 0
        for d in range(days):
            for p in range(per_day):
                if listed[d][p]:
                    short += max(0, req[d][p] - cov[d][p])
                    over += max(0, cov[d][p] - req[d][p])
        return {"shift_cost": total_cost, "shortage": short, "over": over, "abs_deviation": short + over,
                "agents": sum(x["resources"] for x in sol["resources_shifts"])}

    out = {"script": "schedule_peer", "days": days, "periods_per_day": per_day, "shifts": len(coverage),
           "time_limit_s": a.time_limit}
    for name, cls, kw in (("min_required_resources", MinRequiredResources, {"cost_dict": cost}),
                          ("min_abs_difference", MinAbsDifference, {})):
        t0 = time.perf_counter()
        sol = cls(**common, **kw).solve()
        wall = time.perf_counter() - t0
        out[name] = {"status": sol["status"], "solve_s": round(wall, 3), "objective": sol["cost"], **measure(sol)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Oracle of `opsdeck mine` on a log with lifecycle transitions: pm4py's interval conversion
of BPI Challenge 2012 and its interval-aware statistics, written as a small JSON file that
crates/opsdeck-cli/tests/mine.rs compares opsdeck against.

pm4py (AGPL) is only run here, never copied. Steps:
  1. pm4py.read_xes(LOG) -> DataFrame of the events as recorded (SCHEDULE / START / COMPLETE).
  2. pm4py.objects.log.util.interval_lifecycle.to_interval on the event-log object: each
     COMPLETE paired with the earliest unmatched START of the same activity in the case;
     other transitions dropped; traces sorted by start (stable).
  3. On the interval log: pm4py.discover_dfg and pm4py.discover_performance_dfg
     (perf_aggregation_key="all", business_hours=False) -> per edge count, mean, median and
     sum of seconds (start of the next instance - completion of this one, negative kept); pm4py.get_service_time (start_timestamp -> time:timestamp; mean and
     sum) per activity over every instance (an instance without a START lasts 0 s);
     numpy statistics (count, sum, mean, median, 90th percentile with numpy's linear
     interpolation, max) of the instances that had a START; pm4py.get_variants (count, top 15);
     pm4py.get_rework_cases_per_activity.
  4. On the events as recorded: per activity the cases with more than one event of any
     transition (what counting every event as an occurrence calls rework) and with more than one
     COMPLETE; the cases and events kept by pm4py.filter_time_range (modes traces_contained,
     traces_starting_in, events) and pm4py.filter_event_attribute_values (level="case") /
     filter_trace_attribute_values, alone and chained.
pm4py 2.7.23.11 ships no sojourn-time statistic (pm4py/statistics/sojourn_time is empty);
get_service_time is its interval-aware per-activity time.

Usage (from the repository root, with the peers venv: bash scripts/peers-venv.sh --full prints
its path):
  VENV/bin/python bench/pm4py_lifecycle_oracle.py \
    ../shared/data/bpi2012_loan_application/bpic2012.xes.gz \
    --out crates/opsdeck-cli/tests/fixtures/pm4py_bpi2012_lifecycle.json
"""
import argparse
import datetime as dt
import hashlib
import json
import os
import sys


def stats(values):
    import numpy as np
    if len(values) == 0:
        return {"count": 0}
    v = np.asarray(values, dtype=float)
    return {
        "count": int(v.size),
        "total_s": float(v.sum()),
        "mean_s": float(v.mean()),
        "median_s": float(np.percentile(v, 50)),
        "p90_s": float(np.percentile(v, 90)),
        "max_s": float(v.max()),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared", "peers"))
    try:
        from _common import quiet_pm4py_banner
        quiet_pm4py_banner()
    except ImportError:
        pass
    import warnings
    warnings.filterwarnings("ignore")
    import pandas as pd
    import pm4py
    from pm4py.objects.log.util import interval_lifecycle

    case, act, ts, tr = "case:concept:name", "concept:name", "time:timestamp", "lifecycle:transition"
    df = pm4py.read_xes(a.log)
    log = pm4py.convert_to_event_log(df)
    ilog = interval_lifecycle.to_interval(log)
    idf = pm4py.convert_to_dataframe(ilog)
    start = "start_timestamp"

    # the interval log: directly-follows graph with counts and times
    freq, starts, ends = pm4py.discover_dfg(ilog)
    perf, _, _ = pm4py.discover_performance_dfg(idf, business_hours=False, perf_aggregation_key="all")
    edges = []
    for (x, y), n in sorted(freq.items()):
        p = perf[(x, y)]
        edges.append({"from": x, "to": y, "count": int(n), "mean_s": float(p["mean"]),
                      "median_s": float(p["median"]), "sum_s": float(p["sum"])})

    # service time per activity: pm4py's over every instance, numpy's over started instances
    svc = {m: pm4py.get_service_time(idf, aggregation_measure=m, start_timestamp_key=start)
           for m in ("mean", "sum")}
    started_col = "@@startevent_" + act
    activities = {}
    for name, g in idf.groupby(act):
        dur = (g[ts] - g[start]).dt.total_seconds()
        had_start = g[started_col].notna() if started_col in g else pd.Series(False, index=g.index)
        activities[name] = {
            "instances": int(len(g)),
            "cases": int(g[case].nunique()),
            "started": int(had_start.sum()),
            "service_started": stats(dur[had_start].tolist()),
            "pm4py_service_time": {m: float(svc[m][name]) for m in ("mean", "sum")},
        }

    # on an event-log object pm4py lists a variant's traces, on a DataFrame it counts them
    variants = {k: (v if isinstance(v, int) else len(v)) for k, v in pm4py.get_variants(ilog).items()}
    top = sorted(variants.items(), key=lambda kv: (-kv[1], list(kv[0])))[:15]
    rework = pm4py.get_rework_cases_per_activity(ilog)

    # the events as recorded
    per_case = df.groupby([act, case]).size()
    any_repeat = (per_case > 1).groupby(level=0).sum()
    comp = df[df[tr].str.lower() == "complete"].groupby([act, case]).size()
    complete_repeat = (comp > 1).groupby(level=0).sum()
    events_by_transition = {k: int(v) for k, v in df[tr].value_counts().items()}

    utc = dt.timezone.utc
    d1 = dt.datetime(2011, 11, 1, tzinfo=utc)
    d2 = dt.datetime(2011, 12, 1, tzinfo=utc) - dt.timedelta(microseconds=1)

    def kept(f):
        return {"cases": int(f[case].nunique()), "events": int(len(f))}

    filters = {
        "from": "2011-11-01T00:00:00Z", "to": "2011-11-30T23:59:59.999999Z",
        "traces_contained": kept(pm4py.filter_time_range(df, d1, d2, mode="traces_contained")),
        "traces_starting_in": kept(pm4py.filter_time_range(df, d1, d2, mode="traces_starting_in")),
        "events": kept(pm4py.filter_time_range(df, d1, d2, mode="events")),
        "resource_11169_or_10972": kept(pm4py.filter_event_attribute_values(
            df, "org:resource", ["11169", "10972"], level="case", retain=True)),
        "amount_5000_or_10000": kept(pm4py.filter_trace_attribute_values(
            df, "case:AMOUNT_REQ", ["5000", "10000"], retain=True)),
    }
    chained = pm4py.filter_trace_attribute_values(df, "case:AMOUNT_REQ", ["5000", "10000"], retain=True)
    chained = pm4py.filter_event_attribute_values(chained, "org:resource", ["11169", "10972"], level="case", retain=True)
    chained = pm4py.filter_time_range(chained, d1, d2, mode="traces_contained")
    filters["amount_and_resource_and_contained"] = kept(chained)

    with open(a.log, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    out = {
        "made_by": f"python3 {' '.join(sys.argv)} (pm4py {pm4py.__version__}, pandas {pd.__version__})",
        "log_sha256": sha,
        "events": int(len(df)),
        "cases": int(df[case].nunique()),
        "events_by_transition": events_by_transition,
        "instances": int(len(idf)),
        "activities": activities,
        "dfg": edges,
        "start_activities": {k: int(v) for k, v in sorted(starts.items())},
        "end_activities": {k: int(v) for k, v in sorted(ends.items())},
        "n_variants": len(variants),
        "top_variants": [{"variant": list(k), "count": int(v)} for k, v in top],
        "rework_cases": {k: int(v) for k, v in sorted(rework.items())},
        "recorded_repeat_cases": {k: int(v) for k, v in sorted(any_repeat.items()) if v > 0},
        "recorded_repeat_complete_cases": {k: int(v) for k, v in sorted(complete_repeat.items()) if v > 0},
        "filters": filters,
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()

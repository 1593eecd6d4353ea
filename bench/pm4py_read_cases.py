#!/usr/bin/env python3
"""pm4py reading a ServiceNow-shaped case log, the peer of `opsdeck ingest cases`'s read:
pandas reads the CSV, pm4py.format_dataframe names case, activity and timestamp, parses the
timestamps (day-first, minute resolution) and orders the events by case and time. Prints one
JSON line: events, cases, seconds (inside the process; the caller times the whole process).

    pm4py_read_cases.py LOG.csv
"""
import json
import sys
import time

t0 = time.perf_counter()
import pandas as pd  # noqa: E402
import pm4py  # noqa: E402

t_import = time.perf_counter() - t0
t1 = time.perf_counter()
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
df = pm4py.format_dataframe(
    df,
    case_id="number",
    activity_key="incident_state",
    timestamp_key="sys_updated_at",
    timest_format="%d/%m/%Y %H:%M",
)
cases = df["case:concept:name"].nunique()
print(json.dumps({"events": len(df), "cases": int(cases), "import_s": round(t_import, 3),
                  "read_s": round(time.perf_counter() - t1, 3)}))

#!/usr/bin/env python3
"""Facts about the ServiceNow incident log's own `made_sla` flag and first rows, quoted in
docs/sla-clocks-servicenow.md: on which state's row the flag first turns false, and how a
case's first recorded row relates to its `opened_at`. Standard library only.

usage: python3 scripts/servicenow-made-sla-facts.py [LOG.csv.gz]
"""
import collections
import csv
import datetime as dt
import gzip
import sys

DEFAULT = "../shared/data/servicenow_incident_event_log/incident_events_opened_before_cut.csv.gz"


def stamp(s):
    return dt.datetime.strptime(s, "%d/%m/%Y %H:%M")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    cases = collections.defaultdict(list)
    with gzip.open(path, "rt", newline="") as f:
        for r in csv.DictReader(f):
            cases[r["number"]].append(r)
    flips = collections.Counter()
    last_false = 0
    first_state = collections.Counter()
    first_vs_open = collections.Counter()
    for rows in cases.values():
        rows.sort(key=lambda r: (stamp(r["sys_updated_at"]), int(r["sys_mod_count"])))
        last_false += rows[-1]["made_sla"] == "false"
        for r in rows:
            if r["made_sla"] == "false":
                flips[r["incident_state"]] += 1
                break
        first_state[rows[0]["incident_state"]] += 1
        lag = stamp(rows[0]["sys_updated_at"]) - stamp(rows[0]["opened_at"])
        first_vs_open["after opened_at" if lag.total_seconds() > 0 else
                      "at opened_at" if lag.total_seconds() == 0 else "before opened_at"] += 1
    print(f"incidents: {len(cases)}")
    print(f"made_sla false on the last row: {last_false}")
    print("state of the row on which made_sla first turns false:",
          ", ".join(f"{k} {v}" for k, v in flips.most_common()))
    print("state of the first recorded row:",
          ", ".join(f"{k} {v}" for k, v in first_state.most_common()))
    print("first recorded row vs opened_at:",
          ", ".join(f"{k} {v}" for k, v in first_vs_open.most_common()))


if __name__ == "__main__":
    main()

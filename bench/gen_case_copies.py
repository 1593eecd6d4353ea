#!/usr/bin/env python3
"""Write the ServiceNow incident log replicated N times as one plain CSV of the columns the
servicenow-incident profile reads, each copy's incident numbers suffixed (-1, -2, ...), so that
N = 98 gives ~10 M updates with the real log's shape.

    gen_case_copies.py SOURCE.csv.gz OUT.csv --copies N
Standard library only; streams (constant memory).
"""
import argparse
import csv
import gzip

COLS = ["number", "incident_state", "sys_updated_at", "opened_at", "priority",
        "assignment_group", "assigned_to"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("--copies", type=int, required=True)
    a = ap.parse_args()
    rows = 0
    with open(a.out, "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(COLS)
        for k in range(1, a.copies + 1):
            with gzip.open(a.source, "rt", newline="") as f:
                r = csv.DictReader(f)
                for row in r:
                    v = [row[c] for c in COLS]
                    if a.copies > 1:
                        v[0] = f"{v[0]}-{k}"
                    w.writerow(v)
                    rows += 1
    print(rows)


if __name__ == "__main__":
    main()

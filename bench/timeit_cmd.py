#!/usr/bin/env python3
"""Run a command N times and print one JSON line with its wall-clock times (perf_counter).

    timeit_cmd.py [--repeat 3] [--stderr FILE] [--stdout FILE] [--ok-codes 0] -- CMD [ARGS...]

Each run is a fresh process (so the times include process start, reading the file and writing
the output: the same "file -> result" scope as the peers' end-to-end figures). Standard output
and standard error of the last run are kept in --stdout / --stderr (else discarded). Per run, the
child's user + system CPU seconds and peak RSS are taken from wait4(), and the CPU seconds that
all other processes used meanwhile (from /proc/stat) are recorded as a noise indicator. Exit status 1 if any run
exits with a code outside --ok-codes. Standard library only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def busy_s():
    """CPU seconds spent by the whole machine (all CPUs, not idle / iowait) since boot."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--stderr", default=None, help="keep the last run's standard error here")
    ap.add_argument("--stdout", default=None, help="keep the last run's standard output here (else discarded)")
    ap.add_argument("--ok-codes", default="0", help="comma-separated acceptable exit codes")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command given")
    ok = {int(c) for c in a.ok_codes.split(",")}

    runs = []
    for k in range(a.repeat):
        err = open(a.stderr, "wb") if a.stderr else subprocess.DEVNULL
        out = open(a.stdout, "wb") if a.stdout else subprocess.DEVNULL
        try:
            b0 = busy_s()
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=out, stderr=err)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            b1 = busy_s()
            p.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if a.stderr:
                err.close()
            if a.stdout:
                out.close()
        runs.append({"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "user_s": ru.ru_utime,
                     "sys_s": ru.ru_stime, "max_rss_kb": ru.ru_maxrss, "rc": p.returncode,
                     # CPU time used by everything else on the machine meanwhile (noise indicator)
                     "others_cpu_s": None if b0 is None or b1 is None else
                     max(0.0, b1 - b0 - ru.ru_utime - ru.ru_stime)})
        if p.returncode not in ok:
            print(json.dumps({"error": f"run {k + 1} exited with {p.returncode}", "cmd": cmd, "runs": runs}))
            return 1

    walls = [r["wall_s"] for r in runs]
    best = min(runs, key=lambda r: r["wall_s"])
    print(json.dumps({"cmd": cmd, "repeat": a.repeat, "best_s": best["wall_s"], "median_s": statistics.median(walls),
                      "best_cpu_s": best["cpu_s"],
                      "best_others_cpu_s": best["others_cpu_s"], "max_rss_kb": max(r["max_rss_kb"] for r in runs),
                      "runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Compare the wall-clock time of commands run interleaved: A, B, B, A, A, B, ...

    ab_cmd.py [--runs 30] [--before 'COMMAND'] --cmd 'LABEL=COMMAND ARGS...' --cmd ... [...]

Each run is a fresh process with standard output and error discarded. The order alternates
every round, so a machine that speeds up or slows down during the comparison (a shared VM does,
by tens of percent from one minute to the next) weighs on every command alike. Prints, per
command, the minimum, quartile, median and 90th percentile of the wall time and the median
user and system CPU time of the child (from getrusage). `--before` runs a command, untimed,
before every timed run: e.g. a process that fills and frees 1.5 GB, as the peers do before
opsdeck's runs in bench/mining.sh, so that memory comes back to opsdeck as it would there.
Standard library only.
"""
import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time


def split(ap, what, command):
    """The argument list of COMMAND as a shell would split it; a usage error if it can't be."""
    try:
        argv = shlex.split(command)
    except ValueError as e:
        ap.error(f"{what}: cannot split {command!r}: {e}")
    if not argv:
        ap.error(f"{what}: the command is empty")
    return argv


def run(label, argv, stderr):
    """Run ARGV to the end with its output discarded; exit with a clear message if it fails."""
    try:
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=stderr)
    except OSError as e:
        sys.exit(f"ab_cmd.py: {label}: cannot start {argv[0]!r}: {e.strerror} (is the path right?)")
    if done.returncode != 0:
        sys.exit(
            f"ab_cmd.py: {label} exited with status {done.returncode}: {shlex.join(argv)}"
            " (run it alone to see its message)"
        )


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--cmd", action="append", required=True, help="LABEL=COMMAND (split like a shell would)")
    ap.add_argument("--before", default=None, help="a command run (untimed) before every timed run")
    a = ap.parse_args()
    if a.runs < 1:
        ap.error(f"--runs wants a positive number of rounds, got {a.runs}")
    cmds = []
    for spec in a.cmd:
        label, sep, command = spec.partition("=")
        if not sep or not label or not command.strip():
            ap.error(f"--cmd wants LABEL=COMMAND, got {spec!r}")
        cmds.append((label, split(ap, f"--cmd {label}", command)))
    if len({label for label, _ in cmds}) < len(cmds):
        ap.error("--cmd labels must differ from one another")
    before = split(ap, "--before", a.before) if a.before is not None else None
    wall = {label: [] for label, _ in cmds}
    cpu = {label: [] for label, _ in cmds}
    for k in range(a.runs):
        for label, argv in cmds if k % 2 == 0 else cmds[::-1]:
            if before:
                run("--before", before, stderr=None)
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            run(label, argv, stderr=subprocess.DEVNULL)
            wall[label].append(time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[label].append((r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime))
    print("| command | runs | min ms | p25 ms | median ms | p90 ms | median user ms | median sys ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, _ in cmds:
        ts = sorted(wall[label])
        user = statistics.median(c[0] for c in cpu[label])
        sys_ = statistics.median(c[1] for c in cpu[label])
        print(
            f"| {label} | {len(ts)} | {ts[0] * 1e3:.1f} | {ts[len(ts) // 4] * 1e3:.1f} | {statistics.median(ts) * 1e3:.1f} "
            f"| {ts[int(len(ts) * 0.9)] * 1e3:.1f} | {user * 1e3:.1f} | {sys_ * 1e3:.1f} |"
        )
    print(f"\n(load average after: {' '.join(open('/proc/loadavg').read().split()[:3])}; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()

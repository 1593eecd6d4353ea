#!/usr/bin/env python3
"""Render the results of bench/kpi.sh as markdown: the comparison table, details, machine facts.

    kpi_report.py --bin target/release/opsdeck RUN_DIR/out/contacts_1000000.csv [...]

Each input directory holds what kpi.sh wrote for one input file:
  opsdeck_time.json  bench/timeit_cmd.py output for `opsdeck kpi` (best of N wall-clock)
  opsdeck.stderr     opsdeck's summary line ("... rows read, ... queue×interval rows")
  peer.json          the last stdout line of kpi_peer.py (DuckDB and Polars figures)
  compare.json       bench/compare_kpi.py output (opsdeck vs DuckDB, value for value)
Every figure printed comes from those files or from this machine; nothing is typed in.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys


def load(d, name):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        txt = f.read().strip()
    if not txt:
        return None
    if name.endswith(".json"):
        return json.loads(txt.splitlines()[-1])
    return txt


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_total_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def available_parallelism():
    """What Rust's std::thread::available_parallelism() sees on Linux: the CPU affinity mask,
    lowered by a cgroup v2 CPU quota if one is set."""
    n = len(os.sched_getaffinity(0))
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()
        if quota != "max":
            n = min(n, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return n


def parquet_row_groups(path):
    try:
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_row_groups
    except Exception:  # noqa: BLE001 - informative only
        return None


def fmt_s(x):
    if x is None:
        return "n/a"
    return f"{x:.3f}" if x < 10 else f"{x:.2f}"


def fmt_int(x):
    return "n/a" if x is None else f"{x:,}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="the opsdeck binary that was timed")
    ap.add_argument("--command", default=None, help="the command line that produced the run (printed)")
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()

    workers = min(max(available_parallelism(), 1), 8)  # read.rs: available_parallelism().clamp(1, 8)
    rows_out, details, threads_notes = [], [], []
    all_identical = True
    peer_versions = {}
    for d in a.dirs:
        name = os.path.basename(os.path.normpath(d))
        t = load(d, "opsdeck_time.json") or {}
        peer = load(d, "peer.json") or {}
        cmp_ = load(d, "compare.json") or {}
        pt = load(d, "peer_time.json") or {}
        err = load(d, "opsdeck.stderr") or ""
        m = re.search(r"(\d+) rows read, (\d+) skipped by the profile, (\d+) rejected; (\d+) queue", err)
        o_rows, o_skip, o_rej, o_groups = (int(g) for g in m.groups()) if m else (None,) * 4
        duck, pol = peer.get("duckdb", {}), peer.get("polars", {})
        for eng, r in (("DuckDB", duck), ("Polars", pol)):
            if r:
                peer_versions[eng] = (r.get("version"), r.get("threads"))
        rows = peer.get("rows", o_rows)
        groups = peer.get("groups")
        o_s = t.get("best_s")
        d_s, p_s = duck.get("e2e_s"), pol.get("e2e_s")
        identical = bool(cmp_.get("identical")) and o_rows == rows and o_skip == 0 and o_rej == 0
        all_identical &= identical
        if identical:
            ident = "yes"
        elif cmp_.get("error"):
            ident = f"no ({cmp_['error']})"
        else:
            ident = f"no ({cmp_.get('mismatches', '?')} mismatching cells)"
        ratio = (d_s / o_s) if (o_s and d_s) else None
        grp = fmt_int(groups) if groups == o_groups else f"{fmt_int(o_groups)} vs {fmt_int(groups)}"
        size_mb = peer.get("bytes", 0) / 1e6
        size = f"{size_mb:,.0f} MB" if size_mb >= 10 else f"{size_mb:.1f} MB"
        rows_out.append(
            f"| {name} | {size} | {fmt_int(rows)} | {grp} | **{fmt_s(o_s)}** | {fmt_s(d_s)} | {fmt_s(p_s)} | "
            f"{fmt_int(round(rows / o_s)) if rows and o_s else 'n/a'} | "
            f"{'n/a' if ratio is None else f'{ratio:.2f}x'} | {ident} |")
        runs = ", ".join(fmt_s(r["wall_s"]) for r in t.get("runs", []))
        cpu = t.get("best_cpu_s")
        util = f"{cpu / o_s:.2f}" if (cpu is not None and o_s) else "n/a"
        details.append(
            f"| {name} | {runs} | {fmt_s(cpu)} | {util} | {t.get('max_rss_kb', 0) / 1024:,.0f} | "
            f"{fmt_s(duck.get('load_s'))} / {fmt_s(duck.get('agg_s'))} | "
            f"{fmt_s(pol.get('load_s'))} / {fmt_s(pol.get('agg_s'))} | "
            f"{'yes' if peer.get('results_match') else 'no'} | "
            f"{cmp_.get('float_cells_equal_as_f64', 'n/a'):,} of {cmp_.get('float_cells', 0):,}, "
            f"max rel. diff {cmp_.get('max_rel_diff', float('nan')):.1e} | "
            + f"{fmt_s(t.get('best_others_cpu_s'))} / {fmt_s(pt.get('best_others_cpu_s'))} |")
        inp = peer.get("input", "")
        if inp.endswith(".parquet"):
            rg = parquet_row_groups(inp)
            if rg is not None:
                threads_notes.append(f"{name} {rg}")

    print("| input | size | rows | groups | opsdeck s | DuckDB s | Polars s | opsdeck rows/s | DuckDB s / opsdeck s | "
          "identical to DuckDB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print("\n".join(rows_out))
    print()
    print("opsdeck s: best of the wall-clock times of separate `opsdeck kpi` processes (file -> KPI CSV written). "
          "DuckDB s / Polars s: the peer's end-to-end time (file -> result in one query, best of its repeats). "
          "DuckDB s / opsdeck s > 1 means opsdeck is faster.")
    print()
    print("Details:")
    print()
    print("| input | opsdeck runs s | opsdeck CPU s (best run) | CPU / wall | opsdeck peak RSS MiB | DuckDB load / agg s | "
          "Polars load / agg s | DuckDB = Polars | float cells equal as f64 | others' CPU s: best opsdeck run / whole peer run |")
    print("|---|---|---:|---:|---:|---|---|---|---|---|")
    print("\n".join(details))
    print()

    git = sh("git", "rev-parse", "--short", "HEAD")
    dirty = sh("git", "status", "--porcelain", "--untracked-files=no")
    print("Machine and versions:")
    print()
    print(f"- CPU: {cpu_model()}; nproc {sh('nproc')}; os.cpu_count {os.cpu_count()}; "
          f"memory {mem_total_gib():.1f} GiB")
    print(f"- OS: {platform.platform(terse=True)} (kernel {platform.release()})")
    print(f"- opsdeck: `{sh(a.bin, '--version')}`, release profile, built with `{sh('rustc', '--version')}`; "
          f"git {git or 'n/a'}{' + uncommitted changes' if dirty else ''}")
    print(f"- opsdeck threads: std::thread::available_parallelism() = {available_parallelism()} -> {workers} worker "
          f"thread(s) (the engine clamps it to 1..8) besides the main thread; CPU / wall above shows the "
          f"parallelism reached"
          + (f"; Parquet row groups: {'; '.join(threads_notes)}" if threads_notes else "") + ")")
    print(f"- Python {platform.python_version()}; "
          + "; ".join(f"{e} {v} ({th} threads)" for e, (v, th) in peer_versions.items()))
    if a.command:
        print(f"- command: `{a.command}`")
    print()
    print(f"All inputs identical to DuckDB: {'yes' if all_identical else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

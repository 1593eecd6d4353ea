#!/usr/bin/env python3
"""Time `opsdeck ingest contacts` and `opsdeck kpi` on hostile CSV files beside a normal file
of the same size: no line end at all, one runaway quote near the top, one 80 MB quoted field.

    hostile.py --opsdeck BIN --source CONTACTS.csv --dir SCRATCH [--sizes 10,100,1000] [--repeat 3]

CONTACTS.csv is a canonical contact export at least as large as the largest size (the peers'
`gen_contacts.py --rows 10000000 --seed 3`, 975 MB, as bench/kpi.sh makes it). For each size S
(MB) the script writes into SCRATCH:
  normal-S.csv    the first whole lines of CONTACTS.csv, S MB
  nonl-S.csv      S MB of text without a line end (not even after a header)
  runaway-S.csv   normal-S.csv with `,voice,` on line 3 turned into `,"voice,` (a stray quote)
and for S = 100 also field80-100.csv: 20 MB of rows, one row whose agent field is a quoted
80 MB text, then the rest of normal-100.csv's rows up to 100 MB.
Each ingest runs into a fresh copy of a workspace that holds only the setup (the 8 queues of the
generator); runs are fresh processes (timeit_cmd.py: best wall time of --repeat, peak RSS).
Prints a markdown table; exit codes are shown as they are (1 refused file, 3 rows rejected,
4 batch refused by the reject limit). Standard library only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
QUEUES = ["billing", "collections", "general", "onboarding", "retention", "sales", "tech_support", "vip"]
MB = 1_000_000


def setup_toml():
    s = '''[[site]]
id = "s1"
name = "Site one"
country = "GB"
time_zone = "UTC"
cost_per_productive_hour = 20.0

[[client]]
id = "c1"
name = "Client one"

[[program]]
id = "p1"
name = "Program one"
client = "c1"
sites = ["s1"]

[[calendar]]
id = "utc"
time_zone = "UTC"
'''
    for q in QUEUES:
        s += f'\n[[queue]]\nid = "{q}"\nname = "{q}"\nprogram = "p1"\nchannel = "voice"\ncalendar = "utc"\n'
    return s


def write_normal(src, path, size):
    """The first whole lines of SRC adding up to at most SIZE bytes."""
    with open(src, "rb") as f, open(path, "wb") as out:
        data = f.read(size)
        cut = data.rfind(b"\n") + 1
        out.write(data[:cut])


def write_nonl(path, size):
    with open(path, "wb") as out:
        block = b"a" * MB
        for _ in range(size // MB):
            out.write(block)


def write_runaway(normal, path):
    with open(normal, "rb") as f:
        data = f.read()
    lines = data.split(b"\n", 3)
    assert b",voice," in lines[2], lines[2]
    lines[2] = lines[2].replace(b",voice,", b',"voice,', 1)
    with open(path, "wb") as out:
        out.write(b"\n".join(lines))


def write_field80(normal, path, size):
    with open(normal, "rb") as f:
        data = f.read()
    head = data[: data.rfind(b"\n", 0, 20 * MB) + 1]
    first = data[len(head):].split(b"\n", 1)[0].split(b",")
    first[9] = b'"' + b"x" * (80 * MB) + b'"'
    row = b",".join(first) + b"\n"
    rest_budget = size - len(head) - len(row)
    tail = data[len(head):]
    tail = tail[tail.find(b"\n") + 1:]
    tail = tail[: tail.rfind(b"\n", 0, max(rest_budget, 0)) + 1]
    with open(path, "wb") as out:
        out.write(head + row + tail)


def timeit(cmd, repeat, codes="0,1,3,4"):
    out = subprocess.run([sys.executable, os.path.join(HERE, "timeit_cmd.py"), "--repeat", str(repeat),
                          "--ok-codes", codes, "--"] + cmd, capture_output=True, text=True)
    r = json.loads(out.stdout)
    if "error" in r:
        raise SystemExit(f"hostile.py: {r['error']}: {' '.join(cmd)}")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--opsdeck", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--sizes", default="10,100,1000")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    os.makedirs(a.dir, exist_ok=True)
    if os.path.getsize(a.source) < max(sizes) * MB * 0.97:
        raise SystemExit(f"hostile.py: {a.source} is smaller than {max(sizes)} MB")
    base = os.path.join(a.dir, "ws-setup")
    if not os.path.isdir(base):
        with open(os.path.join(a.dir, "setup.toml"), "w") as f:
            f.write(setup_toml())
        subprocess.run([a.opsdeck, "--home", base, "setup", "apply", os.path.join(a.dir, "setup.toml")],
                       check=True, stdout=subprocess.DEVNULL)
    files = []
    for s in sizes:
        normal = os.path.join(a.dir, f"normal-{s}.csv")
        if not os.path.exists(normal):
            write_normal(a.source, normal, s * MB)
        files.append((s, "normal", normal))
        p = os.path.join(a.dir, f"nonl-{s}.csv")
        if not os.path.exists(p):
            write_nonl(p, s * MB)
        files.append((s, "no line end", p))
        p = os.path.join(a.dir, f"runaway-{s}.csv")
        if not os.path.exists(p):
            write_runaway(normal, p)
        files.append((s, "runaway quote on line 3", p))
        if s == 100:
            p = os.path.join(a.dir, "field80-100.csv")
            if not os.path.exists(p):
                write_field80(normal, p, s * MB)
            files.append((s, "one 80 MB field", p))
    ws = os.path.join(a.dir, "ws")
    rows = []
    for s, kind, path in files:
        ingest = timeit(["bash", "-c", 'rm -rf "$1" && cp -r "$2" "$1" && exec "$3" --home "$1" ingest contacts "$4"',
                         "_", ws, base, a.opsdeck, path], a.repeat)
        kpi = timeit([a.opsdeck, "kpi", "--input", path, "--format", "csv", "-o", os.devnull], a.repeat)
        rows.append((s, kind, os.path.getsize(path), ingest, kpi))
        print(f"{kind} {s} MB: ingest {ingest['best_s']:.2f} s, kpi {kpi['best_s']:.2f} s", file=sys.stderr)
    shutil.rmtree(ws, ignore_errors=True)
    normal = {s: (i["best_s"], k["best_s"]) for s, kind, _, i, k in rows if kind == "normal"}
    print("| file | size | ingest s | × normal | peak MB | exit | kpi s | × normal | peak MB | exit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s, kind, size, i, k in rows:
        ni, nk = normal[s]
        print(f"| {kind} | {size / MB:,.0f} MB | {i['best_s']:.2f} | {i['best_s'] / ni:.2f} | "
              f"{i['max_rss_kb'] / 1024:,.0f} | {i['runs'][-1]['rc']} | {k['best_s']:.2f} | {k['best_s'] / nk:.2f} | "
              f"{k['max_rss_kb'] / 1024:,.0f} | {k['runs'][-1]['rc']} |")


if __name__ == "__main__":
    sys.exit(main())

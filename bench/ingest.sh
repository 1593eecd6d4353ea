#!/usr/bin/env bash
# `opsdeck ingest contacts` next to DuckDB's CSV -> Parquet partitioned by month (zstd), on the
# peers' generated contacts, wall time and peak memory side by side in one run.
#
#   bash bench/ingest.sh [--rows 1000000,10000000] [--repeat 3] [--skip-build]
#
# For each row count: gen_contacts.py --rows N --seed 3 (8 queues, 14 months; kept between
# runs), then, each in a fresh process:
#   1. DuckDB 2.0 (the peers' venv): COPY ... TO (FORMAT parquet, PARTITION_BY (month),
#      COMPRESSION zstd) — bench/duckdb_ingest.py;
#   2. opsdeck ingest contacts into a new workspace (London calendar, so a few rows fall in the
#      spring-forward gap and are quarantined: exit 3 is expected);
#   1 and 2 alternate --repeat times (best of each reported, with the median);
#   3. the same file again (known by its digest: nothing read again);
#   4. the same rows in a file that differs by one trailing blank line (read again, row by
#      row: every contact found already stored);
#   5. the same again as a corrected export (--replace: each stored record compared, none
#      changed);
#   6. a day's increment: 1,000 new contacts into the stored workspace;
#   7. opsdeck scorecard over the stored facts — unchanged by the ingest path.
# A size above 10 M (e.g. --rows 100000000 --repeat 1) is made of copies of the 10 M-row file
# with distinct ids (the generator would need its rows in memory).
# Results: RUN_DIR/ingest-report.md.
#
# Environment: CARGO_TARGET_DIR (release build; default target), OPSDECK_BENCH_DIR (scratch;
# default target/bench-ingest).
set -euo pipefail
ROWS=1000000,10000000
REPEAT=3
SKIP_BUILD=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) ROWS=${2:?--rows needs a value}; shift 2 ;;
    --repeat) REPEAT=${2:?--repeat needs a value}; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "ingest.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $CARGO_TARGET_DIR = /* ]] || CARGO_TARGET_DIR=$REPO/$CARGO_TARGET_DIR
log() { printf '[ingest.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
source bench/lib.sh
peers_bench ingest.sh bench-ingest
london_setup > "$RUN_DIR/setup.toml"
out=$RUN_DIR/out; rm -rf "$out"; mkdir -p "$out"
timeit() { # name, ok codes, command...
  local name=$1 ok=$2; shift 2
  "$PY" bench/timeit_cmd.py --repeat 1 --ok-codes "$ok" --stdout "$out/$name.txt" -- "$@" > "$out/$name.json"
}
IFS=, read -r -a sizes <<< "$ROWS"
for n in "${sizes[@]}"; do
  csv=$RUN_DIR/peers/data/contacts_$n.csv
  if (( n > 10000000 )); then
    # the generator holds its rows in memory: a larger file is copies of the 10 M-row one,
    # each copy's contact ids prefixed with its number (so every row is a new contact)
    base=$RUN_DIR/peers/data/contacts_10000000.csv
    if [[ ! -s $base ]]; then
      log "generating 10000000 contacts"
      (cd "$RUN_DIR/peers" && "$PY" gen_contacts.py --rows 10000000 --seed 3 --formats csv --out-prefix "data/contacts_10000000" | tail -n 1) >&2
    fi
    if [[ ! -s $csv ]]; then
      log "writing $n contacts as $(( n / 10000000 )) copies of the 10 M-row file"
      { head -n 1 "$base"
        for k in $(seq $(( n / 10000000 ))); do
          tail -n +2 "$base" | sed "s/^/k$k-/"
        done; } > "$csv"
    fi
  elif [[ ! -s $csv ]]; then
    log "generating $n contacts"
    (cd "$RUN_DIR/peers" && "$PY" gen_contacts.py --rows "$n" --seed 3 --formats csv --out-prefix "data/contacts_$n" | tail -n 1) >&2
  fi
  ws=$RUN_DIR/ws_$n
  # DuckDB and the first ingest, alternately, $REPEAT times each (each on a fresh output)
  for r in $(seq "$REPEAT"); do
    wait_idle
    log "$n: DuckDB (run $r)"
    rm -rf "$RUN_DIR/duckdb_$n"
    timeit "duckdb_${n}_$r" 0 "$PY" bench/duckdb_ingest.py "$csv" "$RUN_DIR/duckdb_$n"
    log "$n: opsdeck ingest (run $r)"
    rm -rf "$ws"
    "$BIN" --home "$ws" setup apply "$RUN_DIR/setup.toml" > /dev/null
    timeit "first_${n}_$r" 0,3 "$BIN" --home "$ws" ingest contacts "$csv"
  done
  log "$n: the same file again"
  timeit "same_$n" 0,3 "$BIN" --home "$ws" ingest contacts "$csv"
  log "$n: the same rows, other bytes"
  cp "$csv" "$RUN_DIR/other.csv"; echo >> "$RUN_DIR/other.csv"
  timeit "rows_$n" 0,3 "$BIN" --home "$ws" ingest contacts "$RUN_DIR/other.csv"
  log "$n: the same rows as a corrected export (--replace)"
  echo >> "$RUN_DIR/other.csv"
  timeit "replace_$n" 0,3 "$BIN" --home "$ws" ingest contacts --replace "$RUN_DIR/other.csv"
  rm -f "$RUN_DIR/other.csv"
  log "$n: 1,000 new contacts into the stored workspace"
  { head -n 1 "$csv"; tail -n 1000 "$csv" | sed 's/^/day-/'; } > "$RUN_DIR/increment.csv"
  timeit "increment_$n" 0,3 "$BIN" --home "$ws" ingest contacts "$RUN_DIR/increment.csv"
  rm -f "$RUN_DIR/increment.csv"
  timeit "kpi_$n" 0 "$BIN" --home "$ws" scorecard --by month --format json
  rm -rf "$RUN_DIR/duckdb_$n"
done
"$PY" - "$out" "$ROWS" <<'PY' | tee "$RUN_DIR/ingest-report.md"
import json, sys
out, rows = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
import glob, statistics
def runs(key, n):
    """Best and median of the repeated runs (one JSON per run), or the one run."""
    files = sorted(glob.glob(f"{out}/{key}_{n}_*.json")) or [f"{out}/{key}_{n}.json"]
    js = [json.load(open(f)) for f in files]
    best = min(js, key=lambda j: j["best_s"])
    return best, statistics.median(j["best_s"] for j in js), len(js)
print("| contacts | step | wall s (best) | median s | runs | peak RSS MB | vs DuckDB (best) |")
print("|---:|---|---:|---:|---:|---:|---:|")
notes = []
for n in rows:
    d, _, _ = runs("duckdb", n)
    steps = [("duckdb", "DuckDB: CSV → Parquet by month, zstd"),
             ("first", "`opsdeck ingest contacts` (new workspace)"),
             ("same", "the same file again (digest: not read)"),
             ("rows", "the same rows, other bytes (read, all already stored)"),
             ("replace", "the same rows as a corrected export (`--replace`, none changed)"),
             ("increment", "1,000 new contacts into the stored workspace"),
             ("kpi", "`opsdeck scorecard --by month` over the facts")]
    for key, label in steps:
        j, med, k = runs(key, n)
        ratio = "" if key in ("duckdb", "kpi") else f"{j['best_s'] / d['best_s']:.2f}×"
        print(f"| {n:,} | {label} | {j['best_s']:.2f} | {med:.2f} | {k} | {j['max_rss_kb'] / 1024:.0f} | {ratio} |")
    first = runs("first", n)[0]["best_s"]
    for key, what in (("same", "the same file again"), ("rows", "the same rows, other bytes"),
                      ("replace", "the same rows as a corrected export")):
        j, _, _ = runs(key, n)
        notes.append(f"- {n:,} contacts, {what}: {100 * j['best_s'] / first:.0f} % of the first ingest")
print()
print("\n".join(notes))
PY

#!/usr/bin/env bash
# Time the reference aggregation (docs/reference-aggregation*.sql) on DuckDB, DataFusion and
# Spark local (and Ballista, where its client was built) over the same contact facts, next to
# `opsdeck facts rebuild` (opsdeck's own
# aggregation of those files), each checked identical to opsdeck's interval facts.
#
#   bash bench/reference_sql.sh [--rows 10000000] [--skip-build]
#
# The contacts are the peers' gen_contacts.py --rows N --seed 3 (8 queues), ingested into a
# workspace whose queues run on a Europe/London calendar (so DST nights are in the data). Then,
# once each: `opsdeck facts rebuild` (wall, peak RSS), and scripts/check-reference-sql.sh
# --engine E for each engine (the engine's own time as the checker prints it, process wall and
# peak RSS). Results go to RUN_DIR/reference-sql-report.md.
#
# Environment: CARGO_TARGET_DIR (release build; default target), OPSDECK_BENCH_DIR (scratch;
# default target/bench-reference-sql).
set -euo pipefail
ROWS=10000000
SKIP_BUILD=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) ROWS=${2:?--rows needs a value}; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "reference_sql.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $CARGO_TARGET_DIR = /* ]] || CARGO_TARGET_DIR=$REPO/$CARGO_TARGET_DIR
log() { printf '[reference_sql.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
source bench/lib.sh
peers_bench reference_sql.sh bench-reference-sql
csv=$RUN_DIR/peers/data/contacts_$ROWS.csv
if [[ ! -s $csv ]]; then
  log "generating $ROWS contacts"
  (cd "$RUN_DIR/peers" && "$PY" gen_contacts.py --rows "$ROWS" --seed 3 --formats csv --out-prefix "data/contacts_$ROWS" | tail -n 1) >&2
fi
ws=$RUN_DIR/ws_$ROWS
if [[ ! -s $ws/facts/manifest.json ]]; then
  rm -rf "$ws"
  london_setup > "$RUN_DIR/setup.toml"
  "$BIN" --home "$ws" setup apply "$RUN_DIR/setup.toml" > /dev/null
  log "ingesting $ROWS contacts"
  # the generator writes wall-clock times, a few inside London's spring-forward gap: those rows
  # are quarantined (exit 3), the rest stored
  rc=0; "$BIN" --home "$ws" ingest contacts "$csv" > /dev/null || rc=$?
  [[ $rc = 0 || $rc = 3 ]] || { log "ingest failed ($rc)"; exit 1; }
fi
out=$RUN_DIR/out; rm -rf "$out"; mkdir -p "$out"
log "opsdeck facts rebuild"
"$PY" bench/timeit_cmd.py --repeat 1 -- "$BIN" --home "$ws" facts rebuild > "$out/rebuild.json"
# ballista: only where its client was built (scripts/check-reference-sql.sh, OPSDECK_INSTALL_BALLISTA=1)
for e in duckdb datafusion ballista spark; do
  log "$e"
  "$PY" bench/timeit_cmd.py --repeat 1 --stdout "$out/$e.txt" -- bash scripts/check-reference-sql.sh --engine "$e" "$ws" > "$out/$e.json" || true
done
"$PY" - "$out" "$ROWS" <<'PY' | tee "$RUN_DIR/reference-sql-report.md"
import json, re, sys
out, rows = sys.argv[1], int(sys.argv[2])
print(f"| engine | over {rows:,} contacts | engine's own s | process wall s | peak RSS MB | result |")
print("|---|---|---:|---:|---:|---|")
r = json.load(open(f"{out}/rebuild.json"))
print(f"| opsdeck `facts rebuild` | aggregate and write the interval files | — | {r['best_s']:.2f} | {r['max_rss_kb']/1024:.0f} | — |")
for e in ["duckdb", "datafusion", "ballista", "spark"]:
    j = json.load(open(f"{out}/{e}.json"))
    text = open(f"{out}/{e}.txt").read().strip().splitlines()
    line = next((l for l in text if l.startswith("identical") or l.startswith("DIFFERENT")), None)
    if line is None:
        print(f"| {e} | not installed here (exit {j.get('runs', [{}])[-1].get('rc', '?')}) | — | — | — | — |")
        continue
    m = re.search(r", ([0-9.]+) s\)$", line)
    own = m.group(1) if m else "—"
    print(f"| {e} | the reference SQL, diffed | {own} | {j.get('best_s', float('nan')):.2f} | {j.get('max_rss_kb', 0)/1024:.0f} | {line.split(' (')[0]} |")
PY

#!/usr/bin/env bash
# Benchmark `opsdeck ingest cases` side by side with pm4py reading the same file, and the case
# day facts SQL (docs/reference-case-facts.sql) in DuckDB over the same Parquet.
#
#   bash bench/cases.sh [--copies 1,10,98] [--repeat 3] [--skip-build] [--wait-idle]
#
# Inputs: the real ServiceNow incident log (../shared/data/servicenow_incident_event_log,
# 102,582 updates of 17,442 incidents) replicated N times with the incident numbers suffixed
# (bench/gen_case_copies.py; N = 98 gives ~10 M updates), as plain CSV of the profile's columns.
# For each input, one after the other:
#   1. `opsdeck ingest cases FILE --profile servicenow-incident --queue itsd --policy P` into a
#      fresh workspace (a copy of one with the setup applied), --repeat runs, best wall-clock
#      including process start, with CPU seconds and peak RSS (bench/timeit_cmd.py); then the
#      same file again into the filled workspace (nothing new: the no-op re-ingest);
#   2. pm4py reading the same file (bench/pm4py_read_cases.py: pandas + pm4py.format_dataframe,
#      timestamps parsed, events ordered), --repeat runs, the whole process timed the same way;
#   3. bench/compare_case_days.py: the reference SQL in DuckDB over the workspace's case records
#      (the files its manifest names), its time, and whether its rows equal opsdeck's day facts.
# Then print a markdown table (also saved as RUN_DIR/cases-report.md).
#
# Environment: CARGO_TARGET_DIR (release build; default target), OPSDECK_PEERS_VENV (default
# ~/.cache/opsdeck-peers-venv, completed by scripts/peers-venv.sh --full), OPSDECK_BENCH_DIR
# (scratch; default target/bench-cases).
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

COPIES=1,10,98
REPEAT=3
SKIP_BUILD=0
WAIT_IDLE=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --copies) COPIES=${2:?--copies needs a value}; shift 2 ;;
    --repeat) REPEAT=${2:?--repeat needs a value}; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --wait-idle) WAIT_IDLE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "cases.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $COPIES =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "cases.sh: --copies wants N[,N...]" >&2; exit 2; }
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "cases.sh: --repeat wants a positive integer" >&2; exit 2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
BENCH=$REPO/bench
RUN_DIR=${OPSDECK_BENCH_DIR:-$REPO/target/bench-cases}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $CARGO_TARGET_DIR = /* ]] || CARGO_TARGET_DIR=$REPO/$CARGO_TARGET_DIR
[[ $RUN_DIR = /* ]] || RUN_DIR=$REPO/$RUN_DIR
log() { printf '[cases.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

SRC=$REPO/../shared/data/servicenow_incident_event_log/incident_events_opened_before_cut.csv.gz
[[ -f $SRC ]] || { echo "cases.sh: $SRC not found (is ../shared beside the project?)" >&2; exit 1; }
VENV=$(OPSDECK_PEERS_VENV=${OPSDECK_PEERS_VENV:-$HOME/.cache/opsdeck-peers-venv} bash "$REPO/scripts/peers-venv.sh" --full)
PY=$VENV/bin/python
BIN=$(release_binary cases.sh)

mkdir -p "$RUN_DIR/data" "$RUN_DIR/out"
# the setup: one UTC ticket queue; the fitted ServiceNow policy on the workspace's fields
cat > "$RUN_DIR/setup.toml" <<'TOML'
[[site]]
id = "s1"
name = "Site"
country = "PT"
time_zone = "UTC"
cost_per_productive_hour = 20.0
currency = "USD"

[[client]]
id = "acme"
name = "Acme Corp"

[[program]]
id = "acme-itsd"
name = "Acme IT Service Desk"
client = "acme"
sites = ["s1"]

[[calendar]]
id = "utc-24x7"
time_zone = "UTC"
hours = { mon = "24h", tue = "24h", wed = "24h", thu = "24h", fri = "24h", sat = "24h", sun = "24h" }

[[queue]]
id = "itsd"
name = "IT Service Desk"
program = "acme-itsd"
channel = "ticket"
calendar = "utc-24x7"
threshold_s = 3600
short_abandon_s = 0
interval_minutes = 60
sl_target = 0.8
site = "s1"
TOML
sed 's/"incident_state"/"status"/g' "$REPO/docs/examples/servicenow-priority-policy-fitted.toml" > "$RUN_DIR/policy.toml"
TEMPLATE=$RUN_DIR/ws-template
rm -rf "$TEMPLATE"
"$BIN" --home "$TEMPLATE" setup apply "$RUN_DIR/setup.toml" > /dev/null

IFS=, read -r -a N_LIST <<< "$COPIES"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=()
for n in "${N_LIST[@]}"; do
  input=$RUN_DIR/data/servicenow_x$n.csv
  if [[ ! -s $input ]]; then
    log "writing the log replicated $n times"
    "$PY" "$BENCH/gen_case_copies.py" "$SRC" "$input" --copies "$n" > "$input.rows"
  fi
  events=$(cat "$input.rows")
  out=$RUN_DIR/out/x$n
  rm -rf "$out"; mkdir -p "$out"
  ws=$out/ws
  ingest="rm -rf '$ws' && cp -r '$TEMPLATE' '$ws' && '$BIN' --home '$ws' ingest cases '$input' --profile servicenow-incident --queue itsd --policy '$RUN_DIR/policy.toml' --json"
  wait_idle
  log "x$n ($events updates): opsdeck ingest cases, best of $REPEAT"
  "$PY" "$BENCH/timeit_cmd.py" --repeat "$REPEAT" --stdout "$out/ingest.json" -- bash -c "$ingest" > "$out/ingest_time.json"
  wait_idle
  log "x$n: the same file again (nothing new)"
  "$PY" "$BENCH/timeit_cmd.py" --repeat "$REPEAT" -- "$BIN" --home "$ws" ingest cases "$input" --profile servicenow-incident --queue itsd > "$out/again_time.json"
  wait_idle
  log "x$n: pm4py reading the same file, best of $REPEAT"
  "$PY" "$BENCH/timeit_cmd.py" --repeat "$REPEAT" --stdout "$out/pm4py.json" -- "$PY" "$BENCH/pm4py_read_cases.py" "$input" > "$out/pm4py_time.json"
  log "x$n: the reference SQL in DuckDB over the case records"
  "$PY" "$BENCH/compare_case_days.py" "$ws" --zone itsd=UTC > "$out/sql.json" || true
  ROWS+=("$n $events $out")
done

"$PY" - "$LOAD_BEFORE" "${ROWS[@]}" <<'PY' | tee "$RUN_DIR/cases-report.md"
import json, sys
load = sys.argv[1]
def best(path):
    j = json.load(open(path))
    return j
print("| input | updates | cases | opsdeck ingest s | updates/s | peak RSS MB | again (no-op) s | pm4py read s | pm4py peak RSS MB | pm4py ÷ opsdeck | case-facts SQL (DuckDB) s | SQL = opsdeck day facts |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for row in sys.argv[2:]:
    n, events, d = row.split(" ", 2)
    ing, again, pm = best(f"{d}/ingest_time.json"), best(f"{d}/again_time.json"), best(f"{d}/pm4py_time.json")
    summary = json.load(open(f"{d}/ingest.json"))
    sql = json.load(open(f"{d}/sql.json"))
    w = ing["best_s"]
    print(f"| ServiceNow log × {n} | {int(events):,} | {summary['cases_read']:,} | {w:.2f} | {int(events)/w:,.0f} | "
          f"{ing['max_rss_kb']/1024:.0f} | {again['best_s']:.2f} | {pm['best_s']:.2f} | {pm['max_rss_kb']/1024:.0f} | "
          f"{pm['best_s']/w:.1f} | {sql['sql_s']:.2f} | {'identical, ' + format(sql['rows'], ',') + ' rows' if sql['identical'] else 'DIFFERENT'} |")
print()
print(f"load average before: {load}")
PY

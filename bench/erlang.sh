#!/usr/bin/env bash
# Benchmark `opsdeck staffing` side by side with pyworkforce (../shared/peers/erlang_peer.py).
#
#   bash bench/erlang.sh [--rows 10000,100000] [--repeat 3] [--skip-build] [--wait-idle]
#
# For each row count: generate intervals with the peers' gen_intervals.py (seed 42; reused when
# present), then, one after the other:
#   1. `opsdeck staffing --input FILE -o opsdeck.csv`, --repeat separate processes, best wall-clock
#      (end to end: process start, reading and validating the CSV, staffing, writing the CSV);
#   2. erlang_peer.py FILE --repeat N (pyworkforce 0.5.1; only its staffing loop is timed, CSV
#      reading and writing are not);
#   3. bench/compare_erlang.py: raw and scheduled agents equal on every row, floats to 1e-9.
# Prints a markdown table and the load average (also saved as RUN_DIR/erlang-report.md).
#
# Environment: CARGO_TARGET_DIR (default target), OPSDECK_PEERS_SRC (default ../shared/peers),
# OPSDECK_PEERS_VENV (default ~/.cache/opsdeck-peers-venv), OPSDECK_BENCH_DIR (default
# target/bench-erlang).
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

ROWS=10000,100000
REPEAT=3
SKIP_BUILD=0
WAIT_IDLE=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) ROWS=${2:?--rows needs a value}; shift 2 ;;
    --repeat) REPEAT=${2:?--repeat needs a value}; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --wait-idle) WAIT_IDLE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "erlang.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $ROWS =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "erlang.sh: --rows wants N[,N...]" >&2; exit 2; }
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "erlang.sh: --repeat wants a positive integer" >&2; exit 2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
BENCH=$REPO/bench
PEERS_SRC=${OPSDECK_PEERS_SRC:-$REPO/../shared/peers}
VENV=${OPSDECK_PEERS_VENV:-$HOME/.cache/opsdeck-peers-venv}
RUN_DIR=${OPSDECK_BENCH_DIR:-$REPO/target/bench-erlang}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $CARGO_TARGET_DIR = /* ]] || CARGO_TARGET_DIR=$REPO/$CARGO_TARGET_DIR
[[ $RUN_DIR = /* ]] || RUN_DIR=$REPO/$RUN_DIR
log() { printf '[erlang.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
source "$BENCH/lib.sh"

for f in _common.py erlang_peer.py gen_intervals.py requirements-lock.txt; do
  [[ -f $PEERS_SRC/$f ]] || { echo "erlang.sh: $PEERS_SRC/$f not found (set OPSDECK_PEERS_SRC)" >&2; exit 1; }
done
VENV=$(OPSDECK_PEERS_VENV=$VENV OPSDECK_PEERS_LOCK=$PEERS_SRC/requirements-lock.txt bash "$REPO/scripts/peers-venv.sh" --full)
PY=$VENV/bin/python

BIN=$(release_binary erlang.sh)

PEERS=$RUN_DIR/peers
mkdir -p "$PEERS/data" "$RUN_DIR/out"
cp "$PEERS_SRC/_common.py" "$PEERS_SRC/erlang_peer.py" "$PEERS_SRC/gen_intervals.py" "$PEERS/"

IFS=, read -r -a ROW_LIST <<< "$ROWS"
DIRS=()
for n in "${ROW_LIST[@]}"; do
  input=$PEERS/data/intervals_$n.csv
  if [[ -s $input ]]; then
    log "reusing $input"
  else
    log "generating $n intervals (gen_intervals.py --n $n --seed 42)"
    (cd "$PEERS" && "$PY" gen_intervals.py --n "$n" --seed 42 --out "$input" | tail -n 1 >/dev/null)
  fi
  out=$RUN_DIR/out/intervals_$n
  rm -rf "$out"
  mkdir -p "$out"
  DIRS+=("$out")

  wait_idle
  log "$n rows: opsdeck staffing, best of $REPEAT"
  "$PY" "$BENCH/timeit_cmd.py" --repeat "$REPEAT" --stderr "$out/opsdeck.stderr" -- \
      "$BIN" staffing --input "$input" -o "$out/opsdeck.csv" > "$out/opsdeck_time.json" \
    || { cat "$out/opsdeck_time.json" "$out/opsdeck.stderr" >&2; exit 1; }

  wait_idle
  log "$n rows: erlang_peer.py --repeat $REPEAT (pyworkforce)"
  (cd "$PEERS" && "$PY" erlang_peer.py "$input" --repeat "$REPEAT" --out "$out/peer.csv") > "$out/peer.stdout" \
    || { cat "$out/peer.stdout" >&2; exit 1; }
  tail -n 1 "$out/peer.stdout" > "$out/peer.json"
  cut -d' ' -f1-3 /proc/loadavg > "$out/loadavg"

  "$PY" "$BENCH/compare_erlang.py" "$out/opsdeck.csv" "$out/peer.csv" > "$out/compare.json" || true
done

CMD="bash bench/erlang.sh --rows $ROWS --repeat $REPEAT"
if [[ $WAIT_IDLE = 1 ]]; then CMD+=" --wait-idle"; fi
"$PY" "$BENCH/erlang_report.py" --command "$CMD" "${DIRS[@]}" | tee "$RUN_DIR/erlang-report.md"

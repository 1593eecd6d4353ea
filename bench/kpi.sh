#!/usr/bin/env bash
# Benchmark `opsdeck kpi` side by side with the DuckDB / Polars peer (../shared/peers/kpi_peer.py).
#
#   bash bench/kpi.sh [--rows 1000000,10000000] [--formats csv,parquet] [--repeat 3] [--skip-build]
#                     [--wait-idle]   (before each timed step, wait up to 5 min for >= 90 % idle CPU)
#
# For each row count: generate contacts with the peers' gen_contacts.py (CSV + Parquet, seed 3;
# reused when already present), then per input file run, one after the other:
#   1. `opsdeck kpi --input FILE --format csv -o opsdeck.csv`, --repeat separate processes, best wall-clock;
#   2. `kpi_peer.py FILE --repeat N --out peer.csv` (DuckDB and Polars end-to-end, load, aggregate);
#   3. bench/compare_kpi.py opsdeck.csv peer.csv (integers exactly, floats to 1e-9 relative).
# Then print a markdown table plus machine facts (also saved as RUN_DIR/kpi-report.md).
#
# Environment:
#   CARGO_TARGET_DIR     where the release build goes (default: target)
#   OPSDECK_PEERS_SRC    the peers folder (default: ../shared/peers from the repo root; only read)
#   OPSDECK_PEERS_VENV   Python venv with the pinned peer packages (default: ~/.cache/opsdeck-peers-venv;
#                        created / completed from the peers' requirements-lock.txt when needed)
#   OPSDECK_BENCH_DIR    scratch folder for the peer copies, data and outputs (default: target/bench-run)
#   OPSDECK_BENCH_BUILD_RETRIES  extra build attempts, 60 s apart (default 0)
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

ROWS=1000000,10000000
FORMATS=csv,parquet
REPEAT=3
SKIP_BUILD=0
WAIT_IDLE=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) ROWS=${2:?--rows needs a value}; shift 2 ;;
    --rows=*) ROWS=${1#*=}; shift ;;
    --formats) FORMATS=${2:?--formats needs a value}; shift 2 ;;
    --formats=*) FORMATS=${1#*=}; shift ;;
    --repeat) REPEAT=${2:?--repeat needs a value}; shift 2 ;;
    --repeat=*) REPEAT=${1#*=}; shift ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --wait-idle) WAIT_IDLE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "kpi.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $ROWS =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "kpi.sh: --rows wants N[,N...]" >&2; exit 2; }
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "kpi.sh: --repeat wants a positive integer" >&2; exit 2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
BENCH=$REPO/bench
PEERS_SRC=${OPSDECK_PEERS_SRC:-$REPO/../shared/peers}
VENV=${OPSDECK_PEERS_VENV:-$HOME/.cache/opsdeck-peers-venv}
RUN_DIR=${OPSDECK_BENCH_DIR:-$REPO/target/bench-run}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $CARGO_TARGET_DIR = /* ]] || CARGO_TARGET_DIR=$REPO/$CARGO_TARGET_DIR
[[ $RUN_DIR = /* ]] || RUN_DIR=$REPO/$RUN_DIR
LOCK=$PEERS_SRC/requirements-lock.txt
log() { printf '[kpi.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Shared machines: with --wait-idle, wait (at most 5 min) until the CPUs were >= 90 % idle over 3 s.
# shellcheck source=bench/idle.sh
source "$BENCH/idle.sh"

for f in _common.py kpi_peer.py gen_contacts.py requirements-lock.txt; do
  [[ -f $PEERS_SRC/$f ]] || { echo "kpi.sh: $PEERS_SRC/$f not found (set OPSDECK_PEERS_SRC)" >&2; exit 1; }
done

# --- 1. Python venv with the peers' pinned versions (scripts/peers-venv.sh) -------------------
VENV=$(OPSDECK_PEERS_VENV=$VENV OPSDECK_PEERS_LOCK=$LOCK bash "$REPO/scripts/peers-venv.sh")
PY=$VENV/bin/python

# --- 2. release build ---------------------------------------------------------------------------
BIN=$CARGO_TARGET_DIR/release/opsdeck
if [[ $SKIP_BUILD = 0 ]]; then
  tries=$(( ${OPSDECK_BENCH_BUILD_RETRIES:-0} + 1 ))
  for ((i = 1; ; i++)); do
    log "cargo build --release -p opsdeck-cli (CARGO_TARGET_DIR=$CARGO_TARGET_DIR), attempt $i/$tries"
    if cargo build --release --quiet -p opsdeck-cli --bin opsdeck; then break; fi
    (( i < tries )) || { echo "kpi.sh: release build failed" >&2; exit 1; }
    sleep 60
  done
fi
[[ -x $BIN ]] || { echo "kpi.sh: $BIN not found (build it or drop --skip-build)" >&2; exit 1; }

# --- 3. peer copies (the peers write data/ and results/ next to themselves) ---------------------
PEERS=$RUN_DIR/peers
mkdir -p "$PEERS/data" "$RUN_DIR/out"
cp "$PEERS_SRC/_common.py" "$PEERS_SRC/kpi_peer.py" "$PEERS_SRC/gen_contacts.py" "$PEERS/"

# --- 4. data, then the side-by-side runs per input ----------------------------------------------
IFS=, read -r -a ROW_LIST <<< "$ROWS"
IFS=, read -r -a FMT_LIST <<< "$FORMATS"
DIRS=()
for n in "${ROW_LIST[@]}"; do
  prefix=$PEERS/data/contacts_$n
  if [[ -s $prefix.csv && -s $prefix.parquet ]]; then
    log "reusing $prefix.{csv,parquet}"
  else
    log "generating $n contacts (gen_contacts.py --rows $n --formats csv,parquet)"
    tmp=$PEERS/data/.tmp_contacts_$n
    (cd "$PEERS" && "$PY" gen_contacts.py --rows "$n" --formats csv,parquet --out-prefix "$tmp" | tail -n 1)
    mv "$tmp.csv" "$prefix.csv"
    mv "$tmp.parquet" "$prefix.parquet"
  fi
  for fmt in "${FMT_LIST[@]}"; do
    input=$prefix.$fmt
    [[ -s $input ]] || { echo "kpi.sh: $input missing" >&2; exit 1; }
    out=$RUN_DIR/out/contacts_$n.$fmt
    rm -rf "$out"
    mkdir -p "$out"
    DIRS+=("$out")

    wait_idle
    log "$n rows $fmt: opsdeck kpi, best of $REPEAT"
    (cd "$out" && "$PY" "$BENCH/timeit_cmd.py" --repeat "$REPEAT" --stderr "$out/opsdeck.stderr" -- \
        "$BIN" kpi --input "$input" --format csv -o "$out/opsdeck.csv") > "$out/opsdeck_time.json" \
      || { cat "$out/opsdeck_time.json" "$out/opsdeck.stderr" >&2; exit 1; }

    wait_idle
    log "$n rows $fmt: kpi_peer.py --repeat $REPEAT (DuckDB, Polars)"
    # run once through timeit_cmd.py only to record what else used the CPU meanwhile
    (cd "$PEERS" && "$PY" "$BENCH/timeit_cmd.py" --repeat 1 --stdout "$out/peer.stdout" --stderr "$out/peer.stderr" -- \
        "$PY" kpi_peer.py "$input" --repeat "$REPEAT" --out "$out/peer.csv") > "$out/peer_time.json" \
      || { cat "$out/peer_time.json" "$out/peer.stderr" >&2; exit 1; }
    tail -n 1 "$out/peer.stdout" > "$out/peer.json"

    log "$n rows $fmt: comparing opsdeck with DuckDB"
    "$PY" "$BENCH/compare_kpi.py" "$out/opsdeck.csv" "$out/peer.csv" > "$out/compare.json" || true
    "$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); print("  identical:", c["identical"], "" if c["identical"] else c.get("first_mismatches") or c.get("error"))' \
      "$out/compare.json" >&2
  done
done

# --- 5. report ----------------------------------------------------------------------------------
CMD="bash bench/kpi.sh --rows $ROWS --formats $FORMATS --repeat $REPEAT"
if [[ $WAIT_IDLE = 1 ]]; then CMD+=" --wait-idle"; fi
"$PY" "$BENCH/kpi_report.py" --bin "$BIN" --command "$CMD" "${DIRS[@]}" | tee "$RUN_DIR/kpi-report.md"
log "report saved to $RUN_DIR/kpi-report.md"

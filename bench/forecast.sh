#!/usr/bin/env bash
# Forecast accuracy and speed of `opsdeck forecast --backtest` side by side with the statsforecast
# peers (weekly and daily seasonal naive, MSTL) on the same rolling-origin folds.
#
#   bash bench/forecast.sh [--backtest-days 56] [--fold-days 7] [--models snaive_daily,snaive_weekly,mstl]
#                          [--skip-build] [--wait-idle] [--reuse-peer]
#
# Series: the real US-bank 5-minute counts (weekdays 07:00-21:05 only) and the Anonymous Bank
# 6-minute arrivals (24 h) from ../shared/data, and the synthetic 30-minute series of the peers'
# gen_series.py (365 days, seed 11). For each: `opsdeck forecast --input S --backtest DAYS
# --fold-days H --format json` timed by bench/timeit_cmd.py (one process, end to end), then
# bench/forecast_folds.py (the peer's models on the same folds; fit+predict time only). Prints a
# markdown table (also RUN_DIR/forecast-report.md). MSTL is slow: about 2.5 min for the US bank
# and much longer for the Anonymous Bank (59,280 rows, weekly season 1,680) on 2 cores.
#
# --reuse-peer keeps RUN_DIR/out/SERIES/peer.json from an earlier run with the same arguments
# instead of running the peer again (MSTL on the Anonymous Bank takes the longest).
#
# Environment: CARGO_TARGET_DIR (default target), OPSDECK_PEERS_SRC (default ../shared/peers),
# OPSDECK_SHARED_DATA (default ../shared/data), OPSDECK_PEERS_VENV, OPSDECK_BENCH_DIR
# (default target/bench-forecast).
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

DAYS=56
FOLD=7
MODELS=snaive_daily,snaive_weekly,mstl
SKIP_BUILD=0
WAIT_IDLE=0
REUSE_PEER=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --backtest-days) DAYS=${2:?}; shift 2 ;;
    --fold-days) FOLD=${2:?}; shift 2 ;;
    --models) MODELS=${2:?}; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --wait-idle) WAIT_IDLE=1; shift ;;
    --reuse-peer) REUSE_PEER=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "forecast.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
PEERS_SRC=${OPSDECK_PEERS_SRC:-$REPO/../shared/peers}
DATA=${OPSDECK_SHARED_DATA:-$REPO/../shared/data}
VENV=${OPSDECK_PEERS_VENV:-$HOME/.cache/opsdeck-peers-venv}
RUN_DIR=${OPSDECK_BENCH_DIR:-$REPO/target/bench-forecast}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $CARGO_TARGET_DIR = /* ]] || CARGO_TARGET_DIR=$REPO/$CARGO_TARGET_DIR
log() { printf '[forecast.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Shared machines: wait_idle (with --wait-idle) waits for >= 90 % idle CPU, at most 5 min (bench/lib.sh).
source "$REPO/bench/lib.sh"

VENV=$(OPSDECK_PEERS_VENV=$VENV OPSDECK_PEERS_LOCK=$PEERS_SRC/requirements-lock.txt bash "$REPO/scripts/peers-venv.sh" --full)
PY=$VENV/bin/python
BIN=$CARGO_TARGET_DIR/release/opsdeck
if [[ $SKIP_BUILD = 0 ]]; then
  log "cargo build --release -p opsdeck-cli (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  cargo build --release --quiet -p opsdeck-cli --bin opsdeck
fi
[[ -x $BIN ]] || { echo "forecast.sh: $BIN not found (build it or drop --skip-build)" >&2; exit 1; }

mkdir -p "$RUN_DIR/peers/data" "$RUN_DIR/out"
cp "$PEERS_SRC/_common.py" "$PEERS_SRC/gen_series.py" "$RUN_DIR/peers/"
SYN=$RUN_DIR/peers/data/series.csv
[[ -s $SYN ]] || (cd "$RUN_DIR/peers" && "$PY" gen_series.py --days 365 --seed 11 --out "$SYN" | tail -n 1 >&2)

# name | file | column flags (same names for opsdeck and the peer script)
SERIES=(
  "us_bank_2003|$DATA/us_bank_call_volume_2003/calls_5min_2003-03-03_to_2003-08-14.csv.gz|--ts-column interval_start --volume-column calls"
  "anonymous_bank_1999|$DATA/anonymous_bank_call_center_1999/arrivals_6min_1999-01-01_to_1999-09-12.csv.gz|--date-column date --ts-column interval_start --volume-column calls"
  "synthetic_gen_series|$SYN|--ts-column ts --volume-column volume"
)
OUTS=()
for entry in "${SERIES[@]}"; do
  IFS='|' read -r name file flags <<< "$entry"
  [[ -s $file ]] || { log "skipping $name: $file not found"; continue; }
  out=$RUN_DIR/out/$name
  mkdir -p "$out"
  OUTS+=("$out")
  read -r -a fl <<< "$flags"
  wait_idle
  log "$name: opsdeck forecast --backtest $DAYS --fold-days $FOLD"
  "$PY" "$REPO/bench/timeit_cmd.py" --repeat 1 --stdout "$out/opsdeck.json" --stderr "$out/opsdeck.stderr" -- \
    "$BIN" forecast --input "$file" "${fl[@]}" --backtest "$DAYS" --fold-days "$FOLD" --format json \
    > "$out/opsdeck_time.json" || { cat "$out/opsdeck.stderr" >&2; exit 1; }
  peer_flags=("${fl[@]/--ts-column/--ts-col}")
  peer_flags=("${peer_flags[@]/--volume-column/--volume-col}")
  peer_flags=("${peer_flags[@]/--date-column/--date-col}")
  peer_args=("$file" "${peer_flags[@]}" --backtest-days "$DAYS" --fold-days "$FOLD" --models "$MODELS")
  if [[ $REUSE_PEER = 1 && -s $out/peer.json && $(cat "$out/peer.args" 2>/dev/null) = "${peer_args[*]}" ]]; then
    log "$name: reusing $out/peer.json"
  else
    wait_idle
    log "$name: forecast_folds.py ($MODELS)"
    "$PY" "$REPO/bench/forecast_folds.py" "${peer_args[@]}" > "$out/peer.stdout"
    tail -n 1 "$out/peer.stdout" > "$out/peer.json"
    echo "${peer_args[*]}" > "$out/peer.args"
  fi
done

CMD="bash bench/forecast.sh --backtest-days $DAYS --fold-days $FOLD --models $MODELS"
[[ $WAIT_IDLE = 1 ]] && CMD+=" --wait-idle"
"$PY" "$REPO/bench/forecast_report.py" --bin "$BIN" --command "$CMD" "${OUTS[@]}" | tee "$RUN_DIR/forecast-report.md"
log "report saved to $RUN_DIR/forecast-report.md"

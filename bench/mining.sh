#!/usr/bin/env bash
# Benchmark `opsdeck mine` side by side with pm4py (../shared/peers/pm4py_peer.py) and the
# Polars / rust4pm peer (polars_mining_peer.py) on generated help-desk event logs.
#
#   bash bench/mining.sh [--events 100000,1000000] [--formats csv,xes] [--repeat 3] [--skip-build]
#                        [--wait-idle]   (before each timed step, wait up to 5 min for >= 90 % idle CPU)
#
# For each event count: generate the log with the peers' gen_eventlog.py --xes (seed 7; CSV and
# XES, reused when present), then per input file, one after the other:
#   1. `opsdeck mine dfg --format json` and `opsdeck mine summary --format json --top 0`
#      (DFG, variants, rework, ping-pong by resource, bottlenecks, automation, case durations),
#      --repeat separate processes each, best wall-clock including process start;
#   2. pm4py_peer.py FILE --out pm4py.json, --repeat runs, best total_s (its own timer: load +
#      DFG + performance DFG + variants + case durations, Python start and imports excluded);
#   3. polars_mining_peer.py FILE --repeat N --out polars.json (best total_s, same scope);
#   4. bench/compare_mining.py: opsdeck's summary against both peers' outputs (every edge count,
#      mean to 1e-6, start/end counts, every variant).
# Then print a markdown table with the machine load (also saved as RUN_DIR/mining-report.md).
#
# Environment: CARGO_TARGET_DIR (release build; default target), OPSDECK_PEERS_SRC (default
# ../shared/peers), OPSDECK_PEERS_VENV (default ~/.cache/opsdeck-peers-venv, made by
# scripts/peers-venv.sh --full), OPSDECK_BENCH_DIR (scratch; default target/bench-mining).
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

EVENTS=100000,1000000
FORMATS=csv,xes
REPEAT=3
SKIP_BUILD=0
WAIT_IDLE=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) EVENTS=${2:?--events needs a value}; shift 2 ;;
    --formats) FORMATS=${2:?--formats needs a value}; shift 2 ;;
    --repeat) REPEAT=${2:?--repeat needs a value}; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --wait-idle) WAIT_IDLE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "mining.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $EVENTS =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "mining.sh: --events wants N[,N...]" >&2; exit 2; }
[[ $FORMATS =~ ^(csv|xes)(,(csv|xes))*$ ]] || { echo "mining.sh: --formats wants csv and/or xes" >&2; exit 2; }
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "mining.sh: --repeat wants a positive integer" >&2; exit 2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
BENCH=$REPO/bench
PEERS_SRC=${OPSDECK_PEERS_SRC:-$REPO/../shared/peers}
RUN_DIR=${OPSDECK_BENCH_DIR:-$REPO/target/bench-mining}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $CARGO_TARGET_DIR = /* ]] || CARGO_TARGET_DIR=$REPO/$CARGO_TARGET_DIR
[[ $RUN_DIR = /* ]] || RUN_DIR=$REPO/$RUN_DIR
log() { printf '[mining.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shared with bench/kpi.sh
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

for f in _common.py gen_eventlog.py pm4py_peer.py polars_mining_peer.py requirements-lock.txt; do
  [[ -f $PEERS_SRC/$f ]] || { echo "mining.sh: $PEERS_SRC/$f not found (set OPSDECK_PEERS_SRC)" >&2; exit 1; }
done
VENV=$(OPSDECK_PEERS_VENV=${OPSDECK_PEERS_VENV:-$HOME/.cache/opsdeck-peers-venv} \
  OPSDECK_PEERS_LOCK=$PEERS_SRC/requirements-lock.txt bash "$REPO/scripts/peers-venv.sh" --full)
PY=$VENV/bin/python

BIN=$CARGO_TARGET_DIR/release/opsdeck
if [[ $SKIP_BUILD = 0 ]]; then
  log "cargo build --release -p opsdeck-cli (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  cargo build --release --quiet -p opsdeck-cli --bin opsdeck
fi
[[ -x $BIN ]] || { echo "mining.sh: $BIN not found (build it or drop --skip-build)" >&2; exit 1; }

PEERS=$RUN_DIR/peers
mkdir -p "$PEERS/data" "$RUN_DIR/out"
cp "$PEERS_SRC/_common.py" "$PEERS_SRC/gen_eventlog.py" "$PEERS_SRC/pm4py_peer.py" \
   "$PEERS_SRC/polars_mining_peer.py" "$PEERS/"

IFS=, read -r -a EV_LIST <<< "$EVENTS"
IFS=, read -r -a FMT_LIST <<< "$FORMATS"
DIRS=()
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for n in "${EV_LIST[@]}"; do
  base=$PEERS/data/eventlog_$n
  if [[ -s $base.csv && -s $base.xes ]]; then
    log "reusing $base.{csv,xes}"
  else
    log "generating $n events (gen_eventlog.py --events $n --xes)"
    (cd "$PEERS" && "$PY" gen_eventlog.py --events "$n" --out "$base.csv" --xes | tail -n 1) >&2
  fi
  for fmt in "${FMT_LIST[@]}"; do
    input=$base.$fmt
    out=$RUN_DIR/out/eventlog_$n.$fmt
    rm -rf "$out"; mkdir -p "$out"; DIRS+=("$out")

    wait_idle
    log "$n $fmt: opsdeck mine dfg, best of $REPEAT"
    "$PY" "$BENCH/timeit_cmd.py" --repeat "$REPEAT" --stderr "$out/dfg.stderr" -- \
      "$BIN" mine dfg --log "$input" --format json -o "$out/opsdeck_dfg.json" > "$out/opsdeck_dfg_time.json" \
      || { cat "$out/opsdeck_dfg_time.json" "$out/dfg.stderr" >&2; exit 1; }
    wait_idle
    log "$n $fmt: opsdeck mine summary, best of $REPEAT"
    "$PY" "$BENCH/timeit_cmd.py" --repeat "$REPEAT" --stderr "$out/summary.stderr" -- \
      "$BIN" mine summary --log "$input" --format json --top 0 -o "$out/opsdeck_summary.json" \
      > "$out/opsdeck_summary_time.json" \
      || { cat "$out/opsdeck_summary_time.json" "$out/summary.stderr" >&2; exit 1; }

    wait_idle
    log "$n $fmt: pm4py_peer.py, $REPEAT runs"
    : > "$out/pm4py.jsonl"
    for ((i = 0; i < REPEAT; i++)); do
      (cd "$PEERS" && "$PY" pm4py_peer.py "$input" --out "$out/pm4py.json" | tail -n 1) >> "$out/pm4py.jsonl"
    done
    wait_idle
    log "$n $fmt: polars_mining_peer.py --repeat $REPEAT"
    (cd "$PEERS" && "$PY" polars_mining_peer.py "$input" --repeat "$REPEAT" --out "$out/polars.json" | tail -n 1) \
      > "$out/polars.jsonl"

    for peer in pm4py polars; do
      "$PY" "$BENCH/compare_mining.py" "$out/opsdeck_summary.json" "$out/$peer.json" > "$out/compare_$peer.json" || true
      log "  identical to $peer: $(cut -c1-300 "$out/compare_$peer.json")"
    done
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

CMD="bash bench/mining.sh --events $EVENTS --formats $FORMATS --repeat $REPEAT"
if [[ $WAIT_IDLE = 1 ]]; then CMD+=" --wait-idle"; fi
"$PY" - "$BIN" "$CMD" "$LOAD_BEFORE" "$LOAD_AFTER" "${DIRS[@]}" <<'PYEOF' | tee "$RUN_DIR/mining-report.md"
import json, os, platform, subprocess, sys
bin_, cmd, load0, load1, *dirs = sys.argv[1:]
def lines(p):
    return [json.loads(l) for l in open(p) if l.strip().startswith("{")]
print(f"Command: `{cmd}`  ")
rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
print(f"opsdeck {rev}, {os.cpu_count()} CPUs, {platform.platform(terse=True)}; load average before / after: {load0} / {load1}\n")
print("| input | events | cases | opsdeck dfg s | opsdeck summary s | pm4py s (best) | Polars/rust4pm s (best) | pm4py ÷ opsdeck summary | Polars ÷ opsdeck summary | same as pm4py | same as Polars |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
for d in dirs:
    name = os.path.basename(d)
    dfg = json.load(open(f"{d}/opsdeck_dfg_time.json"))["best_s"]
    summ = json.load(open(f"{d}/opsdeck_summary_time.json"))["best_s"]
    pm = min(lines(f"{d}/pm4py.jsonl"), key=lambda r: r["total_s"])
    pl = lines(f"{d}/polars.jsonl")[-1]
    same = {p: json.load(open(f"{d}/compare_{p}.json")).get("identical") for p in ("pm4py", "polars")}
    print(f"| {name} | {pm['events']:,} | {pm['cases']:,} | {dfg:.3f} | {summ:.3f} | {pm['total_s']:.3f} | {pl['total_s']:.3f} "
          f"| {pm['total_s'] / summ:.1f}× | {pl['total_s'] / summ:.1f}× | {same['pm4py']} | {same['polars']} |")
PYEOF
log "report saved to $RUN_DIR/mining-report.md"

#!/usr/bin/env bash
# Time to draft each review pack on the demo workspace (release build): the monthly service
# review and the QBR of every client, and the board pack; HTML alone and HTML + PDF (printed by
# headless Chromium, a fresh browser process per pack). Median of --runs runs each. Prints a
# Markdown table for docs/benchmarks.md.
#
#   bash bench/packs.sh [--runs 5] [--skip-build]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
runs=5
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --skip-build) export SKIP_BUILD=1; shift ;;
    *) echo "packs.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "packs.sh: $*" >&2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"
source "$here/bench/lib.sh"
bin=$(release_binary packs.sh)
work=$(mktemp -d /tmp/opsdeck-packs-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
home="$work/demo"
"$bin" demo --dir "$home" >/dev/null
log "demo built in $home"

# median wall time (ms) of a command run $runs times
median_ms() {
  local times=() i t0 t1
  for i in $(seq 1 "$runs"); do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

echo "| pack | HTML (ms) | HTML + PDF (ms) | HTML bytes | PDF bytes |"
echo "| --- | ---: | ---: | ---: | ---: |"
row() {
  local name=$1; shift
  local html pdf
  html=$(median_ms "$bin" --home "$home" report "$@" --out "$work/out" --format html)
  pdf=$(median_ms "$bin" --home "$home" report "$@" --out "$work/out" --format both)
  local stem
  stem=$(ls -t "$work/out"/*.html | head -1)
  echo "| $name | $html | $pdf | $(stat -c %s "$stem") | $(stat -c %s "${stem%.html}.pdf") |"
}
for client in northwind telvia cartly; do
  row "monthly $client 2025-10" monthly --client "$client" --period 2025-10
  row "qbr $client 2025-Q4" qbr --client "$client" --period 2025-Q4
done
row "board 2025-10" board --period 2025-10
log "$runs runs each, median; $(nproc) cores; the PDF from $(opsdeck_chromium_version)"

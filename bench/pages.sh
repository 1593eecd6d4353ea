#!/usr/bin/env bash
# The dashboard's pages under load: on the demo workspace and a 10× demo (`opsdeck demo
# --scale 10`), each page is fetched once alone (its first, computed answer: time and bytes)
# and then loaded by wrk at 64 connections on loopback (requests/s, p50 / p99, errors),
# as an admin with a bearer token (the pages take one like the API). Prints a Markdown table
# for docs/benchmarks.md. Needs wrk (installed from Debian's packages when missing and root).
#
#   bash bench/pages.sh [--duration 10] [--connections 64] [--scales "1 10"] [--skip-build]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
duration=10 connections=64 scales="1 10"
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --scales) scales=$2; shift 2 ;;
    --skip-build) export SKIP_BUILD=1; shift ;;
    *) echo "pages.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "pages.sh: $*" >&2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"
source "$here/bench/lib.sh"
need_wrk
bin=$(release_binary pages.sh)
work=$(mktemp -d /tmp/opsdeck-pages-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# one page of each kind, on October 2025 of the demo (Northwind's cards voice queue)
pages=(
  "/"
  "/clients"
  "/clients/northwind"
  "/clients/northwind?level=queue&by=week"
  "/sla/nwb-cards-voice-sl?client=northwind&period=2025-10"
  "/sla/nwb-cards-voice-sl?client=northwind&period=2025-10&day=2025-10-07"
  "/queues/nwb-cards-voice?day=2025-10-07"
  "/queues/nwb-cards-voice/contacts?start=2025-10-07%2010:00-04:00"
  "/plan?queue=nwb-cards-voice&from=2025-10-06&days=7&volume_pct=10"
  "/data"
  "/audit"
)

echo "| workspace | page | first answer (ms) | bytes | requests/s | p50 | p99 | errors | server peak RSS |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
for scale in $scales; do
  home="$work/demo-$scale"
  log "scale $scale: building the demo workspace"
  t0=$(date +%s)
  "$bin" demo --dir "$home" --scale "$scale" >/dev/null
  log "scale $scale: built in $(( $(date +%s) - t0 )) s"
  "$bin" --home "$home" user add bench@example.com --role admin >/dev/null
  token=$("$bin" --home "$home" token create bench@example.com 2>/dev/null)
  port=$(( 18600 + RANDOM % 500 ))
  RUST_LOG=warn "$bin" --home "$home" serve --listen "127.0.0.1:$port" 2>"$work/serve-$scale.log" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  for page in "${pages[@]}"; do
    url="http://127.0.0.1:$port$page"
    read -r secs bytes code < <(curl -s -o /dev/null -H "Authorization: Bearer $token" \
      -w '%{time_total} %{size_download} %{http_code}\n' "$url")
    [[ $code = 200 ]] || log "scale $scale: $page answered $code"
    out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $token" "$url")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    ms=$(awk -v s="$secs" 'BEGIN {printf "%.1f", s * 1000}')
    echo "| demo ×$scale | \`$page\` | $ms | $bytes | $rps | $p50 | $p99 | ${errors:-0} socket, ${non2xx:-0} non-2xx | $(( $(peak_kib "$pid") / 1024 )) MiB |"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
log "wrk -t2 -c$connections -d${duration}s on $(nproc) cores; the server and wrk share them"

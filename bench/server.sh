#!/usr/bin/env bash
# Load on `opsdeck serve` over loopback with wrk (Debian's package, installed when missing and
# root): 64 connections against /api/v1/scorecard and /api/v1/sla/evaluation on the demo
# workspace, and /healthz as the floor (no store, no facts), on SQLite and — when a
# PostgreSQL answers on 127.0.0.1:5432 — on PostgreSQL; each computing route twice: with the
# server's answer cache (wrk repeats one URL: hits after the first) and with
# `--no-answer-cache` (every request computed). Prints requests/s, p50/p99 latency, errors and
# the server's peak resident memory, as a Markdown table for docs/benchmarks.md.
#
#   bash bench/server.sh [--duration 20] [--connections 64] [--skip-build] [--wait-idle]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
duration=20 connections=64
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --skip-build) export SKIP_BUILD=1; shift ;;
    --wait-idle) export WAIT_IDLE=1; shift ;;
    *) echo "server.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "server.sh: $*" >&2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"
source "$here/bench/lib.sh"

need_wrk
bin=$(release_binary server.sh)
work=$(mktemp -d /tmp/opsdeck-server-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

pg_answers() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
pg_base="${OPSDECK_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
schema="bench_server_$$"

# peak resident memory (KiB) of a process, from /proc
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

run_backend() {
  local backend=$1 home="$work/$1" db=()
  if [[ $backend = postgresql ]]; then
    db=(--database-url "$pg_base?options[search_path]=$schema")
    psql_exec "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
  fi
  log "$backend: building the demo workspace"
  "$bin" "${db[@]}" demo --dir "$home" >/dev/null
  "$bin" --home "$home" "${db[@]}" user add bench@example.com --role admin >/dev/null
  local token
  token=$("$bin" --home "$home" "${db[@]}" token create bench@example.com 2>/dev/null)
  local cache
  for cache in kept computed; do
    local port=$(( 18100 + RANDOM % 500 )) flag=()
    [[ $cache = computed ]] && flag=(--no-answer-cache)
    RUST_LOG=warn "$bin" --home "$home" "${db[@]}" serve --listen "127.0.0.1:$port" "${flag[@]}" 2>"$work/$backend.log" &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    local paths=("/api/v1/scorecard?period=2025-10&level=queue" "/api/v1/sla/evaluation?period=2025-10")
    [[ $cache = kept ]] && paths=("/healthz" "${paths[@]}" "mix")
    for path in "${paths[@]}"; do
      wait_idle
      local out script=()
      [[ $path = mix ]] && script=(-s "$work/mix.lua")
      out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "${script[@]}" -H "Authorization: Bearer $token" "http://127.0.0.1:$port${path/mix//}")
      local rps p50 p99 errors non2xx
      rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
      p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
      p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
      errors=$(awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10}' <<<"$out")
      non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
      local what=$cache request="\`GET $path\`"; [[ $path = /healthz ]] && what="—"
      [[ $path = mix ]] && request="$(mix_count) distinct URLs in turn (scorecard and SLA)"
      echo "| $backend | $request | $what | ${rps} | ${p50} | ${p99} | ${errors:-0} socket, ${non2xx:-0} non-2xx | $(( $(peak_kib "$pid") / 1024 )) MiB |"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  if [[ $backend = postgresql ]]; then psql_exec "DROP SCHEMA IF EXISTS $schema CASCADE"; fi
}

# The dashboard's mix: every client x month x level scorecard and every client x month SLA
# evaluation of the demo's quarter, and the portfolio's, requested in turn — each computed on
# its first request, then kept until the data changes.
mix_urls() {
  local c p l
  for p in 2025-09 2025-10 2025-11 2025-09..2025-11; do
    for l in client program site channel queue; do echo "/api/v1/scorecard?period=$p&level=$l"; done
    echo "/api/v1/sla/evaluation?period=$p"
    echo "/api/v1/sla/credits?period=$p"
    for c in northwind telvia cartly; do
      echo "/api/v1/scorecard?period=$p&client=$c&level=queue"
      echo "/api/v1/sla/evaluation?period=$p&client=$c"
    done
  done
}
mix_count() { mix_urls | wc -l; }
write_mix() {
  {
    echo "paths = {"
    mix_urls | sed 's/.*/  "&",/'
    echo "}"
    echo "i = 0"
    echo "request = function() i = i + 1; return wrk.format(nil, paths[(i % #paths) + 1]) end"
  } >"$work/mix.lua"
}

psql_exec() {
  if command -v psql >/dev/null; then psql -q "$pg_base" -c "$1" >/dev/null; else
    log "psql is missing: cannot prepare schema $schema"; return 1; fi
}

write_mix
echo "| store | request | answers | requests/s | p50 | p99 | errors | server peak RSS |"
echo "| --- | --- | --- | ---: | ---: | ---: | --- | ---: |"
run_backend sqlite
if pg_answers; then run_backend postgresql; else log "no PostgreSQL on 127.0.0.1:5432: its rows are skipped"; fi
log "wrk -t2 -c$connections -d${duration}s on $(nproc) cores; the server and wrk share them"

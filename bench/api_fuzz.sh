#!/usr/bin/env bash
# Fuzz `opsdeck serve` from its own OpenAPI document with schemathesis (PyPI): every
# operation, generated parameters and bodies, as an admin (who may call every route) and as
# a client viewer; the check is "no 5xx". Builds a small demo workspace, starts the server on
# loopback, and exits non-zero when schemathesis finds a failure.
#
#   bash bench/api_fuzz.sh [--max-examples 50] [--skip-build]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
examples=50
while [[ $# -gt 0 ]]; do
  case $1 in
    --max-examples) examples=$2; shift 2 ;;
    --skip-build) export SKIP_BUILD=1; shift ;;
    *) echo "api_fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "api_fuzz.sh: $*" >&2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"
source "$here/bench/lib.sh"

venv="${OPSDECK_FUZZ_VENV:-$HOME/.cache/opsdeck-fuzz-venv}"
if [[ ! -x $venv/bin/schemathesis ]]; then
  log "installing schemathesis into $venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q "schemathesis==4.*" >&2
fi
bin=$(release_binary api_fuzz.sh)
work=$(mktemp -d /tmp/opsdeck-fuzz.XXXXXX)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

home="$work/ws"
"$bin" demo --dir "$home" --days 31 --scale 0.05 >/dev/null
"$bin" --home "$home" user add admin@example.com --role admin >/dev/null
"$bin" --home "$home" user add viewer@example.com --role client-viewer --client northwind >/dev/null
admin=$("$bin" --home "$home" token create admin@example.com 2>/dev/null)
viewer=$("$bin" --home "$home" token create viewer@example.com 2>/dev/null)
port=$(( 18600 + RANDOM % 300 ))
RUST_LOG=warn "$bin" --home "$home" serve --listen "127.0.0.1:$port" 2>"$work/server.log" &
pid=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

status=0
for who in admin viewer; do
  token=${!who}
  log "schemathesis as $who, at most $examples examples per operation"
  "$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error \
    --max-examples "$examples" \
    --no-color || status=1
done
if grep -q "panicked" "$work/server.log"; then
  log "the server panicked:"; grep -A5 panicked "$work/server.log" >&2; status=1
fi
exit $status

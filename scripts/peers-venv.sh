#!/usr/bin/env bash
# Create (once) the Python venv with the peers' pinned DuckDB/Polars versions and print its path.
# Versions come from ../shared/peers/requirements-lock.txt; the venv lives outside the repo.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
lock="$here/../shared/peers/requirements-lock.txt"
venv="${OPSDECK_PEERS_VENV:-$HOME/.cache/opsdeck-peers-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import duckdb, polars, pyarrow' 2>/dev/null; then
  [ -f "$lock" ] || { echo "peers-venv: $lock not found (is ../shared beside the project?)" >&2; exit 1; }
  python3 -m venv "$venv" >&2
  pins=$(grep -iE '^(duckdb|numpy|pandas|polars|polars-runtime-32|pyarrow|python-dateutil|pytz|six|tzdata)==' "$lock")
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q $pins >&2
fi
echo "$venv"

#!/usr/bin/env bash
# Create or complete the Python venv of the peers at the exact versions of
# ../shared/peers/requirements-lock.txt, and print its path. By default only what the KPI peer
# needs (DuckDB, Polars, pyarrow, numpy, pandas); with --full every package of the lock
# (pyworkforce, OR-Tools, pm4py, statsforecast, ...). The venv lives outside the repository:
# ${OPSDECK_PEERS_VENV:-~/.cache/opsdeck-peers-venv}.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
lock="${OPSDECK_PEERS_LOCK:-$here/../shared/peers/requirements-lock.txt}"
venv="${OPSDECK_PEERS_VENV:-$HOME/.cache/opsdeck-peers-venv}"
[ -f "$lock" ] || { echo "peers-venv: $lock not found (is ../shared beside the project?)" >&2; exit 1; }
if [ "${1:-}" = "--full" ]; then
  mapfile -t pins < <(grep -E '^[A-Za-z0-9_.-]+==' "$lock")
else
  mapfile -t pins < <(grep -E '^(duckdb|polars|polars-runtime-32|pyarrow|numpy|pandas|python-dateutil|pytz|tzdata|six)==' "$lock")
fi
[ "${#pins[@]}" -ge 5 ] || { echo "peers-venv: could not read the pins from $lock" >&2; exit 1; }
py="$venv/bin/python"
venv_ok() {
  [ -x "$py" ] || return 1
  "$py" - "${pins[@]}" <<'PYEOF'
import sys
from importlib.metadata import version, PackageNotFoundError
bad = []
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    try:
        have = version(name)
    except PackageNotFoundError:
        have = None
    if have != want:
        bad.append(f"{name} {have} (want {want})")
if bad:
    print("peers-venv: venv differs from the lock: " + ", ".join(bad), file=sys.stderr)
    sys.exit(1)
PYEOF
}
if ! venv_ok 2>/dev/null; then
  [ -x "$py" ] || { echo "peers-venv: creating $venv" >&2; python3 -m venv "$venv" >&2; }
  echo "peers-venv: installing ${pins[*]}" >&2
  "$py" -m pip install --quiet --disable-pip-version-check "${pins[@]}" >&2
  venv_ok >&2
fi
echo "$venv"

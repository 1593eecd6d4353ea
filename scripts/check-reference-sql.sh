#!/usr/bin/env bash
# Diff opsdeck's interval facts with docs/reference-aggregation.sql run in DuckDB.
# Usage: bash scripts/check-reference-sql.sh [WORKSPACE]   (default: a fresh `opsdeck demo` workspace)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(bash scripts/peers-venv.sh)"
ws="${1:-}"
if [ -z "$ws" ]; then
  ws=target/reference-sql-demo
  cargo run -q --release -p opsdeck-cli -- demo --dir "$ws" >/dev/null
fi
"$venv/bin/python" scripts/check_reference_sql.py "$ws"

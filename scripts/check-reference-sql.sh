#!/usr/bin/env bash
# Diff opsdeck's interval facts with the reference aggregation run in a SQL engine over the
# contact Parquet files the workspace's manifest names (docs/reference-aggregation*.sql), and
# its case day facts with the case-facts SQL over its case records (docs/reference-case-facts*.sql).
# Usage: bash scripts/check-reference-sql.sh [--engine duckdb|datafusion|ballista|spark] [WORKSPACE]
#        (default engine duckdb; default workspace: a fresh `opsdeck demo`; the opsdeck binary
#        used is $OPSDECK_BIN, else a release build)
# Installs what the engine needs into the peers venv (scripts/peers-venv.sh): DataFusion from
# PyPI's `datafusion`, Spark from PyPI's `pyspark` in local mode, on a Java runtime (Debian's
# default-jre-headless, installed when missing and this runs as root); Ballista (a scheduler and
# an executor in one process) from PyPI's `ballista`, in a venv of its own, built from source
# only with OPSDECK_INSTALL_BALLISTA=1. Prints
# `identical: N queue x interval rows …` or the differences; exit 0 only when identical, 1 when
# they differ, 3 when the engine cannot be installed here.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=duckdb
ws=""
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) engine="${2:?--engine needs duckdb, datafusion, ballista or spark}"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) ws="$1"; shift ;;
  esac
done
# the engines' versions, pinned here (the peers' lock does not carry them)
DATAFUSION_VERSION=55.0.0
PYSPARK_VERSION=4.3.0
BALLISTA_VERSION=54.1.0
case "$engine" in duckdb|datafusion|ballista|spark) ;; *) echo "check-reference-sql: unknown engine $engine (duckdb, datafusion, ballista or spark)" >&2; exit 2 ;; esac
if [ "$engine" = ballista ]; then
  # Ballista's Python client pins DataFusion 54 (the peers' venv has 55): a venv of its own.
  # PyPI has it as a source distribution only; building it compiles DataFusion and Ballista
  # (over an hour here, one build job at low priority), so it is built only when asked.
  venv="${OPSDECK_BALLISTA_VENV:-$HOME/.cache/opsdeck-ballista-venv}"
  if ! "$venv/bin/python" -c "import ballista, pyarrow" 2>/dev/null; then
    if [ "${OPSDECK_INSTALL_BALLISTA:-0}" != 1 ]; then
      echo "check-reference-sql: Ballista's Python client is not installed in $venv; PyPI has it as source only and building it takes over an hour here: run with OPSDECK_INSTALL_BALLISTA=1 to build it" >&2
      exit 3
    fi
    echo "check-reference-sql: building ballista==$BALLISTA_VERSION into $venv (Rust; over an hour on two cores)" >&2
    { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } \
      && "$venv/bin/pip" install -q maturin pyarrow "ballista==$BALLISTA_VERSION" >&2 \
      || { echo "check-reference-sql: cannot install ballista" >&2; exit 3; }
  fi
else
  venv="$(bash scripts/peers-venv.sh)"
fi
py="$venv/bin/python"

need() { # module, pip requirement
  "$py" -c "import $1" 2>/dev/null && return 0
  echo "check-reference-sql: installing $2 into $venv" >&2
  "$venv/bin/pip" install -q "$2" >&2 || { echo "check-reference-sql: cannot install $2" >&2; exit 3; }
}
case "$engine" in
  datafusion) need datafusion "datafusion==$DATAFUSION_VERSION" ;;
  spark)
    if ! command -v java >/dev/null 2>&1; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "check-reference-sql: installing a Java runtime (default-jre-headless) for Spark" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
          || { echo "check-reference-sql: cannot install a Java runtime" >&2; exit 3; }
      else
        echo "check-reference-sql: Spark needs a Java runtime (apt-get install default-jre-headless)" >&2; exit 3
      fi
    fi
    need pyspark "pyspark==$PYSPARK_VERSION" ;;
esac
# the opsdeck that reads the workspace: $OPSDECK_BIN (the tests give theirs), else a release build
opsdeck="${OPSDECK_BIN:-}"
if [ -z "$opsdeck" ]; then
  cargo build -q --release -p opsdeck-cli
  opsdeck=target/release/opsdeck
fi
if [ -z "$ws" ]; then
  ws=target/reference-sql-demo
  "$opsdeck" demo --dir "$ws" >/dev/null
fi
# each queue's zone (for the case facts), from the workspace's own setup
setup="$(mktemp)"
trap 'rm -f "$setup"' EXIT
"$opsdeck" --home "$ws" setup show --format json > "$setup"
"$py" scripts/check_reference_sql.py "$ws" --engine "$engine" --setup "$setup"

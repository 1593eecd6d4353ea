#!/usr/bin/env bash
# Run every test of the workspace. When a PostgreSQL server answers on 127.0.0.1:5432 (started
# here if it is installed but stopped; installed from Debian's packages if missing and we are
# root), OPSDECK_TEST_DATABASE_URL is set so the store's conformance suite runs on it too.
# Chromium, chromedriver and poppler-utils (the dashboard's browser test, the packs' PDF
# checks) are installed the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}" CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

pg_answers() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

if [ -z "${OPSDECK_TEST_DATABASE_URL:-}" ]; then
  if ! pg_answers && command -v pg_ctlcluster >/dev/null 2>&1; then
    for v in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 20); do pg_answers && break; sleep 0.5; done
  fi
  if ! pg_answers && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "${OPSDECK_NO_PG_INSTALL:-}" = "" ]; then
    echo "test.sh: installing PostgreSQL from Debian's packages for the store tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || true
    for v in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 20); do pg_answers && break; sleep 0.5; done
    if pg_answers; then
      su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'opsdeck'\"" >/dev/null 2>&1 || true
      su postgres -c "createdb test" >/dev/null 2>&1 || true
      export OPSDECK_TEST_DATABASE_URL="postgres://postgres:opsdeck@127.0.0.1:5432/test"
    fi
  fi
  if [ -z "${OPSDECK_TEST_DATABASE_URL:-}" ] && pg_answers; then
    export OPSDECK_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
  fi
fi
# The dashboard's browser test drives Debian's headless Chromium through chromedriver; the
# packs' PDF test prints with it and reads the PDF back with poppler-utils.
if { [ ! -x /usr/lib/chromium/chromium ] || ! command -v chromedriver >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; } \
  && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "${OPSDECK_NO_BROWSER_INSTALL:-}" = "" ]; then
  echo "test.sh: installing chromium, chromium-driver and poppler-utils from Debian's packages for the browser and PDF tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver poppler-utils >/dev/null) || echo "test.sh: could not install chromium" >&2
fi
if [ -n "${OPSDECK_TEST_DATABASE_URL:-}" ]; then
  echo "test.sh: PostgreSQL tests run against ${OPSDECK_TEST_DATABASE_URL%%@*}@…" >&2
else
  echo "test.sh: no PostgreSQL answers on 127.0.0.1:5432; its tests are skipped" >&2
fi
exec cargo test --workspace "$@"

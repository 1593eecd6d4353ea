# Sourced by the bench scripts (needs `log` defined by the caller).
#   wait_idle            with WAIT_IDLE=1, wait (at most 5 min) until the CPUs were >= 90 % idle over 3 s
#   release_binary NAME  build opsdeck in release unless SKIP_BUILD=1; print its path
#   need_wrk             install wrk from Debian's packages when missing (as root), or stop
#   london_setup         print the setup of the peers' generated contacts: one client, its 8
#                        queues on a Europe/London calendar (so DST nights are in the data)
#   peers_bench NAME DIR the start of a bench over the peers' generated contacts: RUN_DIR
#                        (OPSDECK_BENCH_DIR, else target/DIR), PY (the peers' venv), BIN (the
#                        release build), the generator copied to RUN_DIR/peers

# Shared machines: with --wait-idle, wait (at most 5 min) until the CPUs were >= 90 % idle over 3 s.
cpu_idle_pct() {
  local a b
  read -r -a a < <(grep '^cpu ' /proc/stat)
  sleep 3
  read -r -a b < <(grep '^cpu ' /proc/stat)
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  local idle=$(( b[4] + b[5] - a[4] - a[5] ))
  echo $(( total > 0 ? 100 * idle / total : 100 ))
}
wait_idle() {
  [[ ${WAIT_IDLE:-0} = 1 ]] || return 0
  local t0=$SECONDS pct
  while pct=$(cpu_idle_pct); (( pct < 90 )); do
    if (( SECONDS - t0 > 300 )); then log "machine still busy (${pct}% idle), going on"; return 0; fi
  done
}

release_binary() {
  local bin=$CARGO_TARGET_DIR/release/opsdeck
  if [[ ${SKIP_BUILD:-0} = 0 ]]; then
    log "cargo build --release -p opsdeck-cli (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    cargo build --release --quiet -p opsdeck-cli --bin opsdeck >&2
  fi
  [[ -x $bin ]] || { echo "$1: $bin not found (build it or drop --skip-build)" >&2; exit 1; }
  echo "$bin"
}

need_wrk() {
  command -v wrk >/dev/null && return 0
  if [[ $(id -u) = 0 ]] && command -v apt-get >/dev/null; then
    log "installing wrk from Debian's packages"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
      || { log "cannot install wrk"; exit 1; }
  else
    log "wrk is not installed (apt-get install wrk)"; exit 1
  fi
}

# the Chromium that prints the packs' PDFs
opsdeck_chromium_version() {
  local b=${OPSDECK_CHROMIUM:-/usr/lib/chromium/chromium}
  "$b" --version 2>/dev/null | head -1 || echo "no chromium"
}

london_setup() {
  printf '[[site]]\nid = "s1"\nname = "Site"\ncountry = "GB"\ntime_zone = "Europe/London"\ncost_per_productive_hour = 20.0\n\n'
  printf '[[client]]\nid = "c1"\nname = "Client"\n\n[[program]]\nid = "p1"\nname = "Program"\nclient = "c1"\nsites = ["s1"]\n\n'
  printf '[[calendar]]\nid = "cal1"\ntime_zone = "Europe/London"\n'
  local q
  for q in billing collections general onboarding retention sales tech_support vip; do
    printf '\n[[queue]]\nid = "%s"\nname = "Queue %s"\nprogram = "p1"\nchannel = "voice"\ncalendar = "cal1"\nthreshold_s = 20\n' "$q" "$q"
  done
}

peers_bench() {
  RUN_DIR=${OPSDECK_BENCH_DIR:-$REPO/target/$2}
  VENV=$(bash scripts/peers-venv.sh)
  PY=$VENV/bin/python
  BIN=$(release_binary "$1")
  mkdir -p "$RUN_DIR/peers/data"
  cp "$REPO/../shared/peers/_common.py" "$REPO/../shared/peers/gen_contacts.py" "$RUN_DIR/peers/"
}

# Sourced by the bench scripts: with WAIT_IDLE=1, `wait_idle` waits (at most 5 min) until the
# CPUs were >= 90 % idle over 3 s; `log` must be defined by the caller.
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

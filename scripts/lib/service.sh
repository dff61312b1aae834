# Shared by scripts/kafka.sh and scripts/registry.sh: a background process tracked by a pid
# file. The sourcing script defines `pidfile` and a `log` function.

# The pid of the running process, if the pid file names one that is alive.
running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid; pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
  return 1
}

# Stop it: SIGTERM, then SIGKILL after 30 s. Fine when nothing runs.
stop_service() {
  local what="$1" pid
  if ! pid="$(running_pid)"; then rm -f "$pidfile"; log "not running"; return 0; fi
  log "stopping $what (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && { log "$what did not stop in 30s, killing it"; kill -9 "$pid"; }
  rm -f "$pidfile"
  log "stopped"
}

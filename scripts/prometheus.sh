#!/usr/bin/env bash
# Prometheus for the rule tests and for scrape tests on loopback (Debian's `prometheus` package).
#
#   scripts/prometheus.sh install                        install promtool + prometheus once (apt),
#                                                        without starting the package's service
#   scripts/prometheus.sh up --config FILE [--port P]    start a server on 127.0.0.1:P (9090) with
#                                                        storage in var/prometheus/, wait until ready
#   scripts/prometheus.sh down                           stop it (fine when none runs)
#   scripts/prometheus.sh status                         exit 0 when the server answers /-/ready
#
# Environment: PROMETHEUS_PORT (9090), PROMETHEUS_HOME_DIR (var/prometheus),
# PROMETHEUS_START_TIMEOUT (seconds, 30).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${PROMETHEUS_PORT:-9090}"
home="${PROMETHEUS_HOME_DIR:-$root/var/prometheus}"
timeout="${PROMETHEUS_START_TIMEOUT:-30}"
pidfile="$home/prometheus.pid"
logfile="$home/prometheus.log"
portfile="$home/port"

# shellcheck source=lib/service.sh
source "$root/scripts/lib/service.sh"

log() { echo "prometheus: $*" >&2; }

install() {
  if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
    log "$(promtool --version 2>&1 | head -n 1)"
    return 0
  fi
  command -v apt-get >/dev/null || { log "apt-get is needed to install Debian's prometheus package"; exit 1; }
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # The package's maintainer scripts would start a system-wide service on :9090; a
  # policy-rc.d that answers 101 ("action forbidden") keeps invoke-rc.d from doing so.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    own_policy=1
  fi
  local rc=0
  log "installing Debian's prometheus package"
  { $sudo apt-get update -q >/dev/null \
      && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
        prometheus >/dev/null; } || rc=$?
  [ "$own_policy" -eq 1 ] && $sudo rm -f "$policy"
  [ "$rc" -eq 0 ] || { log "apt-get install prometheus failed ($rc)"; exit "$rc"; }
  log "$(promtool --version 2>&1 | head -n 1)"
}

ready() {
  local p="${1:-$port}"
  command -v curl >/dev/null || { log "curl is needed to check readiness"; return 2; }
  curl -fsS -m 2 "http://127.0.0.1:$p/-/ready" >/dev/null 2>&1
}

up() {
  local config="" p="$port"
  while [ $# -gt 0 ]; do
    case "$1" in
      --config) config="${2:?--config needs a file}"; shift 2 ;;
      --port) p="${2:?--port needs a number}"; shift 2 ;;
      *) log "unknown option $1"; exit 64 ;;
    esac
  done
  [ -n "$config" ] || { log "up needs --config FILE"; exit 64; }
  [ -f "$config" ] || { log "config file $config does not exist"; exit 1; }
  config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
  command -v prometheus >/dev/null || { log "prometheus is missing: run '$0 install'"; exit 1; }
  mkdir -p "$home/data"
  if running_pid >/dev/null; then
    # One server per home dir: a second `up` with another config restarts it with that one.
    if [ "$(cat "$home/config" 2>/dev/null)" = "$config" ] && [ "$(cat "$portfile")" = "$p" ] \
      && ready "$p"; then
      log "already running on 127.0.0.1:$p"
      return 0
    fi
    stop_service prometheus
  fi
  promtool check config "$config" >"$home/check.log" 2>&1 \
    || { log "invalid config $config:"; cat "$home/check.log" >&2; exit 1; }
  log "starting on 127.0.0.1:$p with $config (log: $logfile)"
  nohup prometheus \
    --config.file="$config" \
    --web.listen-address="127.0.0.1:$p" \
    --storage.tsdb.path="$home/data" \
    --storage.tsdb.retention.time=1d \
    --web.enable-lifecycle \
    >"$logfile" 2>&1 &
  echo $! >"$pidfile"
  echo "$config" >"$home/config"
  echo "$p" >"$portfile"
  local deadline=$((SECONDS + timeout))
  until ready "$p"; do
    [ $? -eq 2 ] && exit 1
    running_pid >/dev/null || { log "prometheus exited; last lines of $logfile:"; tail -n 30 "$logfile" >&2; exit 1; }
    [ $SECONDS -ge $deadline ] && { log "not ready after ${timeout}s"; tail -n 30 "$logfile" >&2; exit 1; }
    sleep 0.3
  done
  # Ready means the TSDB is open and rules are loaded; the first scrape comes later
  # (callers wait for data, e.g. hub.monitoring.promapi.wait_for_series).
  log "ready on 127.0.0.1:$p"
}

down() { stop_service prometheus; }

status() {
  local p; p="$(cat "$portfile" 2>/dev/null || echo "$port")"
  if running_pid >/dev/null && ready "$p"; then log "running on 127.0.0.1:$p"; return 0; fi
  log "not running"; return 1
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  install) install ;;
  up) up "$@" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 install | up --config FILE [--port P] | down | status" >&2; exit 64 ;;
esac

#!/usr/bin/env bash
# Local Confluent-compatible schema registry (Apicurio Registry, in-memory) for the demo and tests.
#
#   scripts/registry.sh up       fetch the server (once), start it, wait until the ccompat API answers
#   scripts/registry.sh down     stop the registry (fine when none runs)
#   scripts/registry.sh status   exit 0 when GET /apis/ccompat/v7/subjects answers 200
#
# The hub talks to it with HUB_SCHEMA_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7.
# Storage is in memory: every start begins with an empty registry.
#
# Environment: REGISTRY_PORT (8081), REGISTRY_HOME_DIR (var/registry),
# REGISTRY_CACHE_DIR (.cache/registry), REGISTRY_VERSION (3.0.9, see scripts/registry/pom.xml),
# REGISTRY_HEAP (512m), REGISTRY_START_TIMEOUT (seconds, 120).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${REGISTRY_PORT:-8081}"
home="${REGISTRY_HOME_DIR:-$root/var/registry}"
cache="${REGISTRY_CACHE_DIR:-$root/.cache/registry}"
version="${REGISTRY_VERSION:-3.0.9}"
heap="${REGISTRY_HEAP:-512m}"
timeout="${REGISTRY_START_TIMEOUT:-120}"
dist="$cache/$version"
pidfile="$home/registry.pid"
logfile="$home/registry.log"
url="http://127.0.0.1:$port/apis/ccompat/v7"

# shellcheck source=lib/service.sh
source "$root/scripts/lib/service.sh"

log() { echo "registry: $*" >&2; }

fetch() {
  [ -f "$dist/.complete" ] && return 0
  command -v mvn >/dev/null || { log "Maven (mvn) is needed to fetch Apicurio Registry"; exit 1; }
  log "fetching Apicurio Registry $version from Maven Central into $dist"
  rm -rf "$dist"
  mkdir -p "$dist"
  mvn -q -B -f "$root/scripts/registry/pom.xml" dependency:unpack \
    -Dregistry.version="$version" -Dregistry.dir="$dist"
  touch "$dist/.complete"
}

# the launcher: fast-jar layout (quarkus-run.jar) or legacy runner jar (3.0.x)
launcher() {
  local jar
  for jar in "$dist/quarkus-app/quarkus-run.jar" "$dist/quarkus-run.jar" "$dist"/*-runner.jar; do
    [ -f "$jar" ] && { echo "$jar"; return 0; }
  done
  log "no quarkus-run.jar or *-runner.jar in $dist (delete it to fetch again)"
  exit 1
}


subjects_ok() {
  command -v curl >/dev/null || { log "curl is needed to check the registry"; return 2; }
  curl -sf -o /dev/null --max-time 2 "$url/subjects"
}

up() {
  if running_pid >/dev/null && subjects_ok; then log "already running at $url"; return 0; fi
  if ! running_pid >/dev/null && subjects_ok; then
    log "a registry not started from $home already answers at $url; using it ('down' will not stop it)"
    return 0
  fi
  if ! running_pid >/dev/null; then
    fetch
    local jar; jar="$(launcher)"
    mkdir -p "$home"
    log "starting Apicurio Registry $version on 127.0.0.1:$port (log: $logfile)"
    (
      cd "$home"  # the working directory of the server, so nothing lands in the caller's
      nohup java -Xms64m -Xmx"$heap" -XX:+UseSerialGC \
        -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
        -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
        -Dapicurio.datasource.url="jdbc:h2:mem:registry" \
        -jar "$jar" </dev/null >"$logfile" 2>&1 &
      echo $! >"$pidfile"
    )
  fi
  local started=$SECONDS deadline=$((SECONDS + timeout))
  until subjects_ok; do
    [ $? -eq 2 ] && exit 1
    running_pid >/dev/null || { log "registry exited; last lines of $logfile:"; tail -n 30 "$logfile" >&2; exit 1; }
    [ $SECONDS -ge $deadline ] && { log "no answer from $url after ${timeout}s"; tail -n 30 "$logfile" >&2; exit 1; }
    sleep 0.5
  done
  log "ready at $url ($((SECONDS - started))s)"
}

down() { stop_service registry; }

status() {
  if subjects_ok; then log "running at $url"; return 0; fi
  log "not running"; return 1
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 64 ;;
esac

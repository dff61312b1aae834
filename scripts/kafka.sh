#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft) for the demo, the tests and CI.
#
#   scripts/kafka.sh up       fetch jars (once), format (once), start, wait for a metadata round-trip
#   scripts/kafka.sh down     stop the broker (fine when none runs)
#   scripts/kafka.sh status   exit 0 when the broker answers metadata requests
#   scripts/kafka.sh reset    stop and delete the broker's data
#
#   scripts/kafka.sh secure up|down|status|reset
#                             the same for a second, separate broker with a SASL_SSL listener
#                             (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN) and an SSL listener that
#                             requires a client certificate; see scripts/kafka/secure.sh
#
# Environment: KAFKA_PORT (9092; secure: 19093, the SASL_SSL listener), KAFKA_CONTROLLER_PORT
# (9093; secure: 19094), KAFKA_HOME_DIR (var/kafka; secure: var/kafka-secure),
# KAFKA_CACHE_DIR (.cache/kafka), PYTHON (.venv/bin/python, needs confluent-kafka),
# KAFKA_START_TIMEOUT (seconds, 60); secure only: KAFKA_SSL_PORT (19095, the mTLS listener).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
secure=0
if [ "${1:-}" = secure ]; then secure=1; shift; fi
if [ $secure = 1 ]; then
  port="${KAFKA_PORT:-19093}"
  controller_port="${KAFKA_CONTROLLER_PORT:-19094}"
  home="${KAFKA_HOME_DIR:-$root/var/kafka-secure}"
else
  port="${KAFKA_PORT:-9092}"
  controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
  home="${KAFKA_HOME_DIR:-$root/var/kafka}"
fi
cache="${KAFKA_CACHE_DIR:-$root/.cache/kafka}"
python="${PYTHON:-$root/.venv/bin/python}"
timeout="${KAFKA_START_TIMEOUT:-60}"
libs="$cache/libs"
pidfile="$home/broker.pid"
logfile="$home/broker.log"
props="$home/server.properties"

# shellcheck source=lib/service.sh
source "$root/scripts/lib/service.sh"

log() { echo "kafka: $*" >&2; }

# shellcheck source=kafka/secure.sh
[ $secure = 1 ] && source "$root/scripts/kafka/secure.sh"

fetch_jars() {
  [ -f "$libs/.complete" ] && return 0
  command -v mvn >/dev/null || { log "Maven (mvn) is needed to fetch the Kafka jars"; exit 1; }
  log "fetching Kafka jars from Maven Central into $libs"
  mkdir -p "$libs"
  mvn -q -B -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs" -DincludeScope=runtime
  touch "$libs/.complete"
}

write_properties() {
  mkdir -p "$home/data"
  if [ $secure = 1 ]; then write_secure_properties; return; fi
  cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$home/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
log.segment.bytes=67108864
PROPS
}

java_cmd() { java -Xms256m -Xmx1g -cp "$libs/*" "$@"; }


# The security properties come from the environment (KAFKA_CLIENT_*, set by secure.sh), never
# from the command line, where other users could read a password.
metadata_ok() {
  [ -x "$python" ] || { log "no Python with confluent-kafka at $python (set PYTHON, or run 'make install')"; return 2; }
  [ $secure = 1 ] && export_client_settings
  "$python" - "$port" <<'PY' 2>/dev/null
import os, sys
from confluent_kafka.admin import AdminClient
conf = {"bootstrap.servers": f"127.0.0.1:{sys.argv[1]}"}
for key in ("security.protocol", "sasl.mechanism", "sasl.username", "ssl.ca.location"):
    if value := os.environ.get("KAFKA_CLIENT_" + key.replace(".", "_").upper()):
        conf[key] = value
if path := os.environ.get("KAFKA_CLIENT_SASL_PASSWORD_FILE"):
    conf["sasl.password"] = open(path).read().strip()
md = AdminClient(conf).list_topics(timeout=2)
sys.exit(0 if md.brokers else 1)
PY
}

up() {
  if running_pid >/dev/null && metadata_ok; then log "already running on 127.0.0.1:$port"; return 0; fi
  if ! running_pid >/dev/null && metadata_ok; then
    log "a broker not started from $home already answers on 127.0.0.1:$port; using it ('down' will not stop it)"
    return 0
  fi
  fetch_jars
  if [ $secure = 1 ]; then make_tls; make_credentials; fi
  write_properties
  if [ ! -f "$home/data/meta.properties" ]; then
    log "formatting KRaft log dir $home/data"
    local cluster_id extra=()
    if [ $secure = 1 ]; then
      cluster_id="$(random_cluster_id)"; mapfile -t extra < <(scram_format_args)
    else
      cluster_id="$(java_cmd kafka.tools.StorageTool random-uuid 2>>"$home/format.log")"
    fi
    java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$props" "${extra[@]}" \
      >>"$home/format.log" 2>&1 || { log "formatting failed, see $home/format.log"; exit 1; }
  fi
  if ! running_pid >/dev/null; then
    log "starting broker on 127.0.0.1:$port (log: $logfile)"
    nohup java -Xms256m -Xmx1g -cp "$libs/*" -Dlog4j2.configurationFile= \
      kafka.Kafka "$props" >"$logfile" 2>&1 &
    echo $! >"$pidfile"
  fi
  local deadline=$((SECONDS + timeout))
  until metadata_ok; do
    [ $? -eq 2 ] && exit 1
    running_pid >/dev/null || { log "broker exited; last lines of $logfile:"; tail -n 30 "$logfile" >&2; exit 1; }
    [ $SECONDS -ge $deadline ] && { log "no metadata answer after ${timeout}s"; tail -n 30 "$logfile" >&2; exit 1; }
    sleep 0.5
  done
  log "ready on 127.0.0.1:$port"
  [ $secure = 1 ] && describe_secure
  return 0
}

down() { stop_service broker; }

status() {
  if running_pid >/dev/null && metadata_ok; then log "running on 127.0.0.1:$port"; return 0; fi
  log "not running"; return 1
}

reset() {
  down; rm -rf "$home/data" "$props"
  # the secure broker's users live in its data: new data, new credentials and certificates
  [ $secure = 1 ] && rm -rf "$home/tls" "$home/credentials"
  log "data deleted"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  reset) reset ;;
  *) echo "usage: $0 [secure] up|down|status|reset" >&2; exit 64 ;;
esac

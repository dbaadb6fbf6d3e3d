#!/usr/bin/env bash
# Runs a real single-node Apache Kafka (KRaft, combined broker and controller)
# on 127.0.0.1 from jars resolved from Maven Central. No Docker needed.
#
#   deploy/kafka.sh start    resolve jars (first time), format, start, wait until ready
#   deploy/kafka.sh stop     stop the broker this script started
#   deploy/kafka.sh status   exit 0 when the broker answers
#
# Settings (environment): KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093),
# EC_LOCAL_DIR (<repo>/.local), KAFKA_HEAP (512m).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
local_dir=${EC_LOCAL_DIR:-$root/.local}
home=$local_dir/kafka
libs=$home/libs
data=$home/data
props=$home/server.properties
log=$home/kafka.log
pidfile=$home/kafka.pid
port=${KAFKA_PORT:-19092}
controller_port=${KAFKA_CONTROLLER_PORT:-19093}
heap=${KAFKA_HEAP:-512m}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

resolve_jars() {
  [ -f "$libs/.complete" ] && return 0
  echo "kafka: resolving the broker's jars from Maven Central into $libs"
  rm -rf "$libs"
  mvn -q -B -f "$here/kafka/pom.xml" package -Dlibs.dir="$libs"
  touch "$libs/.complete"
}

write_properties() {
  mkdir -p "$data"
  cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
num.network.threads=2
num.io.threads=2
log.cleaner.dedupe.buffer.size=16777216
PROPS
}

start() {
  if pid=$(running_pid) && answers; then
    echo "kafka: already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  resolve_jars
  write_properties
  if [ ! -f "$data/meta.properties" ]; then
    local cluster_id
    cluster_id=$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    java -cp "$libs/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" --ignore-formatted >"$home/format.log" 2>&1
  fi
  : >"$log"
  nohup java "-Xms256m" "-Xmx$heap" -XX:+UseSerialGC -Djava.awt.headless=true \
    -cp "$libs/*" kafka.Kafka "$props" >>"$log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if ! running_pid >/dev/null; then
      echo "kafka: the broker exited while starting; its log:" >&2
      tail -n 40 "$log" >&2
      return 1
    fi
    if answers && grep -q "Kafka Server started" "$log"; then
      echo "kafka: ready on 127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"
      return 0
    fi
    sleep 0.5
  done
  echo "kafka: not ready after 60 s; its log:" >&2
  tail -n 40 "$log" >&2
  return 1
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$pidfile"
    echo "kafka: not running"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; echo "kafka: stopped"; return 0; }
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "kafka: killed after 30 s"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running_pid >/dev/null && answers ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

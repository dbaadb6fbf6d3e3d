#!/usr/bin/env bash
# The distributed mode on this machine: real PostgreSQL and Kafka, then the
# four services and the console as separate processes, logs in .local/logs/.
#
#   deploy/cluster.sh up | down | status
#
# Tokens: EC_API_TOKENS when set; otherwise generated once into
# .local/cluster/tokens.env and printed. The notifier's own operator token
# (EC_NOTIFIER_ESCALATION_TOKEN, for linking problem records) likewise, in
# .local/cluster/notifier.env, added to EC_API_TOKENS. The console's session secret likewise
# (EC_CONSOLE_SESSION_SECRET, kept in .local/cluster/console.env).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
local_dir=${EC_LOCAL_DIR:-$root/.local}
run_dir=$local_dir/cluster
logs=$local_dir/logs
python=$root/.venv/bin/python
services=(intake:8001 escalation:8002 notifier:8003 monitor:8004 console:8005)

pid_of() { local f=$run_dir/$1.pid; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }

tokens() {
  if [ -n "${EC_API_TOKENS:-}" ]; then return 0; fi
  local file=$run_dir/tokens.env
  if [ ! -f "$file" ]; then
    local t; t() { "$python" -c 'import secrets; print(secrets.token_urlsafe(18))'; }
    echo "EC_API_TOKENS=admin:admin:$(t),operator:operator:$(t),auditor:auditor:$(t),intake:itsm:$(t)" >"$file"
    chmod 600 "$file"
  fi
  set -a; . "$file"; set +a
}

notifier_token() {
  # The notifier links the problem records it creates through the escalation
  # service's API: its own operator token, so the audit names it.
  if [ -n "${EC_NOTIFIER_ESCALATION_TOKEN:-}" ]; then return 0; fi
  local file=$run_dir/notifier.env
  if [ ! -f "$file" ]; then
    echo "EC_NOTIFIER_ESCALATION_TOKEN=notifier:$("$python" -c 'import secrets; print(secrets.token_urlsafe(18))')" >"$file"
    chmod 600 "$file"
  fi
  set -a; . "$file"; set +a
  EC_API_TOKENS="$EC_API_TOKENS,operator:$EC_NOTIFIER_ESCALATION_TOKEN"
}

console_secret() {
  if [ -n "${EC_CONSOLE_SESSION_SECRET:-}" ]; then return 0; fi
  local file=$run_dir/console.env
  if [ ! -f "$file" ]; then
    echo "EC_CONSOLE_SESSION_SECRET=$("$python" -c 'import secrets; print(secrets.token_urlsafe(32))')" >"$file"
    chmod 600 "$file"
  fi
  set -a; . "$file"; set +a
}

wait_healthy() {
  local name=$1 port=$2
  for _ in $(seq 1 120); do
    if "$python" - "$port" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1)
PY
    [ -n "$(pid_of "$name")" ] || { echo "$name exited; see $logs/$name.log" >&2; tail -n 20 "$logs/$name.log" >&2; return 1; }
    sleep 0.5
  done
  echo "$name did not become healthy; see $logs/$name.log" >&2
  return 1
}

up() {
  mkdir -p "$run_dir" "$logs"
  "$here/postgres.sh" start
  "$here/kafka.sh" start
  tokens
  local shown_tokens=$EC_API_TOKENS  # the notifier's own token is not for people
  notifier_token
  console_secret
  export EC_API_TOKENS EC_CONSOLE_SESSION_SECRET EC_NOTIFIER_ESCALATION_TOKEN
  # Every process here is on 127.0.0.1: the console's calls carry the address
  # of the person they are made for, and the services believe it from there.
  export EC_TRUSTED_PROXIES=${EC_TRUSTED_PROXIES:-127.0.0.1}
  export EC_DATABASE_URL=${EC_DATABASE_URL:-$("$here/postgres.sh" url)}
  export EC_KAFKA_BOOTSTRAP_SERVERS=${EC_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:${KAFKA_PORT:-19092}}
  # Each service's schema first, so a refused one (newer than this version)
  # stops here, before anything starts.
  for name in intake escalation notifier monitor; do
    "$python" -m "ec_$name" migrate
  done
  for entry in "${services[@]}"; do
    local name=${entry%%:*} port=${entry##*:}
    if [ -n "$(pid_of "$name")" ]; then echo "$name: already running"; continue; fi
    nohup "$python" -m "ec_$name" --port "$port" >>"$logs/$name.log" 2>&1 &
    echo $! >"$run_dir/$name.pid"
  done
  for entry in "${services[@]}"; do
    local name=${entry%%:*} port=${entry##*:}
    wait_healthy "$name" "$port"
    echo "$name: http://127.0.0.1:$port (docs at /docs, log $logs/$name.log)"
  done
  echo "console: http://127.0.0.1:8005/console/ (sign in with one of the tokens)"
  echo "tokens: $shown_tokens"
}

down() {
  for entry in "${services[@]}"; do
    local name=${entry%%:*} pid
    if pid=$(pid_of "$name"); then
      kill "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
      echo "$name: stopped"
    fi
    rm -f "$run_dir/$name.pid"
  done
  "$here/kafka.sh" stop
  "$here/postgres.sh" stop
}

status() {
  for entry in "${services[@]}"; do
    local name=${entry%%:*} port=${entry##*:} pid
    if pid=$(pid_of "$name"); then echo "$name: running (pid $pid, port $port)"; else echo "$name: stopped"; fi
  done
  "$here/kafka.sh" status && echo "kafka: running" || echo "kafka: stopped"
  "$here/postgres.sh" status && echo "postgres: running" || echo "postgres: stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac

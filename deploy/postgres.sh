#!/usr/bin/env bash
# Runs a real PostgreSQL (Debian's package) on 127.0.0.1 with its data in an
# ignored project folder, away from any other cluster on the machine.
#
#   deploy/postgres.sh start   install the server if missing, init once, start, wait, create the database
#   deploy/postgres.sh stop    stop the cluster this script started
#   deploy/postgres.sh status  exit 0 when the server answers
#   deploy/postgres.sh url     print the SQLAlchemy URL of the project database
#
# Settings (environment): PG_PORT (55432), PG_DATABASE (escalation_center),
# EC_LOCAL_DIR (<repo>/.local).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
local_dir=${EC_LOCAL_DIR:-$root/.local}
port=${PG_PORT:-55432}
database=${PG_DATABASE:-escalation_center}

# The server runs as 'postgres' when we are root, and that user must be able to
# reach its data folder. A clone inside a private folder (mktemp -d is 0700) is
# out of its reach, so the cluster then lives in a folder of its own, named after
# the project folder so that two clones never share one.
place_cluster() {
  home=$local_dir/postgres
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 &&
    ! (cd / && runuser -u postgres -- test -x "$(dirname "$local_dir")" 2>/dev/null); then
    home=/var/tmp/ec-postgres-$(printf '%s' "$local_dir" | sha256sum | cut -c1-12)
  fi
  data=$home/data
  sockets=$home/run
  log=$home/postgres.log
}

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_server() {
  [ -n "$(bin_dir)" ] && [ -x "$(bin_dir)/postgres" ] && return 0
  echo "postgres: installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
}

# initdb and the server refuse to run as root, so they run as 'postgres' then.
as_server_user() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

answers() { "$(bin_dir)/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; }

start() {
  install_server
  place_cluster
  local bin; bin=$(bin_dir)
  mkdir -p "$home" "$sockets"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$home" "$sockets"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_server_user "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$home/initdb.log" 2>&1 ||
      as_server_user "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$home/initdb.log" 2>&1
  fi
  if ! answers; then
    as_server_user "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$sockets -c max_connections=300 -c shared_buffers=256MB" >/dev/null
  fi
  for _ in $(seq 1 120); do answers && break; sleep 0.5; done
  answers || { echo "postgres: not ready; its log:" >&2; tail -n 40 "$log" >&2; return 1; }
  if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname='$database'" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
  fi
  echo "postgres: ready on 127.0.0.1:$port (data $data, log $log)"
}

stop() {
  place_cluster
  local bin; bin=$(bin_dir)
  if [ -z "$bin" ] || [ ! -f "$data/postmaster.pid" ]; then echo "postgres: not running"; return 0; fi
  as_server_user "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || true
  echo "postgres: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  url) echo "postgresql+asyncpg://postgres@127.0.0.1:$port/$database" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Runs a command with real PostgreSQL and Kafka available, starting whichever
# is not already running and stopping (only) what it started.
#
# Respects EC_DATABASE_URL (an existing PostgreSQL) and
# EC_KAFKA_BOOTSTRAP_SERVERS (an existing Kafka) when they are set.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

started=()
cleanup() {
  local status=$?
  for (( i=${#started[@]}-1; i>=0; i-- )); do "$here/${started[$i]}.sh" stop || true; done
  exit $status
}
trap cleanup EXIT INT TERM

if [ -z "${EC_DATABASE_URL:-}" ]; then
  if ! "$here/postgres.sh" status; then "$here/postgres.sh" start; started+=(postgres); fi
  EC_TEST_DATABASE_URL=$("$here/postgres.sh" url)
else
  EC_TEST_DATABASE_URL=$EC_DATABASE_URL
fi
if [ -z "${EC_KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  if ! "$here/kafka.sh" status; then "$here/kafka.sh" start; started+=(kafka); fi
  EC_TEST_KAFKA=127.0.0.1:${KAFKA_PORT:-19092}
else
  EC_TEST_KAFKA=$EC_KAFKA_BOOTSTRAP_SERVERS
fi
export EC_TEST_DATABASE_URL EC_TEST_KAFKA EC_TEST_REQUIRE_INFRA=1
# The suite sets these per test; inherited values would point tests elsewhere.
unset EC_DATABASE_URL EC_KAFKA_BOOTSTRAP_SERVERS EC_API_TOKENS EC_TOPIC_PREFIX
"$@"

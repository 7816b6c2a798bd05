#!/usr/bin/env bash
# The Manage API Access page (a logged-in GET) and Confirm (its POST) under wrk, on
# each way of running the portal, all in this one run:
#
#   SQLite,     1 instance
#   PostgreSQL, 1 instance
#   PostgreSQL, 1 instance behind nginx      (what nginx itself costs)
#   PostgreSQL, 2 instances behind nginx     (deploy/nginx.conf, one database)
#
# Each row starts from a new database with one taxpayer, logs in once, then runs wrk
# for the page, for Confirm (the lua script posts Yes with the seven durations in
# turn, as bench/load.sh does), and for the page again: by then the taxpayer's
# "Recent changes" history holds a row per Confirm, and the last columns show what
# that history costs the page. The PostgreSQL cluster is a throwaway one
# (scripts/postgres.sh); everything runs on this machine, so the instances, nginx,
# PostgreSQL and wrk share its cores. Nothing is asserted; the table is for reading.
# Installs wrk and nginx-light with apt-get when missing.
#
#   bench/postgres.sh [seconds per run, default 10] [connections, default 64]
#   GST_PORTAL_BIN=path bench/postgres.sh ...    use that binary (built with the
#                                                postgres feature) instead of building
set -euo pipefail
# A relative GST_PORTAL_BIN is taken from where the script was started.
[ -z "${GST_PORTAL_BIN:-}" ] || GST_PORTAL_BIN=$(realpath -m -- "$GST_PORTAL_BIN")
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-64}

# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
command -v wrk >/dev/null 2>&1 || install_packages wrk
find_nginx

if [ -n "${GST_PORTAL_BIN:-}" ]; then
  BIN=$GST_PORTAL_BIN
else
  cargo build --release --locked --features postgres --bin gst-portal >&2
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/gst-portal
fi

WORK=$(mktemp -d)
chmod 755 "$WORK"
PIDS=()
PG_STARTED=
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_all
  if [ -n "$PG_STARTED" ]; then "$ROOT/scripts/postgres.sh" stop "$WORK/pg" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {
  local _
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$1/login" && return
    sleep 0.1
  done
  echo "bench/postgres.sh: $1 did not answer" >&2
  for f in "$WORK"/*.err; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 5 "$f" >&2; }; done
  exit 1
}

echo "== starting PostgreSQL" >&2
PG_STARTED=yes
SERVER_URL=$("$ROOT/scripts/postgres.sh" start "$WORK/pg")
PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
new_database() {
  "$PSQL" -q -v ON_ERROR_STOP=1 "$SERVER_URL" -c "CREATE DATABASE $1" >/dev/null
  echo "${SERVER_URL%/*}/$1"
}

# start_instance DATABASE NAME: a portal on a free port, its address in INSTANCE.
start_instance() {
  local port
  port=$(free_port)
  RUST_LOG=warn "$BIN" --database "$1" serve --bind "127.0.0.1:$port" --trusted-proxies 127.0.0.1 \
    --login-attempts-per-minute 100000 --idle-timeout-minutes 60 \
    >"$WORK/$2.out" 2>"$WORK/$2.err" &
  PIDS+=($!)
  INSTANCE=127.0.0.1:$port
  wait_for "http://$INSTANCE"
}

# start_nginx NAME UPSTREAM...: deploy/nginx.conf on a free port, with the upstream
# lines replaced by one per address given; its address in PROXY.
start_nginx() {
  local name=$1 port dir servers="" addr
  shift
  port=$(free_port)
  dir=$WORK/$name
  mkdir -p "$dir/logs"
  for addr in "$@"; do servers+="        server $addr max_fails=3 fail_timeout=10s;\n"; done
  awk -v servers="$servers" '
    /^ *server 127\.0\.0\.1:808[12] / { if (!done) { printf "%s", servers; done = 1 } next }
    { print }' deploy/nginx.conf |
    sed "s/listen 127\.0\.0\.1:8080;/listen 127.0.0.1:$port;/" >"$dir/nginx.conf"
  "$NGINX" -p "$dir" -e logs/error.log -c "$dir/nginx.conf" -g 'daemon off;' &
  PIDS+=($!)
  PROXY=127.0.0.1:$port
  wait_for "http://$PROXY"
}

token_of() { sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' | head -n 1; }

# measure LABEL INSTANCES DATABASE ADDRESS: logs the taxpayer in at ADDRESS, runs
# wrk for the page and for Confirm, and adds a row to the table.
RESULTS=$WORK/results
: >"$RESULTS"
measure() {
  local label=$1 instances=$2 base=http://$4 jar=$WORK/jar token cookie page_token
  rm -f "$jar"
  token=$(curl -fs -c "$jar" -b "$jar" "$base/login" | token_of)
  curl -fs -o /dev/null -c "$jar" -b "$jar" \
    --data "csrf_token=$token&username=bench.user&password=Bench%402026" "$base/login"
  page_token=$(curl -fs -c "$jar" -b "$jar" "$base/profile/api-access" | token_of)
  cookie=$(awk '$6 == "gst_session" { print "gst_session=" $7 }' "$jar")
  [ -n "$cookie" ] && [ -n "$page_token" ] || { echo "bench/postgres.sh: could not log in at $base" >&2; exit 1; }
  cat >"$WORK/confirm.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$cookie"
local durations = {"6", "12", "24", "48", "168", "360", "720"}
local n = 0
request = function()
  n = n + 1
  local body = "csrf_token=$page_token&enable_api=Y&duration=" .. durations[n % 7 + 1]
  return wrk.format(nil, "/profile/api-access", nil, body)
end
LUA
  local page confirm after
  echo "== $label, $instances instance(s): the page" >&2
  page=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: $cookie" \
    "$base/profile/api-access" | awk -f bench/wrk-figures.awk)
  echo "== $label, $instances instance(s): Confirm" >&2
  confirm=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$WORK/confirm.lua" \
    "$base/profile/api-access" | awk -f bench/wrk-figures.awk)
  echo "== $label, $instances instance(s): the page again, after the Confirms" >&2
  after=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: $cookie" \
    "$base/profile/api-access" | awk -f bench/wrk-figures.awk)
  echo "$label|$instances|$page|$confirm|$after|$(history_rows "$3")" >>"$RESULTS"
}

# The rows of the taxpayer's history (api_access_changes) in DATABASE.
history_rows() {
  case $1 in
    postgres://* | postgresql://*)
      "$PSQL" -qtA "$1" -c 'SELECT count(*) FROM api_access_changes' ;;
    *)
      python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM api_access_changes").fetchone()[0])' "$1" ;;
  esac
}

add_taxpayer() {
  echo 'Bench@2026' | "$BIN" --database "$1" taxpayer add --username bench.user \
    --gstin 27AAPFU0939F1ZV --legal-name "Bench Traders" --password-stdin >/dev/null
}

# SQLite, one instance.
DB=$WORK/bench.db
add_taxpayer "$DB"
start_instance "$DB" sqlite
measure SQLite 1 "$DB" "$INSTANCE"
stop_all

# PostgreSQL, one instance.
DB=$(new_database bench_one)
add_taxpayer "$DB"
start_instance "$DB" pg-one
measure PostgreSQL 1 "$DB" "$INSTANCE"
stop_all

# One instance behind nginx (a database of its own, so that it starts with an
# empty history like the others).
DB=$(new_database bench_nginx)
add_taxpayer "$DB"
start_instance "$DB" pg-nginx
start_nginx nginx-one "$INSTANCE"
measure "PostgreSQL + nginx" 1 "$DB" "$PROXY"
stop_all

# PostgreSQL, two instances on one database, behind nginx.
DB=$(new_database bench_two)
add_taxpayer "$DB"
start_instance "$DB" pg-two-a
FIRST=$INSTANCE
start_instance "$DB" pg-two-b
start_nginx nginx-two "$FIRST" "$INSTANCE"
measure "PostgreSQL + nginx" 2 "$DB" "$PROXY"
stop_all

echo
echo "Manage API Access page and Confirm: ${SECONDS_PER_RUN}s per run, $CONNECTIONS connections, wrk -t2," \
  "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
printf '| %-18s | %9s | %10s | %9s | %13s | %11s | %13s | %12s | %11s |\n' \
  backend instances "page req/s" "page p99" "Confirm req/s" "Confirm p99" "page req/s *" "history rows" "non-2xx/3xx"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "--------------------" "-----------" "------------" "-----------" \
  "---------------" "-------------" "---------------" "--------------" "-------------"
while IFS='|' read -r label instances page confirm after rows; do
  read -r page_rps _ page_p99 page_bad <<<"$page"
  read -r confirm_rps _ confirm_p99 confirm_bad <<<"$confirm"
  read -r after_rps _ _ after_bad <<<"$after"
  printf '| %-18s | %9s | %10.0f | %6.1f ms | %13.0f | %8.1f ms | %13.0f | %12s | %11s |\n' \
    "$label" "$instances" "$page_rps" "$page_p99" "$confirm_rps" "$confirm_p99" "$after_rps" "$rows" \
    "$((page_bad + confirm_bad + after_bad))"
done <"$RESULTS"
echo
echo "* the page again after the Confirm run, when the taxpayer's history holds that many rows."

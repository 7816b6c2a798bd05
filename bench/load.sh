#!/usr/bin/env bash
# Load figures for the portal: requests per second and p50/p99 latency of the Manage
# API Access page (logged in), of Confirm, of login, and of the page while logins
# flood. Starts the release build on a fresh database on loopback and drives it with
# wrk (installed with apt-get when missing). Prints a table; nothing is asserted.
#
#   bench/load.sh [seconds per run, default 10] [connections, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-16}

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk \
    || { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; }
fi

cargo build --release --locked --bin gst-portal >&2
BIN=$PWD/target/release/gst-portal
WORK=$(mktemp -d)
PORTAL_PID=
cleanup() {
  [ -n "$PORTAL_PID" ] && kill "$PORTAL_PID" 2>/dev/null && wait "$PORTAL_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

DB=$WORK/bench.db
echo 'Bench@2026' | "$BIN" --database "$DB" taxpayer add --username bench.user \
  --gstin 27AAPFU0939F1ZV --legal-name "Bench Traders" --password-stdin >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
RUST_LOG=warn "$BIN" --database "$DB" serve --bind "127.0.0.1:$PORT" \
  --login-attempts-per-minute 100000 --idle-timeout-minutes 60 >"$WORK/portal.out" 2>"$WORK/portal.err" &
PORTAL_PID=$!
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "$BASE/login" && break
  kill -0 "$PORTAL_PID" 2>/dev/null || { cat "$WORK/portal.err" >&2; exit 1; }
  sleep 0.1
done

token_of() { sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' | head -n 1; }

# A logged-in session for the page and Confirm.
JAR=$WORK/jar
TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/login" | token_of)
curl -fs -o /dev/null -c "$JAR" -b "$JAR" --data "csrf_token=$TOKEN&username=bench.user&password=Bench%402026" "$BASE/login"
PAGE_TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/profile/api-access" | token_of)
COOKIE=$(awk '$6=="gst_session"{print "gst_session="$7}' "$JAR")
[ -n "$COOKIE" ] && [ -n "$PAGE_TOKEN" ] || { echo "could not log in for the benchmark" >&2; exit 1; }

# An anonymous session with a login-form token, for the login flood.
JAR2=$WORK/jar2
LOGIN_TOKEN=$(curl -fs -c "$JAR2" -b "$JAR2" "$BASE/login" | token_of)
LOGIN_COOKIE=$(awk '$6=="gst_session"{print "gst_session="$7}' "$JAR2")

cat >"$WORK/confirm.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$COOKIE"
local durations = {"6", "12", "24", "48", "168", "360", "720"}
local n = 0
request = function()
  n = n + 1
  local body = "csrf_token=$PAGE_TOKEN&enable_api=Y&duration=" .. durations[n % 7 + 1]
  return wrk.format(nil, "/profile/api-access", nil, body)
end
LUA
cat >"$WORK/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$LOGIN_COOKIE"
local n = 0
request = function()
  n = n + 1
  -- A different unknown username each time: every attempt pays the full argon2 cost
  -- (the dummy hash) and none trips the per-username lock.
  local body = "csrf_token=$LOGIN_TOKEN&username=flood" .. n .. "-" .. math.random(1e9) .. "&password=Wrong%402026a"
  return wrk.format(nil, "/login", nil, body)
end
LUA

# Reads wrk --latency output: requests/s, p50, p99, and the count of non-2xx/3xx.
summarise() {
  awk -v name="$1" '
    /Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /Non-2xx or 3xx responses:/ { bad = $5 }
    /requests in/ { total = $1 }
    END { printf "%-38s %10s %10s %10s %8s %10s\n", name, rps, p50, p99, total, (bad == "" ? 0 : bad) }'
}

run() { wrk -t2 -c"$2" -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: $COOKIE" "${@:3}" "$BASE$1"; }

echo
echo "gst-portal load figures: ${SECONDS_PER_RUN}s per run, wrk -t2, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
printf "%-38s %10s %10s %10s %8s %10s\n" "what" "req/s" "p50" "p99" "requests" "non-2xx/3xx"
run /profile/api-access "$CONNECTIONS" | summarise "Manage API Access page (logged in)"
run /profile/api-access "$CONNECTIONS" -s "$WORK/confirm.lua" | summarise "Confirm (POST, Yes + duration)"
run /login "$CONNECTIONS" -s "$WORK/login.lua" | summarise "Login (POST, argon2id verify)"
# The page's figures while 8 other connections keep the server busy with $1 on $2.
page_during_flood() {
  wrk -t2 -c8 -d"$((SECONDS_PER_RUN + 2))s" --latency -s "$WORK/$1.lua" "$BASE$2" >"$WORK/flood.txt" &
  local flood=$!
  sleep 1
  run /profile/api-access 4 | summarise "Page while ${1}s flood (4 conn)"
  wait "$flood"
  summarise "  (the $1 flood itself, 8 conn)" <"$WORK/flood.txt"
}
page_during_flood login /login
page_during_flood confirm /profile/api-access
echo
echo "Login answers 401 by design here (unknown usernames); they count as non-2xx/3xx."

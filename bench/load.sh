#!/usr/bin/env bash
# The portal's speed set against the machine's limits, all measured in this one run
# (absolute figures move between runs on shared machines; the ratios are what count):
#
# - the Manage API Access page (logged in), Confirm, login and the GSP data call, with
#   wrk: requests per second, p50 and p99;
# - the page while logins flood and while Confirms flood;
# - nginx serving the same page's saved HTML: the delivery limit of this machine;
# - Confirms committed in a loop straight through Diesel, with the same schema,
#   pragmas and statements (examples/limits.rs): the storage limit;
# - one argon2id check timed with the portal's parameters, just before and just after
#   the login run (the machine's speed drifts from minute to minute): cores / the mean
#   of those times is the ceiling for logins;
# - the portal's peak memory (VmHWM) after a login flood on 256 connections, and its
#   time from start to the first 200 on a migrated database.
#
# Then the ratios and the targets of issue 17. Installs wrk and nginx with apt-get when
# missing. Nothing is asserted; the table is for reading.
#
#   bench/load.sh [seconds per run, default 10] [connections, default 64]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-64}

# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
command -v wrk >/dev/null 2>&1 || install_packages wrk
find_nginx

cargo build --release --locked --bin gst-portal --example limits >&2
BIN=$PWD/target/release/gst-portal
LIMITS=$PWD/target/release/examples/limits
bench_work_folder
RESULTS=$WORK/results
: >"$RESULTS"
record() { echo "$1 $2" >>"$RESULTS"; }

echo "== the storage limit" >&2
"$LIMITS" storage "$SECONDS_PER_RUN" >>"$RESULTS"
# Records one argon2 check's time as "argon2_<when>_ms".
argon2_check() { "$LIMITS" argon2 | awk -v when="$1" '$1 == "argon2_check_ms" { print "argon2_" when "_ms", $2 }' >>"$RESULTS"; }

DB=$WORK/bench.db
echo 'Bench@2026' | "$BIN" --database "$DB" taxpayer add --username bench.user \
  --gstin 27AAPFU0939F1ZV --legal-name "Bench Traders" --password-stdin >/dev/null
PLAIN=()
"$BIN" gsp-client add --help | grep -q -- '--plain' && PLAIN=(--plain)
GSP_OUT=$("$BIN" --database "$DB" gsp-client add --name "Bench GSP" "${PLAIN[@]}")
CLIENT_ID=$(sed -n 's/.*clientid:[[:space:]]*\([^[:space:]]*\).*/\1/p' <<<"$GSP_OUT")
CLIENT_SECRET=$(sed -n 's/.*client-secret:[[:space:]]*\([^[:space:]]*\).*/\1/p' <<<"$GSP_OUT")

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
# Start to first 200: the database is migrated already (the commands above did it).
echo "== starting the portal" >&2
STARTED=$(python3 - "$BIN" "$DB" "$PORT" "$WORK" <<'PY'
import http.client, os, subprocess, sys, time
binary, db, port, work = sys.argv[1:]
env = dict(os.environ, RUST_LOG="warn")
began = time.monotonic()
p = subprocess.Popen([binary, "--database", db, "serve", "--bind", f"127.0.0.1:{port}",
                      "--login-attempts-per-minute", "100000", "--idle-timeout-minutes", "60"],
                     stdout=open(f"{work}/portal.out", "w"), stderr=open(f"{work}/portal.err", "w"),
                     env=env, start_new_session=True)
while True:
    try:
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=1)
        c.request("GET", "/login")
        if c.getresponse().status == 200:
            break
    except OSError:
        pass
    if p.poll() is not None or time.monotonic() - began > 30:
        sys.exit("the portal did not start")
    time.sleep(0.001)
print(p.pid, round((time.monotonic() - began) * 1000, 1))
PY
)
PORTAL_PID=${STARTED% *}
stop_at_exit "$PORTAL_PID"
record start_ms "${STARTED#* }"

token_of() { sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' | head -n 1; }

# A logged-in session for the page and Confirm, with API access on for the GSP call.
JAR=$WORK/jar
TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/login" | token_of)
curl -fs -o /dev/null -c "$JAR" -b "$JAR" --data "csrf_token=$TOKEN&username=bench.user&password=Bench%402026" "$BASE/login"
PAGE_TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/profile/api-access" | token_of)
COOKIE=$(awk '$6=="gst_session"{print "gst_session="$7}' "$JAR")
[ -n "$COOKIE" ] && [ -n "$PAGE_TOKEN" ] || { echo "could not log in for the benchmark" >&2; exit 1; }
curl -fs -o /dev/null -b "$JAR" --data "csrf_token=$PAGE_TOKEN&enable_api=Y&duration=720" "$BASE/profile/api-access"
# The flash of that Confirm is shown once; what nginx serves is the page as it is then.
curl -fs -o /dev/null -b "$JAR" "$BASE/profile/api-access"
mkdir -p "$WORK/www"
curl -fs -b "$JAR" "$BASE/profile/api-access" >"$WORK/www/page.html"

# The GSP: an OTP read from the taxpayer's messages, traded for a token.
gsp() {
  curl -fs -H "clientid: $CLIENT_ID" -H "client-secret: $CLIENT_SECRET" -H 'content-type: application/json' \
    --data "$1" "$BASE/taxpayerapi/v1.0/authenticate"
}
gsp '{"action":"OTPREQUEST","username":"bench.user","app_key":"k"}' >/dev/null
OTP=$(python3 -c 'import re, sqlite3, sys
body = sqlite3.connect(sys.argv[1]).execute("SELECT body FROM messages ORDER BY id DESC LIMIT 1").fetchone()[0]
print(re.search(r"\b\d{6}\b", body).group(0))' "$DB")
AUTH_TOKEN=$(gsp "{\"action\":\"AUTHTOKEN\",\"username\":\"bench.user\",\"app_key\":\"k\",\"otp\":\"$OTP\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["auth_token"])')

# An anonymous session with a login-form token, for the login flood.
JAR2=$WORK/jar2
LOGIN_TOKEN=$(curl -fs -c "$JAR2" -b "$JAR2" "$BASE/login" | token_of)
LOGIN_COOKIE=$(awk '$6=="gst_visitor"{print "gst_visitor="$7}' "$JAR2")

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

# Records wrk --latency output as "<name>_rps", "_p50_ms", "_p99_ms" and "_bad".
summarise() {
  awk -f bench/wrk-figures.awk | {
    read -r rps p50 p99 bad
    printf "%s_rps %s\n%s_p50_ms %s\n%s_p99_ms %s\n%s_bad %s\n" "$1" "$rps" "$1" "$p50" "$1" "$p99" "$1" "$bad" >>"$RESULTS"
  }
}
run() { wrk -t2 -c"$2" -d"${SECONDS_PER_RUN}s" --latency "${@:3}" "$1"; }

echo "== nginx serving the page's saved HTML" >&2
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /profile/api-access { default_type "text/html; charset=utf-8"; alias $WORK/www/page.html; }
  }
}
NGINX
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
stop_at_exit "$NGINX_PID"
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$NGINX_PORT/profile/api-access" && break; sleep 0.05; done
run "http://127.0.0.1:$NGINX_PORT/profile/api-access" "$CONNECTIONS" | summarise nginx
kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true

echo "== the portal" >&2
run "$BASE/profile/api-access" "$CONNECTIONS" -H "Cookie: $COOKIE" | summarise page
run "$BASE/profile/api-access" 4 -H "Cookie: $COOKIE" | summarise page4
run "$BASE/profile/api-access" "$CONNECTIONS" -H "Cookie: $COOKIE" -s "$WORK/confirm.lua" | summarise confirm
run "$BASE/taxpayerapi/v1.0/profile" "$CONNECTIONS" -H "clientid: $CLIENT_ID" -H "client-secret: $CLIENT_SECRET" \
  -H "auth-token: $AUTH_TOKEN" -H "username: bench.user" -H "gstin: 27AAPFU0939F1ZV" | summarise gsp
argon2_check before
run "$BASE/login" "$CONNECTIONS" -s "$WORK/login.lua" | summarise login
# The checks still queued when wrk stops finish first (up to one per connection).
sleep 3
argon2_check after
# The page's figures (4 connections) while 8 other connections keep the server busy.
page_during_flood() {
  wrk -t2 -c8 -d"$((SECONDS_PER_RUN + 2))s" --latency -s "$WORK/$1.lua" "$BASE$2" >"$WORK/flood.txt" &
  local flood=$!
  sleep 1
  run "$BASE/profile/api-access" 4 -H "Cookie: $COOKIE" | summarise "page_during_$1"
  wait "$flood"
}
page_during_flood login /login
page_during_flood confirm /profile/api-access
# Peak memory: a login flood on 256 connections, then the high-water mark.
wrk -t2 -c256 -d"${SECONDS_PER_RUN}s" -s "$WORK/login.lua" "$BASE/login" >/dev/null
record rss_mib "$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$PORTAL_PID/status")"

python3 - "$RESULTS" "$SECONDS_PER_RUN" "$CONNECTIONS" <<'PY'
import sys, time, os
values = {}
for line in open(sys.argv[1]):
    name, value = line.split()
    values[name] = float(value)
seconds, connections = sys.argv[2], sys.argv[3]
cores = os.cpu_count()
values["argon2_check_ms"] = (values["argon2_before_ms"] + values["argon2_after_ms"]) / 2
values["argon2_logins_per_s"] = cores * 1000 / values["argon2_check_ms"]
v = values.get
print()
print(f"gst-portal against this machine's limits: {seconds}s per run, {connections} connections, wrk -t2, "
      f"{cores} cores, {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}")
print()
print(f"| {'what':<44} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'non-2xx/3xx':>11} |")
print(f"|{'-' * 46}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 13}|")
rows = [
    ("nginx", "nginx, the page's saved HTML (delivery limit)"),
    ("page", "Manage API Access page, logged in"),
    ("gsp", "GSP data call (profile), valid token"),
    ("confirm", "Confirm (Yes + duration)"),
    ("login", "Login (argon2id check; 401 by design)"),
    ("page4", "Page alone, 4 connections"),
    ("page_during_login", "Page during a login flood, 4 conn"),
    ("page_during_confirm", "Page during a Confirm flood, 4 conn"),
]
for key, label in rows:
    print(f"| {label:<44} | {v(key + '_rps', 0):>8.0f} | {v(key + '_p50_ms', 0):>7.2f} | {v(key + '_p99_ms', 0):>7.2f} | {v(key + '_bad', 0):>11.0f} |")
print(f"| {'Storage limit: Confirms committed in a loop':<44} | {v('storage_confirms_per_s'):>8.0f} | {'':>7} | {'':>7} | {'':>11} |")
print(f"| {'argon2 ceiling: ' + str(cores) + ' cores / ' + format(v('argon2_check_ms'), '.1f') + ' ms per check':<44} | {v('argon2_logins_per_s'):>8.0f} | {'':>7} | {'':>7} | {'':>11} |")
print(f"(one argon2 check: {v('argon2_before_ms'):.1f} ms before the login run, {v('argon2_after_ms'):.1f} ms after it)")
print()
def ratio(a, b):
    return a / b if b else 0.0
checks = [
    ("Page / nginx", ratio(v("page_rps"), v("nginx_rps")), ">= 20 %", lambda r: r >= 0.20, "{:.1%}"),
    ("Page p99", v("page_p99_ms"), "< 10 ms", lambda r: r < 10, "{:.2f} ms"),
    ("GSP call / page", ratio(v("gsp_rps"), v("page_rps")), ">= 80 %", lambda r: r >= 0.80, "{:.1%}"),
    ("Confirm / storage limit", ratio(v("confirm_rps"), v("storage_confirms_per_s")), ">= 50 %", lambda r: r >= 0.50, "{:.1%}"),
    ("Login / argon2 ceiling", ratio(v("login_rps"), v("argon2_logins_per_s")), ">= 90 %", lambda r: r >= 0.90, "{:.1%}"),
    ("Page p99 during login flood / alone", ratio(v("page_during_login_p99_ms"), v("page4_p99_ms")), "<= 3 x", lambda r: r <= 3, "{:.1f} x"),
    ("Page req/s during login flood / alone", ratio(v("page_during_login_rps"), v("page4_rps")), ">= 33 %", lambda r: r >= 1 / 3, "{:.1%}"),
    ("Peak RSS after 256-connection login flood", v("rss_mib"), "<= 64 MiB", lambda r: r <= 64, "{:.1f} MiB"),
    ("Start to first 200 (migrated database)", v("start_ms"), "<= 150 ms", lambda r: r <= 150, "{:.0f} ms"),
]
print(f"| {'ratio or figure':<44} | {'measured':>10} | {'target':>10} | met |")
print(f"|{'-' * 46}|{'-' * 12}|{'-' * 12}|-----|")
for label, value, target, ok, fmt in checks:
    print(f"| {label:<44} | {fmt.format(value):>10} | {target:>10} | {'yes' if ok(value) else 'no':<3} |")
PY

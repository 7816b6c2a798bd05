#!/usr/bin/env bash
# Two gst-portal instances on one PostgreSQL database behind nginx (deploy/nginx.conf),
# checked end to end with curl:
#
# - a throwaway PostgreSQL cluster (scripts/postgres.sh) with a new database, and a
#   taxpayer added with the command line;
# - two instances, each on its own loopback port, with --trusted-proxies 127.0.0.1;
# - nginx on a third port, running deploy/nginx.conf with only its three addresses
#   changed;
# - the Manage API Access walk through nginx, step by step (log in, Dashboard, My
#   Profile, Quick Links > Manage API Access, Yes, a Duration, Confirm, the choice
#   sticks), from the address 127.0.0.2 so that the portal's view of the client can be
#   told from nginx's;
# - then what two instances must agree on: the same session and state on each
#   instance directly, a login form from one accepted by the other, a message shown
#   once whichever instance shows it, forwarding headers that only nginx can set, a
#   logout through nginx ending the session on both, and one per-address login limit.
#
# One PASS or FAIL line per check; the first FAIL stops the run with the instances'
# and nginx's logs, and the exit status is then 1. Everything started is stopped and
# the scratch directory removed on exit.
#
#   deploy/check.sh            builds target/release/gst-portal (--features postgres)
#   GST_PORTAL_BIN=path deploy/check.sh     uses that binary instead
#
# Needs curl; installs nginx-light (and postgresql, through scripts/postgres.sh) with
# apt-get when missing.
set -euo pipefail
# A relative GST_PORTAL_BIN is taken from where the script was started.
[ -z "${GST_PORTAL_BIN:-}" ] || GST_PORTAL_BIN=$(realpath -m -- "$GST_PORTAL_BIN")
cd "$(dirname "$0")/.."
ROOT=$PWD
BEGAN=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - BEGAN) / 1000000 ))"; }
log() { echo "== $* ($(elapsed) ms)" >&2; }

# --- tools -------------------------------------------------------------------------
command -v curl >/dev/null || { echo "check.sh: curl is needed" >&2; exit 1; }
# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
find_nginx

if [ -n "${GST_PORTAL_BIN:-}" ]; then
  BIN=$GST_PORTAL_BIN
else
  log "building gst-portal with the postgres feature"
  cargo build --release --locked --features postgres --bin gst-portal >&2
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/gst-portal
fi
[ -x "$BIN" ] || { echo "check.sh: no gst-portal binary at $BIN" >&2; exit 1; }
log "using $BIN"

# --- scratch directory and cleanup -------------------------------------------------
# World-searchable: the PostgreSQL server runs as nobody when we are root, and so do
# nginx's workers.
WORK=$(mktemp -d)
chmod 755 "$WORK"
PIDS=()
NGINX_PID=
PG_STARTED=
FINISHED=
cleanup() {
  local rc=$?
  if [ -z "$FINISHED" ]; then
    for f in "$WORK"/instance-*.log "$WORK"/nginx/logs/error.log; do
      [ -s "$f" ] || continue
      echo "--- the end of $(basename "$f")" >&2
      tail -n 15 "$f" >&2
    done
  fi
  if [ -n "$NGINX_PID" ]; then
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$PG_STARTED" ]; then "$ROOT/scripts/postgres.sh" stop "$WORK/pg" 2>/dev/null || true; fi
  rm -rf "$WORK"
  echo "deploy/check.sh took $(elapsed) ms" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# --- PostgreSQL and the database ---------------------------------------------------
log "starting PostgreSQL"
PG_STARTED=yes
SERVER_URL=$("$ROOT/scripts/postgres.sh" start "$WORK/pg")
PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
"$PSQL" -q -v ON_ERROR_STOP=1 "$SERVER_URL" -c 'CREATE DATABASE gst_check' >/dev/null
DB_URL=${SERVER_URL%/*}/gst_check

USERNAME=check.user
PASSWORD='Check@2026'
LEGAL_NAME='Ganga Check Traders'
GSTIN=27AAPFU0939F1ZV
# Creates the tables too (migrations run on the first use), before any instance starts.
echo "$PASSWORD" | "$BIN" --database "$DB_URL" taxpayer add --username "$USERNAME" \
  --gstin "$GSTIN" --legal-name "$LEGAL_NAME" --password-stdin >/dev/null
log "database $DB_URL made, with the taxpayer $USERNAME"

# --- two instances -----------------------------------------------------------------
# A low login limit, so that the check of it further down is short.
LOGIN_LIMIT=10
PORTS=()
for n in 1 2; do
  port=$(free_port)
  NO_COLOR=1 RUST_LOG=info "$BIN" --database "$DB_URL" serve --bind "127.0.0.1:$port" \
    --trusted-proxies 127.0.0.1 --login-attempts-per-minute "$LOGIN_LIMIT" \
    >"$WORK/instance-$n.out" 2>"$WORK/instance-$n.log" &
  PIDS+=($!)
  PORTS+=("$port")
done
INSTANCE_A=http://127.0.0.1:${PORTS[0]}
INSTANCE_B=http://127.0.0.1:${PORTS[1]}
for base in "$INSTANCE_A" "$INSTANCE_B"; do
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$base/login" && break
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "check.sh: an instance exited" >&2; exit 1; }; done
    sleep 0.1
  done
  curl -fs -o /dev/null "$base/login" || { echo "check.sh: $base did not start" >&2; exit 1; }
done
log "instances A on ${PORTS[0]} and B on ${PORTS[1]}"

# --- nginx -------------------------------------------------------------------------
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/logs"
sed -e "s/127\.0\.0\.1:8080;/127.0.0.1:$NGINX_PORT;/" \
    -e "s/127\.0\.0\.1:8081 /127.0.0.1:${PORTS[0]} /" \
    -e "s/127\.0\.0\.1:8082 /127.0.0.1:${PORTS[1]} /" \
    deploy/nginx.conf >"$WORK/nginx/nginx.conf"
if ! grep -q "127.0.0.1:$NGINX_PORT;" "$WORK/nginx/nginx.conf" || ! grep -q "127.0.0.1:${PORTS[1]} " "$WORK/nginx/nginx.conf"; then
  echo "check.sh: deploy/nginx.conf no longer has the addresses this script replaces" >&2
  exit 1
fi
"$NGINX" -p "$WORK/nginx" -e logs/error.log -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>>"$WORK/nginx/stderr" &
NGINX_PID=$!
BASE=http://127.0.0.1:$NGINX_PORT
for _ in $(seq 1 100); do curl -fs -o /dev/null "$BASE/login" && break; sleep 0.05; done
log "nginx on $NGINX_PORT"

# --- helpers -----------------------------------------------------------------------
# The browser of the walk: its own loopback address, so that the client the portal
# sees (from X-Forwarded-For) differs from nginx's 127.0.0.1.
CLIENT_IP=127.0.0.2
JAR=$WORK/jar
BODY=$WORK/body
HEAD=$WORK/head
STATUS=

# fetch URL [curl options...]: the answer's status in STATUS, its body in $BODY and its
# head in $HEAD. Cookies come from and go to the jar $JAR; a call made with JAR= empty
# uses none (the caller sends its own Cookie header).
fetch() {
  local url=$1 jar=()
  shift
  [ -z "$JAR" ] || jar=(-b "$JAR" -c "$JAR")
  STATUS=$(curl -sS --max-time 20 -o "$BODY" -D "$HEAD" -w '%{http_code}' \
    "${jar[@]}" "$@" "$url") || STATUS=000
}
walk() { fetch "$BASE$1" --interface "$CLIENT_IP" "${@:2}"; }
location() { sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$HEAD" | head -n 1; }
token() { sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' "$BODY" | head -n 1; }
# The text of the element with id $1 (on one line in the templates).
text_of() { sed -n "s/.*id=\"$1\"[^>]*>\([^<]*\)<.*/\1/p" "$BODY" | head -n 1; }
session_cookie() { awk '$6 == "gst_session" { print "gst_session=" $7 }' "$JAR"; }
# The cells of the first row of "Recent changes", separated by "|".
first_change() {
  awk '/id="recent-changes"/ { on = 1 } on && /<tr><td>/ { print; exit }' "$BODY" |
    sed -e 's/<\/td><td>/|/g' -e 's/<[^>]*>//g' -e 's/^[[:space:]]*//'
}

CHECK=
PROBLEMS=()
begin() { CHECK=$1; PROBLEMS=(); }
problem() { PROBLEMS+=("$1"); }
want_status() { [ "$STATUS" = "$1" ] || problem "HTTP $STATUS, expected $1"; }
want_location() { [ "$(location)" = "$1" ] || problem "redirected to '$(location)', expected '$1'"; }
want_text() { grep -qF -- "$1" "$BODY" || problem "the page lacks '$1'"; }
lacks_text() { ! grep -qF -- "$1" "$BODY" || problem "the page has '$1'"; }
want_equal() { [ "$1" = "$2" ] || problem "$3: '$1', expected '$2'"; }
want_match() { [[ $1 =~ $2 ]] || problem "$3: '$1' does not match /$2/"; }
PASSED=0
end() {
  if [ ${#PROBLEMS[@]} -eq 0 ]; then
    PASSED=$((PASSED + 1))
    printf 'PASS  %-62s %6s ms\n' "$CHECK" "$(elapsed)"
  else
    printf 'FAIL  %s\n' "$CHECK"
    printf '        %s\n' "${PROBLEMS[@]}"
    echo "deploy/check.sh: FAILED at: $CHECK"
    exit 1
  fi
}

STATUS_ENABLED='^API access is enabled until [0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2} (AM|PM) IST$'
STATUS_DISABLED='^API access is disabled since [0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2} (AM|PM) IST$'

echo "Manage API Access through nginx ($BASE) to two instances on one PostgreSQL database"

# --- the walk, through nginx -------------------------------------------------------
begin "Step 1: log in"
walk /login
want_status 200
want_text 'name="username"'
want_text 'name="password"'
lacks_text 'name="captcha"'
LOGIN_TOKEN=$(token)
[ -n "$LOGIN_TOKEN" ] || problem "no csrf_token on the login form"
walk /login --data-urlencode "csrf_token=$LOGIN_TOKEN" --data-urlencode "username=$USERNAME" \
  --data-urlencode "password=$PASSWORD"
want_status 303
want_location /dashboard
[ -n "$(session_cookie)" ] || problem "no gst_session cookie after login"
end

begin "Step 2: Dashboard"
walk /dashboard
want_status 200
want_text "Welcome $LEGAL_NAME"
want_text "$GSTIN"
want_text 'API access is disabled (it has never been enabled)'
want_text 'href="/profile" id="view-profile"'
end

begin "Step 3: My Profile"
walk /profile
want_status 200
want_text '<h1 id="profile-title" class="panel__title">My Profile</h1>'
want_text 'Quick Links'
QUICK_LINK=$(sed -n 's/.*<a href="\([^"]*\)">Manage API Access<\/a>.*/\1/p' "$BODY" | head -n 1)
[ -n "$QUICK_LINK" ] || problem "no Manage API Access link in Quick Links"
end

begin "Step 4: Quick Links > Manage API Access"
walk "$QUICK_LINK"
want_status 200
want_text '<h1 id="api-access-title" class="panel__title">Manage API Access</h1>'
want_equal "$(text_of api-access-status)" "API access is disabled (it has never been enabled)" "status"
want_text 'value="N" checked>'
PAGE_TOKEN=$(token)
[ -n "$PAGE_TOKEN" ] || problem "no csrf_token on the form"
end

begin "Step 5: choose Yes (without a Duration, Confirm is refused)"
want_text 'id="enable-api-yes" name="enable_api" value="Y"'
walk /profile/api-access --data-urlencode "csrf_token=$PAGE_TOKEN" --data "enable_api=Y"
want_status 422
want_text 'id="duration-error"'
want_text 'value="Y" checked>'
end

begin "Step 6: pick a Duration (7 Days)"
OPTIONS=$(grep -o '<option value="[^"]*"[^>]*>[^<]*</option>' "$BODY" |
  sed 's/<option value="\([^"]*\)"[^>]*>\([^<]*\)<\/option>/\2/' | paste -sd '|')
want_equal "$OPTIONS" "Select|6 Hours|12 Hours|1 Day|2 Days|7 Days|15 Days|30 Days" "Duration options"
DURATION=$(sed -n 's/.*<option value="\([0-9]*\)"[^>]*>7 Days<\/option>.*/\1/p' "$BODY" | head -n 1)
[ -n "$DURATION" ] || problem "no value for 7 Days"
end

begin "Step 7: Confirm"
walk /profile/api-access --data-urlencode "csrf_token=$PAGE_TOKEN" --data "enable_api=Y&duration=$DURATION"
want_status 303
want_location /profile/api-access
end

begin "The choice sticks: saved, enabled for 7 days, in the history"
walk /profile/api-access
want_status 200
FLASH=$(text_of flash)
want_match "$FLASH" '^Your choice has been saved\. API access is enabled until .* IST\.$' "message"
ENABLED_TEXT=$(text_of api-access-status)
want_match "$ENABLED_TEXT" "$STATUS_ENABLED" "status"
want_equal "$(text_of api-access-left)" "Ends in 7 days." "time left"
want_text 'value="Y" checked>'
want_match "$(first_change)" "^[^|]+\|Yes\|7 Days\|[^|]+\|$CLIENT_IP\|" "newest change"
# The message is shown once; the state stays, on a reload through nginx.
walk /profile/api-access
want_status 200
want_equal "$(text_of flash)" "" "message on the reload"
want_equal "$(text_of api-access-status)" "$ENABLED_TEXT" "status on the reload"
want_text 'value="Y" checked>'
end

# --- two instances, one database ---------------------------------------------------
COOKIE=$(session_cookie)

begin "Both instances served the walk (nginx's access log)"
SERVED_BY=$(grep "^$CLIENT_IP " "$WORK/nginx/logs/access.log" | sed -n 's/.* upstream=\([^ ]*\) .*/\1/p' |
  sed -e "s/^127\.0\.0\.1:${PORTS[0]}$/A/" -e "s/^127\.0\.0\.1:${PORTS[1]}$/B/" | paste -sd ' ')
grep -qw A <<<"$SERVED_BY" || problem "instance A served none of the walk"
grep -qw B <<<"$SERVED_BY" || problem "instance B served none of the walk"
end
echo "        requests of the walk, in order, by instance: $SERVED_BY"

begin "The session made through nginx works on A and on B directly"
for base in "$INSTANCE_A" "$INSTANCE_B"; do
  JAR='' fetch "$base/profile/api-access" -H "Cookie: $COOKIE"
  want_status 200
  want_equal "$(text_of api-access-status)" "$ENABLED_TEXT" "status on $base"
done
end

begin "A login form from A is accepted by B"
JAR=$WORK/jar2 fetch "$INSTANCE_A/login"
FORM_TOKEN=$(token)
JAR=$WORK/jar2 fetch "$INSTANCE_B/login" --data-urlencode "csrf_token=$FORM_TOKEN" \
  --data-urlencode "username=$USERNAME" --data-urlencode "password=$PASSWORD"
want_status 303
want_location /dashboard
end

begin "A Confirm on A: B shows its message once and the new state"
JAR='' fetch "$INSTANCE_A/profile/api-access" -H "Cookie: $COOKIE"
A_TOKEN=$(token)
JAR='' fetch "$INSTANCE_A/profile/api-access" -H "Cookie: $COOKIE" \
  --data-urlencode "csrf_token=$A_TOKEN" --data "enable_api=N"
want_status 303
JAR='' fetch "$INSTANCE_B/profile/api-access" -H "Cookie: $COOKIE"
want_status 200
want_match "$(text_of flash)" '^Your choice has been saved\. API access is disabled since .* IST\. GSP sessions ended: 0\.$' "message on B"
want_match "$(text_of api-access-status)" "$STATUS_DISABLED" "status on B"
JAR='' fetch "$INSTANCE_A/profile/api-access" -H "Cookie: $COOKIE"
want_equal "$(text_of flash)" "" "message on A afterwards"
want_match "$(text_of api-access-status)" "$STATUS_DISABLED" "status on A"
end

begin "Forwarding headers a browser sends are not believed"
walk /profile/api-access
SPOOF_TOKEN=$(token)
walk /profile/api-access -H 'X-Forwarded-For: 203.0.113.66' -H 'Forwarded: for=198.51.100.77;proto=https' \
  --data-urlencode "csrf_token=$SPOOF_TOKEN" --data "enable_api=Y&duration=720"
want_status 303
walk /profile/api-access
want_match "$(first_change)" "^[^|]+\|Yes\|30 Days\|[^|]+\|$CLIENT_IP\|" "newest change"
walk /taxpayerapi -H 'X-Forwarded-Host: evil.example' -H 'X-Forwarded-Proto: https'
want_status 200
want_text "curl -s http://127.0.0.1:$NGINX_PORT/taxpayerapi/v1.0/profile"
lacks_text 'evil.example'
end

begin "Logout through nginx ends the session on A and on B"
walk /profile/api-access
LOGOUT_TOKEN=$(token)
walk /logout --data-urlencode "csrf_token=$LOGOUT_TOKEN"
want_status 303
want_location '/login?bye=1'
for base in "$INSTANCE_A" "$INSTANCE_B"; do
  JAR='' fetch "$base/profile/api-access" -H "Cookie: $COOKIE"
  want_status 303
  [[ $(location) == /login* ]] || problem "$base sent the old session to '$(location)', not to the login page"
done
end

# --- the per-address login limit across two instances -------------------------------
# Twice the limit of failed logins from one more address, through nginx, which spreads
# them over both instances. The limit is counted in the database, so exactly
# LOGIN_LIMIT of them are checked, whatever instance each lands on; a limit kept by
# each instance for itself would let up to twice as many through.
begin "The per-address login limit counts the attempts at both instances"
FLOOD_JAR=$WORK/jar3
JAR=$FLOOD_JAR fetch "$BASE/login" --interface 127.0.0.3
FLOOD_TOKEN=$(token)
let_through=0
refused=0
for n in $(seq 1 $((2 * LOGIN_LIMIT + 2))); do
  JAR=$FLOOD_JAR fetch "$BASE/login" --interface 127.0.0.3 --data-urlencode "csrf_token=$FLOOD_TOKEN" \
    --data-urlencode "username=nobody$n" --data-urlencode "password=Wrong@2026x"
  case $STATUS in
    429) refused=$((refused + 1)) ;;
    *) let_through=$((let_through + 1)) ;;
  esac
done
[ "$let_through" -eq "$LOGIN_LIMIT" ] \
  || problem "$let_through of $((2 * LOGIN_LIMIT + 2)) failed logins were checked (limit $LOGIN_LIMIT a minute), $refused refused"
end

# --- what each instance logged --------------------------------------------------------
count_requests() { grep -c 'request.*method=' "$1" || true; }
echo "        requests logged: A $(count_requests "$WORK/instance-1.log"), B $(count_requests "$WORK/instance-2.log")"
FINISHED=yes
echo "$PASSED passed, 0 failed"
echo "deploy/check.sh: PASS ($(elapsed) ms)"

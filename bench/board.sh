#!/usr/bin/env bash
# Classroom mode with a full room: 200 trainees who have each done every step the
# board shows (logged in, My Profile, Manage API Access, Yes with a duration, an OTP
# asked, a token issued, No, a GSP call refused with AUTH4037). Then, with wrk:
#
# - the progress board, its projector view and the printable sheet, as the trainer
#   (requests per second, p50 and p99, at 1 and at 8 connections);
# - the Manage API Access page of a trainee (whose page views are recorded for the
#   board) beside the same page of an ordinary taxpayer, to show that recording
#   progress does not slow page views (a view is written once per trainee and step,
#   then remembered in memory; every other step comes from rows its action writes).
#
# Installs wrk with apt-get when missing. Nothing is asserted; the table is for reading.
#
#   bench/board.sh [seconds per run, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-5}
TRAINEES=200

# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
command -v wrk >/dev/null 2>&1 || install_packages wrk

cargo build --release --locked --bin gst-portal >&2
BIN=$PWD/target/release/gst-portal
bench_work_folder
DB=$WORK/board.db
TRAINER_PASSWORD='Trainer@2026'
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT

echo 'Bench@2026' | "$BIN" --database "$DB" taxpayer add --username bench.user \
  --gstin 33AAFPS4321K1ZQ --legal-name "Bench Traders" --password-stdin >/dev/null
"$BIN" --database "$DB" classroom add --count "$TRAINEES" >"$WORK/trainees.txt"
# The room's own GSP client: the public demo clients' calls stay off the board.
"$BIN" --database "$DB" gsp-client add --name "Bench class" --plain >"$WORK/client.txt"
RUST_LOG=warn "$BIN" --database "$DB" serve --demo --no-captcha --bind "127.0.0.1:$PORT" \
  --trainer-password "$TRAINER_PASSWORD" --login-attempts-per-minute 100000 \
  --idle-timeout-minutes 60 >"$WORK/portal.out" 2>&1 &
PORTAL_PID=$!
stop_at_exit "$PORTAL_PID"
for _ in $(seq 1 200); do curl -fs -o /dev/null "$BASE/login" && break; sleep 0.05; done

echo "== $TRAINEES trainees walk every step" >&2
python3 - "$BASE" "$WORK" "$TRAINER_PASSWORD" <<'PY'
import http.cookiejar, json, re, sys, time, urllib.parse, urllib.request
base, work, trainer_password = sys.argv[1:]
registered = open(f"{work}/client.txt").read()
CLIENT = {"clientid": re.search(r"clientid:\s+(\S+)", registered).group(1),
          "client-secret": re.search(r"client-secret:\s+(\S+)", registered).group(1),
          "content-type": "application/json"}

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

def browser():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    return opener, jar

def call(opener, path, fields=None, headers=None, body=None):
    data = body if body is not None else (urllib.parse.urlencode(fields).encode() if fields is not None else None)
    req = urllib.request.Request(base + path, data=data, headers=headers or {})
    try:
        with opener.open(req) as res:
            return res.status, res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

def token(page):
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)

def gsp(opener, body, extra=None):
    status, text = call(opener, "/taxpayerapi/v1.0/authenticate", headers=CLIENT, body=json.dumps(body).encode())
    return json.loads(text)

trainees = re.findall(r"^\s+(\S+)\s+password (\S+)", open(f"{work}/trainees.txt").read(), re.M)
began = time.monotonic()
for username, password in trainees:
    b, jar = browser()
    _, page = call(b, "/login")
    status, _ = call(b, "/login", {"csrf_token": token(page), "username": username, "password": password})
    assert status == 303, (username, status)
    call(b, "/profile")
    _, page = call(b, "/profile/api-access")
    status, _ = call(b, "/profile/api-access", {"csrf_token": token(page), "enable_api": "Y", "duration": "720"})
    assert status == 303, status
    gsp(b, {"action": "OTPREQUEST", "username": username, "app_key": "k"})
    # A trainee's OTP comes to the trainee's Messages, as on the real system.
    otp = re.search(r"\b(\d{6})\b", call(b, "/messages")[1].split('id="message-list"', 1)[1]).group(1)
    answer = gsp(b, {"action": "AUTHTOKEN", "username": username, "app_key": "k", "otp": otp})
    auth_token = answer["auth_token"]
    _, page = call(b, "/profile/api-access")
    status, _ = call(b, "/profile/api-access", {"csrf_token": token(page), "enable_api": "N"})
    assert status == 303, status
    gstin = re.search(r"\b\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]\b", call(b, "/profile")[1]).group(0)
    status, text = call(b, "/taxpayerapi/v1.0/profile", headers={**CLIENT, "auth-token": auth_token,
                                                                  "username": username, "gstin": gstin})
    assert "AUTH4037" in text, text
    if username == trainees[0][0]:
        open(f"{work}/trainee_cookie", "w").write("; ".join(f"{c.name}={c.value}" for c in jar))
print(f"{len(trainees)} trainees walked every step in {time.monotonic() - began:.1f} s", file=sys.stderr)

def log_in(path, fields_of, cookie_file):
    b, jar = browser()
    _, page = call(b, path)
    status, _ = call(b, path, fields_of(token(page)))
    assert status == 303, status
    open(f"{work}/{cookie_file}", "w").write("; ".join(f"{c.name}={c.value}" for c in jar))
    return b
t = log_in("/trainer/login", lambda tok: {"csrf_token": tok, "password": trainer_password}, "trainer_cookie")
log_in("/login", lambda tok: {"csrf_token": tok, "username": "bench.user", "password": "Bench@2026"}, "taxpayer_cookie")
_, board = call(t, "/trainer/classroom/board")
rows = len(re.findall(r'<th scope="row"', board))
totals = re.findall(r'role="listitem">([^<]*): <strong>(\d+)</strong>/(\d+)', board)
print(f"the board lists {rows} trainees; per step: " + ", ".join(f"{s} {d}/{n}" for s, d, n in totals), file=sys.stderr)
PY

RESULTS=$WORK/results
: >"$RESULTS"
summarise() { echo "$1 $(awk -f bench/wrk-figures.awk)" >>"$RESULTS"; }
run() {
  # A redirect (to a login) would count as an answer: the page must answer 200 first.
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $3" "$BASE$1")" = 200 ] \
    || { echo "$1 does not answer 200 with that session" >&2; exit 1; }
  wrk -t1 -c"$2" -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: $3" "$BASE$1"
}
TRAINER=$(cat "$WORK/trainer_cookie")
TRAINEE=$(cat "$WORK/trainee_cookie")
TAXPAYER=$(cat "$WORK/taxpayer_cookie")
echo "== wrk" >&2
for c in 1 8; do
  run /trainer/classroom/board "$c" "$TRAINER" | summarise "Progress board, $TRAINEES trainees, $c conn"
  run /trainer/classroom/projector "$c" "$TRAINER" | summarise "Projector view, $c conn"
  run /trainer/classroom/sheet "$c" "$TRAINER" | summarise "Printable sheet, $TRAINEES cards, $c conn"
done
run /profile/api-access 8 "$TRAINEE" | summarise "Manage API Access, a trainee, 8 conn"
run /profile/api-access 8 "$TAXPAYER" | summarise "Manage API Access, not a trainee, 8 conn"
BOARD_BYTES=$(curl -fs -H "Cookie: $TRAINER" "$BASE/trainer/classroom/board" | wc -c)

echo
echo "Classroom mode with $TRAINEES trainees who did every step: ${SECONDS_PER_RUN}s per run, wrk -t1,"
echo "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); the board page is $BOARD_BYTES bytes."
echo
python3 - "$RESULTS" <<'PY'
import sys
print(f"| {'what':<48} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'non-2xx':>7} |")
print(f"|{'-' * 50}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
for line in open(sys.argv[1]):
    *name, rps, p50, p99, bad = line.split()
    print(f"| {' '.join(name):<48} | {float(rps):>7.0f} | {float(p50):>7.2f} | {float(p99):>7.2f} | {bad:>7} |")
PY

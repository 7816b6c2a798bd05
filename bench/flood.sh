#!/usr/bin/env bash
# A page's speed while a paced flood of encrypted authenticate calls comes in, against
# the page alone, both in this one run (absolute figures move between runs on shared
# machines; the ratios are what count):
#
# - the login page with wrk (req/s and p99), alone;
# - the same while `examples/flood.rs` keeps 64 connections sending an OTPREQUEST
#   with a random 256-byte app key every 10 ms each (6,400 calls a second: about ten
#   times what two cores can decrypt) for a taxpayer whose API access is on, with
#   the public demo-like encrypted client's credentials;
# - how many flood calls were answered, by result code.
#
# Targets: the page keeps at least half its throughput, and its p99 is at most 3x
# alone. Nothing is asserted; the table is for reading. Installs wrk when missing.
#
#   bench/flood.sh [portal binary, default: this tree's, built in release]
#                  [seconds per run, default 10] [flood connections, default 64]
#                  [milliseconds between one connection's calls, default 10]
#
# The binary may be an older build (it is started with no option it may not know);
# PORTAL_ARGS adds options to its `serve` (e.g. budgets raised out of the way, to see
# the decrypting threads' bound alone).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-}
SECONDS_PER_RUN=${2:-10}
FLOOD_CONNECTIONS=${3:-64}
PERIOD_MS=${4:-10}

# shellcheck source=../scripts/lib.sh
. scripts/lib.sh
command -v wrk >/dev/null 2>&1 || install_packages wrk

TARGET=${CARGO_TARGET_DIR:-$PWD/target}
if [ -z "$BIN" ]; then
  cargo build --release --locked --bin gst-portal --example flood >&2
  BIN=$TARGET/release/gst-portal
else
  BIN=$(realpath "$BIN")
  cargo build --release --locked --example flood >&2
fi
FLOOD=$TARGET/release/examples/flood
bench_work_folder

DB=$WORK/flood.db
GSTIN=27AAPFU0939F1ZV
echo 'Bench@2026' | "$BIN" --database "$DB" taxpayer add --username bench.user \
  --gstin "$GSTIN" --legal-name "Bench Traders" --password-stdin >/dev/null
# An encrypted client (the default protocol), as the demo data's encrypted one.
GSP_OUT=$("$BIN" --database "$DB" gsp-client add --name "Flood GSP")
CLIENT_ID=$(sed -n 's/.*clientid:[[:space:]]*\([^[:space:]]*\).*/\1/p' <<<"$GSP_OUT")
CLIENT_SECRET=$(sed -n 's/.*client-secret:[[:space:]]*\([^[:space:]]*\).*/\1/p' <<<"$GSP_OUT")
# The key pair made now, so the first flood call does not make it.
"$BIN" --database "$DB" gsp-key export >/dev/null

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
# shellcheck disable=SC2086 # PORTAL_ARGS is a list of options
RUST_LOG=warn "$BIN" --database "$DB" serve --bind "127.0.0.1:$PORT" ${PORTAL_ARGS:-} \
  >"$WORK/portal.out" 2>"$WORK/portal.err" &
PORTAL_PID=$!
stop_at_exit "$PORTAL_PID"
for _ in $(seq 1 300); do curl -fs -o /dev/null "$BASE/login" && break; sleep 0.05; done

# API access on for the taxpayer, so every flood call reaches its app key.
token_of() { sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' | head -n 1; }
JAR=$WORK/jar
TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/login" | token_of)
curl -fs -o /dev/null -c "$JAR" -b "$JAR" --data "csrf_token=$TOKEN&username=bench.user&password=Bench%402026" "$BASE/login"
PAGE_TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/profile/api-access" | token_of)
[ -n "$PAGE_TOKEN" ] || { echo "could not log in for the benchmark" >&2; exit 1; }
curl -fs -o /dev/null -b "$JAR" --data "csrf_token=$PAGE_TOKEN&enable_api=Y&duration=720" "$BASE/profile/api-access"

RESULTS=$WORK/results
: >"$RESULTS"
summarise() {
  awk -f bench/wrk-figures.awk | {
    read -r rps p50 p99 bad
    printf "%s_rps %s\n%s_p99_ms %s\n%s_bad %s\n" "$1" "$rps" "$1" "$p99" "$1" "$bad" >>"$RESULTS"
  }
}
page() { wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency "$BASE/login"; }

echo "== the login page alone" >&2
page | summarise alone
echo "== the login page during the flood" >&2
"$FLOOD" "$BASE" "$CLIENT_ID" "$CLIENT_SECRET" bench.user "${GSTIN:0:2}" \
  "$FLOOD_CONNECTIONS" "$PERIOD_MS" "$((SECONDS_PER_RUN + 2))" >"$WORK/flood.txt" &
FLOOD_PID=$!
sleep 1
page | summarise flooded
wait "$FLOOD_PID"

python3 - "$RESULTS" "$WORK/flood.txt" "$BIN" "$SECONDS_PER_RUN" "$FLOOD_CONNECTIONS" "$PERIOD_MS" <<'PY'
import os, sys, time
results, flood, binary, seconds, connections, period = sys.argv[1:]
v = {}
for line in open(results):
    name, value = line.split()
    v[name] = float(value)
print()
print(f"{binary} {os.environ.get('PORTAL_ARGS', '')}: /login with wrk -t2 -c64, {seconds}s per run; flood of {connections} connections, "
      f"one call every {period} ms each; {os.cpu_count()} cores, {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}")
print()
print(f"| {'what':<32} | {'req/s':>8} | {'p99 ms':>8} |")
print(f"|{'-' * 34}|{'-' * 10}|{'-' * 10}|")
for key, label in [("alone", "Login page alone"), ("flooded", "Login page during the flood")]:
    print(f"| {label:<32} | {v[key + '_rps']:>8.0f} | {v[key + '_p99_ms']:>8.2f} |")
kept = v["flooded_rps"] / v["alone_rps"] if v["alone_rps"] else 0
slower = v["flooded_p99_ms"] / v["alone_p99_ms"] if v["alone_p99_ms"] else 0
print()
print(f"Throughput kept: {kept:.1%} (target >= 50 %: {'met' if kept >= 0.5 else 'not met'}); "
      f"p99 {slower:.1f} x alone (target <= 3 x: {'met' if slower <= 3 else 'not met'})")
print()
lines = dict(line.split() for line in open(flood))
sent = int(lines.pop("flood_sent", 0))
print(f"Flood calls answered in the {int(seconds) + 2}s of the flood: {sent} ({sent / (int(seconds) + 2):.0f}/s), by result code:")
for name, n in sorted(lines.items(), key=lambda kv: -int(kv[1])):
    print(f"  {name.removeprefix('flood_'):<10} {n}")
PY

#!/usr/bin/env bash
# Runs every test of the project: formatting and lints, the Rust unit and integration
# tests (on SQLite, then again on a throwaway PostgreSQL cluster), then the browser
# tests (Playwright driving Debian's chromium). Installs what is missing on a fresh
# Debian machine first: chromium, PostgreSQL and libpq's headers with apt-get, the npm
# packages from e2e/package-lock.json with `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# libpq to link the `postgres` feature; the server itself is scripts/postgres.sh's.
[ -e /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Every cargo step builds with the PostgreSQL backend, so one build serves them all.
features=(--features postgres)

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --locked --all-targets "${features[@]}" -- -D warnings

echo "== Rust unit and integration tests on SQLite"
cargo test --locked "${features[@]}"

echo "== Rust integration tests on PostgreSQL"
pgdir=$(mktemp -d /tmp/gst-portal-pg.XXXXXX)
chmod 755 "$pgdir"
stop_postgres() { scripts/postgres.sh stop "$pgdir/cluster" || true; rm -rf "$pgdir"; }
trap stop_postgres EXIT
GST_PORTAL_TEST_POSTGRES_URL=$(scripts/postgres.sh start "$pgdir/cluster")
export GST_PORTAL_TEST_POSTGRES_URL
cargo test --locked "${features[@]}" --test portal
unset GST_PORTAL_TEST_POSTGRES_URL

echo "== two instances behind nginx (deploy/check.sh)"
# `cargo test` has built target/debug/gst-portal, with the PostgreSQL backend.
GST_PORTAL_BIN=target/debug/gst-portal deploy/check.sh

echo "== browser tests"
# `cargo test` has built target/debug/gst-portal for the integration tests.
(cd e2e && npm ci --no-audit --no-fund)
(cd e2e && GST_PORTAL_BIN="$PWD/../target/debug/gst-portal" npm test)

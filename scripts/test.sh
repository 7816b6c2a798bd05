#!/usr/bin/env bash
# Runs every test of the project: formatting and lints, the Rust unit and integration
# tests, then the browser tests (Playwright driving Debian's chromium). Installs what
# is missing on a fresh Debian machine first: chromium with apt-get, the npm packages
# from e2e/package-lock.json with `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings

echo "== Rust unit and integration tests"
cargo test --locked

echo "== browser tests"
# `cargo test` has built target/debug/gst-portal for the integration tests.
(cd e2e && npm ci --no-audit --no-fund)
(cd e2e && GST_PORTAL_BIN="$PWD/../target/debug/gst-portal" npm test)

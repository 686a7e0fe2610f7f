#!/usr/bin/env bash
# End-to-end tests of the web console and the grid workers' field app: builds the release binary,
# starts the demo county on a free port with a fresh data directory, and drives both in headless
# Chromium (Debian's `chromium` package, through playwright-core from npm; tests/e2e/). The tests
# seed what they need through the REST API, then sign in as an officer (review, reassign), a
# supervisor (map, leaderboard, a worker's breakdown, language switch) and, on an emulated phone
# with the network switched off and on, as grid workers (tests/e2e/field.test.mjs). The field
# app's DOM-free modules get node unit tests in the same run. Screenshots of the main screens go
# to docs/screenshots/ (set SCREENSHOT_DIR= to skip them, or to another folder).
#
# Installs what it needs when missing: chromium and a Chinese font (apt-get), and the node
# packages (npm ci).
# GRIDASSIST_E2E_BIN=path runs an already built binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# A Chinese font, so the screenshots show the interface text rather than empty boxes.
command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ] || need+=(fonts-wqy-microhei)
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed (node 20+)"; exit 1; }
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

bin=${GRIDASSIST_E2E_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin="${CARGO_TARGET_DIR:-target}/release/gridassist"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data_dir=$(mktemp -d)
log="$data_dir/demo.log"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$data_dir"
}
trap cleanup EXIT

GRIDASSIST_BIND="127.0.0.1:$port" GRIDASSIST_DATA_DIR="$data_dir" "$bin" demo >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "demo exited early"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$log"; echo "demo did not become ready"; exit 1; }

echo "console and field app end-to-end tests against port $port"
status=0
GRIDASSIST_URL="http://127.0.0.1:$port" CHROMIUM="$(command -v chromium)" \
  SCREENSHOT_DIR="${SCREENSHOT_DIR-$PWD/docs/screenshots}" \
  npm --prefix tests/e2e test || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- demo log (last 20 lines) ---"; tail -n 20 "$log"
  exit "$status"
fi
echo "console and field app end-to-end tests passed"

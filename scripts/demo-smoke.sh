#!/usr/bin/env bash
# Smoke-tests the README: starts the Quick start's demo (`cargo run --release -- demo`) on a free
# port with a fresh data directory, runs the README's "Try the API on the demo" block verbatim,
# restarts the demo to check it reuses its database, and stops it with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data_dir=$(mktemp -d)
log="$data_dir/demo.log"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$data_dir"; }
trap cleanup EXIT

start_demo() {
  GRIDASSIST_BIND="127.0.0.1:$port" GRIDASSIST_DATA_DIR="$data_dir" \
    cargo run --release --quiet -- demo >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "demo exited early"; return 1; }
    sleep 0.5
  done
  cat "$log"; echo "demo did not become ready"; return 1
}

stop_demo() {
  # Signal the server itself, as a service manager would. On Unix `cargo run` execs the binary,
  # so the server is $pid; where cargo stays as a parent, it is cargo's child.
  local server
  server=$(pgrep -P "$pid" | head -n 1 || true)
  [ -n "$server" ] || server=$pid
  kill -TERM "$server"
  wait "$pid"
  pid=""
}

start_demo
grep -q "created the demo county" "$log" || { cat "$log"; echo "demo did not create its county"; exit 1; }
grep -q "worker-6-64" "$log" || { cat "$log"; echo "demo did not print its logins"; exit 1; }
grep -q "open the console in a browser: *http://127.0.0.1:$port/" "$log" || { cat "$log"; echo "demo did not print the console's address"; exit 1; }
# A newcomer's first start logs nothing alarming (it once logged r2d2's "database is locked").
if sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^[0-9T:.-]+Z +(ERROR|WARN) '; then echo "the demo's first start logged errors or warnings"; exit 1; fi

examples=$(awk '
  /^## Try the API on the demo/ { in_section = 1; next }
  in_section && /^## / { exit }
  in_section && /^```bash/ { in_block = 1; next }
  in_section && in_block && /^```/ { exit }
  in_block { print }
' README.md)
[ -n "$examples" ] || { echo "README has no example block under '## Try the API on the demo'"; exit 1; }
echo "running the README examples against port $port"
bash -euo pipefail -c "${examples//127.0.0.1:8080/127.0.0.1:$port}"

stop_demo
start_demo
grep -q "reusing the demo county" "$log" || { cat "$log"; echo "demo did not reuse its database"; exit 1; }
stop_demo
echo "demo smoke test passed"

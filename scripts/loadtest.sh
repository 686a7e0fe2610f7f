#!/usr/bin/env bash
# HTTP load test: a release build of the server on a seeded county (2,000 grids, 2,000 workers,
# 200,000 tasks), driven by wrk on GET /api/v1/grids/locate, GET /api/v1/me/tasks (sync),
# POST /api/v1/cases/{id}/tasks (creation with automatic assignment) and
# POST /api/v1/tasks/{id}/check-ins. Prints a markdown table and writes it, with the machine, the
# load average and the server log's error counts, to $LOAD_OUT/results-<backend>.md.
#
#   scripts/loadtest.sh [sqlite|postgres]
#
# Environment (all optional):
#   LOAD_DURATION      each endpoint's run (wrk -d), default 20s
#   LOAD_CONNECTIONS   open connections (wrk -c), default 32
#   LOAD_THREADS       wrk threads (wrk -t), default 1
#   LOAD_PIN           1: server on CPU 0, wrk on CPU 1 (taskset); default 0 (both share both)
#   LOAD_NICE          niceness of the server and wrk, default 0; as root e.g. -10 puts them
#                      ahead of other work on a shared machine (stated in the results)
#   LOAD_WORKER_TOKENS grid workers who sign in (sync and check-in rotate over them), default 400
#   LOAD_ONLY          space-separated subset of: locate sync sync_full create check_in
#   LOAD_OUT           working directory, default <repo>/target/loadtest
#   LOAD_PG_URL        PostgreSQL server (trust auth), default postgres://postgres@127.0.0.1:5432
#   LOAD_RESEED        1: seed again even if a seeded database exists
#   LOAD_EXTRA_SQL     SQL run on the fresh copy before the server starts, for what-if runs
#                      (e.g. an index a migration would add); stated in the results
#   LOAD_TAG           suffix of the results file (results-<backend>-<tag>.md), for what-if runs
#   LOAD_RUN_DIR       where the SQLite copy the server uses lives, default $LOAD_OUT (a tmpfs
#                      such as /dev/shm shows what the disk's flush costs)
#
# The seeded database is kept (SQLite: $LOAD_OUT/seed.sqlite3; PostgreSQL: database
# load_bench_seed) and every run starts from a fresh copy of it (run.sqlite3, or database
# load_bench made from the seed as a template), so runs are comparable and repeatable.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BACKEND=${1:-sqlite}
case "$BACKEND" in sqlite | postgres) ;; *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;; esac
DURATION=${LOAD_DURATION:-20s}
CONNS=${LOAD_CONNECTIONS:-32}
THREADS=${LOAD_THREADS:-1}
PIN=${LOAD_PIN:-0}
NICE=${LOAD_NICE:-0}
N_WORKERS=${LOAD_WORKER_TOKENS:-400}
ONLY=${LOAD_ONLY:-locate sync sync_full create check_in}
OUT=${LOAD_OUT:-$ROOT/target/loadtest}
PG_URL=${LOAD_PG_URL:-postgres://postgres@127.0.0.1:5432}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release/gridassist
SEEDER=$TARGET_DIR/release/seed_load
PORT=${LOAD_PORT:-18080}
BASE=http://127.0.0.1:$PORT
mkdir -p "$OUT"
RESULTS=$OUT/results-$BACKEND${LOAD_TAG:+-$LOAD_TAG}.md
SERVER_LOG=$OUT/server-$BACKEND.log
DATA=$OUT/tmp-$BACKEND
rm -rf "$DATA"
mkdir -p "$DATA"

say() { printf '%s loadtest: %s\n' "$(date +%T)" "$*" >&2; }

# --- tools -----------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v jq >/dev/null || missing+=(jq)
command -v curl >/dev/null || missing+=(curl)
if [ "$BACKEND" = postgres ]; then command -v psql >/dev/null || missing+=(postgresql-client); fi
if [ "$BACKEND" = sqlite ] && [ -n "${LOAD_EXTRA_SQL:-}" ]; then command -v sqlite3 >/dev/null || missing+=(sqlite3); fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} (Debian packages)"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

say "building the release binary and the seeder"
cargo build --release --quiet --bin gridassist --bin seed_load

# --- database --------------------------------------------------------------------------------
if [ "$BACKEND" = sqlite ]; then
  SEED_DB=$OUT/seed.sqlite3
  MANIFEST=$OUT/seed-sqlite.env
  if [ "${LOAD_RESEED:-0}" = 1 ] || [ ! -f "$SEED_DB" ] || [ ! -f "$MANIFEST" ]; then
    rm -f "$SEED_DB"* "$MANIFEST"
    say "seeding $SEED_DB"
    start=$(date +%s)
    DATABASE_URL="$SEED_DB.part" "$SEEDER" >"$MANIFEST.part"
    mv "$SEED_DB.part" "$SEED_DB" && rm -f "$SEED_DB.part-wal" "$SEED_DB.part-shm"
    echo "LOAD_SEED_SECONDS=$(($(date +%s) - start))" >>"$MANIFEST.part"
    mv "$MANIFEST.part" "$MANIFEST"
  else
    say "reusing $SEED_DB"
  fi
  RUN_DIR=${LOAD_RUN_DIR:-$OUT}
  rm -f "$RUN_DIR/run.sqlite3"*
  cp "$SEED_DB" "$RUN_DIR/run.sqlite3"
  DB_URL=$RUN_DIR/run.sqlite3
  [ -z "${LOAD_EXTRA_SQL:-}" ] || sqlite3 "$DB_URL" "$LOAD_EXTRA_SQL"
else
  MANIFEST=$OUT/seed-postgres.env
  psql_admin() { psql "$PG_URL/postgres" -v ON_ERROR_STOP=1 -qtA "$@"; }
  have_seed=$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'load_bench_seed'")
  if [ "${LOAD_RESEED:-0}" = 1 ] || [ "$have_seed" != 1 ] || [ ! -f "$MANIFEST" ]; then
    say "seeding database load_bench_seed"
    psql_admin -c "DROP DATABASE IF EXISTS load_bench WITH (FORCE)" -c "DROP DATABASE IF EXISTS load_bench_seed WITH (FORCE)" \
      -c "CREATE DATABASE load_bench_seed"
    start=$(date +%s)
    DATABASE_URL="$PG_URL/load_bench_seed" "$SEEDER" >"$MANIFEST.part"
    echo "LOAD_SEED_SECONDS=$(($(date +%s) - start))" >>"$MANIFEST.part"
    mv "$MANIFEST.part" "$MANIFEST"
  else
    say "reusing database load_bench_seed"
  fi
  psql_admin -c "DROP DATABASE IF EXISTS load_bench WITH (FORCE)" -c "CREATE DATABASE load_bench TEMPLATE load_bench_seed"
  DB_URL=$PG_URL/load_bench
  [ -z "${LOAD_EXTRA_SQL:-}" ] || psql "$DB_URL" -v ON_ERROR_STOP=1 -q -c "$LOAD_EXTRA_SQL"
fi
# shellcheck disable=SC1090
. "$MANIFEST"

# --- server ----------------------------------------------------------------------------------
SERVER_CPU=(nice -n "$NICE")
WRK_CPU=(nice -n "$NICE")
if [ "$PIN" = 1 ]; then
  SERVER_CPU+=(taskset -c 0)
  WRK_CPU+=(taskset -c 1)
fi
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
say "starting the server on $BACKEND (log: $SERVER_LOG)"
DATABASE_URL=$DB_URL GRIDASSIST_BIND=127.0.0.1:$PORT GRIDASSIST_DATA_DIR=$DATA \
  GRIDASSIST_JWT_SECRET=$(head -c 32 /dev/urandom | base64) GRIDASSIST_LOG=${LOAD_SERVER_LOG_FILTER:-info} \
  "${SERVER_CPU[@]}" "$BIN" serve >"$SERVER_LOG" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { tail -20 "$SERVER_LOG"; echo "server exited" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "$BASE/readyz" >/dev/null

# --- sign-ins and prepared data ----------------------------------------------------------------
login() { # username password -> access token
  curl -fsS "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | jq -r .access_token
}
export -f login
export BASE
say "signing in $LOAD_OFFICERS officers and $N_WORKERS grid workers"
seq 1 "$LOAD_OFFICERS" | xargs -P 4 -I{} bash -c 'login "$(printf "load-officer-%02d" {})" "$0"' "$LOAD_OFFICER_PASSWORD" >"$DATA/officers.txt"
# Workers spread over the whole county (every k-th one).
step=$((LOAD_WORKERS / N_WORKERS)); [ "$step" -ge 1 ] || step=1
seq 1 "$step" "$LOAD_WORKERS" | head -n "$N_WORKERS" |
  xargs -P 4 -I{} bash -c 'login "$(printf "load-worker-%04d" {})" "$0"' "$LOAD_WORKER_PASSWORD" >"$DATA/workers.txt"
[ "$(grep -c . "$DATA/workers.txt")" -ge 1 ] || { echo "no worker signed in" >&2; exit 1; }

# Each phone syncs once in full (paging to the end), as a phone does when first set up; its
# open tasks are noted (assigned ones are accepted, as the worker would, so they can be checked
# in on), then it syncs once more so its cursor is current: the incremental run then measures a
# phone that is up to date.
phone_sync() { # token cursor outfile: "T token id status lat lon" per open task, then "C token cursor"
  local token=$1 cursor=$2 out=$3 page more
  : >"$out"
  while :; do
    page=$(curl -fsS "$BASE/api/v1/me/tasks?limit=200${cursor:+&since=$cursor}" -H "Authorization: Bearer $token")
    jq -r --arg t "$token" '.changes[] | select(.change == "upsert") | .task
      | select(.status == "assigned" or .status == "accepted" or .status == "in_progress" or .status == "returned")
      | "T \($t) \(.id) \(.status) \(.target.lat) \(.target.lon)"' <<<"$page" >>"$out"
    read -r cursor more < <(jq -r '"\(.cursor) \(.has_more)"' <<<"$page")
    [ "$more" = true ] || break
  done
  echo "C $token $cursor" >>"$out"
}
accept() { # token task: prints the task's line when accepted
  curl -fsS -o /dev/null -X POST "$BASE/api/v1/tasks/$2/accept" -H "Authorization: Bearer $1" && echo "$1 $2 $3 $4"
}
export -f phone_sync accept
say "full sync of every signed-in worker (cursors, open tasks)"
mkdir -p "$DATA/sync1" "$DATA/sync2"
nl -ba "$DATA/workers.txt" | xargs -P 4 -n 2 bash -c 'phone_sync "$2" "" "$0/$1"' "$DATA/sync1"
cat "$DATA/sync1"/* >"$DATA/pass1.txt"
awk '$1 == "T" && $4 != "assigned" {print $2, $3, $5, $6}' "$DATA/pass1.txt" >"$DATA/check_in_targets.txt"
awk '$1 == "T" && $4 == "assigned" {print $2, $3, $5, $6}' "$DATA/pass1.txt" |
  xargs -P 4 -n 4 bash -c 'accept "$0" "$1" "$2" "$3"' >>"$DATA/check_in_targets.txt" || true
awk '$1 == "C" {print NR, $2, $3}' "$DATA/pass1.txt" | xargs -P 4 -n 3 bash -c 'phone_sync "$2" "$3" "$0/$1"' "$DATA/sync2"
cat "$DATA/sync2"/* | awk '$1 == "C" {print $2, $3}' >"$DATA/sync_cursors.txt"
sed 's/ .*//' "$DATA/workers.txt" >"$DATA/sync_full.txt"
say "$(grep -c . "$DATA/check_in_targets.txt") tasks ready for check-ins, $(grep -c . "$DATA/sync_cursors.txt") phones up to date"

# --- the runs --------------------------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
  echo "Backend: **$BACKEND**. $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($cpu_model), $(free -g | awk '/^Mem:/{print $2}') GiB;"
  echo "wrk $THREADS thread(s), $CONNS connections, $DURATION per endpoint; pinning: $([ "$PIN" = 1 ] && echo 'server on CPU 0, wrk on CPU 1' || echo 'none (server, database and wrk share both cores)'); niceness $NICE."
  [ -z "${LOAD_EXTRA_SQL:-}" ] || echo "What-if: before the run, \`$LOAD_EXTRA_SQL\`."
  [ -z "${LOAD_RUN_DIR:-}" ] || echo "What-if: the SQLite file in $LOAD_RUN_DIR ($(df --output=fstype "$LOAD_RUN_DIR" | tail -n 1))."
  echo "Seeded county: $LOAD_WORKERS workers, $LOAD_TASKS_NOW tasks at seeding (seeded in ${LOAD_SEED_SECONDS:-?} s); $(grep -c . "$DATA/workers.txt") worker tokens, $LOAD_OFFICERS officer tokens."
  echo
  echo "| endpoint | connections | duration | rps | p50 | p99 | non-2xx | socket errors | load avg (1 min) before |"
  echo "|---|---|---|---|---|---|---|---|---|"
} >"$RESULTS"

run() { # name label script args...
  local name=$1 label=$2 script=$3
  shift 3
  case " $ONLY " in *" $name "*) ;; *) return 0 ;; esac
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  say "$label: wrk -t$THREADS -c$CONNS -d$DURATION (load average $load)"
  local out
  out=$("${WRK_CPU[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "scripts/loadtest/$script" "$BASE" -- "$@" 2>&1)
  echo "$out" >"$OUT/wrk-$BACKEND-$name.txt"
  local line
  line=$(grep '^RESULT' <<<"$out" || true)
  [ -n "$line" ] || { echo "$out" >&2; echo "wrk gave no result" >&2; exit 1; }
  echo "$line" >&2
  get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  local sock=$(($(get connect) + $(get read) + $(get write) + $(get timeout)))
  local non2xx
  non2xx=$(get non2xx)
  [ "$(get statuses)" = - ] || non2xx="$non2xx ($(get statuses))"
  echo "| $label | $CONNS | $(get seconds) s | **$(get rps)** | $(get p50_ms) ms | **$(get p99_ms) ms** | $non2xx | $sock | $load |" >>"$RESULTS"
}

run locate "\`GET /grids/locate\`" locate.lua "$DATA/officers.txt" \
  "$LOAD_LAT_MIN" "$LOAD_LAT_MAX" "$LOAD_LON_MIN" "$LOAD_LON_MAX"
run sync "\`GET /me/tasks?since=\` (phone up to date)" sync.lua "$DATA/sync_cursors.txt"
run sync_full "\`GET /me/tasks\` (new phone, first 50)" sync.lua "$DATA/sync_full.txt"
run check_in "\`POST /tasks/{id}/check-ins\`" check_in.lua "$DATA/check_in_targets.txt"
run create "\`POST /cases/{id}/tasks\` (auto-assigned)" create_task.lua "$DATA/officers.txt" \
  "$LOAD_CASE_MIN" "$LOAD_CASE_MAX" "$LOAD_LAT_MIN" "$LOAD_LAT_MAX" "$LOAD_LON_MIN" "$LOAD_LON_MAX"

locked=$(grep -c 'database is locked' "$SERVER_LOG" || true)
errors=$(grep -c '"level":"ERROR"' "$SERVER_LOG" || true)
{
  echo
  echo "Server log: $locked \"database is locked\", $errors ERROR lines."
} >>"$RESULTS"
cat "$RESULTS"

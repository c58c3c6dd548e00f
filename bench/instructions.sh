#!/usr/bin/env bash
# Instructions per request: runs `portico serve` under valgrind's callgrind on a SQLite dataset
# made by bench/run.sh and counts the instructions executed inside web::App::handle (the request's
# own work: session, routing, database, rendering; not the sockets) for each path. Run again, the
# count moves by a few hundred instructions in millions, where req/s and CPU time on this virtual
# machine move by 10-30% between runs minutes apart: compare two builds with it
# (PORTICO_BINARY), one change at a time.
# Instructions are not time (a cache miss or a system call costs more than its instructions), so
# a change is confirmed with wrk too (docs/performance.md).
#
#   bench/instructions.sh [--dataset DIR] [--requests N] [--login NAME] [--smoke] [PATH...]
#
#   --dataset DIR  a SQLite dataset of bench/run.sh (default var/bench/sqlite-t1000000-m5-s1)
#   --requests N   requests counted per path (default 40)
#   --login NAME   whose session: a login of the dataset's logins.txt (default customer_large_1;
#                  agent_1 for the desk)
#   --smoke        a 2,000-ticket dataset made here, one path, a few requests (under a minute)
#   PATH...        default: the largest organization's list, the customer's own list, a search
#                  for the common word, the long ticket's page and the Help Center home
#
# Each path is measured twice, with N/4 and N requests, each on a server of its own with one
# worker thread (valgrind runs one thread at a time anyway), and the difference is divided by the
# difference of the counts: what the first requests cost once (the time zone database, preparing
# statements, filling the caches: per thread and per database connection) cancels out. The user
# logs in once on a server run natively (argon2 under valgrind takes minutes); its session serves
# the counted requests. Environment: PORTICO_BINARY (default build/perf/portico, built as Release if
# needed), PORTICO_DATA_DIR (default data/: templates and migrations; an older build needs its own,
# and a dataset at its schema version).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
data_dir=${PORTICO_DATA_DIR:-$root/data}

dataset=$root/var/bench/sqlite-t1000000-m5-s1
requests=40
who=customer_large_1
smoke=0
paths=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dataset) dataset=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --login) who=$2; shift 2 ;;
    --smoke) smoke=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "instructions.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    *) paths+=("$1"); shift ;;
  esac
done
[[ "$requests" =~ ^[0-9]+$ ]] && [ "$requests" -ge 4 ] || {
  echo "instructions.sh: --requests is a whole number of at least 4" >&2
  exit 2
}
command -v valgrind >/dev/null || {
  echo "instructions.sh: valgrind is missing (scripts/install-deps.sh test)" >&2
  exit 1
}

. bench/common.sh
release_binary instructions.sh
if ldd "$binary" 2>/dev/null | grep -q 'libasan'; then
  echo "instructions.sh: $binary is built with AddressSanitizer, which valgrind cannot run;" \
    "count a Release build (leave PORTICO_BINARY unset to build one)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/portico-instructions.XXXXXX")
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 600); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

if [ "$smoke" = 1 ]; then
  dataset=$work/dataset
  mkdir -p "$dataset"
  requests=4
  echo "== generating a 2,000-ticket dataset"
  "$binary" bench-data --database-url "sqlite:$dataset/portico.db" --data-dir "$data_dir" \
    --tickets 2000 --logins-file "$dataset/logins.txt" --log-level warn >/dev/null
fi
[ -f "$dataset/portico.db" ] && [ -f "$dataset/logins.txt" ] || {
  echo "instructions.sh: no dataset in $dataset (make one with bench/run.sh --backend sqlite)" >&2
  exit 1
}
database_url="sqlite:$dataset/portico.db"
get() { sed -n "s/^$1=//p" "$dataset/logins.txt" | head -n 1; }

# start [valgrind options...]: the server (under valgrind when options are given); sets $base.
start() {
  rm -f "$work/port"
  local runner=()
  [ $# -gt 0 ] && runner=(valgrind --tool=callgrind "$@")
  "${runner[@]}" "$binary" serve --listen 127.0.0.1:0 --port-file "$work/port" \
    --database-url "$database_url" --data-dir "$data_dir" --log-level warn --workers 1 \
    >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  wait_for_port "$work/port" "$work/server.err" "$server_pid" 120 instructions.sh
  base=http://127.0.0.1:$(tr -d '\n' <"$work/port")
}

# The customer's session, from a login on the server run natively.
start
email=$(get "$who")
[ -n "$email" ] || { echo "instructions.sh: no login named $who in $dataset/logins.txt" >&2; exit 1; }
cookie="portico_session=$(bench_login "$base" "$email" "$(get password)" "$work")"
stop_server

if [ ${#paths[@]} -eq 0 ]; then
  paths=("/tickets?view=organization&status=all&sort=activity&dir=desc")
  if [ "$smoke" = 0 ]; then
    paths+=("/tickets?view=mine&status=all&sort=activity&dir=desc"
      "/tickets?view=organization&status=all&q=$(get common_word)"
      "/tickets/$(get long_tickets | cut -d, -f1)" "/")
  fi
fi

# count PATH N: the instructions inside App::handle over N requests of PATH, on a server of its own.
count() {
  local path=$1 n=$2 code
  start "--callgrind-out-file=$work/callgrind.out" '--toggle-collect=portico::web::App::handle*'
  for _ in $(seq 1 "$n"); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$path")
    [ "$code" = 200 ] || { echo "instructions.sh: GET $path answered $code" >&2; exit 1; }
  done
  stop_server
  awk '/^(summary|totals):/ { print $2; exit }' "$work/callgrind.out"
}

echo "== instructions inside App::handle per request ($(basename "$binary"), $requests requests" \
  "less $((requests / 4)), dataset $dataset)"
for path in "${paths[@]}"; do
  few=$((requests / 4))
  a=$(count "$path" "$few")
  b=$(count "$path" "$requests")
  printf '%12d  %s\n' $(((b - a) / (requests - few))) "$path"
done

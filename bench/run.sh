#!/usr/bin/env bash
# Page-view benchmark: generates (or reuses) a dataset with `portico bench-data`, starts the
# release `portico serve` on 127.0.0.1, logs in as customers and an agent, and measures each
# scenario with wrk for a bounded time. Prints a table (req/s, p50, p99, errors, server RSS and
# CPU) and writes it to var/bench/results-<backend>-t<N>.md. Then holds 2,000 idle and 100
# slowloris connections while wrk loads the ticket page (bench/slow_clients_under_load.py).
# Between scenarios it waits until the server is idle, so that requests wrk abandoned (after its
# 10 s timeout) do not slow the next scenario down.
#
#   bench/run.sh [--backend sqlite|postgresql] [--tickets N] [--duration S] [--connections C]
#                [--messages-per-ticket M] [--seed S] [--fresh] [--keep-pg] [--smoke]
#
#   --smoke   a 2,000-ticket dataset, every scenario once with curl (status and content checked),
#             a few of them and the reply for one second with wrk, the slow-client check with 200
#             idle and 20 slowloris connections; under a minute. Exits non-zero if a page fails,
#             never on timings.
#   --fresh   regenerate the dataset even when a matching one exists.
#   --keep-pg leave the PostgreSQL cluster (and its datasets) running for the next run; stop it
#             with: scripts/pg-cluster.sh stop ${TMPDIR:-/tmp}/portico-bench-pg
#
# Environment: PORTICO_BINARY (default: build/perf/portico, built here as Release if needed),
# JOBS (ninja, default 2). Datasets live in var/bench/ (SQLite) or in the cluster. A dataset is
# reused only when it is less than 20 hours old: after that, its tickets waiting on customers
# become due for reminders and auto-close, and the server would start working through them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

backend=sqlite
tickets=""
duration=10
connections=8
per_ticket=5
seed=1
fresh=0
keep_pg=0
smoke=0
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=$2; shift 2 ;;
    --tickets) tickets=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --messages-per-ticket) per_ticket=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --keep-pg) keep_pg=1; shift ;;
    --smoke) smoke=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$backend" in sqlite|postgresql) ;; *) echo "run.sh: --backend sqlite|postgresql" >&2; exit 2 ;; esac
if [ "$smoke" = 1 ]; then
  tickets=${tickets:-2000}
  duration=1
  connections=2
fi
tickets=${tickets:-1000000}
[[ "$tickets" =~ ^[0-9]+$ && "$duration" =~ ^[0-9]+$ && "$connections" =~ ^[0-9]+$ ]] || {
  echo "run.sh: --tickets, --duration and --connections are whole numbers" >&2
  exit 2
}

python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
command -v wrk >/dev/null || { echo "run.sh: wrk is missing (scripts/install-deps.sh test)" >&2; exit 1; }
command -v curl >/dev/null || { echo "run.sh: curl is missing" >&2; exit 1; }

# ---- the binary ---------------------------------------------------------------------------
. bench/common.sh
release_binary run.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/portico-bench.XXXXXX")
server_pid=""
pg_dir=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$pg_dir" ] && [ "$keep_pg" = 0 ]; then
    scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- the dataset --------------------------------------------------------------------------
name="t${tickets}-m${per_ticket//./p}-s${seed}"
if [ "$smoke" = 1 ]; then
  dataset_dir=$work/dataset
else
  dataset_dir=$root/var/bench/$backend-$name
fi
if [ "$backend" = sqlite ]; then
  database_url="sqlite:$dataset_dir/portico.db"
else
  pg_dir=${TMPDIR:-/tmp}/portico-bench-pg
  if [ "$smoke" = 1 ]; then
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/portico-bench-pg.XXXXXX")
    keep_pg=0
  fi
  # As root the cluster runs as `postgres`, which must be able to enter the folder.
  mkdir -p "$pg_dir"
  chmod 755 "$pg_dir"
  admin_url=""
  for _ in 1 2 3; do
    if admin_url=$(scripts/pg-cluster.sh url "$pg_dir" 2>/dev/null) &&
      psql "$admin_url" -Atqc 'SELECT 1' >/dev/null 2>&1; then
      break
    fi
    if admin_url=$(scripts/pg-cluster.sh start "$pg_dir" "$(free_port)"); then break; fi
    admin_url=""
  done
  [ -n "$admin_url" ] || { echo "run.sh: could not start PostgreSQL" >&2; exit 1; }
  database="bench_${name//-/_}"
  database_url="${admin_url%/postgres}/$database"
  # The dataset lives as long as the cluster does: its marker is kept inside the cluster folder.
  dataset_dir=$pg_dir/datasets/$name
fi
marker=$dataset_dir/done
logins=$dataset_dir/logins.txt

stale=0
if [ -f "$marker" ] && [ $(($(date +%s) - $(stat -c %Y "$marker"))) -gt $((20 * 3600)) ]; then
  stale=1
  echo "== the dataset in $dataset_dir is older than 20 hours: regenerating it"
fi
if [ "$fresh" = 1 ] || [ "$stale" = 1 ] || [ ! -f "$marker" ]; then
  rm -rf "$dataset_dir"
  mkdir -p "$dataset_dir"
  if [ "$backend" = postgresql ]; then
    psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database" >/dev/null
    psql "$admin_url" -qc "CREATE DATABASE $database" >/dev/null
  fi
  echo "== generating the dataset ($tickets tickets) into $database_url"
  "$binary" bench-data --database-url "$database_url" --data-dir "$root/data" \
    --tickets "$tickets" --messages-per-ticket "$per_ticket" --seed "$seed" \
    --logins-file "$logins" --log-level warn | tee "$dataset_dir/generate.log"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
else
  echo "== reusing the dataset in $dataset_dir (generated $(cat "$marker"))"
fi

get() { sed -n "s/^$1=//p" "$logins" | head -n 1; }
password=$(get password)
customer_large=$(get customer_large_1)
customer_medium=$(get customer_medium_1)
customer_small=$(get customer_small_1)
agent=$(get agent_1)
long_ticket=$(get long_tickets | cut -d, -f1)
sample_ticket=$(get sample_ticket)
rare_message_word=$(get rare_message_word)
rare_message_ticket=$(get rare_message_tickets | cut -d, -f1)
rare_subject_word=$(get rare_subject_word)
rare_subject_ticket=$(get rare_subject_tickets | cut -d, -f1)
common_word=$(get common_word)
agent_queue=$(get agent_queue)
article_query=$(get article_query)

# ---- the server ---------------------------------------------------------------------------
port_file=$work/port
"$binary" serve --listen 127.0.0.1:0 --port-file "$port_file" --database-url "$database_url" \
  --data-dir "$root/data" --log-level warn --header-timeout-ms 3000 \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
wait_for_port "$port_file" "$work/server.err" "$server_pid" 30 run.sh
port=$(tr -d '\n' <"$port_file")
base=http://127.0.0.1:$port
echo "== server pid $server_pid on $base ($(nproc) cores, workers default)"

# login EMAIL: prints the session cookie value.
login() { bench_login "$base" "$1" "$password" "$work"; }
cookie_large="portico_session=$(login "$customer_large")"
cookie_medium="portico_session=$(login "$customer_medium")"
cookie_small="portico_session=$(login "$customer_small")"
cookie_agent="portico_session=$(login "$agent")"

clk_tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
# PostgreSQL's CPU: the postmaster with its reaped children, plus its live children (the
# server's pooled backends). SQLite runs inside the server, so its CPU is the server's.
postmaster_pid=""
if [ "$backend" = postgresql ]; then postmaster_pid=$(head -n 1 "$pg_dir/data/postmaster.pid"); fi
db_ticks() {
  [ -n "$postmaster_pid" ] || { echo 0; return; }
  # cat skips a process that exits between the glob and the read (awk would stop there).
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$postmaster_pid" '
    {
      pid = $1
      sub(/^[0-9]+ \([^)]*\) /, "")  # drop "pid (comm) ": $1 is now the state, $2 the ppid
      if ($2 == pm) total += $12 + $13
      if (pid == pm) total += $12 + $13 + $14 + $15
    }
    END { print total + 0 }'
}
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status"; }
hwm_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status"; }

results=$work/results.tsv
: >"$results"
failures=0

# check NAME COOKIE PATH EXPECT_STATUS [MUST_CONTAIN]: one request with curl.
check() {
  local name=$1 cookie=$2 path=$3 expect=$4 needle=${5:-} code
  code=$(curl -s -o "$work/page.html" -w '%{http_code}' ${cookie:+-H "Cookie: $cookie"} "$base$path")
  if [ "$code" != "$expect" ]; then
    echo "!! $name: GET $path answered $code, expected $expect" >&2
    failures=$((failures + 1))
    return 1
  fi
  if [ -n "$needle" ] && ! grep -qF -- "$needle" "$work/page.html"; then
    echo "!! $name: GET $path does not contain '$needle'" >&2
    failures=$((failures + 1))
    return 1
  fi
}

# Waits (at most 120 s) until the server has finished work left over from the previous scenario
# (requests wrk gave up on keep running): less than 5% CPU over half a second.
wait_idle() {
  local a b
  for _ in $(seq 1 240); do
    a=$(cpu_ticks)
    sleep 0.5
    b=$(cpu_ticks)
    [ $(((b - a) * 100 * 2 / clk_tck)) -lt 5 ] && return 0
  done
  echo "!! the server stayed busy for 120 s" >&2
}

# measure NAME COOKIE PATH SECONDS [wrk args...]: wrk for SECONDS, then a table row. A request
# slower than 10 s counts as an error (a timeout), not in the latencies.
measure() {
  local name=$1 cookie=$2 path=$3 seconds=${4:-$duration}
  shift 4 || shift $#
  local before after start end out line
  wait_idle
  before=$(cpu_ticks)
  db_before=$(db_ticks)
  db_before=${db_before:-0}
  start=$(date +%s.%N)
  out=$(wrk -t1 -c"$connections" -d"${seconds}s" --timeout 10s --latency -s bench/wrk/report.lua \
    ${cookie:+-H "Cookie: $cookie"} "$@" "$base$path" 2>&1) || true
  end=$(date +%s.%N)
  after=$(cpu_ticks)
  db_after=$(db_ticks)
  db_after=${db_after:-0}
  line=$(grep '^BENCH ' <<<"$out" | tail -n 1)
  if [ -z "$line" ]; then
    echo "!! $name: wrk printed no result:" >&2
    echo "$out" >&2
    failures=$((failures + 1))
    return 0
  fi
  "$python" - "$name" "$line" "$before" "$after" "$start" "$end" "$clk_tck" "$(rss_mb)" \
    "$db_before" "$db_after" "$backend" >>"$results" <<'EOF'
import sys
name, line, before, after, start, end, tck, rss, db_before, db_after, backend = sys.argv[1:]
f = dict(kv.split("=") for kv in line.split()[1:])
seconds = int(f["duration_us"]) / 1e6
rps = int(f["requests"]) / seconds if seconds else 0
wall = float(end) - float(start)
cpu = (float(after) - float(before)) / float(tck) / wall * 100
db_cpu = (float(db_after) - float(db_before)) / float(tck) / wall * 100
errors = int(f["socket_errors"]) + int(f["status_errors"]) + int(f["timeouts"])
rps_text = f"{rps:.0f}" if rps >= 1 else f"{rps:.2f}"
db_text = f"{db_cpu:.0f}" if backend == "postgresql" else "-"
print(f"{name}\t{rps_text}\t{int(f['p50_us']) / 1000:.2f}\t{int(f['p99_us']) / 1000:.2f}\t"
      f"{errors}\t{rss}\t{cpu:.0f}\t{db_text}")
EOF
  tail -n 1 "$results" | awk -F'\t' '{ printf "   %-44s %8s req/s  p50 %7s ms  p99 %7s ms  errors %s  RSS %s MB  CPU %s%%  DB CPU %s%%\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
  if [ "$(tail -n 1 "$results" | cut -f5)" != 0 ]; then failures=$((failures + 1)); fi
}

# scenario NAME COOKIE PATH [MUST_CONTAIN]: checked once, then measured (in --smoke, only a few
# are also measured: the wrk command is the same for all, so that is enough to keep it working).
scenario() {
  check "$1" "$2" "$3" 200 "${4:-}" || return 0
  if [ "$smoke" = 1 ] && ! [[ "$1" =~ ^(list mine all|ticket page|agent queue all|Help Center home) ]]; then
    return 0
  fi
  measure "$1" "$2" "$3" "$duration"
}

echo "== scenarios: wrk -t1 -c$connections, ${duration} s each"
list=/tickets
for view in mine organization; do
  for status in all pending-support pending-me open closed; do
    scenario "list $view $status (large org)" "$cookie_large" \
      "$list?view=$view&status=$status&sort=activity&dir=desc"
  done
done
scenario "list organization all, sort subject asc" "$cookie_large" \
  "$list?view=organization&status=all&sort=subject&dir=asc"
scenario "list organization all, page 40" "$cookie_large" \
  "$list?view=organization&status=all&sort=activity&dir=desc&page=40"
# A page at the end of the list, as the Previous/Next links reach it: a cursor (keyset
# pagination) instead of skipping every page before it. The cursor is the organization's oldest
# ticket: the page is the 25 tickets just newer than it.
first_page=$(curl -sf -H "Cookie: $cookie_large" \
  "$base$list?view=organization&status=all&sort=activity&dir=asc")
oldest=$(grep -o 'href="/tickets/[0-9]*"' <<<"$first_page" | head -n 1 | tr -dc '0-9')
last_page=$(sed -n 's/.*Page 1 of \([0-9]*\).*/\1/p' <<<"$first_page" | head -n 1)
scenario "list organization all, a page at the end (by cursor)" "$cookie_large" \
  "$list?view=organization&status=all&sort=activity&dir=desc&page=$((${last_page:-3} - 1))&before=$oldest" \
  "/tickets/"
scenario "list organization all (medium org)" "$cookie_medium" \
  "$list?view=organization&status=all&sort=activity&dir=desc"
scenario "list organization all (small org)" "$cookie_small" \
  "$list?view=organization&status=all&sort=activity&dir=desc"
scenario "search mine, common word '$common_word'" "$cookie_large" \
  "$list?view=mine&status=all&q=$common_word"
scenario "search organization, common word '$common_word'" "$cookie_large" \
  "$list?view=organization&status=all&q=$common_word"
scenario "search organization, rare word (messages)" "$cookie_large" \
  "$list?view=organization&status=all&q=$rare_message_word" "/tickets/$rare_message_ticket\""
scenario "search organization, rare word (subject)" "$cookie_large" \
  "$list?view=organization&status=all&q=$rare_subject_word" "/tickets/$rare_subject_ticket\""
scenario "search organization, ticket ID" "$cookie_large" \
  "$list?view=organization&status=all&q=%23$sample_ticket" "/tickets/$sample_ticket\""
scenario "ticket page, ~50 messages" "$cookie_large" "/tickets/$long_ticket"
scenario "agent queue $agent_queue" "$cookie_agent" "/desk?queue=$agent_queue"
scenario "agent queue all" "$cookie_agent" "/desk?queue=all"
scenario "Help Center home (anonymous)" "" "/"
scenario "Help Center article search" "" "/search?q=${article_query// /+}"

# A customer's session as one mix of page views (bench/wrk/mix.lua, each path in turn): the ticket
# list in both views with each status filter (10), the ten tickets at the top of the
# organization's list, three searches (a ticket number, a rare word, a common word) and three
# Help Center pages (home, an article search, an article): 26 page views.
mix_paths=$work/mix-paths.txt
{
  for view in mine organization; do
    for status in all pending-support pending-me open closed; do
      echo "$list?view=$view&status=$status&sort=activity&dir=desc"
    done
  done
  curl -sf -H "Cookie: $cookie_large" "$base$list?view=organization&status=all&sort=activity&dir=desc" |
    grep -o 'href="/tickets/[0-9]*"' | tr -dc '0-9\n' | awk 'NF && !seen[$0]++' | head -n 10 |
    sed 's|^|/tickets/|'
  echo "$list?view=organization&status=all&q=%23$sample_ticket"
  echo "$list?view=organization&status=all&q=$rare_subject_word"
  echo "$list?view=organization&status=all&q=$common_word"
  echo "/"
  echo "/search?q=${article_query// /+}"
  curl -sf "$base/" | grep -o 'href="/articles/[^"]*"' | head -n 1 | sed 's/^href="//; s/"$//'
} >"$mix_paths"
mix_ok=1
while read -r path; do
  check "mix: $path" "$cookie_large" "$path" 200 || mix_ok=0
done <"$mix_paths"
if [ "$(wc -l <"$mix_paths")" -ne 26 ]; then
  echo "!! the customer session mix has $(wc -l <"$mix_paths") pages, not 26" >&2
  failures=$((failures + 1))
  mix_ok=0
fi
if [ "$mix_ok" = 1 ]; then
  BENCH_PATHS=$mix_paths measure "customer session mix (26 page views)" "$cookie_large" "/" \
    "$duration" -s bench/wrk/mix.lua
fi

# Replies: a few seconds at most (each one writes a message, an event and outbox mail).
reply_page=$work/ticket.html
curl -sf -H "Cookie: $cookie_large" -o "$reply_page" "$base/tickets/$sample_ticket"
reply_csrf=$(sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' "$reply_page" | head -n 1)
reply_seconds=$((duration < 3 ? duration : 3))
BENCH_CSRF=$reply_csrf measure "post a reply (customer)" "$cookie_large" \
  "/tickets/$sample_ticket/reply" "$reply_seconds" -s bench/wrk/reply.lua
check "the replies arrived" "$cookie_large" "/tickets/$sample_ticket" 200 "Benchmark reply" || true

# ---- idle and slow clients under load -------------------------------------------------------
idle=2000
slow=100
slow_duration=$((duration < 10 ? 10 : duration))
if [ "$smoke" = 1 ]; then idle=200; slow=20; slow_duration=7; fi
# The load is the ticket page (a page that meets its target): the check is about connections,
# not about slow queries (two slow requests occupy both worker threads, /healthz included).
echo "== $idle idle + $slow slowloris connections while wrk loads the ticket page"
wait_idle
slow_out=$work/slow.log
if "$python" bench/slow_clients_under_load.py --port "$port" --idle "$idle" --slowloris "$slow" \
  --duration "$slow_duration" --connections "$connections" --cookie "$cookie_large" \
  --url "$base/tickets/$long_ticket" | tee "$slow_out"; then
  slow_result=PASS
else
  slow_result=FAIL
  failures=$((failures + 1))
fi
if line=$(grep '^BENCH ' "$slow_out" | tail -n 1); then
  "$python" - "ticket page + $idle idle, $slow slowloris connections" "$line" 0 0 0 1 1 "$(rss_mb)" \
    >>"$results" <<'EOF'
import sys
name, line, _, _, _, _, _, rss = sys.argv[1:]
f = dict(kv.split("=") for kv in line.split()[1:])
seconds = int(f["duration_us"]) / 1e6
errors = int(f["socket_errors"]) + int(f["status_errors"]) + int(f["timeouts"])
print(f"{name}\t{int(f['requests']) / seconds:.0f}\t{int(f['p50_us']) / 1000:.2f}\t"
      f"{int(f['p99_us']) / 1000:.2f}\t{errors}\t{rss}\t-\t-")
EOF
fi

# ---- the table ----------------------------------------------------------------------------
summary_file=$root/var/bench/results-$backend-t$tickets.md
[ "$smoke" = 1 ] && summary_file=$work/results.md
mkdir -p "$(dirname "$summary_file")"
{
  echo "Backend: $backend; dataset: $tickets tickets ($(get messages) messages), seed $seed;"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo);"
  echo "wrk -t1 -c$connections -d${duration}s per scenario; $(date -u +%Y-%m-%dT%H:%M:%SZ)."
  echo "Server peak RSS (VmHWM): $(hwm_mb) MB. Idle/slow-client check: $slow_result."
  echo
  echo "RSS and CPU are the portico server's (CPU: % of one core; 200% = both cores). DB CPU is"
  echo "PostgreSQL's (all its processes); '-' for SQLite, which runs inside the server."
  echo
  echo "| scenario | req/s | p50 ms | p99 ms | errors | RSS MB | CPU % | DB CPU % |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$results"
} >"$summary_file"
echo
cat "$summary_file"
[ "$smoke" = 1 ] || echo "(written to $summary_file)"

if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$work/server.err"; then
  echo "!! sanitizer report in the server's stderr" >&2
  failures=$((failures + 1))
fi
if [ "$failures" -gt 0 ]; then
  echo "run.sh: $failures failure(s); server stderr (tail):" >&2
  tail -n 20 "$work/server.err" >&2
  exit 1
fi
echo "run.sh: every scenario answered"

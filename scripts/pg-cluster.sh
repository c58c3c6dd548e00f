#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for tests: trust authentication, listening only on
# 127.0.0.1:PORT, its unix socket inside DIR, tuned for speed (no fsync). Nothing outside DIR is
# touched.
#
#   scripts/pg-cluster.sh start DIR PORT   # prints postgresql://postgres@127.0.0.1:PORT/postgres
#   scripts/pg-cluster.sh stop DIR         # stops it (if running) and removes DIR; idempotent
#   scripts/pg-cluster.sh url DIR          # prints the URL of a cluster started in DIR
#
# As root, the cluster runs as the `postgres` system user (PostgreSQL refuses to run as root), so
# DIR is handed to that user and every directory above it must be traversable by it.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT | stop DIR | url DIR" >&2
  exit 2
}

pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
marker=.portico-pg-cluster

# Runs a PostgreSQL tool as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || usage

case "$cmd" in
  start)
    port=${3:-}
    [[ "$port" =~ ^[0-9]+$ ]] || usage
    [ -x "$pg_bin/initdb" ] || {
      echo "pg-cluster: $pg_bin/initdb not found (install the postgresql package)" >&2
      exit 1
    }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # Unix socket paths are limited to 107 bytes.
    if [ $((${#dir} + 20)) -gt 107 ]; then
      echo "pg-cluster: '$dir' is too long for a unix socket path; use a shorter directory" >&2
      exit 1
    fi
    touch "$dir/$marker"
    if [ "$(id -u)" -eq 0 ]; then
      chown -R postgres: "$dir"
      if ! runuser -u postgres -- test -w "$dir"; then
        echo "pg-cluster: user postgres cannot reach '$dir' (check the permissions above it)" >&2
        exit 1
      fi
    fi
    if [ -f "$dir/data/postmaster.pid" ] &&
      as_owner "$pg_bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      echo "pg-cluster: already running in $dir" >&2
    else
      if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
          --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
          cat "$dir/initdb.log" >&2
          exit 1
        }
      fi
      opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off"
      opts+=" -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
      if ! as_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" \
        -w -t 30 start >/dev/null; then
        echo "pg-cluster: could not start PostgreSQL on 127.0.0.1:$port; its log:" >&2
        tail -n 20 "$dir/server.log" >&2 || true
        exit 1
      fi
      echo "$port" >"$dir/port"
    fi
    echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    fi
    # Only a directory this script created is removed.
    if [ -f "$dir/$marker" ]; then
      rm -rf "$dir"
    fi
    ;;
  url)
    [ -f "$dir/port" ] || {
      echo "pg-cluster: no cluster in $dir" >&2
      exit 1
    }
    echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
    ;;
  *)
    usage
    ;;
esac

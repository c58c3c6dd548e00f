#!/usr/bin/env bash
# `make run`: install what is missing, build the release binary, create or migrate the SQLite
# database under var/, load the demo data on first run, and serve on PORTICO_LISTEN
# (default 127.0.0.1:8080; set PORT=8081 to change only the port).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh build
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPORTICO_BUILD_TESTS=OFF >/dev/null
ninja -C build/release -j"${JOBS:-2}" portico

export PORTICO_LISTEN="${PORTICO_LISTEN:-127.0.0.1:${PORT:-8080}}"
export PORTICO_DATABASE_URL="${PORTICO_DATABASE_URL:-sqlite:var/portico.db}"
mkdir -p var

build/release/portico migrate
echo
build/release/portico demo
echo
echo "Portico is starting at http://${PORTICO_LISTEN/127.0.0.1/localhost}/ — press Ctrl-C to stop."
echo
exec build/release/portico serve

#!/usr/bin/env bash
# Installs what Portico needs from Debian's packages and npm. Idempotent: only what is missing
# is installed, so running it on every `make run` / `make test` costs a second.
#
#   scripts/install-deps.sh build   # compile + run the server
#   scripts/install-deps.sh test    # the above, plus PostgreSQL, Chromium, SMTP sink, npm packages
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-build}

build_pkgs=(
  g++ cmake ninja-build pkg-config make
  libboost-dev libpoco-dev libsqlite3-dev libpq-dev
  libkainjow-mustache-dev libsodium-dev libgmime-3.0-dev libcurl4-openssl-dev
  libcmark-gfm-dev libcmark-gfm-extensions-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev zlib1g-dev libhowardhinnant-date-dev tzdata libjemalloc-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev
  postgresql sqlite3 chromium python3-aiosmtpd curl wrk valgrind
)

pkgs=("${build_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js may come from Debian (nodejs + npm) or from another apt source that bundles npm.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages (htmx for the static assets; playwright-core for browser tests). package-lock.json
# pins versions; `npm ci` is skipped when node_modules already matches the lock file.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.portico-lock; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.portico-lock
fi

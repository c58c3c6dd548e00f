# Shared by the bench scripts (sourced, from the repository's root).

# release_binary NAME: sets `binary` to $PORTICO_BINARY, or to build/perf/portico built here as
# Release; NAME prefixes the error when it is not an executable.
release_binary() {
  binary=${PORTICO_BINARY:-}
  if [ -z "$binary" ]; then
    binary=$(pwd)/build/perf/portico
    echo "== building $binary (Release)"
    cmake -S . -B build/perf -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ninja -C build/perf -j "${JOBS:-2}" portico | tail -n 1
  fi
  [ -x "$binary" ] || { echo "$1: $binary is not an executable" >&2; exit 1; }
}

# bench_login BASE EMAIL PASSWORD WORK: logs in through the login form of the server at BASE (its
# cookie jar and page in the folder WORK) and prints the session cookie's value.
bench_login() {
  local base=$1 email=$2 password=$3 jar=$4/jar page=$4/login.html csrf code
  rm -f "$jar"
  curl -sf -c "$jar" -b "$jar" -o "$page" "$base/login"
  csrf=$(sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' "$page" | head -n 1)
  code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
    --data-urlencode "_csrf=$csrf" --data-urlencode "email=$email" \
    --data-urlencode "password=$password" --data-urlencode "next=/tickets" "$base/login")
  if [ "$code" != 303 ] && [ "$code" != 302 ]; then
    echo "login as $email answered $code" >&2
    return 1
  fi
  awk '$6 == "portico_session" { print $7 }' "$jar"
}

# wait_for_port PORT_FILE ERROR_FILE PID SECONDS NAME: waits until the server PID has written its
# port; if it dies, or takes longer than SECONDS, prints its error output and exits.
wait_for_port() {
  local port_file=$1 errors=$2 pid=$3 seconds=$4 name=$5
  for _ in $(seq 1 $((seconds * 10))); do
    [ -s "$port_file" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$errors" >&2; exit 1; }
    sleep 0.1
  done
  echo "$name: the server did not start" >&2
  cat "$errors" >&2
  exit 1
}

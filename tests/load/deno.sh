#!/usr/bin/env bash
# isogate against `deno serve`, the same four Workers-style modules (tests/load/deno/*.js)
# served unchanged by each, measured in alternation in one run (servers on core 0, wrk on
# core 1): `isogate dev` (one handler, in-process) and `isogate serve` (the handler in a
# worker process), each against deno; ratio: isogate / deno. Also the RSS after the echo
# load and the cold start, spawn to first 200 (median of 5). Deno comes from the npm
# package `deno`, installed by this script into tests/load/.deno (ignored; never in CI).
#
#   tests/load/deno.sh                  # defaults: 3 rounds of 5s, 32 connections
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh
bin="${CARGO_TARGET_DIR:-target}/release/isogate"
deno_dir=tests/load/.deno
deno="$deno_dir/node_modules/.bin/deno"

cargo build --release --locked -q -p isogate-gateway --bin isogate
if [ ! -x "$deno" ]; then
  mkdir -p "$deno_dir"
  echo '{ "name": "bench-deno", "private": true }' >"$deno_dir/package.json"
  npm install --prefix "$deno_dir" --no-audit --no-fund --loglevel=error deno@2
fi

work="$(mktemp -d)"
trap 'cleanup; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_deno MODULE: `deno serve` of MODULE on a free port; sets LAST_PID and LAST_URL.
start_deno() {
  local port
  port="$(free_port)"
  "${server_pin[@]}" "$deno" serve --quiet --host 127.0.0.1 --port "$port" "$1" >/dev/null 2>&1 &
  LAST_PID="$!"
  pids+=("$LAST_PID")
  LAST_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 200); do
    if curl -fs -o /dev/null "$LAST_URL/"; then return; fi
    sleep 0.05
  done
  echo "deno did not start: $1" >&2
  exit 1
}

# serve_config MODULE: a config serving MODULE as one tenant in one worker process.
serve_config() {
  site_config "$work/serve-$(basename "$1" .js)" $'isolation = "process"\nprocesses = 1' \
    "app=127.0.0.1=$1"
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

header "isogate against deno serve $("$deno" --version | head -n 1 | awk '{ print $2 }')"
echo_rss=""
for name in hello json echo compute; do
  module="tests/load/deno/$name.js"
  args=()
  if [ "$name" = echo ]; then args=(-s tests/load/deno/post.lua); fi
  path="/"
  if [ "$name" = json ]; then path="/?name=bench"; fi

  start_deno "$module"
  deno_pid="$LAST_PID"
  deno_url="$LAST_URL$path"
  RUST_LOG=warn start 'http://[0-9.:]*' "$bin" dev "$module" --port 0 --no-watch
  dev_pid="$LAST_PID"
  dev_url="$LAST_URL$path"
  RUST_LOG=warn start 'http://[0-9.:]*' "$bin" serve --config "$(serve_config "$module")" --no-watch
  serve_pid="$LAST_PID"
  serve_url="$LAST_URL$path"

  read -r d_rps d_p50 d_p99 i_rps i_p50 i_p99 < <(compare "$ROUNDS" "$deno_url" "$dev_url" "${args[@]}")
  read -r _ _ _ s_rps s_p50 s_p99 < <(compare "$ROUNDS" "$deno_url" "$serve_url" "${args[@]}")
  row "deno serve $name" "$d_rps" "$d_p50" "$d_p99" "$(rss_mib "$deno_pid")" "$d_rps"
  row "isogate dev $name" "$i_rps" "$i_p50" "$i_p99" "$(rss_mib "$dev_pid")" "$d_rps"
  serve_rss="$(awk -v a="$(rss_mib "$serve_pid")" -v b="$(pgrep -P "$serve_pid" | while read -r p; do rss_mib "$p"; echo; done | awk '{ s += $1 } END { print s + 0 }')" 'BEGIN { printf "%.1f", a + b }')"
  row "isogate serve $name" "$s_rps" "$s_p50" "$s_p99" "$serve_rss" "$d_rps"
  if [ "$name" = echo ]; then
    echo_rss="deno $(rss_mib "$deno_pid") MiB, isogate dev $(rss_mib "$dev_pid") MiB, isogate serve $serve_rss MiB (gateway and worker)"
  fi
  stop "$deno_pid"
  stop "$dev_pid"
  stop "$serve_pid"
done
echo "RSS after the echo load: $echo_rss"

# Cold start: spawn to the first 200, median of 5.
cold() {
  local runs="" port started ms
  for _ in 1 2 3 4 5; do
    port="$(free_port)"
    started="$(date +%s%N)"
    "$@" "$port" >/dev/null 2>&1 &
    local pid="$!"
    until curl -fs -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.002; done
    ms="$(( ($(date +%s%N) - started) / 1000 ))"
    runs+=" $(awk -v us="$ms" 'BEGIN { printf "%.1f", us / 1000 }')"
    stop "$pid"
  done
  median_of "$runs"
}
deno_cold() { exec "${server_pin[@]}" "$deno" serve --quiet --host 127.0.0.1 --port "$1" tests/load/deno/hello.js; }
dev_cold() { RUST_LOG=warn exec "${server_pin[@]}" "$bin" dev tests/load/deno/hello.js --port "$1" --no-watch; }
echo "cold start, spawn to first 200 (median of 5): deno $(cold deno_cold) ms, isogate dev $(cold dev_cold) ms"

#!/usr/bin/env bash
# Warm hello throughput of `isogate dev` against a raw hyper hello server, both started by
# this script on this machine, driven by wrk. Servers are pinned to core 0 and wrk to core 1
# when the machine has two or more cores, so the ratio compares one core against one core.
#
#   tests/load/hello.sh                 # defaults: 10s per subject, 32 connections
#   DURATION=30s CONNECTIONS=64 tests/load/hello.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"

if [ -x ../shared/v8/seed.sh ]; then ../shared/v8/seed.sh >/dev/null; fi
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --locked -q -p isogate-gateway --bin isogate --example raw_hyper_hello

server_pin=()
client_pin=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
  server_pin=(taskset -c 0)
  client_pin=(taskset -c 1)
fi

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# start CMD...: runs CMD in the background (pinned), sets LAST_PID and LAST_URL (the URL the
# server announces on stdout).
start() {
  local out
  out="$(mktemp)"
  "${server_pin[@]}" "$@" >"$out" 2>/dev/null &
  LAST_PID="$!"
  pids+=("$LAST_PID")
  for _ in $(seq 1 100); do
    LAST_URL="$(grep -o 'http://[0-9.:]*' "$out" | head -n 1 || true)"
    if [ -n "$LAST_URL" ]; then return; fi
    sleep 0.1
  done
  echo "server did not start: $*" >&2
  exit 1
}

# measure URL: prints "req/s p50 p99" from a wrk run after a short warm-up.
measure() {
  "${client_pin[@]}" wrk -t1 -c"$CONNECTIONS" -d2s "$1/" >/dev/null
  "${client_pin[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$1/" | awk '
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = $2 }
    $1 == "99%" { p99 = $2 }
    END { print rps, p50, p99 }'
}

rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }

start target/release/examples/raw_hyper_hello
read -r raw_rps raw_p50 raw_p99 < <(measure "$LAST_URL")
raw_rss="$(rss_kb "$LAST_PID")"

RUST_LOG=warn start target/release/isogate dev examples/hello/handler.js --port 0 --no-watch
read -r iso_rps iso_p50 iso_p99 < <(measure "$LAST_URL")
iso_rss="$(rss_kb "$LAST_PID")"

printf '\n%s, %s, %s cores, %s connections, %s per subject\n' \
  "$(date -u +%Y-%m-%d)" "$(uname -m)" "$(nproc)" "$CONNECTIONS" "$DURATION"
printf '%-24s %12s %10s %10s %10s %8s\n' subject "req/s" p50 p99 "RSS MiB" ratio
printf '%-24s %12s %10s %10s %10.1f %8s\n' "raw hyper hello" "$raw_rps" "$raw_p50" "$raw_p99" \
  "$(awk -v k="$raw_rss" 'BEGIN { print k / 1024 }')" "1.00"
printf '%-24s %12s %10s %10s %10.1f %8.2f\n' "isogate dev hello" "$iso_rps" "$iso_p50" "$iso_p99" \
  "$(awk -v k="$iso_rss" 'BEGIN { print k / 1024 }')" \
  "$(awk -v a="$iso_rps" -v b="$raw_rps" 'BEGIN { print a / b }')"

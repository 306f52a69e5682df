#!/usr/bin/env bash
# Response cache throughput of `isogate serve` against the raw hyper hello baseline, both
# started by this script, driven by wrk (servers on core 0, wrk on core 1), serving
# `tests/load/cache/`:
#   - cache hit: a response with `Cache-Control: max-age=3600`, served from the cache, and
#     the CPU time a hit takes per request in user space and in the kernel, against raw hyper;
#   - miss path: a `no-store` response, looked up and labelled by the cache on every request,
#     against the same handler on a route with `cache = { bypass = true }`: the ratio of the
#     two is what the cache costs a request it cannot serve.
#
# Subjects are measured in alternation (ROUNDS times, DURATION each); medians are kept.
#
#   tests/load/cache.sh                 # defaults: 3 rounds of 5s, 32 connections
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh

cargo build --release --locked -q -p isogate-gateway --bin isogate --example raw_hyper_hello

start 'http://[0-9.:]*' target/release/examples/raw_hyper_hello
raw_url="$LAST_URL/"
raw_pid="$LAST_PID"
RUST_LOG=warn start 'http://[0-9.:]*' \
  target/release/isogate serve --config tests/load/cache/isogate.toml --workers 1 --no-watch
iso_url="$LAST_URL"
iso_pid="$LAST_PID"

read -r raw_rps raw_p50 raw_p99 hit_rps hit_p50 hit_p99 < \
  <(compare "$ROUNDS" "$raw_url" "$iso_url/cached")
read -r off_rps off_p50 off_p99 miss_rps miss_p50 miss_p99 < \
  <(compare "$ROUNDS" "$iso_url/bypass" "$iso_url/uncacheable")
read -r _ raw_user raw_system < <(cpu_per_request "$raw_pid" "$raw_url")
read -r _ hit_user hit_system < <(cpu_per_request "$iso_pid" "$iso_url/cached")
raw_rss="$(rss_mib "$raw_pid")"
iso_rss="$(rss_mib "$iso_pid")"

header "response cache over HTTP/1.1"
row "raw hyper hello" "$raw_rps" "$raw_p50" "$raw_p99" "$raw_rss" "$raw_rps"
row "isogate cache hit" "$hit_rps" "$hit_p50" "$hit_p99" "$iso_rss" "$raw_rps"
row "isogate handler, no cache" "$off_rps" "$off_p50" "$off_p99" "$iso_rss" "$raw_rps"
row "isogate handler, miss path" "$miss_rps" "$miss_p50" "$miss_p99" "$iso_rss" "$raw_rps"
printf 'miss path / no cache: %.2f\n' "$(awk -v a="$miss_rps" -v b="$off_rps" 'BEGIN { print a / b }')"

# Where a hit's extra time goes: the kernel's work (socket reads and writes) is alike for
# both and moves with the machine's state; the hit's extra cost is its user-space time.
cpu_row() {
  printf '%-28s %10s %10s %10s\n' "$1" "$2" "$3" \
    "$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", a + b }')"
}
printf '\nCPU per request (server process, all threads; /proc/PID/stat)\n'
printf '%-28s %10s %10s %10s\n' subject "user us" "system us" "total us"
cpu_row "raw hyper hello" "$raw_user" "$raw_system"
cpu_row "isogate cache hit" "$hit_user" "$hit_system"

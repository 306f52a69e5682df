#!/usr/bin/env bash
# Scaling by demand: warm req/s of `isogate serve` (plain HTTP, one tenant, no
# `max_isolates`: the tenant spreads over the workers by itself) with 1 and with 2 workers,
# for hello (examples/hello) and compute (tests/load/deno/compute.js, a 26 KB HTML table),
# against the raw hyper baseline of the same run; the last column of a 2-worker row is its
# ratio to the 1-worker row. Nothing is pinned here: the point is how the workers share the
# machine with each other, the gateway and wrk.
#
#   tests/load/workers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh
server_pin=()
client_pin=()

cargo build --release --locked -q -p isogate-gateway --bin isogate --example raw_hyper_hello

work="$(mktemp -d)"
target_dir="${CARGO_TARGET_DIR:-target}"
config="$(site_config "$work" "" hello=127.0.0.1=examples/hello/handler.js \
  compute=localhost=tests/load/deno/compute.js)"

start 'http://[0-9.:]*' "$target_dir/release/examples/raw_hyper_hello"
read -r raw_rps raw_p50 raw_p99 < <(measure "$LAST_URL/")
raw_rss="$(rss_mib "$LAST_PID")"
kill "$LAST_PID"

rows=()
for workers in 1 2; do
  RUST_LOG=warn start 'http://[0-9.:]*' \
    "$target_dir/release/isogate" serve --config "$config" --no-watch --workers "$workers"
  for name in hello compute; do
    url="$LAST_URL/"
    if [ "$name" = compute ]; then url="${LAST_URL/127.0.0.1/localhost}/"; fi
    read -r rps p50 p99 < <(measure "$url")
    rows+=("$name|$workers|$rps|$p50|$p99|$(rss_mib "$LAST_PID")")
  done
  kill "$LAST_PID"
done

header "warm req/s over HTTP/1.1 with 1 and 2 workers, unpinned"
row "raw hyper hello" "$raw_rps" "$raw_p50" "$raw_p99" "$raw_rss" "$raw_rps"
declare -A one
for line in "${rows[@]}"; do
  IFS='|' read -r name workers rps p50 p99 rss <<<"$line"
  if [ "$workers" = 1 ]; then
    one[$name]="$rps"
    row "isogate $name, 1 worker" "$rps" "$p50" "$p99" "$rss" "$raw_rps"
  else
    row "isogate $name, 2 workers" "$rps" "$p50" "$p99" "$rss" "${one[$name]}"
  fi
done

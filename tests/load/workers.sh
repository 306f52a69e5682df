#!/usr/bin/env bash
# Warm hello req/s of `isogate serve` (plain HTTP, one tenant) with 1 and with 2 worker
# threads, against the raw hyper baseline of the same run. Nothing is pinned here: the point
# is how the workers share the machine with each other, the gateway and wrk.
#
#   tests/load/workers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh
server_pin=()
client_pin=()

cargo build --release --locked -q -p isogate-gateway --bin isogate --example raw_hyper_hello

work="$(mktemp -d)"
cp examples/hello/handler.js "$work/handler.js"
cat >"$work/isogate.toml" <<TOML
[server]
http = "127.0.0.1:0"
admin = "127.0.0.1:0"

[[tenants]]
name = "hello"
hosts = ["127.0.0.1"]

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "handler.js"
TOML

start 'http://[0-9.:]*' target/release/examples/raw_hyper_hello
read -r raw_rps raw_p50 raw_p99 < <(measure "$LAST_URL/")
raw_rss="$(rss_mib "$LAST_PID")"
kill "$LAST_PID"

rows=()
for workers in 1 2; do
  RUST_LOG=warn start 'http://[0-9.:]*' \
    target/release/isogate serve --config "$work/isogate.toml" --no-watch --workers "$workers"
  read -r rps p50 p99 < <(measure "$LAST_URL/")
  rows+=("isogate serve, $workers worker(s)|$rps|$p50|$p99|$(rss_mib "$LAST_PID")")
  kill "$LAST_PID"
done

header "warm hello over HTTP/1.1, unpinned"
row "raw hyper hello" "$raw_rps" "$raw_p50" "$raw_p99" "$raw_rss" "$raw_rps"
for line in "${rows[@]}"; do
  IFS='|' read -r name rps p50 p99 rss <<<"$line"
  row "$name" "$rps" "$p50" "$p99" "$rss" "$raw_rps"
done

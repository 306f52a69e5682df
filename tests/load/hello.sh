#!/usr/bin/env bash
# Warm hello throughput of `isogate dev` against a raw hyper hello server, both started by
# this script on this machine, driven by wrk (servers on core 0, wrk on core 1).
#
#   tests/load/hello.sh                 # defaults: 10s per subject, 32 connections
#   DURATION=30s CONNECTIONS=64 tests/load/hello.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh

cargo build --release --locked -q -p isogate-gateway --bin isogate --example raw_hyper_hello

start 'http://[0-9.:]*' target/release/examples/raw_hyper_hello
read -r raw_rps raw_p50 raw_p99 < <(measure "$LAST_URL/")
raw_rss="$(rss_mib "$LAST_PID")"

RUST_LOG=warn start 'http://[0-9.:]*' \
  target/release/isogate dev examples/hello/handler.js --port 0 --no-watch
read -r iso_rps iso_p50 iso_p99 < <(measure "$LAST_URL/")
iso_rss="$(rss_mib "$LAST_PID")"

header "warm hello over HTTP/1.1"
row "raw hyper hello" "$raw_rps" "$raw_p50" "$raw_p99" "$raw_rss" "$raw_rps"
row "isogate dev hello" "$iso_rps" "$iso_p50" "$iso_p99" "$iso_rss" "$raw_rps"

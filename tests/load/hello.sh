#!/usr/bin/env bash
# Warm hello throughput of `isogate dev` against a raw hyper hello server, both started by
# this script on this machine, driven by wrk (servers on core 0, wrk on core 1).
#
# Subjects are measured in alternation (ROUNDS times, DURATION each) and the medians kept,
# so both see the machine in the same states.
#
#   tests/load/hello.sh                 # defaults: 3 rounds of 5s, 32 connections
#   ROUNDS=5 DURATION=10s CONNECTIONS=64 tests/load/hello.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh

cargo build --release --locked -q -p isogate-gateway --bin isogate --example raw_hyper_hello

start 'http://[0-9.:]*' target/release/examples/raw_hyper_hello
raw_url="$LAST_URL/"
raw_pid="$LAST_PID"
RUST_LOG=warn start 'http://[0-9.:]*' \
  target/release/isogate dev examples/hello/handler.js --port 0 --no-watch
iso_url="$LAST_URL/"
iso_pid="$LAST_PID"

read -r raw_rps raw_p50 raw_p99 iso_rps iso_p50 iso_p99 < <(compare "$ROUNDS" "$raw_url" "$iso_url")
# A JSON API answer (Response.json of a small object built from the request).
read -r _ _ _ json_rps json_p50 json_p99 < <(compare "$ROUNDS" "$raw_url" "${iso_url}json")
raw_rss="$(rss_mib "$raw_pid")"
iso_rss="$(rss_mib "$iso_pid")"

header "warm hello over HTTP/1.1"
row "raw hyper hello" "$raw_rps" "$raw_p50" "$raw_p99" "$raw_rss" "$raw_rps"
row "isogate dev hello" "$iso_rps" "$iso_p50" "$iso_p99" "$iso_rss" "$raw_rps"
row "isogate dev JSON API" "$json_rps" "$json_p50" "$json_p99" "$iso_rss" "$raw_rps"

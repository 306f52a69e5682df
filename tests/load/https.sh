#!/usr/bin/env bash
# HTTPS hello throughput and TLS handshake rate of `isogate serve` against a raw
# hyper+rustls hello server, both started by this script with the same certificate, driven
# by wrk (servers on core 0, wrk on core 1). Handshakes/s is wrk with `Connection: close`,
# so every request is a new connection and a full handshake.
#
# Subjects are measured in alternation (ROUNDS times, DURATION each); medians are kept.
#
#   tests/load/https.sh                 # defaults: 3 rounds of 5s, 32 connections
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh

cargo build --release --locked -q -p isogate-gateway --bin isogate --example raw_hyper_tls_hello

work="$(mktemp -d)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cp examples/hello/handler.js "$work/handler.js"
cat >"$work/isogate.toml" <<TOML
[server]
https = "127.0.0.1:0"
admin = "127.0.0.1:0"

[[tenants]]
name = "hello"
hosts = ["localhost"]
tls = { cert = "cert.pem", key = "key.pem" }

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "handler.js"
TOML

start 'https://[0-9.:]*' target/release/examples/raw_hyper_tls_hello "$work/cert.pem" "$work/key.pem"
raw_url="${LAST_URL/127.0.0.1/localhost}/"
raw_pid="$LAST_PID"
RUST_LOG=warn start 'https://[0-9.:]*' target/release/isogate serve --config "$work/isogate.toml" --no-watch
iso_url="${LAST_URL/127.0.0.1/localhost}/"
iso_pid="$LAST_PID"

read -r raw_rps raw_p50 raw_p99 iso_rps iso_p50 iso_p99 < <(compare "$ROUNDS" "$raw_url" "$iso_url")
read -r raw_hs raw_hs_p50 raw_hs_p99 iso_hs iso_hs_p50 iso_hs_p99 < \
  <(compare "$ROUNDS" "$raw_url" "$iso_url" -H "Connection: close")
raw_rss="$(rss_mib "$raw_pid")"
iso_rss="$(rss_mib "$iso_pid")"

header "HTTPS hello (keep-alive) and new connections (one TLS handshake per request)"
row "raw hyper+rustls hello" "$raw_rps" "$raw_p50" "$raw_p99" "$raw_rss" "$raw_rps"
row "isogate serve https hello" "$iso_rps" "$iso_p50" "$iso_p99" "$iso_rss" "$raw_rps"
row "raw handshakes/s" "$raw_hs" "$raw_hs_p50" "$raw_hs_p99" "-" "$raw_hs"
row "isogate handshakes/s" "$iso_hs" "$iso_hs_p50" "$iso_hs_p99" "-" "$raw_hs"

#!/usr/bin/env bash
# What a worker process costs per request: the CPU time and the write/read system calls of
# each process of `isogate serve` (the gateway and its worker process), per request, with
# the handler in a worker process and in-process (`isolation = "thread"`), for hello and
# json (tests/load/deno/*.js), one worker, servers on core 0 and wrk on core 1. CPU time per
# request is read from /proc/PID/stat and system calls from /proc/PID/io, over the same
# wrk run; they move far less than req/s when the machine is shared, so they are the
# figures to compare a change to the worker channel by.
#
#   tests/load/worker_cost.sh           # 5 s of wrk (32 connections) per subject
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh
bin="${CARGO_TARGET_DIR:-target}/release/isogate"

cargo build --release --locked -q -p isogate-gateway --bin isogate

work="$(mktemp -d)"
trap 'cleanup; rm -rf "$work"' EXIT

# config MODE: a config serving hello on 127.0.0.1 and json on localhost, in MODE.
config() {
  local dir="$work/$1"
  mkdir -p "$dir/hello" "$dir/json"
  cp tests/load/deno/hello.js "$dir/hello/handler.js"
  cp tests/load/deno/json.js "$dir/json/handler.js"
  cat >"$dir/isogate.toml" <<TOML
[server]
http = "127.0.0.1:0"
admin = "127.0.0.1:0"

[pool]
isolation = "$1"
processes = 1
workers = 1

[[tenants]]
name = "hello"
hosts = ["127.0.0.1"]

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "hello/handler.js"

[[tenants]]
name = "json"
hosts = ["localhost"]

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "json/handler.js"
TOML
  echo "$dir/isogate.toml"
}

# ticks PID: user + system CPU ticks (USER_HZ) of PID so far.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# calls PID FIELD: syscr or syscw of PID so far.
calls() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/io"; }

# cost MODE NAME URL: one wrk run; prints the row.
cost() {
  local mode="$1" name="$2" url="$3" gateway="$4" worker="$5"
  local g0 w0 gr0 gw0 wr0 ww0 requests
  "${client_pin[@]}" wrk -t1 -c"$CONNECTIONS" -d2s "$url" >/dev/null
  g0="$(ticks "$gateway")"; gr0="$(calls "$gateway" syscr)"; gw0="$(calls "$gateway" syscw)"
  w0=0; wr0=0; ww0=0
  if [ -n "$worker" ]; then
    w0="$(ticks "$worker")"; wr0="$(calls "$worker" syscr)"; ww0="$(calls "$worker" syscw)"
  fi
  requests="$("${client_pin[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "$url" |
    awk '/requests in/ { print $1 }')"
  local g w=0 gr gw wr=0 ww=0
  g=$(($(ticks "$gateway") - g0)); gr=$(($(calls "$gateway" syscr) - gr0))
  gw=$(($(calls "$gateway" syscw) - gw0))
  if [ -n "$worker" ]; then
    w=$(($(ticks "$worker") - w0)); wr=$(($(calls "$worker" syscr) - wr0))
    ww=$(($(calls "$worker" syscw) - ww0))
  fi
  awk -v m="$mode" -v n="$name" -v r="$requests" -v d="${DURATION%s}" -v g="$g" -v w="$w" \
    -v gr="$gr" -v gw="$gw" -v wr="$wr" -v ww="$ww" 'BEGIN {
      printf "| %-7s | %-5s | %9.0f | %8.1f | %8.1f | %8.1f | %5.2f / %5.2f | %5.2f / %5.2f |\n",
        m, n, r / d, g * 10000 / r, w * 10000 / r, (g + w) * 10000 / r,
        gr / r, gw / r, wr / r, ww / r }'
}

header "CPU time and system calls per request: worker process against in-process"
echo "| mode    | name  |     req/s | gateway µs | worker µs | total µs | gateway reads / writes | worker reads / writes |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for mode in thread process; do
  start 'http://127.0.0.1:[0-9]*' "$bin" serve --config "$(config "$mode")"
  gateway="$LAST_PID"
  worker=""
  if [ "$mode" = process ]; then
    for _ in $(seq 1 50); do
      worker="$(pgrep -P "$gateway" | head -n 1 || true)"
      if [ -n "$worker" ]; then break; fi
      sleep 0.1
    done
  fi
  json_url="${LAST_URL/127.0.0.1/localhost}/?name=bench"
  cost "$mode" hello "$LAST_URL/" "$gateway" "$worker"
  cost "$mode" json "$json_url" "$gateway" "$worker"
  kill "$gateway"
  wait "$gateway" 2>/dev/null || true
done

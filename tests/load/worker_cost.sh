#!/usr/bin/env bash
# What a worker process costs per request: the CPU time of each process of `isogate serve`
# (the gateway and its worker process) per request, and the socket system calls each makes
# per request, with the handler in a worker process and in-process (`isolation = "thread"`),
# for hello and json (tests/load/deno/*.js), one worker, servers on core 0 and wrk on core 1.
# CPU time comes from /proc/PID/stat and system calls from perf's syscall tracepoints
# (Debian's linux-perf, installed when missing), over the same wrk run; they move far less
# than req/s on a shared machine, so they are the figures to compare a change to the worker
# channel by.
#
#   tests/load/worker_cost.sh           # 5 s of wrk (32 connections) per subject
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh
bin="${CARGO_TARGET_DIR:-target}/release/isogate"

cargo build --release --locked -q -p isogate-gateway --bin isogate
if ! command -v perf >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null
fi

work="$(mktemp -d)"
trap 'cleanup; rm -rf "$work"' EXIT

# config MODE: a config serving hello on 127.0.0.1 and json on localhost, in MODE.
config() {
  site_config "$work/$1" "$(printf 'isolation = "%s"\nprocesses = 1\nworkers = 1' "$1")" \
    hello=127.0.0.1=tests/load/deno/hello.js json=localhost=tests/load/deno/json.js
}

# ticks PID: user + system CPU ticks (USER_HZ) of PID so far.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Socket system calls: what perf counts per process.
sends="syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_write,syscalls:sys_enter_writev"
receives="syscalls:sys_enter_recvfrom,syscalls:sys_enter_recvmsg,syscalls:sys_enter_read,syscalls:sys_enter_readv"

# count PID FILE: perf's count of PID's socket system calls for the run, into FILE.
count() {
  perf stat -x, -e "$sends,$receives" -p "$1" -o "$2" -- sleep "${DURATION%s}" || true
}

# calls FILE KIND: the sends (s) or receives (r) that FILE counted.
calls() {
  [ -s "$1" ] || { echo 0; return; }
  awk -F, -v kind="$2" '$3 ~ /sys_enter/ {
      if ((kind == "s") == ($3 ~ /send|write/)) total += $1 } END { print total + 0 }' "$1"
}

# cost MODE NAME URL GATEWAY [WORKER]: one wrk run; prints the row.
cost() {
  local mode="$1" name="$2" url="$3" gateway="$4" worker="${5:-}"
  local g0 w0=0 g w=0 requests counters=()
  "${client_pin[@]}" wrk -t1 -c"$CONNECTIONS" -d2s "$url" >/dev/null
  rm -f "$work/gateway.perf" "$work/worker.perf"
  g0="$(ticks "$gateway")"
  if [ -n "$worker" ]; then w0="$(ticks "$worker")"; fi
  count "$gateway" "$work/gateway.perf" &
  counters+=("$!")
  if [ -n "$worker" ]; then
    count "$worker" "$work/worker.perf" &
    counters+=("$!")
  fi
  requests="$("${client_pin[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "$url" |
    awk '/requests in/ { print $1 }')"
  g=$(($(ticks "$gateway") - g0))
  if [ -n "$worker" ]; then w=$(($(ticks "$worker") - w0)); fi
  wait "${counters[@]}"
  awk -v m="$mode" -v n="$name" -v r="$requests" -v d="${DURATION%s}" -v g="$g" -v w="$w" \
    -v gr="$(calls "$work/gateway.perf" r)" -v gs="$(calls "$work/gateway.perf" s)" \
    -v wr="$(calls "$work/worker.perf" r)" -v ws="$(calls "$work/worker.perf" s)" 'BEGIN {
      printf "| %s | %s | %.0f | %.1f | %.1f | %.1f | %.2f / %.2f | %.2f / %.2f |\n",
        m, n, r / d, g * 10000 / r, w * 10000 / r, (g + w) * 10000 / r,
        gr / r, gs / r, wr / r, ws / r }'
}

printf '\nCPU time and socket system calls per request, worker process against in-process (%s, %s connections)\n' \
  "$(date -u +%Y-%m-%d)" "$CONNECTIONS"
echo "| mode | handler | req/s | gateway µs | worker µs | total µs | gateway receives / sends | worker receives / sends |"
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

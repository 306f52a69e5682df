#!/usr/bin/env bash
# Worker processes against the in-process design (`[pool] isolation = "thread"`), measured
# in the same run, in alternation:
#   - warm hello, JSON and cache-hit req/s, one worker (thread or process), servers on core 0
#     and wrk on core 1; ratio: process against thread;
#   - a victim's p99 while 8 connections drive a tenant into its `cpu_ms = 50` over and over,
#     two workers, unpinned: in-process, then with processes (where the attacker is cordoned
#     into a process of its own at idle priority), each for the first and the next 5 s;
#   - worker process restart after `kill -9`: spawn to the next 200 of its tenant, p50 and max;
#   - resident memory per idle tenant isolate with 200 tenants, and per worker process.
#
#   tests/load/isolation.sh             # defaults: 3 rounds of 5s, 32 connections
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh
bin="${CARGO_TARGET_DIR:-target}/release/isogate"

cargo build --release --locked -q -p isogate-gateway --bin isogate

work="$(mktemp -d)"
# site DIR MODE WORKERS TENANTS: a config in DIR with the hello, cache and spin tenants and
# TENANTS more copies of hello, each in a folder of its own.
site() {
  local dir="$1" mode="$2" workers="$3" extra="$4" name
  mkdir -p "$dir"
  cat >"$dir/isogate.toml" <<TOML
[server]
http = "127.0.0.1:0"
admin = "127.0.0.1:0"
max_connections = 4096

[pool]
isolation = "$mode"
processes = $workers
workers = $workers
TOML
  tenant() {
    mkdir -p "$dir/$1"
    cp "$3" "$dir/$1/handler.js"
    printf '[[tenants]]\nname = "%s"\nhosts = ["%s"]\nlimits = { %s }\n  [[tenants.routes]]\n  path = "/{*rest}"\n  handler = "%s/handler.js"\n\n' \
      "$1" "$2" "$4" "$1" >>"$dir/isogate.toml"
  }
  tenant hello 127.0.0.1 examples/hello/handler.js "cpu_ms = 1000"
  tenant cached cached.test tests/load/cache/handler.js "cpu_ms = 1000"
  tenant spin spin.test tests/load/isolation/spin.js "cpu_ms = 50"
  for i in $(seq 1 "$extra"); do
    tenant "t$i" "t$i.test" examples/hello/handler.js "cpu_ms = 1000"
  done
}

# tree_rss PID: resident MiB of PID and its children.
tree_rss() {
  { echo "$1"; pgrep -P "$1" || true; } | while read -r pid; do ps -o rss= -p "$pid"; done |
    awk '{ s += $1 } END { printf "%.1f", s / 1024 }'
}

site "$work/thread" thread 1 0
site "$work/process" process 1 0
RUST_LOG=warn start 'http://[0-9.:]*' "$bin" serve --config "$work/thread/isogate.toml" --no-watch
thread_url="$LAST_URL"
thread_pid="$LAST_PID"
RUST_LOG=warn start 'http://[0-9.:]*' "$bin" serve --config "$work/process/isogate.toml" --no-watch
process_url="$LAST_URL"
process_pid="$LAST_PID"
sleep 1

header "worker processes against in-process isolates, one worker, pinned"
for subject in "hello|/" "JSON|/json" "cache hit|/cached"; do
  IFS='|' read -r name path <<<"$subject"
  host=()
  if [ "$name" = "cache hit" ]; then host=(-H "Host: cached.test"); fi
  read -r t_rps t_p50 t_p99 p_rps p_p50 p_p99 < \
    <(compare "$ROUNDS" "$thread_url$path" "$process_url$path" "${host[@]}")
  row "$name, thread" "$t_rps" "$t_p50" "$t_p99" "$(tree_rss "$thread_pid")" "$t_rps"
  row "$name, process" "$p_rps" "$p_p50" "$p_p99" "$(tree_rss "$process_pid")" "$t_rps"
done
kill "$thread_pid" "$process_pid"

# Restart after kill -9: the worker's pid is the gateway's child; time to its tenant's next 200.
restarts=()
RUST_LOG=warn start 'http://[0-9.:]*' "$bin" serve --config "$work/process/isogate.toml" --no-watch
process_url="$LAST_URL"
process_pid="$LAST_PID"
sleep 1
for _ in $(seq 1 10); do
  worker="$(pgrep -P "$process_pid" | head -n 1)"
  began="$(date +%s%N)"
  kill -9 "$worker"
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$process_url/")" = 200 ]; do sleep 0.001; done
  restarts+=("$(( ($(date +%s%N) - began) / 1000000 ))")
  # Past the supervisor's quick-failure window, so that no restart is paced as a crash loop.
  sleep 1.2
done
kill "$process_pid"
sorted="$(printf '%s\n' "${restarts[@]}" | sort -n)"
printf '\nworker restart after kill -9, to the next 200 (10 kills): p50 %s ms, max %s ms\n' \
  "$(sed -n 5p <<<"$sorted")" "$(tail -n 1 <<<"$sorted")"

# A victim under a CPU attacker, two workers, unpinned.
server_pin=()
client_pin=()
site "$work/thread2" thread 2 0
site "$work/process2" process 2 0
printf '\nvictim p99 (hello, 4 connections) while 8 connections drive a tenant into cpu_ms = 50\n'
printf '%-28s %12s %12s %12s\n' subject "alone" "0-5 s" "5-10 s"
for mode in thread2 process2; do
  RUST_LOG=warn start 'http://[0-9.:]*' "$bin" serve --config "$work/$mode/isogate.toml" --no-watch
  url="$LAST_URL"
  pid="$LAST_PID"
  sleep 1
  alone="$(wrk -t1 -c4 -d5s --timeout 10s --latency "$url/" | awk '$1 == "99%" { print $2 }')"
  wrk -t2 -c8 -d12s -H "Host: spin.test" "$url/" >/dev/null &
  attacker="$!"
  first="$(wrk -t1 -c4 -d5s --timeout 10s --latency "$url/" | awk '$1 == "99%" { print $2 }')"
  second="$(wrk -t1 -c4 -d5s --timeout 10s --latency "$url/" | awk '$1 == "99%" { p = $2 } /requests in/ { n = $1 } END { print p "(" n ")" }')"
  wait "$attacker" || true
  printf '%-28s %12s %12s %12s\n' "${mode%2}" "$alone" "$first" "$second"
  kill "$pid"
done

# Memory: 200 idle tenants against 0 more, both on two worker processes.
site "$work/few" process 2 0
site "$work/many" process 2 200
for subject in few many; do
  RUST_LOG=warn start 'http://[0-9.:]*' "$bin" serve --config "$work/$subject/isogate.toml" --no-watch
  pid="$LAST_PID"
  # Every tenant's module loads at start; wait until the tree stops growing.
  last=0
  for _ in $(seq 1 60); do
    now="$(tree_rss "$pid")"
    if [ "${now%.*}" = "${last%.*}" ]; then break; fi
    last="$now"
    sleep 1
  done
  declare "rss_$subject=$now"
  if [ "$subject" = few ]; then
    gateway_rss="$(rss_mib "$pid")"
    worker_rss="$(for child in $(pgrep -P "$pid"); do rss_mib "$child"; echo; done | tr '\n' ' ')"
  fi
  kill "$pid"
done
# shellcheck disable=SC2154
per_tenant="$(awk -v a="$rss_many" -v b="$rss_few" 'BEGIN { printf "%.2f", (a - b) / 200 }')"
# shellcheck disable=SC2154
printf '\nresident memory: 3 tenants %s MiB, 203 tenants %s MiB (gateway and 2 worker processes): %s MiB per idle tenant isolate\n' \
  "$rss_few" "$rss_many" "$per_tenant"
printf 'with 3 tenants: gateway %s MiB, each worker process (3 tenants spread, 2 spares): %s MiB\n' \
  "$gateway_rss" "$worker_rss"

#!/usr/bin/env bash
# User-space instructions per request, counted by valgrind's callgrind: the raw hyper hello
# baseline against an `isogate serve` cache hit (`tests/load/cache/`). Unlike req/s, the
# count hardly moves between runs or machines, so it shows what a change to the request
# path costs even where throughput is too noisy to tell 2% apart. It leaves out the kernel
# (sockets), which both pay alike.
#
#   tests/load/instructions.sh          # 5 s of wrk (4 connections) per subject
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh

if ! command -v valgrind >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi
cargo build --release --locked -q -p isogate-gateway --bin isogate --example raw_hyper_hello

work="$(mktemp -d)"

# count NAME URL_PATH CMD...: runs CMD under callgrind, warms it up, counts the
# instructions of the requests of a 5 s wrk run; prints "instructions requests".
count() {
  local name="$1" path="$2" out="$work/$1" url="" pid
  shift 2
  valgrind --tool=callgrind --callgrind-out-file="$out.cg" "$@" >"$out.stdout" 2>"$out.log" &
  pid="$!"
  pids+=("$pid")
  for _ in $(seq 1 600); do
    url="$(grep -o 'http://[0-9.:]*' "$out.stdout" | head -n 1 || true)"
    if [ -n "$url" ]; then break; fi
    sleep 0.2
  done
  if [ -z "$url" ]; then
    echo "$name did not start under valgrind" >&2
    exit 1
  fi
  wrk -t1 -c4 -d2s "$url$path" >/dev/null
  callgrind_control --zero "$pid" >/dev/null 2>&1
  wrk -t1 -c4 -d5s "$url$path" >"$out.wrk"
  callgrind_control --dump "$pid" >/dev/null 2>&1
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  local requests instructions
  requests="$(awk '/requests in/ { print $1 }' "$out.wrk")"
  instructions="$(cat "$out".cg.* | awk '/^summary:/ { print $2 }' | head -n 1)"
  echo "$instructions $requests"
}

read -r raw_ir raw_requests < <(count raw / target/release/examples/raw_hyper_hello)
read -r hit_ir hit_requests < <(RUST_LOG=warn count hit /cached \
  target/release/isogate serve --config tests/load/cache/isogate.toml --workers 1 --no-watch)
raw_per=$((raw_ir / raw_requests))
hit_per=$((hit_ir / hit_requests))

printf '\nUser-space instructions per request (callgrind): %s, %s\n' "$(date -u +%Y-%m-%d)" "$(uname -m)"
printf '%-28s %14s %10s %8s\n' subject "instr/request" requests ratio
printf '%-28s %14s %10s %8s\n' "raw hyper hello" "$raw_per" "$raw_requests" "1.00"
printf '%-28s %14s %10s %8s\n' "isogate cache hit" "$hit_per" "$hit_requests" \
  "$(awk -v a="$raw_per" -v b="$hit_per" 'BEGIN { printf "%.2f", a / b }')"
echo "(ratio: the baseline's count over the subject's, as with req/s)"

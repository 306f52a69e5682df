#!/usr/bin/env bash
# Every benchmark in one run (`make bench`): the load scripts' tables, each against the raw
# baseline it starts itself, then the in-process figures (isolate start-up, tenant cold
# start, CPU-limit overshoot, route match). Not part of CI's pass/fail.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

tests/load/hello.sh
tests/load/https.sh
tests/load/cache.sh
tests/load/workers.sh

printf '\nIn-process figures (%s, %s, %s cores)\n' "$(date -u +%Y-%m-%d)" "$(uname -m)" "$(nproc)"
cargo bench --locked -q -p isogate-runtime --bench isolate_boot 2>/dev/null | grep ' p50='
cargo bench --locked -q -p isogate-runtime --bench limits 2>/dev/null | grep ' p50='
cargo bench --locked -q -p isogate-gateway --bench routing -- --noplot 2>/dev/null |
  grep -A1 '^route match' | sed -n '1,2p'

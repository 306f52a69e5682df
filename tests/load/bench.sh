#!/usr/bin/env bash
# Every benchmark in one run (`make bench`): the load scripts (each measures its subjects
# against a raw baseline it starts itself, in alternation), the in-process figures (isolate
# start-up, tenant cold start, CPU-limit overshoot, route match), then one summary table of
# them all, and the instruction counts of a cache hit (`instructions.sh`). Not part of CI's
# pass/fail.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

BENCH_ROWS="$(mktemp)"
export BENCH_ROWS

tests/load/hello.sh
tests/load/https.sh
tests/load/cache.sh
tests/load/workers.sh
tests/load/isolation.sh
tests/load/deno.sh
tests/load/worker_cost.sh
tests/load/deploy.sh
tests/load/cold_start.sh

printf '\nIn-process figures (%s, %s, %s cores)\n' "$(date -u +%Y-%m-%d)" "$(uname -m)" "$(nproc)"
boot="$(cargo bench --locked -q -p isogate-runtime --bench isolate_boot 2>/dev/null | grep ' p50=')"
echo "$boot"
cargo bench --locked -q -p isogate-runtime --bench limits 2>/dev/null | grep ' p50='
cargo bench --locked -q -p isogate-gateway --bench routing -- --noplot 2>/dev/null |
  grep -A1 '^route match' | sed -n '1,2p'

# Tenant cold start: a never-seen tenant's first request with spares warm, minus a warm one.
cold="$(grep 'minus warm request' <<<"$boot" | sed -E 's/.*p50= *([0-9.]+) ms +p99= *([0-9.]+) ms.*/\1ms|\2ms/')"
if [ -n "$cold" ]; then
  printf 'tenant cold start (added)|-|%s|-|-\n' "$cold" >>"$BENCH_ROWS"
fi

printf '\nSummary: %s, %s, %s cores, %s connections (ratio: against the raw baseline of the same script)\n' \
  "$(date -u +%Y-%m-%d)" "$(uname -m)" "$(nproc)" "${CONNECTIONS:-32}"
printf '%-30s %12s %10s %10s %9s %8s\n' subject "req/s" p50 p99 "RSS MiB" ratio
while IFS='|' read -r name rps p50 p99 rss ratio; do
  printf '%-30s %12s %10s %10s %9s %8s\n' "$name" "$rps" "$p50" "$p99" "$rss" "$ratio"
done <"$BENCH_ROWS"

tests/load/instructions.sh

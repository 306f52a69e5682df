#!/usr/bin/env bash
# What compatibility costs at start, with the release binary (`isogate dev`, median of RUNS
# spawns, each to its first 200):
#   - a one-line handler, without and with `--compatibility-flag nodejs_compat` (the Node
#     globals' polyfills load before the handler);
#   - examples/wrangler-app (Hono, nanoid, ms, node:buffer, JSX through tsconfig), a real
#     project's cold start;
#   - a handler importing 50 packages from node_modules, against the one-line handler:
#     module resolution and loading for 50 packages;
#   - the size of the startup snapshot.
#
#   tests/load/compat.sh                # RUNS=10
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if [ -x ../shared/v8/seed.sh ]; then ../shared/v8/seed.sh >/dev/null; fi
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/isogate"
runs="${RUNS:-10}"

cargo build --release --locked -q -p isogate-gateway --bin isogate
if [ ! -d examples/wrangler-app/node_modules ]; then
  npm ci --prefix examples/wrangler-app --no-audit --no-fund --loglevel=error
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf 'export default { fetch() { return new Response("ok"); } };\n' >"$work/plain.js"

# 50 packages, each an ES module with an `exports` map, and a handler importing them all.
mkdir -p "$work/many"
printf '{ "name": "many", "type": "module" }\n' >"$work/many/package.json"
for i in $(seq 1 50); do
  mkdir -p "$work/many/node_modules/pkg-$i/dist"
  printf '{ "name": "pkg-%s", "type": "module", "exports": { ".": { "import": "./dist/index.js" } } }\n' "$i" \
    >"$work/many/node_modules/pkg-$i/package.json"
  printf 'export const value%s = %s;\n' "$i" "$i" >"$work/many/node_modules/pkg-$i/dist/index.js"
  printf 'import { value%s } from "pkg-%s";\n' "$i" "$i" >>"$work/many/index.js"
done
printf 'export default { fetch() { return new Response(String(value1 + value50)); } };\n' \
  >>"$work/many/index.js"

# first_200 PATH ARGS...: ms from spawning `isogate dev PATH ARGS` to its first 200 on `/`.
first_200() {
  local out pid url start
  out="$(mktemp)"
  start="$(date +%s%N)"
  "$bin" dev "$@" --port 0 >"$out" 2>/dev/null &
  pid=$!
  url=""
  for _ in $(seq 1 2000); do
    url="$(grep -o 'http://[0-9.:]*' "$out" | head -n 1 || true)"
    if [ -n "$url" ] && curl -fs -o /dev/null "$url/"; then break; fi
    sleep 0.001
  done
  echo $((($(date +%s%N) - start) / 1000000))
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$out"
}

median() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

row() {
  local label="$1" samples=""
  shift
  for _ in $(seq 1 "$runs"); do samples="$samples $(first_200 "$@")"; done
  printf '%-44s %6s ms\n' "$label" "$(median "$samples")"
}

echo "spawn to first 200, median of $runs (ms)"
row "one-line handler" "$work/plain.js"
row "one-line handler, nodejs_compat" "$work/plain.js" --compatibility-flag nodejs_compat
row "50 packages from node_modules" "$work/many/index.js"
row "examples/wrangler-app (Hono, JSX, CommonJS)" examples/wrangler-app
# The newest: older builds leave theirs behind in other folders.
snapshot="$(find "$target/release/build" -name ISOGATE_SNAPSHOT.bin -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)"
printf '%-44s %6s KiB\n' "startup snapshot" "$(($(stat -c %s "$snapshot") / 1024))"

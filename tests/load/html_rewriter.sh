#!/usr/bin/env bash
# HTMLRewriter's cost per token handed to JS and per page parsed, with the release binary
# (`isogate dev`): the handler times its own transforms (tests/load/html_rewriter/handler.js)
# and the last of RUNS requests is printed.
#
#   tests/load/html_rewriter.sh         # RUNS=10
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh
target="${CARGO_TARGET_DIR:-target}"
runs="${RUNS:-10}"

cargo build --release --locked -q -p isogate-gateway --bin isogate
RUST_LOG=warn start 'http://[0-9.:]*' \
  "$target/release/isogate" dev tests/load/html_rewriter/handler.js --port 0 --no-watch \
  --cpu-ms 60000 --wall-ms 60000
for _ in $(seq 1 "$runs"); do
  result="$(curl -s "$LAST_URL/")"
done
echo "HTMLRewriter, warm (last of $runs): $result"

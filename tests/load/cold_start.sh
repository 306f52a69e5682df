#!/usr/bin/env bash
# A tenant's cold start in a worker process, added to a warm request (tests/load/cold_start.py).
#
#   tests/load/cold_start.sh                   # 200 tenants, 100 ms apart (half with the warm request also after 100 ms idle)
#   TENANTS=400 BURST=1 tests/load/cold_start.sh   # a third of them back to back
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh
bin="${CARGO_TARGET_DIR:-target}/release/isogate"
cargo build --release --locked -q -p isogate-gateway --bin isogate
python3 tests/load/cold_start.py "$bin"

#!/usr/bin/env bash
# Deploys over /v1 (tests/load/deploy.py): deploy-to-served latency on one node and on a
# second node through etcd, ready time and RSS with many stored tenants, and a file
# tenant's p99 during a storm of deployments against the same load without one.
#
#   tests/load/deploy.sh                  # TENANTS="1000 10000" by default
#   TENANTS=1000 tests/load/deploy.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source tests/load/lib.sh
bin="${CARGO_TARGET_DIR:-target}/release/isogate"
cargo build --release --locked -q -p isogate-gateway --bin isogate
python3 tests/load/deploy.py "$bin"

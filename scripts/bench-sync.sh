#!/usr/bin/env bash
# Reconnect storm benchmark: TABLETS tablets each create CASES cases (~2 KB of text) offline, then all
# connect at once to a release server on loopback. Prints the loadgen's JSON (time to convergence, server
# CPU per document, server memory). Usage: scripts/bench-sync.sh [tablets] [cases] [loadgen flags…],
# e.g. scripts/bench-sync.sh 50 20 --then-download (a fresh tablet then downloads all 1,000 cases)
set -euo pipefail
cd "$(dirname "$0")/.."
TABLETS=${1:-200}
CASES=${2:-20}
PORT=${PORT:-18182}
PASSWORD="cavallo-batteria-graffetta-77"

cargo build --release --quiet -p sportello-server --bin sportello -p sportello-client-sync --bin sportello-loadgen
DATA=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT

# Accounts first (the first command creates the database; its one-time admin password is not needed).
for i in $(seq 1 "$TABLETS"); do
  echo "$PASSWORD" | target/release/sportello --data-dir "$DATA" user add \
    --username "load.op$i" --role operator --password-stdin >/dev/null 2>&1
done
RUST_LOG=warn target/release/sportello --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" \
  --auth-requests-per-minute 1000000 --sync-max-connections-per-address 100000 >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

SPORTELLO_LOADGEN_PASSWORD="$PASSWORD" target/release/sportello-loadgen --url "http://127.0.0.1:$PORT" \
  --tablets "$TABLETS" --cases "$CASES" --username-prefix load.op --server-pid "$SERVER" "${@:3}"

#!/usr/bin/env bash
# Index benchmark: OPERATORS operators open their index with CASES cases at the desk, then one case changes
# CHANGES times under their open indexes. Prints sportello-indexbench's JSON (index ready p50/p95, server
# time from a commit to the affected indexes' heads). Usage: scripts/bench-index.sh [operators] [cases]
# [indexbench flags…], e.g. scripts/bench-index.sh 200 8000 --reopen
set -euo pipefail
cd "$(dirname "$0")/.."
OPERATORS=${1:-200}
CASES=${2:-8000}
SEEDERS=${SEEDERS:-40}
PORT=${PORT:-18184}
PASSWORD="cavallo-batteria-graffetta-77"

cargo build --release --quiet -p sportello-server --bin sportello -p sportello-client-sync --bin sportello-indexbench
DATA=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT

# Accounts first (the first command creates the database; its one-time admin password is not needed).
for i in $(seq 1 "$OPERATORS"); do
  echo "$PASSWORD" | target/release/sportello --data-dir "$DATA" user add \
    --username "bench.op$i" --role operator --password-stdin >/dev/null 2>&1
done
for i in $(seq 1 "$SEEDERS"); do
  echo "$PASSWORD" | target/release/sportello --data-dir "$DATA" user add \
    --username "bench.seed$i" --role operator --password-stdin >/dev/null 2>&1
done
RUST_LOG=warn target/release/sportello --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" \
  --auth-requests-per-minute 1000000 --sync-max-connections-per-address 100000 >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

SPORTELLO_BENCH_PASSWORD="$PASSWORD" SPORTELLO_METRICS_TOKEN="$(cat "$DATA/metrics.token")" \
  target/release/sportello-indexbench --url "http://127.0.0.1:$PORT" --operators "$OPERATORS" \
  --cases "$CASES" --seeders "$SEEDERS" "${@:3}"

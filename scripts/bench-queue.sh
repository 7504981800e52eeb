#!/usr/bin/env bash
# Queue benchmark: a release server on loopback with durable commits (synchronous=FULL), then
# sportello-queuebench: tickets issued per second, call-next latency under OPERATORS concurrent operators,
# SSE fan-out delay to SUBSCRIBERS streams. Prints one JSON report.
# Usage: scripts/bench-queue.sh [tickets] [operators] [subscribers] [queuebench flags…]
set -euo pipefail
cd "$(dirname "$0")/.."
TICKETS=${1:-10000}
OPERATORS=${2:-50}
SUBSCRIBERS=${3:-500}
PORT=${PORT:-18183}
PASSWORD="cavallo-batteria-graffetta-77"

cargo build --release --quiet -p sportello-server --bin sportello -p sportello-client-sync --bin sportello-queuebench
DATA=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT

echo "$PASSWORD" | target/release/sportello --data-dir "$DATA" user add \
  --username bench.admin --role admin --password-stdin >/dev/null 2>&1
for i in $(seq 1 "$OPERATORS"); do
  echo "$PASSWORD" | target/release/sportello --data-dir "$DATA" user add \
    --username "bench.op$i" --role operator --password-stdin >/dev/null 2>&1
done
# One display token opens every stream, so its per-caller quota is raised to the subscriber count.
RUST_LOG=warn target/release/sportello --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" \
  --auth-requests-per-minute 1000000 --max-event-streams-per-caller "$SUBSCRIBERS" >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

SPORTELLO_BENCH_PASSWORD="$PASSWORD" target/release/sportello-queuebench --url "http://127.0.0.1:$PORT" \
  --tickets "$TICKETS" --operators "$OPERATORS" --subscribers "$SUBSCRIBERS" "${@:4}"

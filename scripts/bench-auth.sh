#!/usr/bin/env bash
# Benchmark of the foundation: login latency (argon2id at the configured parameters) and throughput of an
# authenticated GET. Starts a release server on a temporary data dir on loopback, prints the figures, stops.
# Needs: curl, python3, wrk (apt-get install wrk). Usage: scripts/bench-auth.sh [logins] [wrk-seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
LOGINS=${1:-30}
SECONDS_WRK=${2:-15}
PORT=${PORT:-18181}
BIN=target/release/sportello

cargo build --release -p sportello-server --quiet
DATA=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT

PASSWORD="cavallo-batteria-graffetta-77"
echo "$PASSWORD" | "$BIN" --data-dir "$DATA" user add --username bench.op --role operator --password-stdin >/dev/null
RUST_LOG=warn "$BIN" --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" --auth-requests-per-minute 1000000 >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

BODY="{\"username\":\"bench.op\",\"password\":\"$PASSWORD\"}"
echo "== login latency: $LOGINS sequential logins (argon2id m=19456 KiB, t=2, p=1)"
for _ in $(seq "$LOGINS"); do
  curl -s -o /dev/null -w '%{time_total}\n' -H 'content-type: application/json' -d "$BODY" \
    "http://127.0.0.1:$PORT/api/v1/auth/login"
done | python3 -c '
import statistics, sys
t = sorted(float(x) * 1000 for x in sys.stdin)
p = lambda q: t[min(len(t) - 1, int(q * len(t)))]
print(f"login ms: median {statistics.median(t):.1f}  p90 {p(0.9):.1f}  max {t[-1]:.1f}  (n={len(t)})")'

echo "== unknown-user login latency (dummy hash), same count"
for _ in $(seq "$LOGINS"); do
  curl -s -o /dev/null -w '%{time_total}\n' -H 'content-type: application/json' \
    -d "{\"username\":\"nobody.here\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/v1/auth/login"
done | python3 -c '
import statistics, sys
t = sorted(float(x) * 1000 for x in sys.stdin)
print(f"unknown-user login ms: median {statistics.median(t):.1f}  max {t[-1]:.1f}  (n={len(t)})")'

TOKEN=$(curl -s -H 'content-type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/api/v1/auth/login" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
echo "== authenticated GET /api/v1/me (JWT check + session read per request), wrk 2 threads, 32 connections, ${SECONDS_WRK}s"
wrk -t2 -c32 -d"${SECONDS_WRK}s" --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/me" \
  | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
echo "== server resident memory after the run: $(ps -o rss= -p "$SERVER" | awk '{printf "%.1f MiB", $1/1024}')"

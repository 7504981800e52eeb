#!/usr/bin/env bash
# The reconnect storm with the stock automerge-repo JS client as the load (tests/js/storm.mjs): TABLETS
# tablets each create CASES cases of about 2 KB offline, then all connect at once. Prints one JSON line per
# server: CPU per document and resident memory of the server process, measured around the storm only.
#
# Usage: scripts/bench-sync-js.sh [tablets (50)] [cases (20)] [sportello|reference|both (both)]
#   sportello: the release server on a fresh data directory (accounts load.op1…N made beforehand);
#   reference: tests/js/reference-server.mjs, the plain automerge-repo sync server (in memory, no
#              authentication, no validation, no audit, no disk) — the yardstick.
set -euo pipefail
cd "$(dirname "$0")/.."
TABLETS=${1:-50}
CASES=${2:-20}
WHICH=${3:-both}
PORT=${PORT:-18183}
export SPORTELLO_LOADGEN_PASSWORD="cavallo-batteria-graffetta-77"
[ -d tests/js/node_modules ] || npm ci --prefix tests/js --no-audit --no-fund

WORK=$(mktemp -d)
SERVER=""
cleanup() {
  [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$WHICH" = sportello ] || [ "$WHICH" = both ]; then
  SPORTELLO_SKIP_WEB_BUILD=${SPORTELLO_SKIP_WEB_BUILD:-1} cargo build --release --quiet -p sportello-server --bin sportello
  for i in $(seq 1 "$TABLETS"); do
    echo "$SPORTELLO_LOADGEN_PASSWORD" | target/release/sportello --data-dir "$WORK/data" user add \
      --username "load.op$i" --role operator --password-stdin >/dev/null 2>&1
  done
  RUST_LOG=warn target/release/sportello --data-dir "$WORK/data" serve --addr "127.0.0.1:$PORT" \
    --auth-requests-per-minute 1000000 --sync-max-connections-per-address 100000 >/dev/null 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  printf 'sportello: '
  node tests/js/storm.mjs --url "ws://127.0.0.1:$PORT/sync" --login "http://127.0.0.1:$PORT" \
    --tablets "$TABLETS" --cases "$CASES" --server-pid "$SERVER"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
fi

if [ "$WHICH" = reference ] || [ "$WHICH" = both ]; then
  node tests/js/reference-server.mjs --port "$PORT" --max-seconds 600 >"$WORK/reference.json" &
  SERVER=$!
  for _ in $(seq 100); do grep -q listening "$WORK/reference.json" 2>/dev/null && break; sleep 0.1; done
  printf 'reference: '
  node tests/js/storm.mjs --url "ws://127.0.0.1:$PORT/sync" --tablets "$TABLETS" --cases "$CASES" \
    --server-pid "$SERVER"
fi

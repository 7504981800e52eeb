#!/usr/bin/env bash
# The speed of the tablet app (issue 9): the release server (the app embedded by build.rs) on a fresh data
# directory, one operator account, CASES cases of about 2 KB created through the real server with the stock
# automerge-repo JS client (tests/js/storm.mjs), then web/bench/run.mjs in Debian's Chromium: JS sizes,
# the cold start offline to the list of cases, opening a case, search, typing in the summary, and an edit
# acknowledged by the server. Prints one JSON line and a table. Not run by cargo test (it prints figures,
# it asserts nothing about time); docs/performance.md has the figures and what they mean.
#
# Usage: scripts/bench-web.sh [cases (1000)]
#   env: PORT (18184), CHROMIUM (/usr/bin/chromium), SPORTELLO_SKIP_WEB_BUILD=1 to embed web/dist as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-1000}
PORT=${PORT:-18184}
USERNAME=bench.op1
export SPORTELLO_LOADGEN_PASSWORD="cavallo-batteria-graffetta-77"
[ -d tests/js/node_modules ] || npm ci --prefix tests/js --no-audit --no-fund
[ -d web/node_modules ] || npm ci --prefix web --no-audit --no-fund

WORK=$(mktemp -d)
SERVER=""
cleanup() {
  [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cargo build --release --quiet -p sportello-server --bin sportello
echo "$SPORTELLO_LOADGEN_PASSWORD" | target/release/sportello --data-dir "$WORK/data" user add \
  --username "$USERNAME" --role operator --display-name "Operatore di prova" --password-stdin >/dev/null
RUST_LOG=warn target/release/sportello --data-dir "$WORK/data" serve --addr "127.0.0.1:$PORT" \
  --auth-requests-per-minute 1000000 >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# The cases, created by the operator through the real server (each about 2 KB: a 2,000-character summary).
printf 'cases created with the stock JS client: '
node tests/js/storm.mjs --url "ws://127.0.0.1:$PORT/sync" --login "http://127.0.0.1:$PORT" \
  --username-prefix bench.op --tablets 1 --cases "$CASES" --server-pid "$SERVER" --timeout 600

BENCH_PROFILE="${BENCH_PROFILE:-}" SPORTELLO_URL="http://127.0.0.1:$PORT" BENCH_USERNAME="$USERNAME" BENCH_PASSWORD="$SPORTELLO_LOADGEN_PASSWORD" \
  BENCH_CASES="$CASES" node web/bench/run.mjs

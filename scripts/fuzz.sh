#!/usr/bin/env bash
# Builds every fuzz target in fuzz/ (cargo-fuzz, libFuzzer, AddressSanitizer) and runs each for SECONDS
# (default 20) on a scratch copy of its committed corpus, so the corpus in the repository never changes.
# Fails on a crash, a failed check, a slow input (-timeout) or a memory blow-up (-rss_limit_mb); the input
# that did it is left in fuzz/artifacts/<target>/. CI runs it with the default; docs/security.md
# ("Fuzzing") has the long runs.
#
# Usage: scripts/fuzz.sh [seconds] [target...]     (all targets when none is named)
# Needs a nightly toolchain (installed with rustup when missing and the Rust dist server answers; skipped
# with a message otherwise) and cargo-fuzz (installed from crates.io when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-20}
shift || true
TARGETS=("$@")
# Bounds of every run: a unit slower than 10 s or a process above 2 GiB is a finding.
LIBFUZZER_FLAGS=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1)

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "== fuzz: no nightly toolchain; trying: rustup toolchain install nightly --profile minimal"
  if ! timeout 300 rustup toolchain install nightly --profile minimal; then
    echo "== fuzz: SKIPPED: cargo fuzz needs a nightly toolchain and none could be installed" \
      "(is the Rust dist server reachable?). Nothing was fuzzed."
    exit 0
  fi
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== fuzz: installing cargo-fuzz from crates.io"
  cargo install cargo-fuzz --locked --quiet
fi
rustup run nightly rustc --version
cargo fuzz --version

if [ ${#TARGETS[@]} -eq 0 ]; then
  mapfile -t TARGETS < <(cargo +nightly fuzz list)
fi

echo "== fuzz: build (release, debug assertions, AddressSanitizer)"
cargo +nightly fuzz build -O --debug-assertions

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
for target in "${TARGETS[@]}"; do
  extra=()
  # Room for the sync messages of a real edit, and for the compressed chunks of finding 1.
  [ "$target" = automerge_apply ] && extra=(-max_len=16384)
  mkdir -p "$SCRATCH/$target"
  echo "== fuzz: $target for ${SECONDS_EACH}s"
  if ! cargo +nightly fuzz run -O --debug-assertions "$target" "$SCRATCH/$target" "fuzz/corpus/$target" -- \
    "${LIBFUZZER_FLAGS[@]}" "${extra[@]}" -max_total_time="$SECONDS_EACH" >"$SCRATCH/$target.log" 2>&1; then
    tail -n 60 "$SCRATCH/$target.log"
    echo "== fuzz: $target FAILED; the input is in fuzz/artifacts/$target/ (replay: cargo +nightly fuzz run $target <file>)"
    exit 1
  fi
  # libFuzzer's last status line: executions, coverage, corpus, executions per second, peak RSS.
  grep -E '^#[0-9]+[[:space:]]+DONE' "$SCRATCH/$target.log" || true
done
echo "== fuzz: ${#TARGETS[@]} targets, ${SECONDS_EACH}s each, no crash"

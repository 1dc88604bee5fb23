#!/usr/bin/env bash
# Fuzzes jobsmith's parsers and request decoders with cargo-fuzz (libFuzzer), each target for a
# bounded time.
#
#   fuzz/run.sh [SECONDS] [TARGET...]   every target (or the ones named) for SECONDS each (default 60)
#
# Installs the pinned cargo-fuzz from crates.io into fuzz/.tools on first use. cargo-fuzz builds
# with sanitizer flags that only a nightly toolchain takes: `cargo +nightly` must work (rustup
# toolchain install nightly), or JOBSMITH_FUZZ_TOOLCHAIN names another nightly. New inputs go to
# fuzz/corpus/<target>, starting from the committed fuzz/seeds/<target>; a crash is kept in
# fuzz/artifacts/<target> and makes the script exit non-zero once every target has run. The
# builds go to $CARGO_TARGET_DIR (default fuzz/target), apart from the workspace's.
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
CARGO_FUZZ_VERSION="0.13.1"
toolchain="${JOBSMITH_FUZZ_TOOLCHAIN:-nightly}"
tools="$fuzz/.tools"
seconds="${1:-60}"
shift || true

log() { echo "fuzz/run.sh: $*" >&2; }

case "$seconds" in
  '' | *[!0-9]*) log "SECONDS must be a whole number, not '$seconds'"; exit 2 ;;
esac

if ! cargo "+$toolchain" --version >/dev/null 2>&1; then
  log "cargo-fuzz needs a nightly Rust toolchain and 'cargo +$toolchain' does not run;"
  log "install one with: rustup toolchain install nightly"
  exit 1
fi

if [ "$("$tools/bin/cargo-fuzz" --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION into fuzz/.tools"
  cargo install --quiet --locked --root "$tools" --version "$CARGO_FUZZ_VERSION" cargo-fuzz
fi
export PATH="$tools/bin:$PATH"

cd "$fuzz/.."
if [ $# -eq 0 ]; then
  mapfile -t targets < <(cargo "+$toolchain" fuzz list)
else
  targets=("$@")
fi

failed=()
for target in "${targets[@]}"; do
  log "$target for ${seconds}s"
  mkdir -p "$fuzz/corpus/$target"
  seeds=()
  if [ -d "$fuzz/seeds/$target" ]; then seeds=("$fuzz/seeds/$target"); fi
  if cargo "+$toolchain" fuzz run -O "$target" "$fuzz/corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1; then
    log "$target: clean"
  else
    log "$target: FAILED (see fuzz/artifacts/$target)"
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  log "failed: ${failed[*]}"
  exit 1
fi
log "every target ran clean for ${seconds}s"

#!/usr/bin/env bash
# The SAM side of jobsmith: pinned tooling, template checks and the arm64 build, all offline.
#
#   infra/aws/sam.sh install          .venv-sam with the pinned SAM CLI, cargo-lambda and zig
#                                     (infra/aws/sam-requirements.txt), and an arm64 Rust standard
#                                     library if no toolchain here has one (see below)
#   infra/aws/sam.sh validate         sam validate --lint
#   infra/aws/sam.sh build [ARGS...]  sam build: every function's bootstrap and the executor's
#                                     layers for arm64 under target/sam/build (ARGS go to sam
#                                     build, e.g. one logical id)
#   infra/aws/sam.sh prebuild         compile every function binary in one cargo-lambda run, so
#                                     that `build` afterwards only copies (both cores link at once)
#   infra/aws/sam.sh rustc-version    the rustc that builds for arm64
#   infra/aws/sam.sh sam ARGS...      any other sam command with these tools and the project's
#                                     samconfig (infra/aws/samconfig.toml), e.g. `sam deploy --guided`
#
# Cross-compiling to arm64 needs the aarch64-unknown-linux-gnu standard library. rustup installs
# it where the network allows (`rustup target add aarch64-unknown-linux-gnu`); where only package
# registries are reachable, Debian's rustc-web and its arm64 libstd (a multiarch package) are the
# one source, and `install` adds them. cargo-lambda links with zig from the ziglang wheel.
#
# Environment: JOBSMITH_SAM_PROFILE=release (default) builds with the workspace's release profile
# at opt-level "z" with fat LTO; `ci` keeps it but without optimisation or LTO (opt-level 0, 16
# codegen units): the same code, toolchain and cross-compile in a fraction of the time, with
# binaries too big to ship (sizes are measured on `release` builds only). JOBSMITH_ARM64_RUSTC
# names the rustc to build with. JOBSMITH_SCRIPTS_DIR names the scripts folder the executor's
# scripts layer is made of (default scripts/; infra/aws/package-executor.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-sam"
requirements="$root/infra/aws/sam-requirements.txt"
config="$root/infra/aws/samconfig.toml"
build_dir="$root/target/sam/build"
cache_dir="$root/target/sam/cache"
target=aarch64-unknown-linux-gnu
# Debian bookworm-security's rustc-web: the newest Rust Debian ships, and an arm64 std for it.
DEBIAN_RUST_VERSION=1.96.0+dfsg1-1~deb12u2

export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"

log() { echo "sam.sh: $*" >&2; }

venv_current() {
  [ -x "$venv/bin/sam" ] && [ -f "$venv/.requirements" ] && cmp -s "$requirements" "$venv/.requirements"
}

install_venv() {
  if venv_current; then
    return
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/.requirements"
}

# The rustc that has an arm64 standard library: JOBSMITH_ARM64_RUSTC if set, else rustup's when
# it has the target, else Debian's.
arm64_rustc() {
  local sysroot
  if [ -n "${JOBSMITH_ARM64_RUSTC:-}" ]; then
    echo "$JOBSMITH_ARM64_RUSTC"
    return
  fi
  sysroot="$(rustc --print sysroot 2>/dev/null || true)"
  if [ -n "$sysroot" ] && [ -d "$sysroot/lib/rustlib/$target/lib" ]; then
    command -v rustc
    return
  fi
  if [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/$target/lib ]; then
    echo /usr/bin/rustc
    return
  fi
  return 1
}

install_arm64_std() {
  if arm64_rustc >/dev/null; then
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    log "no $target standard library: run 'rustup target add $target', or run this as root to install Debian's"
    exit 1
  fi
  log "installing Debian's rustc-web $DEBIAN_RUST_VERSION with its $target standard library"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "rustc-web=$DEBIAN_RUST_VERSION" "libstd-rust-web-dev:arm64=$DEBIAN_RUST_VERSION" >/dev/null
  arm64_rustc >/dev/null
}

# Everything sam and cargo-lambda need on the way: the venv first on PATH (its python3 carries
# ziglang, which cargo-lambda links with), the arm64-capable rustc, and the build profile.
build_env() {
  if ! venv_current; then
    log "the SAM tooling is missing or stale: run '$0 install'"
    exit 1
  fi
  local rustc_path
  if ! rustc_path="$(arm64_rustc)"; then
    log "no $target standard library: run '$0 install'"
    exit 1
  fi
  export PATH="$venv/bin:$PATH"
  export RUSTC="$rustc_path"
  # cargo-lambda adds the target to rustup's toolchain when that lacks it, even with another rustc
  # named. Here that download is wasted, and worse: the next run would find rustup's toolchain
  # able to build for arm64, choose it, and compile everything again with another compiler (sam
  # build after prebuild, 7 minutes on a fresh machine). cargo-lambda leaves rustup alone when
  # $RUSTUP names none.
  if [ "$rustc_path" != "$(command -v rustc)" ]; then
    export RUSTUP="$root/target/no-rustup"
  fi
  case "${JOBSMITH_SAM_PROFILE:-release}" in
    release)
      # Optimised for size: a function's cold start pays for every byte of its zip, and its
      # handlers wait on DynamoDB, not on the CPU. "z" over "s" takes 3 to 4 % more off each zip
      # (docs/aws.md, Sizes). The local server keeps opt-level 3.
      export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
      # Fat LTO merges the whole crate graph into one module, drops what the function never
      # calls and optimises the rest once. Thin LTO optimised every crate's module again for each
      # of the 45 binaries: the zips were a tenth larger and the build over twice as long
      # (docs/aws.md, Sizes). The local server keeps the profile's thin LTO.
      export CARGO_PROFILE_RELEASE_LTO=fat
      ;;
    ci)
      export CARGO_PROFILE_RELEASE_OPT_LEVEL=0
      export CARGO_PROFILE_RELEASE_LTO=false
      export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
      ;;
    *)
      log "JOBSMITH_SAM_PROFILE is release or ci, not ${JOBSMITH_SAM_PROFILE}"
      exit 2
      ;;
  esac
  log "building with $("$RUSTC" --version) for $target, profile ${JOBSMITH_SAM_PROFILE:-release}"
}

run_sam() {
  "$venv/bin/sam" "$@"
}

cd "$root"
case "${1:-}" in
  install)
    install_venv
    install_arm64_std
    log "$("$venv/bin/sam" --version), cargo-lambda $("$venv/bin/cargo-lambda" lambda --version | awk '{print $2}'), rustc for arm64: $("$(arm64_rustc)" --version)"
    ;;
  validate)
    shift
    run_sam validate --lint --template-file "$root/template.yaml" --config-file "$config" "$@"
    ;;
  prebuild)
    shift
    build_env
    "$venv/bin/cargo-lambda" lambda build --release --arm64 -p jobsmith-functions "$@"
    ;;
  build)
    shift
    build_env
    run_sam build --template-file "$root/template.yaml" --config-file "$config" \
      --build-dir "$build_dir" --cache-dir "$cache_dir" "$@"
    ;;
  rustc-version)
    "$(arm64_rustc)" --version
    ;;
  sam)
    shift
    export PATH="$venv/bin:$PATH"
    run_sam "$@" --config-file "$config"
    ;;
  *)
    echo "usage: $0 install | validate | prebuild | build [SAM BUILD ARGS] | rustc-version | sam ARGS" >&2
    exit 2
    ;;
esac

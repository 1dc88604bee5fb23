#!/usr/bin/env bash
# The AWS side on one machine: the moto server emulates DynamoDB, S3 and EventBridge Scheduler.
#
#   infra/aws/emulators.sh install        create .venv-emulators with the pinned moto server
#   infra/aws/emulators.sh start [PORT]   serve on 127.0.0.1:PORT (default: a free port);
#                                         prints the endpoint URL, runs in the foreground
#
# Tests start their own moto server (a free port each) from .venv-emulators; `install` is what
# they need first. moto never fires schedules: tests invoke the executor with the event
# EventBridge Scheduler would send.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-emulators"
MOTO_VERSION=5.2.5

case "${1:-}" in
  install)
    if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')"; then
      python3 -m venv "$venv"
      "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server,dynamodb,s3]==$MOTO_VERSION"
    fi
    echo "moto $MOTO_VERSION: $venv/bin/moto_server"
    ;;
  start)
    port="${2:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
    echo "http://127.0.0.1:$port"
    exec "$venv/bin/moto_server" -H 127.0.0.1 -p "$port"
    ;;
  *)
    echo "usage: $0 install | start [PORT]" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Creates on a running moto what infra/aws/local/env.json points the functions at (setup.py).
#
#   infra/aws/local/setup.sh [--endpoint URL] [--env-vars FILE]
#
# URL is moto as this machine reaches it (default http://127.0.0.1:5050); the functions in SAM's
# containers reach the same server as env.json says. Needs `infra/aws/emulators.sh install`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
python="$root/.venv-emulators/bin/python"
if [ ! -x "$python" ]; then
  echo "$python not found: run infra/aws/emulators.sh install" >&2
  exit 1
fi
exec "$python" "$root/infra/aws/local/setup.py" "$@"

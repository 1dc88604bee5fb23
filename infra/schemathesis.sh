#!/usr/bin/env bash
# Property-based tests of the HTTP API against its own OpenAPI document: schemathesis, pinned,
# from PyPI, drives a real `jobsmith serve` on loopback.
#
#   infra/schemathesis.sh install                 create .venv-schemathesis with the pinned schemathesis
#   infra/schemathesis.sh run [SECONDS]           every route and method, for SECONDS (default 300)
#   infra/schemathesis.sh run --max-examples N [--seed S]
#                                                 at most N cases per operation, reproducibly
#
# `run` starts the server on a free loopback port with a temporary data directory and script
# root, one admin API key (sent as X-API-Key), scrapes pointed at a closed loopback port and no
# media tools, so that nothing it is asked to fetch leaves the machine; it stops the server when
# schemathesis ends. The checks: no 5xx, status codes, content types and bodies as the document
# lists them; the links schemathesis infers drive the stateful phase, half the job creations made
# valid by infra/schemathesis_hooks.py so that it has jobs to follow. The binary is
# $JOBSMITH_BIN, or else built with cargo (debug). Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-schemathesis"
SCHEMATHESIS="schemathesis==4.32.5"
stamp="$venv/.jobsmith-pinned"
CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"

log() { echo "schemathesis.sh: $*" >&2; }

install() {
  if [ -x "$venv/bin/st" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$SCHEMATHESIS" ]; then
    return
  fi
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    log "schemathesis needs python3 >= 3.10 with the venv module; found: $(python3 --version 2>&1 || echo none)"
    exit 1
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$SCHEMATHESIS"
  echo "$SCHEMATHESIS" >"$stamp"
  log "installed $("$venv/bin/st" --version)"
}

server_pid=""
work=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
}

run() {
  if [ ! -x "$venv/bin/st" ]; then
    log "schemathesis is not installed: run infra/schemathesis.sh install"
    exit 1
  fi
  local seconds=300 limits=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --max-examples) limits+=(--max-examples "$2"); shift 2 ;;
      --seed) limits+=(--seed "$2"); shift 2 ;;
      [0-9]*) seconds="$1"; shift ;;
      *) log "unknown argument: $1"; exit 2 ;;
    esac
  done
  if [ ${#limits[@]} -eq 0 ] || [[ " ${limits[*]} " != *" --max-examples "* ]]; then
    limits+=(--max-time "$seconds")
  fi

  local bin="${JOBSMITH_BIN:-}"
  if [ -z "$bin" ]; then
    (cd "$root" && cargo build --locked --quiet -p jobsmith --bin jobsmith)
    bin="${CARGO_TARGET_DIR:-$root/target}/debug/jobsmith"
  fi

  work="$(mktemp -d "${TMPDIR:-/tmp}/jobsmith-schemathesis.XXXXXX")"
  trap stop_server EXIT
  trap 'exit 143' TERM INT
  mkdir -p "$work/data" "$work/scripts"
  printf '#!/bin/bash\necho "args: $*"\n' >"$work/scripts/hello.sh"
  local key hash
  key="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
  hash="$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"

  # Only loopback, and only this run's directories: the variables a developer's shell may hold
  # are replaced or removed.
  env -u JOBSMITH_BACKEND -u JOBSMITH_CORS_ORIGINS -u JOBSMITH_MODE -u DEBUG \
    -u JOBSMITH_CLEANUP_TOKEN -u DELETE_ALL_VIDEOS_TOKEN -u JOBSMITH_SCRAPE_PROXY \
    -u RATE_LIMIT_REQUESTS_PER_MINUTE -u RATE_LIMIT_BURST -u JOBSMITH_RATE_LIMIT_BURST \
    JOBSMITH_API_KEYS="schemathesis:admin:sha256:$hash" \
    JOBSMITH_RATE_LIMIT_REQUESTS_PER_MINUTE=0 \
    JOBSMITH_SCRAPE_PROFILE_URL='http://127.0.0.1:9/{value}' \
    JOBSMITH_SCRAPE_HASHTAG_URL='http://127.0.0.1:9/{value}' \
    JOBSMITH_YTDLP="$work/absent/yt-dlp" JOBSMITH_FFMPEG="$work/absent/ffmpeg" \
    JOBSMITH_FFPROBE="$work/absent/ffprobe" JOBSMITH_LOG=warn \
    "$bin" serve --bind 127.0.0.1:0 --data-dir "$work/data" --script-root "$work/scripts" \
    >"$work/stdout" 2>"$work/stderr" &
  server_pid=$!

  local addr="" tries=0
  while [ -z "$addr" ]; do
    addr="$(sed -n 's|^jobsmith listening on http://\(127\.0\.0\.1:[0-9]*\).*|\1|p' "$work/stdout" | head -1)"
    if [ -z "$addr" ]; then
      if ! kill -0 "$server_pid" 2>/dev/null || [ "$tries" -ge 100 ]; then
        log "jobsmith did not start; its stderr:"
        cat "$work/stderr" >&2
        exit 1
      fi
      tries=$((tries + 1))
      sleep 0.1
    fi
  done
  log "jobsmith on http://$addr"

  local status=0
  (cd "$work" && SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$root/infra" "$venv/bin/st" run "http://$addr/openapi.json" \
    --header "X-API-Key: $key" \
    --checks "$CHECKS" \
    --phases examples,coverage,fuzzing,stateful \
    --workers 1 \
    --request-timeout 10 \
    --suppress-health-check too_slow,filter_too_much \
    --output-sanitize true \
    "${limits[@]}") || status=$?
  if grep -q "panicked" "$work/stderr"; then
    log "jobsmith panicked during the run:"
    grep -A3 "panicked" "$work/stderr" >&2
    status=1
  fi
  return "$status"
}

case "${1:-}" in
  install) install ;;
  run) shift; run "$@" ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac

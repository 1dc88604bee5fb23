#!/usr/bin/env bash
# Clip cutting against ffmpeg by hand (issue target: at most 1.2x). Not part of CI: it measures.
# Makes a 5-minute 720p H.264 video (a keyframe every 2 s, AAC audio), then in alternating rounds
# cuts 10 clips of 10 s in copy mode twice: with the same ffmpeg commands run one after the other
# by hand, and as one clip.video run of `jobsmith serve` (POST /api/clips), timed by the run's own
# start and end as recorded. All traffic stays on 127.0.0.1. Writes bench/clips.md.
#
#   bench/clips.sh [ROUNDS]      (default 5; BENCH_PROFILE=debug skips the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
profile=${BENCH_PROFILE:-release}
port=${BENCH_PORT:-18081}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
server=""
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

infra/media.sh install >/dev/null
eval "$(infra/media.sh env)"
ffmpeg=$JOBSMITH_FFMPEG
if [ "$profile" = release ]; then cargo build --release -p jobsmith >/dev/null; else cargo build -p jobsmith >/dev/null; fi
bin="${CARGO_TARGET_DIR:-target}/$([ "$profile" = release ] && echo release || echo debug)/jobsmith"

source_file="$work/data/objects/videos/bench/talk.mp4"
mkdir -p "$(dirname "$source_file")" "$work/hand" "$work/scripts"
echo "making a 5-minute 720p video..."
"$ffmpeg" -hide_banner -loglevel error -nostdin -y \
  -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=300" -f lavfi -i "sine=frequency=440:duration=300" \
  -c:v libx264 -preset veryfast -g 60 -keyint_min 60 -sc_threshold 0 -c:a aac -shortest "$source_file"

"$bin" serve --bind "127.0.0.1:$port" --data-dir "$work/data" --script-root "$work/scripts" \
  --ffmpeg "$JOBSMITH_FFMPEG" --ffprobe "$JOBSMITH_FFPROBE" --log warn >"$work/out" 2>"$work/err" &
server=$!
until grep -q listening "$work/out" 2>/dev/null; do sleep 0.01; done

# Starts at 5, 35, 65, ... s: between keyframes, as a user's bounds would be.
segments=$(python3 -c 'import json; print(json.dumps([{"start": 5 + 30 * i, "end": 15 + 30 * i} for i in range(10)]))')

by_hand() {
  local started ended
  started=$(date +%s%N)
  for i in $(seq 0 9); do
    "$ffmpeg" -hide_banner -nostdin -loglevel error -y -ss $((5 + 30 * i)).000 -i "$source_file" -t 10.000 \
      -map '0:v:0?' -map '0:a:0?' -sn -dn -c copy -avoid_negative_ts make_zero -movflags +faststart \
      "$work/hand/clip-$i.mp4"
  done
  ended=$(date +%s%N)
  echo $(( (ended - started) / 1000000 ))
}

by_jobsmith() {
  python3 - "$base" "$segments" <<'PY'
import json, sys, time, urllib.request
base, segments = sys.argv[1], json.loads(sys.argv[2])
def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data, {"Content-Type": "application/json"}, method=method)
    return json.loads(urllib.request.urlopen(req).read() or b"null")
job = call("POST", "/api/clips", {"storage_key": "videos/bench/talk.mp4", "segments": segments, "accuracy": "copy"})
while True:
    runs = call("GET", f"/api/v1/scheduler/jobs/{job['job_id']}/executions")["executions"]
    done = [r for r in runs if r["status"] in ("success", "failed", "timeout")]
    if done:
        run = done[0]
        assert run["status"] == "success", run
        print(round(run["durationSeconds"] * 1000))
        break
    time.sleep(0.05)
call("DELETE", f"/api/jobs/{job['job_id']}?delete_files=true")
PY
}

hand=(); served=()
for round in $(seq 1 "$rounds"); do
  hand+=("$(by_hand)")
  served+=("$(by_jobsmith)")
  echo "round $round: by hand ${hand[-1]} ms, jobsmith ${served[-1]} ms"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
hand_ms=$(median "${hand[@]}"); served_ms=$(median "${served[@]}")
ratio=$(python3 -c "print(f'{$served_ms / $hand_ms:.2f}')")
{
  echo "# Clip cutting: jobsmith against ffmpeg by hand"
  echo
  echo "Made by \`bench/clips.sh $rounds\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB;"
  echo "jobsmith built with the $profile profile; $("$ffmpeg" -version | head -1 | cut -d' ' -f1-3)."
  echo
  echo "10 clips of 10 s in copy mode from a 5-minute 720p H.264 video (30 fps, a keyframe every 2 s),"
  echo "$rounds rounds alternating. By hand: the same ffmpeg commands one after the other. jobsmith: one"
  echo "clip.video run (\`POST /api/clips\`), from its recorded start to its end, which also copies the"
  echo "source into the run's work folder, probes it and each clip with ffprobe, and stores each clip,
cutting two clips at a time."
  echo
  echo "| | median (ms) | rounds (ms) |"
  echo "|---|---|---|"
  echo "| ffmpeg by hand | $hand_ms | ${hand[*]} |"
  echo "| jobsmith clip.video | $served_ms | ${served[*]} |"
  echo
  echo "Ratio: **$ratio×** the time by hand (target: at most 1.2×)."
} > bench/clips.md
cat bench/clips.md

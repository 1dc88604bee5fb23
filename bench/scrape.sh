#!/usr/bin/env bash
# Scrape runs against plain yt-dlp (issue targets: at most 1.1x plain yt-dlp with the same
# options; 4 downloads at a time at least 2.5x faster than one; peak RSS of the server under
# 100 MB while it stores a 1 GiB video; video listings with filters on 100,000 videos p99 under
# 20 ms). Not part of CI: it measures. All traffic stays on 127.0.0.1. Writes bench/scrape.md.
#
# A small site on loopback (infra/scrape_fixture.py: an RSS feed of pages with schema.org
# VideoObject JSON-LD, which yt-dlp's generic extractor reads, as the tests' fixture serves)
# serves 50 real mp4s; every answer waits BENCH_LATENCY_MS before its first byte and is sent at
# most BENCH_RATE_KIB KiB/s per connection, for every client alike. In alternating rounds:
# plain yt-dlp downloading the feed with the options jobsmith passes, then a scrape.profile run
# (POST /api/v1/jobs) of a fresh `jobsmith serve` with 1, 2 (the default) and 4 downloads at a
# time, timed by the run's own recorded start and end; then jobsmith's listing and single
# downloads by hand, to say where its time goes. Then one run storing a ~1 GiB video while the
# server's VmHWM is read, and the ignored listing test in release. Everything it starts is
# stopped on exit, and every wait is bounded (BENCH_RUN_LIMIT_S, default 900 s). About 10 to 20
# minutes on 2 cores, release build and listing test build not counted.
#
#   bench/scrape.sh [ROUNDS]   (default 3; BENCH_PROFILE=debug builds and runs the debug binary;
#                               BENCH_LISTING=0 skips the listing test, BENCH_BIG=0 the 1 GiB run;
#                               BENCH_VIDEOS, BENCH_LATENCY_MS, BENCH_RATE_KIB change the site;
#                               BENCH_PORT and BENCH_FIXTURE_PORT the loopback ports)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
rounds=${1:-3}
profile=${BENCH_PROFILE:-release}
videos=${BENCH_VIDEOS:-50}
latency_ms=${BENCH_LATENCY_MS:-100}
rate_kib=${BENCH_RATE_KIB:-2048}
big_mib=${BENCH_BIG_MIB:-1024}
run_big=${BENCH_BIG:-1}
run_listing=${BENCH_LISTING:-1}
port=${BENCH_PORT:-18082}
fixture_port=${BENCH_FIXTURE_PORT:-18190}
# Every wait below ends by then: a hung run fails the bench instead of holding it.
limit_s=${BENCH_RUN_LIMIT_S:-900}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
server="" fixture="" data=""
stop() { if [ -n "$1" ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi; }
trap 'stop "$server"; stop "$fixture"; rm -rf "$work"' EXIT

infra/media.sh install >/dev/null
eval "$(infra/media.sh env)"
target_dir=${CARGO_TARGET_DIR:-target}
if [ "$profile" = release ]; then
  cargo build --release --locked --bin jobsmith >/dev/null
else
  cargo build --locked --bin jobsmith >/dev/null
fi
# A copy: the target directory may be shared with other builds.
mkdir -p "$work/scripts" "$work/media"
cp "$target_dir/$([ "$profile" = release ] && echo release || echo debug)/jobsmith" "$work/jobsmith"
bin="$work/jobsmith"

# Waits until $2 holds a line with "listening" (bounded), or fails with what $1 said.
await_listening() {
  local deadline=$((SECONDS + 60))
  until grep -q listening "$2" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$1" 2>/dev/null; then
      echo "bench: not listening: $(cat "$2" "$3" 2>/dev/null)" >&2
      exit 1
    fi
    sleep 0.05
  done
}

# start_fixture ARGS...: the site on $fixture_port, pid in $fixture.
start_fixture() {
  python3 infra/scrape_fixture.py --port "$fixture_port" --ffmpeg "$JOBSMITH_FFMPEG" "$@" \
    >"$work/fixture.out" 2>"$work/fixture.err" &
  fixture=$!
  await_listening "$fixture" "$work/fixture.out" "$work/fixture.err"
}

# start_server DOWNLOADS: a fresh `jobsmith serve` on a fresh data directory ($data), pid in
# $server. The seed-002 rate limit (10 requests a minute a caller) is off: the bench polls the run.
start_server() {
  data="$work/data-$RANDOM$RANDOM"
  "$bin" serve --bind "127.0.0.1:$port" --data-dir "$data" --script-root "$work/scripts" \
    --ytdlp "$JOBSMITH_YTDLP" --ffmpeg "$JOBSMITH_FFMPEG" --ffprobe "$JOBSMITH_FFPROBE" \
    --scrape-profile-url "http://127.0.0.1:$fixture_port/feed.xml?user={value}" \
    --scrape-downloads "$1" --rate-limit-per-minute 0 --log warn >"$work/server.out" 2>"$work/server.err" &
  server=$!
  await_listening "$server" "$work/server.out" "$work/server.err"
}

# One scrape.profile run of $1 videos through seed 002's API, polled until it ends. Prints the
# run's recorded duration and the CPU time the server and its children (finished or alive) used
# from the request to the end (/proc/<pid>/stat), in ms; with MONITOR=1 also the server's VmHWM and the
# largest VmHWM of its children (yt-dlp), in KiB, sampled every 20 ms.
scrape_run() {
  python3 - "$base" "$1" "$server" "$limit_s" "${MONITOR:-0}" <<'PY'
import glob, json, os, sys, time, urllib.error, urllib.request
base, total, pid, limit, monitor = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5] == "1"
def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data, {"Content-Type": "application/json"}, method=method)
    return json.loads(urllib.request.urlopen(req, timeout=30).read() or b"null")
def status_kib(p, field):
    try:
        with open(f"/proc/{p}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
def children(p):
    # Listed under the thread that started each child: the server starts them from any thread.
    kids = []
    for listing in glob.glob(f"/proc/{p}/task/*/children"):
        try:
            with open(listing) as f:
                kids += f.read().split()
        except OSError:
            pass
    return kids + [g for k in kids for g in children(k)]
def own_and_reaped_ms(p):
    try:
        with open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # utime, stime, cutime, cstime: fields 14 to 17 of the whole line.
    return sum(int(t) for t in fields[11:15]) * 1000 / os.sysconf("SC_CLK_TCK")
def cpu_ms():
    # The server's, its reaped children's, and its live ones': a download slot's yt-dlp outlives
    # the run it served until it has been idle a while.
    return own_and_reaped_ms(pid) + sum(own_and_reaped_ms(kid) for kid in children(pid))
child_peak = 0
cpu_before = cpu_ms()
job = call("POST", "/api/v1/jobs", {"mode": "profile", "value": "bench", "limit": total})
deadline = time.monotonic() + limit
run = job
while True:
    if monitor:
        for kid in children(pid):
            child_peak = max(child_peak, status_kib(kid, "VmHWM"))
    if time.monotonic() > deadline:
        sys.exit(f"bench: the run did not end within {limit} s: {run}")
    try:
        run = call("GET", f"/api/v1/jobs/{job['id']}")["job"]
    except (TimeoutError, urllib.error.URLError) as err:
        # A server too busy to answer in 30 s is worth knowing, not worth the whole bench.
        print(f"bench: a poll of the run failed: {err}", file=sys.stderr)
        time.sleep(0.1)
        continue
    if run["status"] in ("completed", "failed", "cancelled"):
        break
    time.sleep(0.02 if monitor else 0.1)
assert run["status"] == "completed" and run["successful_downloads"] == total, run
execution = next(e for e in call("GET", "/api/v1/scheduler/executions")["executions"] if e["id"] == job["id"])
out = [round(execution["durationSeconds"] * 1000), round(cpu_ms() - cpu_before)]
if monitor:
    out += [status_kib(pid, "VmHWM"), child_peak]
print(*out)
PY
}

# ytdlp HOME ARGS...: the pinned yt-dlp with an empty environment but for what jobsmith gives
# it, its own HOME and cache, and the options every jobsmith run passes (shared/src/adapters/
# local/media/ytdlp/args.rs: no config, no plugins, no proxy, the same ffmpeg, 20 s socket
# timeout), then ARGS, within the time limit. Sets $took and $cpu (ms: from start to exit, and
# the CPU time yt-dlp and its children used) and $code; stdout and stderr go to HOME/out, HOME/err.
ytdlp() {
  local home=$1 measured
  shift
  mkdir -p "$home"
  measured=$(python3 -c '
import resource, subprocess, sys, time
started = time.monotonic()
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    code = subprocess.run(sys.argv[3:], stdout=out, stderr=err).returncode
wall = time.monotonic() - started
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(round(wall * 1000), round((used.ru_utime + used.ru_stime) * 1000), code)' "$home/out" "$home/err" \
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" LANG=C.UTF-8 PYTHONUNBUFFERED=1 PYTHONIOENCODING=utf-8 \
    timeout "$limit_s" "$JOBSMITH_YTDLP" --no-config --no-plugin-dirs --no-progress --proxy "" \
    --cache-dir "$home/cache" --ffmpeg-location "$JOBSMITH_FFMPEG" --socket-timeout 20 "$@")
  read -r took cpu code <<<"$measured"
}

# The download options of jobsmith's runs: the extractor the listing named (here the generic one,
# alone), the info JSON, the no-watermark format choice, the final path printed.
download_options=(--use-extractors generic --no-simulate --print after_move:filepath --write-info-json
  --no-write-playlist-metafiles --no-mtime
  --format 'bv*[format_note!*=?watermarked]+ba/b[format_note!*=?watermarked]/bv*+ba/b')
feed="http://127.0.0.1:$fixture_port/feed.xml?user=bench"

# Plain yt-dlp, by hand: jobsmith's download options and its listing's limit (--max-downloads,
# exit 101 when reached), on the whole feed in one process. Sets $took and $cpu.
by_hand() {
  local dir="$work/hand"
  rm -rf "$dir"
  ytdlp "$dir" "${download_options[@]}" --max-downloads "$videos" --paths "$dir/files" --output '%(id)s.%(ext)s' \
    -- "$feed"
  local got
  got=$(find "$dir/files" -name '*.mp4' | wc -l)
  if [ "$code" != 0 ] && [ "$code" != 101 ] || [ "$got" != "$videos" ]; then
    echo "bench: yt-dlp exited $code with $got of $videos videos: $(tail -5 "$dir/err")" >&2
    exit 1
  fi
}

# A run of a fresh server with $1 downloads at a time. Sets $took and $cpu (ms: the run's
# recorded duration, and the CPU time the server and its yt-dlp processes used meanwhile).
by_jobsmith() {
  local measured
  start_server "$1"
  measured=$(scrape_run "$videos")
  read -r took cpu <<<"$measured"
  stop "$server"; server=""
  rm -rf "$data"
}

echo "making $videos videos and serving them (latency ${latency_ms} ms, ${rate_kib} KiB/s a connection)..."
start_fixture --dir "$work/media/small" --videos "$videos" --latency-ms "$latency_ms" --rate-kib "$rate_kib"
small_bytes=$(du -cb "$work"/media/small/*.mp4 | tail -1 | cut -f1)

hand=(); one=(); two=(); four=(); hand_cpu=(); one_cpu=(); two_cpu=(); four_cpu=()
loads=("$(cut -d' ' -f1 /proc/loadavg)")
for round in $(seq 1 "$rounds"); do
  by_hand; hand+=("$took"); hand_cpu+=("$cpu")
  by_jobsmith 1; one+=("$took"); one_cpu+=("$cpu")
  by_jobsmith 2; two+=("$took"); two_cpu+=("$cpu")
  by_jobsmith 4; four+=("$took"); four_cpu+=("$cpu")
  loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  echo "round $round: yt-dlp ${hand[-1]} ms, jobsmith 1 at a time ${one[-1]} ms, 2 ${two[-1]} ms, 4 ${four[-1]} ms" \
    "(CPU ${hand_cpu[-1]}, ${one_cpu[-1]}, ${two_cpu[-1]}, ${four_cpu[-1]} ms; load ${loads[-1]})"
done

# Where jobsmith's time goes: its listing, then single downloads from the listing's info JSON
# (as its runs start them), then yt-dlp's start alone (Python and yt-dlp's import, which every
# download process pays), each run by hand with its argv.
ytdlp "$work/parts/list" --dump-json --ignore-errors --max-downloads "$videos" -- "$feed"
[ "$code" = 0 ] || [ "$code" = 101 ] || { echo "bench: the listing exited $code" >&2; exit 1; }
list_ms=$took; list_cpu_ms=$cpu
downloads=(); downloads_cpu=(); starts=()
for n in $(seq 1 $((videos < 5 ? videos : 5))); do
  sed -n "${n}p" "$work/parts/list/out" >"$work/parts/info-$n.json"
  ytdlp "$work/parts/download-$n" "${download_options[@]}" --paths "$work/parts/download-$n/files" \
    --output 'video.%(ext)s' --abort-on-error --load-info-json "$work/parts/info-$n.json"
  [ "$code" = 0 ] || { echo "bench: a download exited $code: $(tail -3 "$work/parts/download-$n/err")" >&2; exit 1; }
  downloads+=("$took"); downloads_cpu+=("$cpu")
  ytdlp "$work/parts/version-$n" --version
  starts+=("$took")
done
stop "$fixture"; fixture=""

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
hand_ms=$(median "${hand[@]}"); one_ms=$(median "${one[@]}"); two_ms=$(median "${two[@]}"); four_ms=$(median "${four[@]}")
hand_cpu_ms=$(median "${hand_cpu[@]}"); one_cpu_ms=$(median "${one_cpu[@]}")
two_cpu_ms=$(median "${two_cpu[@]}"); four_cpu_ms=$(median "${four_cpu[@]}")
per_video() { python3 -c "print(f'{($1 - $2) / $videos / 1000:.2f}')"; }
download_ms=$(median "${downloads[@]}"); download_cpu_ms=$(median "${downloads_cpu[@]}")
start_ms=$(median "${starts[@]}")
# The listing runs beside the downloads: one at a time waits on the downloads alone, a video
# each in the slot; four at a time on whichever is longer, the listing or a quarter of them.
slot_video_ms=$((one_ms / videos)); four_model=$((one_ms / 4))
[ "$four_model" -lt "$list_ms" ] && four_model=$list_ms

big_line="not measured (BENCH_BIG=0)"
if [ "$run_big" = 1 ]; then
  # ~1 GiB of real mp4 quickly: 10 s of 720p noise at a fixed high bitrate, stream-copied end to
  # end by the concat demuxer as many times as it takes.
  echo "making a ~$big_mib MiB video..."
  mkdir -p "$work/media/big"
  timeout "$limit_s" "$JOBSMITH_FFMPEG" -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=10,noise=alls=60:allf=t" \
    -f lavfi -i "sine=frequency=440:duration=10" -c:v mpeg4 -b:v 80M -minrate 80M -maxrate 80M -bufsize 80M \
    -c:a aac -shortest "$work/media/big/part.mp4"
  part_bytes=$(stat -c %s "$work/media/big/part.mp4")
  copies=$(( (big_mib * 1048576 + part_bytes - 1) / part_bytes ))
  for _ in $(seq "$copies"); do echo "file 'part.mp4'"; done >"$work/media/big/list.txt"
  timeout "$limit_s" "$JOBSMITH_FFMPEG" -hide_banner -loglevel error -nostdin -y -f concat -safe 0 \
    -i "$work/media/big/list.txt" -c copy -movflags +faststart "$work/media/big/big.mp4"
  rm "$work/media/big/part.mp4"
  big_bytes=$(stat -c %s "$work/media/big/big.mp4")
  start_fixture --dir "$work/media/big" --file "$work/media/big/big.mp4" --seconds $((copies * 10)) --size 1280x720
  start_server 2
  base_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  measured=$(MONITOR=1 scrape_run 1)
  read -r big_ms _ server_kib child_kib <<<"$measured"
  stored=$(find "$data/objects/videos" -name '*.mp4' -printf '%s\n')
  stop "$server"; server=""; stop "$fixture"; fixture=""
  rm -rf "$data" "$work/media/big"
  [ "$stored" = "$big_bytes" ] || { echo "bench: stored $stored bytes, served $big_bytes" >&2; exit 1; }
  mib() { python3 -c "print(f'{$1 / 1024:.1f}')"; }
  big_line="$(python3 -c "print(f'{$big_bytes / 1048576:.0f}')") MiB video ($big_bytes bytes) stored in $big_ms ms: server VmHWM **$(mib "$server_kib") MiB** (after start-up, before the run: $(mib "$base_kib") MiB); yt-dlp's own peak $(mib "$child_kib") MiB"
  echo "$big_line"
fi

listing_block="not measured (BENCH_LISTING=0)"
listing_cmd="cargo test --release --locked -p jobsmith-shared --lib sqlite::bench_videos -- --ignored --nocapture --test-threads 1"
if [ "$run_listing" = 1 ]; then
  echo "running the listing measurement (release test build)..."
  $listing_cmd >"$work/listing.out" 2>"$work/listing.err"
  listing_load=$(cut -d' ' -f1-3 /proc/loadavg)
  listing_block=$(grep -E 'insert|offset|stats:' "$work/listing.out" | sed 's/^test .* \.\.\. //')
  listing_worst=$(grep -oE 'p99 [0-9.]+(ms|µs|s)' "$work/listing.out" | awk '{print $2}' | python3 -c '
import sys
def ms(t):
    for unit, f in (("µs", 1e-3), ("ms", 1), ("s", 1e3)):
        if t.endswith(unit):
            return float(t[: -len(unit)]) * f
print(f"{max(ms(t.strip()) for t in sys.stdin):.2f}")')
fi

{
  echo "# Scrape runs: jobsmith against plain yt-dlp"
  echo
  echo "Made by \`bench/scrape.sh $rounds\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB;"
  echo "jobsmith built with the $profile profile; yt-dlp $("$JOBSMITH_YTDLP" --version), $("$JOBSMITH_FFMPEG" -version | head -1 | cut -d' ' -f1-3)."
  echo
  echo "## $videos videos"
  echo
  echo "The site: \`infra/scrape_fixture.py\` on 127.0.0.1, the shapes of the tests' fixture (an RSS feed"
  echo "of pages with schema.org \`VideoObject\` JSON-LD; yt-dlp's generic extractor reads them), serving"
  echo "$videos mp4s of 10 s, 480x270, MPEG-4 at 1 Mbit/s with AAC ($((small_bytes / videos)) bytes each on average)."
  echo "Loopback is not a network, so every answer (feed, page, mp4) waits **${latency_ms} ms** before its"
  echo "first byte and is sent at no more than **${rate_kib} KiB/s per connection**; identical for every side."
  echo
  echo "- **yt-dlp by hand**: one process on the feed with the options jobsmith's downloads pass"
  echo "  (\`--no-config --no-plugin-dirs --no-progress --proxy '' --cache-dir … --ffmpeg-location …"
  echo "  --socket-timeout 20 --use-extractors generic --no-simulate --print after_move:filepath"
  echo "  --write-info-json --no-write-playlist-metafiles --no-mtime --paths … --output …"
  echo "  --format <no-watermark choice>\`) and its listing's limit (\`--max-downloads $videos\`);"
  echo "  from start to exit."
  echo "- **jobsmith**: a fresh \`jobsmith serve\` (fresh data directory) per run, \`--scrape-downloads N\`,"
  echo "  \`--scrape-profile-url\` pointed at the feed; \`POST /api/v1/jobs\` \`{mode: profile, limit: $videos}\`,"
  echo "  polled with \`GET /api/v1/jobs/{id}\` until completed; the time is the run's recorded"
  echo "  \`durationSeconds\` (\`/api/v1/scheduler/executions\`). A run lists the feed with one yt-dlp"
  echo "  (\`--dump-json\`, every extractor, which fetches every page) and, as each video's line comes,"
  echo "  records it and hands it to the download workers, which start while the listing goes on:"
  echo "  yt-dlp's download of each video loading that line (\`--load-info-json\`, \`--abort-on-error\`;"
  echo "  the page is not fetched again, only the mp4) in a download slot, a yt-dlp process per"
  echo "  download at a time that imported yt-dlp once; then the file and its metadata are copied into"
  echo "  the object folder."
  echo
  echo "$rounds rounds, the four sides alternating in each round; medians. CPU is the time the"
  echo "processes used (user and system): yt-dlp and its children by hand; jobsmith's server and the"
  echo "yt-dlp processes it started (finished, or still alive in a download slot), from the request to"
  echo "the end of the run (\`/proc/<pid>/stat\`)."
  echo "The machine is shared with other builds: its 1-minute load average was ${loads[*]} at the"
  echo "start and after each round, so wall times carry their noise; CPU times much less so."
  echo
  echo "| | wall, median (ms) | wall, rounds (ms) | CPU, median (ms) | CPU, rounds (ms) |"
  echo "|---|---|---|---|---|"
  echo "| yt-dlp by hand | $hand_ms | ${hand[*]} | $hand_cpu_ms | ${hand_cpu[*]} |"
  echo "| jobsmith, 1 download at a time | $one_ms | ${one[*]} | $one_cpu_ms | ${one_cpu[*]} |"
  echo "| jobsmith, 2 at a time (default) | $two_ms | ${two[*]} | $two_cpu_ms | ${two_cpu[*]} |"
  echo "| jobsmith, 4 at a time | $four_ms | ${four[*]} | $four_cpu_ms | ${four_cpu[*]} |"
  echo
  echo "- jobsmith against yt-dlp by hand (target: at most 1.1×): **$(ratio "$one_ms" "$hand_ms")×** with 1 download at a"
  echo "  time, **$(ratio "$two_ms" "$hand_ms")×** with the default 2. With 1 at a time jobsmith takes"
  echo "  $(per_video "$one_ms" "$hand_ms") s more a video, of which $(per_video "$one_cpu_ms" "$hand_cpu_ms") s more CPU."
  echo "- 4 at a time against 1 (target: at least 2.5× faster): **$(ratio "$one_ms" "$four_ms")×**."
  echo
  echo "### Where the time goes"
  echo
  echo "jobsmith's own yt-dlp runs, by hand with its argv on the same site: its listing (\`--dump-json"
  echo "--ignore-errors --max-downloads $videos\`, every page fetched and read with every extractor) takes"
  echo "**$list_ms ms** (CPU $list_cpu_ms ms); one of its downloads from the listing's line (the options above,"
  echo "\`--abort-on-error --load-info-json\`) takes **$download_ms ms** (median of ${#downloads[@]}: ${downloads[*]}; CPU"
  echo "$download_cpu_ms ms), where yt-dlp by hand spends $((hand_ms / videos)) ms a video; yt-dlp's start alone"
  echo "(\`--version\` with the same options: Python and yt-dlp's import) takes **$start_ms ms** (median of"
  echo "${#starts[@]}: ${starts[*]})."
  echo
  echo "- 1 at a time is $videos downloads one after the other in one download slot, the listing running"
  echo "  beside them: $one_ms ms, $slot_video_ms ms a video, where yt-dlp by hand spends $((hand_ms / videos)) ms and a"
  echo "  download in a yt-dlp process of its own $download_ms ms. The slot imported yt-dlp once, so a"
  echo "  video costs its transfer and yt-dlp's work on it, as in one yt-dlp by hand, and not yt-dlp's"
  echo "  start ($start_ms ms). 1.1× of yt-dlp by hand leaves $((hand_ms * 11 / 10 / videos)) ms a video."
  echo "  Two at a time, the default: $(ratio "$two_ms" "$hand_ms")×$([ $((two_ms * 10)) -le $((hand_ms * 11)) ] && echo ", within the target")."
  echo "- 4 at a time: at best the longer of the listing ($list_ms ms) and a quarter of 1 at a time"
  echo "  ($videos × $slot_video_ms / 4), so $four_model ms: 1 against 4 cannot exceed **$(ratio "$one_ms" "$four_model")×** here even on idle"
  echo "  cores; measured $(ratio "$one_ms" "$four_ms")×."
  echo
  cat <<'TEXT'
Before download slots, each download ran a yt-dlp process of its own, and what limited 1 at a
time was that process's start: the import of yt-dlp itself (its extractors' index, its
networking, cookies and email parsing), about 250 ms of CPU however Python is started, where
1.1× of yt-dlp by hand leaves about 190 ms a video over the mp4's transfer (about 770 ms here:
100 ms before its first byte, 1.3 MB at 2048 KiB/s). That run (2026-12-02, at a 1-minute load of
6.9 to 8.7 from other builds): 1 at a time **1.52×** yt-dlp by hand (66458 ms against 43602),
4 against 1 **2.02×**, CPU of 1 at a time 15300 ms. A download slot
(`shared/src/adapters/local/media/ytdlp/slot.rs` and `slot_worker.py`) is one Python process
that imports yt-dlp once, through the configured yt-dlp launcher, and runs each download with
yt-dlp's own `main` and the argv a process of its own would get, so each video keeps its own
exit code, stderr, failure class and retry; a cancel kills the slot's process group and the
next download starts another, and a slot idle for 30 s ends. A yt-dlp that is not a Python
script (a frozen binary build) still runs once per video.
TEXT
  echo
  echo "jobsmith's runs use several times the CPU of yt-dlp by hand ($one_cpu_ms against $hand_cpu_ms ms at 1 at a"
  echo "time): its listing alone takes $list_cpu_ms ms (by hand, above), as it reads every page with every"
  echo "extractor (\`--dump-json\` without \`--use-extractors\`: a profile's page may be any site's), where"
  echo "yt-dlp by hand, told \`--use-extractors generic\`, reads each page with one. The rest is the"
  echo "downloads' own work in their slot and the server's."
  echo
  echo "## Storing a 1 GiB video"
  echo
  echo "One video on the same site without latency or cap: 10 s of 1280x720 noise, MPEG-4 at 80 Mbit/s,"
  echo "stream-copied end to end by ffmpeg's concat demuxer into one mp4. One scrape run of a fresh"
  echo "server (2 downloads at a time) downloads it with yt-dlp and copies it into the object folder;"
  echo "the server's VmHWM (\`/proc/<pid>/status\`) is read once the run is over, yt-dlp's every 20 ms"
  echo "while it runs. Target: under 100 MB."
  echo
  echo "$big_line"
  echo
  echo "## Listing videos on 100,000 videos"
  echo
  echo "The ignored test \`shared/src/adapters/local/sqlite/bench_videos.rs\` (SQLite, 100,000 videos,"
  echo "every filter and two of them combined, offsets 0 and 1,000, 50 rounds each), run as"
  echo "\`$listing_cmd\`. The p99 of 50 rounds is their slowest, so it takes"
  echo "whatever the machine did meanwhile: load average ${listing_load:-?} (1, 5 and 15 minutes) just after."
  echo "Target: p99 under 20 ms; the worst p99 here: **${listing_worst:-?} ms**."
  echo
  echo '```'
  echo "$listing_block"
  echo '```'
} > bench/scrape.md
cat bench/scrape.md

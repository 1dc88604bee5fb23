#!/usr/bin/env bash
# Measures the local server against the performance targets. Not part of CI: it measures, the
# tests assert behaviour. Needs wrk (Debian package `wrk`). All traffic stays on 127.0.0.1.
#
#   bench/run.sh [JOBS]     JOBS: how many jobs to create for the listing test (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs_total=${1:-100000}
port=${BENCH_PORT:-18080}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release -p jobsmith >/dev/null
mkdir -p "$work/scripts" && echo 'exit 0' > "$work/scripts/noop.sh"

start=$(date +%s%N)
target/release/jobsmith serve --bind "127.0.0.1:$port" --data-dir "$work/data" --script-root "$work/scripts" \
  --log warn >"$work/out" 2>"$work/err" &
server=$!
until grep -q listening "$work/out" 2>/dev/null; do sleep 0.001; done
echo "serving after $(( ($(date +%s%N) - start) / 1000000 )) ms (process start to listening line)"

echo "creating $jobs_total jobs..."
python3 - "$base" "$jobs_total" <<'PY'
import json, sys, urllib.request, concurrent.futures
base, total = sys.argv[1], int(sys.argv[2])
def make(i):
    body = json.dumps({"job_id": f"bench-{i:06d}", "job_type": "bash", "script_path": "noop.sh",
                       "run_date": "2099-01-01T00:00:00"}).encode()
    req = urllib.request.Request(base + "/api/schedule-job", body, {"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(make, range(total)))
PY

run() { echo "== $1"; wrk -t2 -c64 -d10s --latency "$2" | grep -E 'Requests/sec|^ +(50|99)%'; }
run "GET /api/job/{id}" "$base/api/job/bench-000042"
last_page=$(( (jobs_total + 99) / 100 ))
run "GET /api/v1/scheduler/jobs first page" "$base/api/v1/scheduler/jobs?per_page=100&page=1"
run "GET /api/v1/scheduler/jobs last page" "$base/api/v1/scheduler/jobs?per_page=100&page=$last_page"
run "GET /api/v1/scheduler/jobs middle page" "$base/api/v1/scheduler/jobs?per_page=100&page=$(( last_page / 2 ))"

"""The soak: many interval jobs firing every minute for minutes on end, then an audit of what ran.

Every job runs a script that appends its execution id (`JOBSMITH_EXECUTION_ID`) to one file, so
what the children did can be held against what the server recorded:
- lost: a fire that was due well before the audit began and has no execution;
- doubled: two executions for one job and one due time, or one execution id written twice;
- unrecorded: a child that ran for an execution id the server does not know;
- silent: an execution recorded as succeeded whose child wrote nothing.
Resident memory and open file descriptors are sampled every few seconds for the whole run.
"""

import http.client
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from . import seed, servers

TICK_SCRIPT = "#!/bin/bash\nprintf '%s\\n' \"$JOBSMITH_EXECUTION_ID\" >> \"$1\"\n"
INTERVAL = timedelta(seconds=60)
# A fire due within this much of the audit's start may not have started yet on a loaded machine:
# it is neither counted as lost nor required.
SETTLE = timedelta(seconds=15)
SAMPLE_EVERY_S = 5


def run(work, jobs, minutes, log):
    folder = os.path.join(work, "soak")
    scripts = os.path.join(folder, "scripts")
    os.makedirs(scripts)
    with open(os.path.join(scripts, "tick.sh"), "w") as f:
        f.write(TICK_SCRIPT)
    ran_file = os.path.join(folder, "ran")
    server = servers.jobsmith(work, os.path.join(folder, "data"), scripts, name="jobsmith-soak").start()
    samples, stop_sampling = [], threading.Event()
    sampler = threading.Thread(target=_sample, args=(server, samples, stop_sampling), daemon=True)
    try:
        sampler.start()
        bodies = [{"id": f"soak-{i:05d}", "name": f"soak {i}", "taskFunction": "script.bash",
                   "jobType": "interval", "scheduleConfig": {"minutes": 1},
                   "taskArgs": {"script_path": "tick.sh", "args": [ran_file]}} for i in range(jobs)]
        created = time.monotonic()
        seed.post_all(server.base, "/api/v1/scheduler/jobs", bodies)
        log(f"   {jobs:,} jobs created in {time.monotonic() - created:.1f} s; soaking {minutes} min")
        # Bounded: the soak ends on its own after the stated minutes.
        time.sleep(minutes * 60)
        audit = _audit(server, jobs, ran_file)
    finally:
        stop_sampling.set()
        sampler.join()
        server.stop()
    audit.update(_flatness(samples))
    audit.update({"jobs": jobs, "minutes": minutes})
    return audit


def _sample(server, samples, stop):
    while not stop.wait(SAMPLE_EVERY_S):
        try:
            fds = len(os.listdir(f"/proc/{server.proc.pid}/fd"))
        except OSError:
            return
        samples.append((time.monotonic(), server.rss_mib(), fds))


def _flatness(samples):
    """The first and the last two minutes' medians, after the first minute (start-up, seeding)."""
    if len(samples) < 4:
        return {}
    start = samples[0][0]
    settled = [s for s in samples if s[0] - start >= 60] or samples
    window = max(1, int(120 / SAMPLE_EVERY_S))
    early, late = settled[:window], settled[-window:]

    def median(values):
        ordered = sorted(values)
        return ordered[len(ordered) // 2]

    return {"rss_early_mib": median(s[1] for s in early), "rss_late_mib": median(s[1] for s in late),
            "rss_max_mib": max(s[1] for s in samples), "fds_early": median(s[2] for s in early),
            "fds_late": median(s[2] for s in late), "fds_max": max(s[2] for s in samples)}


def _get(conn, path):
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
    return json.loads(body)


def _when(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _audit(server, jobs, ran_file):
    # Read first: every child writes its line after its execution is recorded, so each line
    # read now must name an execution that the listings below will show.
    with open(ran_file) as f:
        ran = [line.strip() for line in f if line.strip()]
    ran_set = set(ran)
    audit_start = datetime.now().astimezone()
    host = server.base.removeprefix("http://")
    ids = [f"soak-{i:05d}" for i in range(jobs)]

    def audit_jobs(chunk):
        conn = http.client.HTTPConnection(host, timeout=60)
        found = {"executions": 0, "lost": 0, "doubled": 0, "statuses": {}, "ids": [], "silent": 0}
        for job_id in chunk:
            job = _get(conn, f"/api/v1/scheduler/jobs/{job_id}")
            executions = []
            page = 1
            while True:
                listed = _get(conn, f"/api/v1/scheduler/jobs/{job_id}/executions?per_page=100&page={page}")
                executions += listed["executions"]
                if len(executions) >= listed["total"] or not listed["executions"]:
                    break
                page += 1
            due_times = [_when(e["scheduledTime"]) for e in executions]
            found["doubled"] += len(due_times) - len(set(due_times))
            first_due = _when(job["createdAt"]) + INTERVAL
            expected = 0
            while first_due + expected * INTERVAL <= audit_start - SETTLE:
                expected += 1
            wanted = {first_due + k * INTERVAL for k in range(expected)}
            found["lost"] += len(wanted - set(due_times))
            found["executions"] += len(executions)
            for e in executions:
                found["statuses"][e["status"]] = found["statuses"].get(e["status"], 0) + 1
                found["ids"].append(e["id"])
                settled = _when(e["scheduledTime"]) <= audit_start - SETTLE
                if settled and e["status"] == "success" and e["id"] not in ran_set:
                    found["silent"] += 1
        conn.close()
        return found

    with ThreadPoolExecutor(8) as pool:
        parts = list(pool.map(audit_jobs, [ids[i::8] for i in range(8)]))
    recorded = [i for p in parts for i in p["ids"]]
    statuses = {}
    for p in parts:
        for status, count in p["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "executions": len(recorded),
        "statuses": statuses,
        "lost": sum(p["lost"] for p in parts),
        "doubled": sum(p["doubled"] for p in parts) + len(ran) - len(set(ran)),
        "unrecorded": len(ran_set - set(recorded)),
        "silent": sum(p["silent"] for p in parts),
        "children": len(ran),
    }

"""Scheduler lateness: when each fired script started, against when it was due.

Every scheduler starts the same bash script with (due, stamps file); the script appends the due
time and bash's $EPOCHREALTIME to the file, so lateness is measured from inside the child, the same
way for jobsmith, APScheduler and the bare loop.
"""

import json
import math
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

from . import seed, servers

STAMP_SCRIPT = "#!/bin/bash\nprintf '%s %s\\n' \"$1\" \"$EPOCHREALTIME\" >> \"$2\"\n"
PEERS = os.path.join(servers.ROOT, "bench", "peers")


# Due times fall on whole milliseconds: jobsmith keeps times to the millisecond, and a finer due
# time stored cut down would let it start up to a millisecond before the time this file measures
# from.
def steady(rate, seconds, lead):
    start = whole_ms(time.time() + lead)
    return [f"{whole_ms(start + i / rate):.3f}" for i in range(int(rate * seconds))]


def instant(count, lead):
    due = f"{whole_ms(time.time() + lead):.3f}"
    return [due] * count


def whole_ms(seconds):
    return math.ceil(seconds * 1000) / 1000


def summary(stamps_path, dues):
    with open(stamps_path) as f:
        late_ms = sorted((float(stamp) - float(due)) * 1000 for due, stamp in (line.split() for line in f))
    if len(late_ms) != len(dues):
        raise RuntimeError(f"{len(late_ms)} of {len(dues)} scripts ran")
    return {"p50_ms": percentile(late_ms, 50), "p99_ms": percentile(late_ms, 99), "max_ms": late_ms[-1],
            "count": len(late_ms)}


def percentile(ordered, p):
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def write_script(folder):
    path = os.path.join(folder, "stamp.sh")
    with open(path, "w") as f:
        f.write(STAMP_SCRIPT)
    os.chmod(path, 0o755)
    return path


def wait_for_lines(path, count, deadline):
    while time.time() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                if sum(1 for _ in f) >= count:
                    return
        time.sleep(0.05)


def jobsmith(work, tag, dues_of):
    """dues_of(lead) gives the due times; the lead leaves time to create the jobs first."""
    folder = os.path.join(work, f"late-{tag}")
    scripts = os.path.join(folder, "scripts")
    os.makedirs(scripts)
    write_script(scripts)
    stamps = os.path.join(folder, "stamps")
    server = servers.jobsmith(work, os.path.join(folder, "data"), scripts, name=f"jobsmith-{tag}").start()
    try:
        # Creating the jobs takes time in proportion to their number (about 400 a second here).
        dues = dues_of(3 + len(dues_of(0)) / 400)
        bodies = [{"job_id": f"late-{i:06d}", "job_type": "bash", "script_path": "stamp.sh",
                   "run_date": iso(due), "args": [due, stamps]} for i, due in enumerate(dues)]
        seed.post_all(server.base, "/api/schedule-job", bodies)
        if time.time() > float(dues[0]):
            raise RuntimeError("creating the jobs took longer than their lead")
        wait_for_lines(stamps, len(dues), float(dues[-1]) + 60)
        return summary(stamps, dues)
    finally:
        server.stop()


def external(work, tag, program, dues_of):
    """APScheduler or the bare loop, each a Python program given the due times in a file."""
    folder = os.path.join(work, f"late-{tag}")
    os.makedirs(folder)
    script = write_script(folder)
    stamps, due_file = os.path.join(folder, "stamps"), os.path.join(folder, "dues")
    dues = dues_of(3)
    with open(due_file, "w") as f:
        f.write("\n".join(dues) + "\n")
    timeout = float(dues[-1]) - time.time() + 120
    done = subprocess.run([sys.executable, os.path.join(PEERS, program), script, stamps, due_file], check=True,
                          timeout=timeout, stdout=subprocess.PIPE, text=True)
    figures = summary(stamps, dues)
    # The bare loop says what its children, the scripts alone, cost in CPU.
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            figures.update(json.loads(line))
    return figures


def iso(due):
    return datetime.fromtimestamp(float(due), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")

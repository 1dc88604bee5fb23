"""APScheduler 3 firing the bench's stamp script: the peer for jobsmith's scheduler lateness.

  aps_lateness.py SCRIPT STAMPS DUE_FILE

DUE_FILE holds one due time a line (seconds since the epoch, with a fraction). Each job is a date
job whose function starts the script with Popen, as a user of APScheduler would write it, on a
BackgroundScheduler with 64 threads. Exits once every script has run.
"""

import subprocess
import sys
import time
from datetime import datetime, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler


def main():
    script, stamps, due_file = sys.argv[1:4]
    with open(due_file) as f:
        dues = [line.strip() for line in f if line.strip()]
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(64)},
        job_defaults={"misfire_grace_time": 3600, "coalesce": False},
        timezone=timezone.utc,
    )
    done = []

    def run(due):
        subprocess.Popen(["bash", script, due, stamps]).wait()
        done.append(due)

    for i, due in enumerate(dues):
        when = datetime.fromtimestamp(float(due), tz=timezone.utc)
        scheduler.add_job(run, "date", run_date=when, args=[due], id=f"j{i}")
    scheduler.start()
    deadline = time.monotonic() + float(dues[-1]) - time.time() + 120
    while len(done) < len(dues) and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.shutdown(wait=True)
    sys.exit(0 if len(done) == len(dues) else 1)


if __name__ == "__main__":
    main()

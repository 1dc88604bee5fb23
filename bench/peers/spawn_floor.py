"""The machine's floor for firing scripts: a bare loop that starts them at their due time.

  spawn_floor.py SCRIPT STAMPS DUE_FILE

No scheduler, no store, no threads: sleep until the next due time, Popen, go on; then reap them
all. What jobsmith or APScheduler take beyond this is their own. Prints the scripts' own CPU
(user and system, as reaped) as one JSON line: what any scheduler's children cost this machine.
"""

import json
import resource
import subprocess
import sys
import time


def main():
    script, stamps, due_file = sys.argv[1:4]
    with open(due_file) as f:
        dues = [line.strip() for line in f if line.strip()]
    children = []
    for due in dues:
        wait = float(due) - time.time()
        if wait > 0:
            time.sleep(wait)
        children.append(subprocess.Popen(["bash", script, due, stamps]))
    worst = max((child.wait() for child in children), default=0)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"scripts_cpu_ms": (reaped.ru_utime + reaped.ru_stime) * 1000}), flush=True)
    sys.exit(worst)


if __name__ == "__main__":
    main()

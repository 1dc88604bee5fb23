"""A download slot of jobsmith's scrape runs: one Python process that imports yt-dlp once and
then runs one download after another, each with the argv a yt-dlp process of its own would get.

Importing yt-dlp costs about a quarter of a second of CPU, more than many a video's transfer, so
a run keeps one of these per download slot instead of starting yt-dlp for every video.

    <the interpreter of yt-dlp's launcher> -c <this file> LAUNCHER IDLE_SECONDS

LAUNCHER is the yt-dlp executable jobsmith is configured with. It is run as a module (not as the
main one, so it does not start yt-dlp), which imports yt-dlp the way it would itself: a pip
console script from its environment, a zipapp from the zip, jobsmith's Lambda launcher from its
layer.

Protocol, one JSON object a line. Stdout carries only replies; whatever else would write to it
(yt-dlp itself, a child it starts) is sent to /dev/null or to the download's own capture.
    first reply:  {"ready": true, "version": "...", "pid": N}  or  {"ready": false, "error": "..."}
    request:      {"argv": [...], "cwd": "..."}
    reply:        {"code": N, "stdout": "...", "stderr": "..."}
The process ends when stdin closes, or after IDLE_SECONDS without a request.
"""

import io
import json
import os
import runpy
import select
import sys
import traceback

# The start of stderr says why a download failed; the rest is dropped as a process's would be.
STDERR_LIMIT = 256 * 1024


def reply(channel, message):
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def exit_code(code, stderr):
    """A SystemExit's code as a process's exit status, as Python itself turns it into one."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    stderr.write(f"{code}\n")
    return 1


def download(yt_dlp, request):
    stdout, stderr = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr
    try:
        os.chdir(request["cwd"])
        yt_dlp.main(request["argv"])
        code = 0
    except SystemExit as exited:
        code = exit_code(exited.code, stderr)
    except BaseException:  # a fault in yt-dlp fails this video alone, as its own process would
        traceback.print_exc(file=stderr)
        code = 1
    finally:
        sys.stdout, sys.stderr = saved
    return {"code": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()[:STDERR_LIMIT]}


def main():
    launcher, idle_seconds = sys.argv[1], float(sys.argv[2])
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    try:
        runpy.run_path(launcher, run_name="jobsmith_slot")
        import yt_dlp
        version = yt_dlp.version.__version__
    except BaseException as err:
        reply(channel, {"ready": False, "error": f"cannot import yt-dlp through {launcher}: {err!r}"})
        return 1
    reply(channel, {"ready": True, "version": version, "pid": os.getpid()})
    requests = sys.stdin.buffer
    while True:
        # One request at a time: the next comes only after this reply, so nothing waits in
        # the reader's buffer that select would not see.
        readable, _, _ = select.select([requests], [], [], idle_seconds)
        if not readable:
            return 0
        line = requests.readline()
        if not line:
            return 0
        reply(channel, download(yt_dlp, json.loads(line)))


sys.exit(main())

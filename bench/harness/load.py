"""HTTP load with wrk on loopback: requests a second and latency percentiles."""

import os
import re
import subprocess

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
POST_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "post.lua")


def _ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"wrk latency {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def wrk(url, seconds, connections=64, threads=2, body=None, prefix="p"):
    """One wrk run. With `body` (a JSON template with one %s for a unique id) every request is a POST."""
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    env = dict(os.environ)
    if body is not None:
        argv += ["-s", POST_SCRIPT]
        env.update(BENCH_BODY=body, BENCH_PREFIX=prefix)
    out = subprocess.run(argv + [url], capture_output=True, text=True, check=True, env=env).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    if rps is None or len(percentiles) != 2:
        raise RuntimeError(f"wrk gave no figures for {url}:\n{out}")
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "rps": float(rps.group(1)),
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
        "non_2xx": int(failed.group(1)) if failed else 0,
        "socket_errors": errors.group(1) if errors else "",
    }

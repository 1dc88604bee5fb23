"""Jobs created through each server's own API, over keep-alive connections from a few threads."""

import http.client
import json
from concurrent.futures import ThreadPoolExecutor


def post_all(base, path, bodies, threads=8):
    """POSTs every body; raises on the first answer that is not 2xx."""
    host_port = base.removeprefix("http://")
    chunks = [bodies[i::threads] for i in range(threads)]

    def send(chunk):
        conn = http.client.HTTPConnection(host_port, timeout=30)
        for body in chunk:
            conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
            response = conn.getresponse()
            text = response.read()
            if response.status // 100 != 2:
                raise RuntimeError(f"POST {path}: {response.status} {text[:200]!r}")
        conn.close()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, chunks))


def jobsmith_jobs(count, prefix="bench", script="noop.sh", run_date="2099-01-01T00:00:00"):
    return [{"job_id": f"{prefix}-{i:06d}", "job_type": "bash", "script_path": script, "run_date": run_date}
            for i in range(count)]


def peer_jobs(count, prefix="bench"):
    return [{"id": f"{prefix}-{i:06d}", "func": "flask_peer:noop", "trigger": "date",
             "run_date": "2099-01-01T00:00:00"} for i in range(count)]

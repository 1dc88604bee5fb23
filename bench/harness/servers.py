"""The processes a measurement runs: jobsmith, its peers and the floor, on free loopback ports."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
JOBSMITH = os.path.join(TARGET, "release", "jobsmith")
FLOOR = os.path.join(TARGET, "release", "bench-floor")
VENV_BIN = os.path.join(ROOT, ".venv-bench", "bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_of(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


class Server:
    """One server process group; `ready` is the path that answers 200 once it serves."""

    def __init__(self, name, argv, port, work, ready="/", env=None):
        self.name, self.argv, self.port, self.ready = name, argv, port, ready
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = os.path.join(work, f"{name}.log")
        self.env = {**os.environ, **(env or {})}
        self.proc = None
        self.started_after_ms = None

    def start(self, timeout=120.0):
        started = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=log, env=self.env, start_new_session=True)
        # Polled tightly: the time to the first 200 is one of the figures.
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            if status_of(self.base + self.ready, timeout=1.0) == 200:
                self.started_after_ms = (time.monotonic() - started) * 1000
                return self
            time.sleep(0.001)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {self.ready} within {timeout} s")

    def rss_mib(self):
        """Resident memory of the whole process group (gunicorn's master and workers together)."""
        total_kib = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[2]) != self.proc.pid:
                    continue
                with open(f"/proc/{pid}/status") as f:
                    total_kib += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            except (OSError, StopIteration, IndexError, ValueError):
                continue
        return total_kib / 1024

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def jobsmith(work, data_dir, scripts, name="jobsmith"):
    port = free_port()
    argv = [JOBSMITH, "serve", "--bind", f"127.0.0.1:{port}", "--data-dir", data_dir,
            "--script-root", scripts, "--log", "warn"]
    return Server(name, argv, port, work, ready="/api/health")


def flask_peer(work, db_path):
    port = free_port()
    argv = [os.path.join(VENV_BIN, "gunicorn"), "--workers", "2", "--threads", "4", "--bind",
            f"127.0.0.1:{port}", "--chdir", os.path.join(ROOT, "bench", "peers"), "--log-level", "warning",
            "flask_peer:app"]
    return Server("flask-apscheduler", argv, port, work, ready="/scheduler", env={"PEER_DB": db_path})


def floor(work, body_file):
    port = free_port()
    return Server("axum-floor", [FLOOR, f"127.0.0.1:{port}", body_file], port, work, ready="/api/job/x")

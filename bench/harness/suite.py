"""Every measurement of issue 12 that runs on one machine, each beside its peer in the same run."""

import os
import tempfile
import time
import urllib.request

from . import lambdas, lateness, load, seed, servers, soak


class Suite:
    def __init__(self, quick, rounds, seconds, big, log):
        self.quick, self.rounds, self.seconds, self.big, self.log = quick, rounds, seconds, big, log
        self.work = tempfile.mkdtemp(prefix="jobsmith-bench-")
        self.results = {}
        # Every server the sections start, so that one that fails half-way (a peer refusing
        # its seed) leaves none running: stop_all() runs at the end whatever happened.
        self.servers = []

    def section(self, name, run):
        self.log(f"== {name}")
        started = time.monotonic()
        self.results[name] = run()
        self.log(f"   {self.results[name]}  ({time.monotonic() - started:.0f} s)")

    def folder(self, name):
        path = os.path.join(self.work, name)
        os.makedirs(path, exist_ok=True)
        return path

    def alternate(self, contenders, measure):
        """Each contender measured `rounds` times, the order turned each round; the median round kept."""
        runs = {name: [] for name in contenders}
        names = list(contenders)
        for r in range(self.rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                runs[name].append(measure(contenders[name]))
        return {name: sorted(values, key=lambda v: v["rps"])[len(values) // 2] for name, values in runs.items()}

    def started(self, server):
        self.servers.append(server)
        return server.start()

    def stop_all(self):
        for server in self.servers:
            server.stop()

    def jobsmith_server(self, name, jobs):
        scripts = self.folder(f"{name}-scripts")
        with open(os.path.join(scripts, "noop.sh"), "w") as f:
            f.write("exit 0\n")
        server = self.started(servers.jobsmith(self.work, os.path.join(self.work, f"{name}-data"), scripts, name=name))
        if jobs:
            seed.post_all(server.base, "/api/schedule-job", seed.jobsmith_jobs(jobs))
        return server

    def peer_server(self, name, jobs):
        server = self.started(servers.flask_peer(self.work, os.path.join(self.work, f"{name}.sqlite")))
        if jobs:
            seed.post_all(server.base, "/scheduler/jobs", seed.peer_jobs(jobs))
        return server

    def run_http(self):
        ours, peer = self.jobsmith_server("jobsmith-http", 1000), self.peer_server("peer-http", 1000)
        body_file = os.path.join(self.work, "job.json")
        with open(body_file, "wb") as f:
            f.write(urllib.request.urlopen(ours.base + "/api/job/bench-000042").read())
        floor = self.started(servers.floor(self.work, body_file))
        try:
            self.section("get", lambda: self.alternate(
                {"jobsmith": ours.base + "/api/job/bench-000042",
                 "flask-apscheduler": peer.base + "/scheduler/jobs/bench-000042",
                 "axum-floor": floor.base + "/api/job/bench-000042"},
                lambda url: load.wrk(url, self.seconds)))
            counter = iter(range(10**6))
            self.section("post", lambda: self.alternate(
                {"jobsmith": (ours.base + "/api/schedule-job",
                              '{"job_id": "%s", "job_type": "bash", "script_path": "noop.sh", '
                              '"run_date": "2099-01-01T00:00:00"}'),
                 "flask-apscheduler": (peer.base + "/scheduler/jobs",
                                       '{"id": "%s", "func": "flask_peer:noop", "trigger": "date", '
                                       '"run_date": "2099-01-01T00:00:00"}')},
                lambda target: load.wrk(target[0], self.seconds, body=target[1], prefix=f"p{next(counter)}")))
        finally:
            for server in (ours, peer, floor):
                server.stop()

    def run_memory_and_listing(self):
        idle = {}
        for name, make in (("jobsmith", self.jobsmith_server), ("flask-apscheduler", self.peer_server)):
            server = make(f"{name}-idle", 0)
            time.sleep(1)  # let start-up work settle before reading resident memory
            idle[name] = server.rss_mib()
            server.stop()
        self.results["rss_idle"] = idle
        self.log(f"== rss idle: {idle}")

        ours = self.jobsmith_server("jobsmith-big", self.big)
        last = self.big // 50
        page = min(2000, last)
        try:
            self.section("listing", lambda: self.alternate(
                {"page 1": ours.base + "/api/v1/scheduler/jobs?per_page=50&page=1",
                 f"page {page}": ours.base + f"/api/v1/scheduler/jobs?per_page=50&page={page}"},
                # Few connections: this row is about each request's latency, not the server's throughput.
                lambda url: load.wrk(url, self.seconds, connections=4)))
            big_rss = {"jobsmith": ours.rss_mib()}
        finally:
            ours.stop()
        starts = []
        for _ in range(5):
            again = servers.jobsmith(self.work, os.path.join(self.work, "jobsmith-big-data"),
                                     self.folder("jobsmith-big-scripts"), name="jobsmith-restart").start()
            starts.append(again.started_after_ms)
            again.stop()
        self.results["startup_ms"] = sorted(starts)
        self.log(f"== start-up to first 200 with {self.big} jobs: {sorted(starts)}")
        peer = self.peer_server("peer-big", self.big)
        try:
            big_rss["flask-apscheduler"] = peer.rss_mib()
        finally:
            peer.stop()
        self.results["rss_big"] = big_rss
        self.log(f"== rss with {self.big} jobs: {big_rss}")

    def run_lateness(self, rate, seconds, instants):
        def steady(lead):
            return lateness.steady(rate, seconds, lead)

        self.section("lateness steady", lambda: {
            "floor": lateness.external(self.work, "steady-floor", "spawn_floor.py", steady),
            "jobsmith": lateness.jobsmith(self.work, "steady", steady),
            "apscheduler": lateness.external(self.work, "steady-aps", "aps_lateness.py", steady)})
        for count in instants:
            def at_once(lead, count=count):
                return lateness.instant(count, lead)

            self.section(f"lateness {count} at once", lambda: {
                "floor": lateness.external(self.work, f"floor-{count}", "spawn_floor.py", at_once),
                "jobsmith": lateness.jobsmith(self.work, f"instant-{count}", at_once),
                "apscheduler": lateness.external(self.work, f"aps-{count}", "aps_lateness.py", at_once)})

    def run_soak(self, jobs, minutes):
        self.section("soak", lambda: soak.run(self.work, jobs, minutes, self.log))

    def run_lambda(self):
        self.log("== lambda start-up (each function's progress below)")
        started = time.monotonic()
        self.results["lambda start"] = lambdas.startup(runs=3 if self.quick else 5)
        self.log(f"   ({time.monotonic() - started:.0f} s)")

    def run_sizes(self):
        self.results["lambda sizes"] = lambdas.sizes()
        self.log(f"== lambda sizes: {self.results['lambda sizes']}")

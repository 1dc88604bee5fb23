"""Things for schemathesis to find, made by infra/schemathesis.sh before its run: a scrape run's
stored videos, a clip cut from one of them, a scheduled scrape. Drawn from the document alone, no
path names a stored video, file, clip or schedule, so the routes that read or change one only
ever answered 404.

  schemathesis_seed.py BASE_URL API_KEY OUT.json

BASE_URL is a `jobsmith serve` whose profile scrapes read infra/scrape_fixture.py and which has
the media tools; the data directory it fills is the one schemathesis's server then opens.
OUT.json names what was made, by kind, for infra/schemathesis_hooks.py. Every wait is bounded.
Python standard library only.
"""

import json
import sys
import time
import urllib.parse
import urllib.request

VIDEOS = 3
LIMIT_S = 120
FILES_PREFIX = "/api/v1/files/"


class Api:
    def __init__(self, base, key):
        self.base, self.key = base.rstrip("/"), key

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"X-API-Key": self.key, "Content-Type": "application/json"}
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")


def wait_for(what, probe):
    deadline = time.monotonic() + LIMIT_S
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            sys.exit(f"schemathesis_seed.py: {what} not within {LIMIT_S} s")
        time.sleep(0.1)


def finished_run(api, run_id):
    detail = api.call("GET", f"/api/v1/jobs/{run_id}")
    return detail if detail["job"]["status"] in ("completed", "failed", "cancelled") else None


def file_key(link):
    path = urllib.parse.urlsplit(link).path
    if not path.startswith(FILES_PREFIX):
        sys.exit(f"schemathesis_seed.py: not a link of this server: {link}")
    return urllib.parse.unquote(path[len(FILES_PREFIX):])


def main(base, key, out):
    api = Api(base, key)
    run_id = api.call("POST", "/api/v1/jobs", {"mode": "profile", "value": "schemathesis", "limit": VIDEOS})["id"]
    detail = wait_for("the scrape run", lambda: finished_run(api, run_id))
    links = detail["drive_links"]
    if detail["job"]["status"] != "completed" or len(links) != VIDEOS:
        sys.exit(f"schemathesis_seed.py: the scrape run stored {len(links)} of {VIDEOS} videos: {detail['job']}")
    videos = [link["video_id"] for link in links]

    clip_job = api.call("POST", "/api/clips", {"video_id": videos[0], "segments": [{"start": 0, "end": 1}]})
    clip = wait_for(
        "the clip",
        lambda: next((c for c in api.call("GET", "/api/clips")["clips"] if c["job_id"] == clip_job["job_id"]), None),
    )

    scheduled = api.call(
        "POST",
        "/api/v1/scheduled-jobs",
        {"name": "schemathesis", "mode": "profile", "value": "schemathesis", "interval_minutes": 1440, "enabled": False},
    )

    known = {
        # The last video is the one to delete, so that deleting it leaves the others to read.
        "videos": videos[:-1],
        "video_to_delete": videos[-1:],
        "files": [file_key(link["video_link"]) for link in links] + [clip["key"]],
        "clips": [clip["filename"]],
        "scrape_runs": [run_id],
        "scheduled_scrapes": [scheduled["id"]],
    }
    with open(out, "w") as f:
        json.dump(known, f, indent=2)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    main(*sys.argv[1:])

"""Hooks for infra/schemathesis.sh: half of the bodies drawn for the three job-creating operations
are made into jobs the server accepts, and half of the paths that address a stored video, file,
clip or schedule name one that infra/schemathesis_seed.py made.

Drawn from the document alone, almost no body names a script inside the run's script root with
a future date or a valid schedule, or a stored video to clip, so almost no job is ever created,
and the stateful phase never reaches the operations that need one (pause, resume, trigger, run,
update, delete, the job's executions). The other half stays as drawn, so invalid bodies are
still tried. The choice is a function of the drawn body, as Hypothesis needs to replay a case.
"""

import json
import os
import re
import zlib

import schemathesis
from hypothesis import strategies as st

SCRIPT = "hello.sh"  # infra/schemathesis.sh writes it into the run's script root


def _load_known():
    path = os.environ.get("JOBSMITH_SCHEMATHESIS_KNOWN", "")
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


# What infra/schemathesis_seed.py stored, by kind; empty when nothing was.
KNOWN = _load_known()

JOB_ID = re.compile(r"^[0-9A-Za-z._-]{1,64}$")


def _fingerprint(body):
    return zlib.crc32(json.dumps(body, sort_keys=True, default=str).encode())


def _job_id(value, fingerprint):
    if isinstance(value, str) and JOB_ID.match(value) and value != "all":
        return value
    return "st-%08x" % fingerprint


def _seed_001_job(body, fingerprint):
    body = dict(body)
    body["job_id"] = _job_id(body.get("job_id"), fingerprint)
    body["job_type"] = "bash"
    body["script_path"] = SCRIPT
    body["run_date"] = "2099-01-01T00:00:00"
    if not (isinstance(body.get("args"), list) and all(isinstance(arg, str) for arg in body["args"])):
        body.pop("args", None)
    return body


def _seed_004_job(body, _fingerprint):
    body = dict(body)
    if "id" in body and not (isinstance(body["id"], str) and JOB_ID.match(body["id"])):
        del body["id"]
    name = body.get("name")
    if not (isinstance(name, str) and name.strip() and len(name) <= 255):
        body["name"] = "schemathesis job"
    for key in ("taskFunctionId", "jobTypeId", "jobType"):
        body.pop(key, None)
    body["taskFunction"] = "script.bash"
    body["scheduleConfig"] = {"hours": 6}
    body["taskArgs"] = {"script_path": SCRIPT}
    return body


def _clip_job(body, fingerprint):
    videos = KNOWN.get("videos")
    if not videos:
        return body
    # Only the fields a clip of a stored video takes: the route refuses any other.
    clip = {"video_id": videos[fingerprint % len(videos)], "segments": [{"start": 0, "end": 1}]}
    if body.get("accuracy") in ("copy", "exact"):
        clip["accuracy"] = body["accuracy"]
    return clip


CREATES = {
    ("POST", "/api/schedule-job"): _seed_001_job,
    ("POST", "/api/v1/scheduler/jobs"): _seed_004_job,
    ("POST", "/api/clips"): _clip_job,
}


@schemathesis.hook
def map_body(ctx, body):
    operation = ctx.operation
    make_valid = CREATES.get((operation.method.upper(), operation.path)) if operation else None
    if make_valid is None or not isinstance(body, dict):
        return body
    fingerprint = _fingerprint(body)
    return make_valid(body, fingerprint) if fingerprint % 2 == 0 else body


# (method, path) -> (path parameter, kind in KNOWN). Deleting a video is given a video of its
# own, so that the hooks never hand it one the reads are given.
ADDRESSED = {
    ("GET", "/api/v1/videos/{video_id}"): ("video_id", "videos"),
    ("PUT", "/api/v1/videos/{video_id}/pin"): ("video_id", "videos"),
    ("DELETE", "/api/v1/videos/{video_id}/pin"): ("video_id", "videos"),
    ("POST", "/api/v1/videos/{video_id}/retry"): ("video_id", "videos"),
    ("DELETE", "/api/v1/videos/{video_id}"): ("video_id", "video_to_delete"),
    ("GET", "/api/v1/files/{key}"): ("key", "files"),
    ("DELETE", "/api/clips/{filename}"): ("filename", "clips"),
    ("POST", "/api/v1/jobs/{job_id}/cancel"): ("job_id", "scrape_runs"),
    ("GET", "/api/v1/scheduled-jobs/{job_id}"): ("job_id", "scheduled_scrapes"),
    ("PATCH", "/api/v1/scheduled-jobs/{job_id}"): ("job_id", "scheduled_scrapes"),
    ("POST", "/api/v1/scheduled-jobs/{job_id}/toggle"): ("job_id", "scheduled_scrapes"),
}

# What infra/schemathesis.sh runs first, on its own: every operation above but the two that
# remove a seeded thing for good. Schemathesis reuses the ids it reads in answers, so run
# beside the others these would delete every seeded video and the clip, not only their own.
FIRST_RUN = sorted(
    f"{method} {path}"
    for method, path in ADDRESSED
    if (method, path) not in {("DELETE", "/api/v1/videos/{video_id}"), ("DELETE", "/api/clips/{filename}")}
)


@schemathesis.hook
def flatmap_path_parameters(ctx, path_parameters):
    operation = ctx.operation
    addressed = ADDRESSED.get((operation.method.upper(), operation.path)) if operation else None
    values = KNOWN.get(addressed[1]) if addressed else None
    if not values or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    name = addressed[0]
    return st.one_of(
        st.just(path_parameters),
        st.sampled_from(values).map(lambda value: {**path_parameters, name: value}),
    )

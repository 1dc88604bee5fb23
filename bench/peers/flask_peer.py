"""Flask-APScheduler's own REST API over an SQLite job store: the peer for jobsmith's job routes.

Served by gunicorn (2 workers x 4 threads), as a small deployment of it would be. Every worker runs
the scheduler paused, so the REST API reads and writes the shared job store and nothing fires.
"""

import fcntl
import os

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from flask import Flask
from flask_apscheduler import APScheduler


def noop(*_args):
    """What every peer job would run; the bench never lets one fire."""


class Config:
    SCHEDULER_API_ENABLED = True
    SCHEDULER_JOBSTORES = {"default": SQLAlchemyJobStore(url="sqlite:///" + os.environ["PEER_DB"])}


app = Flask(__name__)
app.config.from_object(Config)
scheduler = APScheduler()
scheduler.init_app(app)
# The job store creates its table on start when it finds none; two workers starting on a new
# database both find none, and the slower one's CREATE TABLE fails and takes gunicorn down.
with open(os.environ["PEER_DB"] + ".lock", "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    scheduler.start(paused=True)

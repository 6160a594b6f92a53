"""/healthz and /readyz as a balancer and an on-call engineer use them: on the real PostgreSQL and a real Redis
with rq's own worker registry, each dependency taken away in turn and named in the answer."""

from __future__ import annotations

import time

import pytest
from rq import Worker
from sqlalchemy import func, select

from crm.models import AuditLog
from crm.platform import health, jobs, sweeps
from crm.platform.extensions import db
from tests.conftest import UNREACHABLE_DATABASE_URL, make_app

pytestmark = pytest.mark.pg


def _ready(app):
    answer = app.test_client().get("/readyz")
    return answer.status_code, answer.get_json()


def test_healthz_answers_without_a_login_and_leaves_no_audit_row(app):
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_ready_once_the_sweeps_have_run_and_every_check_is_named(app):
    status, body = _ready(app)
    assert status == 503 and body["failed"] == ["sweeps"]  # a process whose sweeps never ran is not ready
    assert "flask sweep loop" in body["checks"]["sweeps"]["error"]

    sweeps.run_guarded(app)
    status, body = _ready(app)
    assert status == 200 and body["status"] == "ready" and body["failed"] == []
    assert set(body["checks"]) == {"database", "redis", "jobs", "sweeps"}


def test_sweeps_that_stopped_a_while_ago_make_the_process_not_ready(app, monkeypatch):
    sweeps.run_guarded(app)
    later = time.time() + health.SWEEP_STALE_SECONDS + 5
    monkeypatch.setattr(health.time, "time", lambda: later)
    status, body = _ready(app)
    assert status == 503 and body["failed"] == ["sweeps"] and "last ran" in body["checks"]["sweeps"]["error"]


def test_an_unreachable_database_is_named_without_telling_where_it_is(tmp_path, app):
    down = make_app(tmp_path, DATABASE_URL=UNREACHABLE_DATABASE_URL)
    health.mark_sweep_pass(down)
    status, body = _ready(down)
    assert status == 503 and body["failed"] == ["database"]
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert "127.0.0.1" not in str(body) and "postgres" not in str(body).lower()


@pytest.mark.redis
def test_the_job_queue_needs_a_live_worker_and_no_old_job_and_redis_itself(tmp_path, redis_server):
    app = make_app(tmp_path, REDIS_URL=redis_server.url, JOBS_EAGER=False)
    sweeps.run_guarded(app)
    with app.app_context():
        runner = app.extensions["sampark_jobs"]
    assert isinstance(runner, jobs.RqRunner)

    status, body = _ready(app)
    assert status == 503 and body["failed"] == ["jobs"] and body["checks"]["jobs"]["workers"] == 0
    assert "no worker" in body["checks"]["jobs"]["error"]

    worker = Worker([runner.queue], connection=runner.queue.connection, name="health-test-worker")
    worker.register_birth()  # what a starting rq worker writes to Redis
    status, body = _ready(app)
    assert status == 200 and body["checks"]["jobs"] | {"ok": True} == {"ok": True, "workers": 1, "queued": 0,
                                                                         "lag_seconds": 0.0}

    with app.app_context():
        jobs.enqueue("crm.platform.sweeps.run_once", job_id="health-old-job")
    status, body = _ready(app)
    assert status == 200 and body["checks"]["jobs"]["queued"] == 1  # a job just queued is no lag
    late = time.time() + health.JOB_LAG_SECONDS + 5
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(health.time, "time", lambda: late)
        status, body = _ready(app)
    assert status == 503 and "jobs" in body["failed"] and "has waited" in body["checks"]["jobs"]["error"]

    worker.register_death()
    redis_server.stop()
    status, body = _ready(app)
    assert status == 503 and {"redis", "jobs"} <= set(body["failed"])
    assert body["checks"]["redis"]["error"] in {"ConnectionError", "TimeoutError"}

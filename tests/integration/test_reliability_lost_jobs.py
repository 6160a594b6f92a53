"""A reply whose send job was lost in rq is found again by the sweep within a minute, not rq's ten.

Two ways rq keeps a job it will not run for ten minutes: the worker that started it was killed before
it claimed its message (the job stays 'started' until rq's maintenance), and a retry waits in the
scheduled registry while no scheduler runs. The sweep, which skipped every job rq still listed, now
queues such a job again (a copy that runs anyway sends nothing twice). On PostgreSQL with a real
`flask worker` process and a Redis server of the test's own.
"""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from sqlalchemy import select

from crm.models import Message
from crm.models.base import utcnow
from crm.platform import jobs, outbox, sweeps
from crm.platform.extensions import db
from tests.conftest import PG_URL
from tests.live import eventually
from tests.telephony.twilio_sign import post

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.pg, pytest.mark.redis]
WITHIN_A_MINUTE = timedelta(seconds=45)  # the sweep runs every 5 s: found again well within a minute


def _reply_pending(app, redis_url: str) -> int:
    app.extensions["sampark_jobs"] = jobs.RqRunner(redis_url)
    params = {"MessageSid": "SM" + "7" * 32, "From": "+919877700081", "To": "+911800112233", "Body": "bukhar hai"}
    assert post(app.test_client(), "/telephony/sms", params).status_code == 200
    with app.app_context():
        return db.session.scalar(select(Message.id).where(Message.direction == "outbound"))


def _job_status(redis_url: str, message_id: int) -> str:
    return Job.fetch(outbox.job_id(message_id), connection=Redis.from_url(redis_url)).get_status()


def test_a_reply_whose_worker_was_killed_before_it_claimed_it_is_queued_again(tmp_path, pg_app, pg_database,
                                                                               redis_server):
    message_id = _reply_pending(pg_app, redis_server.url)
    env = {**os.environ, "DATABASE_URL": pg_database, "REDIS_URL": redis_server.url, "TELEPHONY": "emulator",
           "EMULATOR_URL": "http://127.0.0.1:9/emulator", "SECRET_KEY": "worker-secret",
           "PUBLIC_BASE_URL": "http://127.0.0.1:9", "PYTHONPATH": str(ROOT), "SAMPARK_ENV": "testing",
           "INSTANCE_PATH": str(tmp_path / "worker-instance")}
    name = pg_database.rsplit("/", 1)[1]
    with psycopg.connect(PG_URL.rsplit("/", 1)[0] + f"/{name}") as holder:
        # The message row is held, so the worker's claim waits: it has started the job and claimed nothing.
        holder.execute("SELECT id FROM message WHERE id = %s FOR UPDATE", (message_id,))
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            assert eventually(lambda: _job_status(redis_server.url, message_id) == "started", timeout=90)
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        holder.rollback()
    with pg_app.app_context():
        assert db.session.get(Message, message_id).status == "pending"
        assert sweeps.requeue_lost_sms(utcnow()) == 0  # just started: its worker may be alive
        db.session.rollback()
        assert sweeps.requeue_lost_sms(utcnow() + WITHIN_A_MINUTE) == 1
        outbox._enqueue([message_id])  # what the sweep's commit does
    assert _job_status(redis_server.url, message_id) == "queued"


def test_a_retry_left_in_rqs_scheduled_registry_is_queued_again_when_no_scheduler_moves_it(pg_app, redis_server):
    message_id = _reply_pending(pg_app, redis_server.url)
    queue = Queue("default", connection=Redis.from_url(redis_server.url))
    queue.remove(outbox.job_id(message_id))
    # rq's retry of a failed send: due in 10 s, moved to the queue only by a running scheduler (none here).
    queue.enqueue_in(timedelta(seconds=10), jobs.run, "telephony.jobs.send_message", message_id,
                     job_id=outbox.job_id(message_id))
    assert _job_status(redis_server.url, message_id) == "scheduled"
    with pg_app.app_context():
        assert sweeps.requeue_lost_sms(utcnow() + timedelta(seconds=20)) == 0  # not overdue yet
        db.session.rollback()
        assert sweeps.requeue_lost_sms(utcnow() + WITHIN_A_MINUTE) == 1

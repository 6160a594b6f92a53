"""The production path: PostgreSQL, jobs on rq run by a real `rq worker` process, Redis between them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue

from crm.models import Message
from crm.platform.extensions import db
from telephony.emulator.driver import Phone
from tests.conftest import REDIS_URL
from tests.live import eventually, served

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.pg, pytest.mark.redis]


@pytest.fixture
def production_like(tmp_path, pg_database):
    Redis.from_url(REDIS_URL).flushdb()
    with served(tmp_path, DATABASE_URL=pg_database, REDIS_URL=REDIS_URL, JOBS_EAGER=False) as (app, base):
        yield app, base
        with app.app_context():
            db.drop_all()


def _worker(app, base) -> subprocess.CompletedProcess:
    """One real rq worker process, configured only through the environment, like production."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": REDIS_URL,
           "PUBLIC_BASE_URL": base, "EMULATOR_URL": f"{base}/emulator", "TELEPHONY": "emulator",
           "SECRET_KEY": "worker-secret", "CARD_SIGNING_KEY_FILE": app.config["CARD_SIGNING_KEY_FILE"],
           "INSTANCE_PATH": app.instance_path,
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", REDIS_URL, "default"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_sms_reply_is_sent_by_an_rq_worker_exactly_once(production_like):
    app, base = production_like
    phone = Phone(f"{base}/emulator", "+919888888888")
    phone.text("bukhar hai teen din se")
    queue = Queue("default", connection=Redis.from_url(REDIS_URL))
    assert eventually(lambda: queue.count == 1), "the reply was not queued on rq"
    with app.app_context():
        (reply,) = db.session.scalars(db.select(Message).where(Message.direction == "outbound")).all()
        assert reply.status == "pending" and reply.sid is None  # nothing sent by the web process

    worker = _worker(app, base)
    assert worker.returncode == 0, worker.stderr[-2000:]
    text = phone.wait_for_text("Case SMP-", timeout=10)
    assert "Sampark: aapka sandesh mil gaya" in text["body"]

    def delivered():
        with app.app_context():
            message = db.session.get(Message, reply.id)
            return message.status == "delivered" and message

    assert eventually(delivered, timeout=15)
    # Run the same job again (a retry after a crash would): nothing is sent twice.
    queue.enqueue("crm.platform.jobs.run", "telephony.jobs.send_message", reply.id)
    assert _worker(app, base).returncode == 0
    assert len([m for m in phone.thread() if "Case SMP-" in m.get("body", "")]) == 1

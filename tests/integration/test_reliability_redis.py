"""Redis outages and the job worker, on a Redis server of the test's own (never the machine's 6379).

A job costs milliseconds (the app is built once), is queued at most once, the SMS webhook answers
200 while Redis is down and the sweep sends what Redis would have carried once it is back, and the
worker (`flask worker`) outlives the outage by itself.
"""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from crm.models import Message
from crm.models.base import utcnow
from crm.platform import jobs, sweeps, unit_of_work
from crm.platform.extensions import db
from tests.conftest import app_with_schema
from tests.live import eventually, free_port
from tests.telephony.twilio_sign import post

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.redis


class OwnRedis:
    """A throwaway redis-server on a spare loopback port that a test may stop and start again."""

    def __init__(self, tmp_path: Path) -> None:
        self.port, self.dir, self.process = free_port(), tmp_path, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) the server and wait until it answers."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert eventually(self._answers, timeout=10), "redis-server did not start"

    def stop(self) -> None:
        """Kill it, as an outage would."""
        self.process.kill()
        self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            return Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
        except OSError:
            return False
        except Exception:  # noqa: BLE001 - redis' own ConnectionError while it starts
            return False


@pytest.fixture
def rq_app(tmp_path, redis_server):
    with app_with_schema(tmp_path, REDIS_URL=redis_server.url, JOBS_EAGER=False) as app:
        yield app


def _text(client, body: str, sender: str = "+919866600001", n: int = 1):
    params = {"MessageSid": f"SM{n:032x}", "From": sender, "To": "+911800112233", "Body": body}
    return post(client, "/telephony/sms", params)


def test_the_sms_webhook_answers_200_in_a_redis_outage_and_the_sweep_queues_the_reply_when_redis_is_back(
        rq_app, redis_server):
    redis_server.stop()
    started = time.monotonic()
    response = _text(rq_app.test_client(), "papa ko seene me dard hai")
    assert response.status_code == 200 and time.monotonic() - started < 5
    (advice,) = db.session.scalars(select(Message).where(Message.direction == "outbound")).all()
    assert advice.status == "pending" and advice.kind == "advice"
    soon = utcnow() + sweeps.STALE_SMS
    assert sweeps.run_once(soon)["sms_requeued"] == 0  # Redis still down: nothing to do, nothing raised
    unit_of_work.rollback()
    redis_server.start()
    assert sweeps.run_once(soon)["sms_requeued"] == 1
    unit_of_work.commit()
    queue = Queue("default", connection=Redis.from_url(redis_server.url))
    assert queue.job_ids == [f"sms-{advice.id}"]


def test_a_reply_is_queued_once_however_often_the_sweep_runs(rq_app, redis_server):
    _text(rq_app.test_client(), "bukhar hai teen din se")
    queue = Queue("default", connection=Redis.from_url(redis_server.url))
    assert queue.count == 1
    for seconds in (20, 25, 30, 60, 120):  # the drill: every 5 s the old sweep pushed it again
        sweeps.run_once(utcnow() + timedelta(seconds=seconds))
        unit_of_work.commit()
    assert queue.count == 1 and len(Redis.from_url(redis_server.url).lrange(queue.key, 0, -1)) == 1


def test_jobs_run_in_milliseconds_without_building_the_app_again(rq_app, redis_server, monkeypatch):
    import crm.app
    from crm.platform import worker

    client = rq_app.test_client()
    for n in range(20):
        _text(client, f"khansi hai {n}", sender=f"+9198666{n:05d}", n=100 + n)
    built = []
    monkeypatch.setattr(crm.app, "create_app", lambda *a, **k: built.append(1))
    rq_app.config["TELEPHONY"] = "emulator"
    sent = []
    monkeypatch.setattr("telephony.gateway.send_message", lambda message, text=None: sent.append(message.id) or f"SM{message.id:032x}")
    started = time.monotonic()
    worker.serve(rq_app, redis_server.url, with_scheduler=False, burst=True)
    elapsed = time.monotonic() - started
    db.session.remove()
    assert built == [] and len(sent) == 20
    assert elapsed / 20 < 0.25, f"{elapsed / 20 * 1000:.0f} ms a job"
    assert db.session.scalar(select(Message.status).where(Message.direction == "outbound").limit(1)) == "queued"
    jobs.use_app(None)


def test_the_worker_outlives_a_redis_outage_and_runs_what_is_queued_after_it(tmp_path, redis_server):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/worker.db", "REDIS_URL": redis_server.url, "TELEPHONY": "emulator",
           "EMULATOR_URL": "http://127.0.0.1:9/emulator", "SECRET_KEY": "worker-secret",
           "PUBLIC_BASE_URL": "http://127.0.0.1:9", "PYTHONPATH": str(ROOT), "SAMPARK_ENV": "testing",
           "INSTANCE_PATH": str(tmp_path / "instance")}  # never the checkout's instance/
    marker = tmp_path / "ran"
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        queue = Queue("default", connection=Redis.from_url(redis_server.url))
        queue.enqueue("crm.platform.jobs.run", "tests.integration.jobs_for_tests.touch", str(marker) + "-1")
        assert eventually(lambda: Path(str(marker) + "-1").exists(), timeout=90), "the worker ran no job"
        redis_server.stop()
        time.sleep(3)
        assert worker.poll() is None, "the worker quit during the Redis outage"
        redis_server.start()
        queue = Queue("default", connection=Redis.from_url(redis_server.url))
        queue.enqueue("crm.platform.jobs.run", "tests.integration.jobs_for_tests.touch", str(marker) + "-2")
        assert eventually(lambda: Path(str(marker) + "-2").exists(), timeout=40), "no job ran after Redis came back"
    finally:
        worker.terminate()
        try:
            output = worker.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0] + "\n(did not stop on SIGTERM)"
    assert worker.returncode == 0, output[-3000:]

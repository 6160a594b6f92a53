"""rq's retry scheduler and the workers' registrations come back by themselves, within a minute or two.

Every send retry (rq's Retry) waits in rq's scheduled registry until rq's scheduler moves it to the queue.
That scheduler is one process of one worker; rq started it again only at its 10-minute maintenance, so a
Redis restart or the death of its worker stopped every retry for up to ten minutes, and a Redis restarted
empty left the workers working but unregistered (`rq info`: 0 workers). Real `flask worker` processes on a
Redis server of the test's own.
"""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Worker

from tests.conftest import TEST_DATABASE
from tests.live import eventually

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.redis
LOCK = "rq:scheduler-lock:default"


def _worker(tmp_path, redis_url: str, n: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": TEST_DATABASE.url(), "REDIS_URL": redis_url,
           "TELEPHONY": "emulator", "EMULATOR_URL": "http://127.0.0.1:9/emulator", "SECRET_KEY": "worker-secret",
           "PUBLIC_BASE_URL": "http://127.0.0.1:9", "PYTHONPATH": str(ROOT), "SAMPARK_ENV": "testing",
           "INSTANCE_PATH": str(tmp_path / f"instance-{n}")}
    # Its own process group: killing it kills its scheduler process too, as a machine or container dying would.
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


def _retry_runs(redis_url: str, marker: Path, timeout: float) -> bool:
    """A job waiting in rq's scheduled registry (as a send retry does) is run within `timeout` seconds."""
    queue = Queue("default", connection=Redis.from_url(redis_url))
    queue.enqueue_in(timedelta(seconds=1), "crm.platform.jobs.run", "tests.integration.jobs_for_tests.touch", str(marker))
    return bool(eventually(marker.exists, timeout=timeout, interval=0.5))


def test_after_a_redis_restart_the_workers_are_registered_again_and_retries_run(tmp_path, redis_server):
    workers = [_worker(tmp_path, redis_server.url, n) for n in (1, 2)]
    try:
        redis = Redis.from_url(redis_server.url)
        assert eventually(lambda: len(Worker.all(connection=redis)) == 2, timeout=90), "the workers did not start"
        assert _retry_runs(redis_server.url, tmp_path / "before", timeout=30)
        redis_server.stop()
        redis_server.start()  # empty: no registrations, no scheduler lock
        redis = Redis.from_url(redis_server.url)
        assert eventually(lambda: len(Worker.all(connection=redis)) == 2, timeout=60), "workers not registered again"
        assert _retry_runs(redis_server.url, tmp_path / "after", timeout=60), "no scheduler after the Redis restart"
    finally:
        for worker in workers:
            _stop(worker)


def test_when_the_worker_running_the_scheduler_is_killed_another_takes_it_over(tmp_path, redis_server):
    redis = Redis.from_url(redis_server.url)
    holder = _worker(tmp_path, redis_server.url, 1)
    other = None
    try:
        assert eventually(lambda: redis.exists(LOCK), timeout=90), "the first worker started no scheduler"
        other = _worker(tmp_path, redis_server.url, 2)
        assert eventually(lambda: len(Worker.all(connection=redis)) == 2, timeout=90)
        _stop(holder)  # with its scheduler process
        # rq holds the lock for its scheduler's interval + 60 s (no setting changes that); nobody renews the dead
        # holder's, so it would lapse within a minute. It is made to lapse now rather than waited for.
        assert redis.ttl(LOCK) > 5, "the dead holder's lock is already gone: this test would not test a takeover"
        redis.pexpire(LOCK, 500)
        assert _retry_runs(redis_server.url, tmp_path / "after", timeout=120), "no scheduler after its worker died"
    finally:
        _stop(holder)
        if other is not None:
            _stop(other)

"""crm.platform.serving_threads: a serving process's request threads all start before the first request."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from crm.config import ENV_KEYS
from crm.platform import serving_threads
from tests.conftest import REDIS_URL, TEST_DATABASE
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_every_thread_of_the_pool_is_started_and_stays():
    pool = ThreadPoolExecutor(max_workers=12)
    try:
        before = threading.active_count()
        assert serving_threads.start_all(pool, 12) == 12
        assert threading.active_count() == before + 12
        release = threading.Event()
        busy = [pool.submit(release.wait, 5) for _ in range(12)]  # a peak of 12 requests at once
        release.set()
        assert all(f.result() for f in busy) and threading.active_count() == before + 12  # no thread more
    finally:
        pool.shutdown()


@pytest.mark.pg
@pytest.mark.redis
def test_gunicorn_starts_them_in_the_serving_process(tmp_path):
    """gunicorn.conf.py as production runs it: before any request, the serving process holds all its threads."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS} | {
        "BIND": f"127.0.0.1:{port}", "GUNICORN_THREADS": "40", "SWEEPS_IN_WEB": "0", "SAMPARK_ENV": "development",
        "SECRET_KEY": "s" * 40, "DATABASE_URL": TEST_DATABASE.url(), "REDIS_URL": REDIS_URL,
        "INSTANCE_PATH": str(tmp_path / "instance"), "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    log = (tmp_path / "gunicorn.log").open("w")
    master = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (children := _children(master.pid)) or _threads(children[0]) < 40:
            assert master.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.2)
        assert _threads(children[0]) >= 41  # its 40 request threads, besides its main thread (and the publisher's)
    finally:
        master.terminate()
        master.wait(timeout=30)
        log.close()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _threads(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except FileNotFoundError:
        return 0

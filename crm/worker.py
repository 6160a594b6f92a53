"""The job worker: the app built once, jobs run in this process, and it outlives Redis outages.

`flask --app wsgi worker` (or `python -m crm.worker`) runs it. rq's default worker forks a work-horse
per job, so an app cached inside the job was built again for every job (1.4-2.0 s each); here the app
is built before the first job and rq's SimpleWorker runs each job in this process (milliseconds).
rq's work loop quits on a lost Redis connection ("found an unhandled exception, quitting"): this loop
waits for Redis to come back and starts a fresh worker, so nobody has to restart it. A database outage
only fails the jobs that run during it; rq retries them and the sweeps find what retries missed.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import redis
from flask import Flask

from crm import jobs

log = logging.getLogger(__name__)
_stop = threading.Event()  # SIGTERM / SIGINT seen: finish the current job and leave
WORKER_TTL = 35  # seconds: rq blocks up to WORKER_TTL - 15 s on the queue, under the socket timeout below
SOCKET_TIMEOUT = 30


def connect(url: str) -> redis.Redis:
    """A Redis client for the worker: gives up on a dead connection instead of hanging on it."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=SOCKET_TIMEOUT,
                                health_check_interval=10)


def wait_for_redis(connection: redis.Redis, max_wait: float = 10.0) -> None:
    """Block until Redis answers a PING, waiting longer between tries (up to `max_wait` seconds)."""
    wait = 0.5
    while True:
        try:
            connection.ping()
            return
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            log.warning("Redis unreachable (%s); trying again in %.1f s", exc, wait)
            time.sleep(wait)
            wait = min(wait * 2, max_wait)


def _ask_to_stop(signum, frame) -> None:
    from rq.exceptions import StopRequested

    _stop.set()
    raise StopRequested()


def _worker_class():
    from rq.worker import SimpleWorker

    class HelplineWorker(SimpleWorker):
        """rq's in-process worker that also tells the loop below that a stop was asked for."""

        def request_stop(self, signum, frame) -> None:
            _stop.set()
            super().request_stop(signum, frame)

    return HelplineWorker


def serve(app: Flask, redis_url: str, queues: tuple[str, ...] = ("default",), with_scheduler: bool = True,
          burst: bool = False) -> None:
    """Run jobs until asked to stop (SIGTERM / SIGINT), riding out Redis outages (`burst`: until empty)."""
    jobs.use_app(app)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)} if in_main_thread else {}
    try:
        _serve(connection=connect(redis_url), queues=queues, with_scheduler=with_scheduler, burst=burst,
               in_main_thread=in_main_thread)
    finally:
        for signum, handler in previous.items():  # as they were (a test runner keeps its Ctrl-C)
            signal.signal(signum, handler)


def _serve(connection: redis.Redis, queues: tuple[str, ...], with_scheduler: bool, burst: bool,
           in_main_thread: bool) -> None:
    from rq.exceptions import StopRequested

    worker_class = _worker_class()
    _stop.clear()
    while not _stop.is_set():
        try:
            if in_main_thread:
                signal.signal(signal.SIGTERM, _ask_to_stop)  # rq installs its own inside work()
                signal.signal(signal.SIGINT, _ask_to_stop)
            wait_for_redis(connection)
            worker = worker_class(list(queues), connection=connection, worker_ttl=WORKER_TTL)
            worker.work(burst=burst, with_scheduler=with_scheduler)
            if burst or worker._stop_requested or _stop.is_set():
                return
            log.warning("worker loop ended (Redis lost?); starting a fresh one when Redis answers")
            time.sleep(1)
        except StopRequested:
            return
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            log.warning("worker lost Redis (%s); starting again when it is back", exc)
        except Exception:  # keep serving: a worker that quits sends nothing until someone notices
            log.exception("worker stopped unexpectedly; starting again")


def main() -> None:
    """`python -m crm.worker`: the app from the environment, like `flask worker`."""
    from crm.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app()
    serve(app, os.environ.get("REDIS_URL") or app.config["REDIS_URL"])


if __name__ == "__main__":
    main()

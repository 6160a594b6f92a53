"""The job worker: the app built once, jobs run in this process, and it outlives Redis outages.

`flask --app wsgi worker` (or `python -m crm.platform.worker`) runs it. rq's default worker forks a work-horse
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

from crm.platform import collector, jobs

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
        """rq's in-process worker that also tells the loop below that a stop was asked for, and that keeps its
        registration and the retry scheduler alive at every heartbeat (rq only looks every 10 minutes)."""

        def request_stop(self, signum, frame) -> None:
            _stop.set()
            super().request_stop(signum, frame)

        def _install_signal_handlers(self) -> None:
            # Only the main thread may set signal handlers: a worker run in a thread (a test's, or beside a server)
            # raised ValueError here, and the loop below started it again and again until Redis ran out of
            # connections. Its stop is then its caller's (burst, or the process ending).
            if threading.current_thread() is threading.main_thread():
                super()._install_signal_handlers()

        def heartbeat(self, timeout: int | None = None, pipeline=None) -> None:
            super().heartbeat(timeout, pipeline)
            if pipeline is None:  # (inside a job's own pipeline rq is mid-transaction: the next one does it)
                keep_alive(self)

    return HelplineWorker


def keep_alive(worker) -> None:
    """Register `worker` again if Redis forgot it, and start the retry scheduler if nobody runs it.

    A Redis restarted empty drops rq's list of workers while the workers go on (rq retries its connection):
    `rq info` and the health page then count none. rq's scheduler (every send retry goes through it) runs in a
    process of one worker holding a lock; it dies with a lost Redis connection or with its worker, and rq
    only tries to start it again at its 10-minute maintenance. At every heartbeat (at most WORKER_TTL - 15 s
    apart, and after each job) each worker checks both: a killed holder's lock expires in about a minute and
    another worker takes the scheduler over."""
    from rq import worker_registration

    connection = worker.connection
    if not connection.sismember(worker.redis_workers_keys, worker.key) or not connection.hexists(worker.key, "birth"):
        log.warning("worker %s was not registered in Redis (restarted?); registering again", worker.name)
        with connection.pipeline() as pipeline:
            pipeline.hset(worker.key, mapping=worker.serialize())
            worker_registration.register(worker, pipeline)
            pipeline.expire(worker.key, worker.worker_ttl + 60)
            pipeline.execute()
    scheduler = worker.scheduler if getattr(worker, "keeps_scheduler", False) else None
    stopped = scheduler is not None and (scheduler._process is None or not scheduler._process.is_alive())
    if stopped and scheduler.acquire_locks(auto_start=True):
        log.warning("worker %s started the retry scheduler", worker.name)


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
            worker.keeps_scheduler = with_scheduler and not burst  # (a burst worker runs rq's scheduler once, inline)
            if not in_main_thread:  # a job's time limit by SIGALRM needs the main thread; a timer thread does it here
                from rq.timeouts import TimerDeathPenalty

                worker.death_penalty_class = TimerDeathPenalty
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
    """`python -m crm.platform.worker`: the app from the environment (crm.app's factory), like `flask worker`."""
    app = jobs.worker_app()  # its settings choose the log format (crm.platform.logs)
    collector.freeze_startup()
    serve(app, os.environ.get("REDIS_URL") or app.config["REDIS_URL"])


if __name__ == "__main__":
    main()

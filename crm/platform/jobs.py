"""Background jobs: rq on REDIS_URL in production, an in-process executor otherwise.

Jobs are named by dotted path and given ids only; each loads what it needs. The choice of runner is
made once, here, so service code just calls `enqueue(...)`.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from werkzeug.utils import import_string

from crm.platform import logs, publisher

log = logging.getLogger(__name__)
_worker_app: Flask | None = None  # the worker's app, built once before any job (crm.platform.worker)
# How to build an app in a process that has none yet (an rq work-horse): installed by crm.app when the crm package is
# imported, which unpickling a job's entry point (crm.platform.jobs.run) always does first. The platform never
# imports the factory itself.
_app_factory: Callable[[], Flask] | None = None
WAITING = {"queued", "scheduled", "deferred", "started"}


class InProcessRunner:
    """Runs jobs on a small thread pool inside the web process (embedded mode)."""

    def __init__(self, app: Flask, eager: bool = False) -> None:
        self.app = app
        self.eager = eager
        self.pool = None if eager else ThreadPoolExecutor(max_workers=4, thread_name_prefix="job")
        self.waiting: set[str] = set()

    def enqueue(self, path: str, *args, job_id: str | None = None, timeout: int | None = None,
                new: bool = False) -> Future | None:
        """Run `path(*args)` now (eager, tests) or on the pool; a job id already waiting is not queued again.

        A thread cannot be stopped from outside: `timeout` only bounds rq's jobs."""
        if self.eager:
            _run_logged(self.app, path, args)
            return None
        if job_id is not None:
            if job_id in self.waiting:
                return None
            self.waiting.add(job_id)
        future = self.pool.submit(contextvars.copy_context().run, _run_logged, self.app, path, args)  # its request id
        if job_id is not None:
            future.add_done_callback(lambda _: self.waiting.discard(job_id))
        return future

    def is_waiting(self, job_id: str, stalled_before: datetime | None = None) -> bool:
        """Whether the job with this id is queued or running (a thread of this process cannot be lost alone)."""
        return job_id in self.waiting


class HeldRunner:
    """Keeps jobs in `held` without running them (tests that look at what would be sent)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.held: list[tuple[str, tuple]] = []

    def enqueue(self, path: str, *args, job_id: str | None = None, timeout: int | None = None,
                new: bool = False) -> None:
        """Hold the job."""
        self.held.append((path, args))

    def is_waiting(self, job_id: str, stalled_before: datetime | None = None) -> bool:
        """Held jobs never run, so none is waiting."""
        return False


class RqRunner:
    """Puts jobs on the rq queue named `default`; `flask worker` (crm.platform.worker) runs them."""

    def __init__(self, redis_url: str) -> None:
        from rq import Queue, Retry

        self.queue = Queue("default", connection=redis_connection(redis_url))
        self.retry = Retry(max=3, interval=[10, 30, 60])

    def enqueue(self, path: str, *args, job_id: str | None = None, timeout: int | None = None, new: bool = False):
        """Queue `path(*args)`; a job id that is still queued, scheduled or running is not queued again.

        `timeout` (seconds) replaces rq's default of 180 for long work such as a registry import. `new`: the
        caller knows no job of this id waits (the id names a row it just wrote), so Redis is not asked."""
        if job_id is not None and not new and self.is_waiting(job_id):
            return None
        # One pipeline: rq otherwise sends the queue's registration and the job in two round trips.
        with self.queue.connection.pipeline() as pipeline:
            job = self._put(pipeline, path, args, job_id, logs.current(), timeout)
            pipeline.execute()
        return job

    def enqueue_new(self, jobs: list[NewJob]) -> None:
        """Queue `jobs`, each for a row just written (no job of its id waits), in one round trip to Redis."""
        with self.queue.connection.pipeline() as pipeline:
            for job in jobs:
                self._put(pipeline, job.path, job.args, job.job_id, job.request_id)
            pipeline.execute()

    def _put(self, pipeline, path: str, args: tuple, job_id: str | None, request_id: str | None,
             timeout: int | None = None):
        """`path(*args)` onto the queue within `pipeline`, retried as every job is, logging under `request_id`."""
        return self.queue.enqueue(run, path, *args, job_id=job_id, retry=self.retry, job_timeout=timeout,
                                  pipeline=pipeline, meta={"request_id": request_id})

    def is_waiting(self, job_id: str, stalled_before: datetime | None = None) -> bool:
        """Whether rq holds this job and has yet to finish it (queued, scheduled, deferred or started).

        With `stalled_before`, a job started before then (its worker was killed: rq notices at its 10-minute
        maintenance), due before then in rq's scheduled registry (its scheduler is not running), or queued before
        then and on no queue any more (a worker took it off and was killed before it marked it started) is not
        waiting any more: it is lost, and the caller may queue it again."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job
        from rq.registry import ScheduledJobRegistry

        try:
            job = Job.fetch(job_id, connection=self.queue.connection)
        except NoSuchJobError:
            return False
        status = job.get_status(refresh=False)
        if status not in WAITING:
            return False
        if stalled_before is None:
            return True
        if status == "started":
            return job.started_at is None or job.started_at > stalled_before
        if status == "scheduled":
            try:
                due = ScheduledJobRegistry(queue=self.queue).get_scheduled_time(job_id)
            except NoSuchJobError:
                return True
            return due > stalled_before
        if status == "queued" and job.enqueued_at is not None and job.enqueued_at <= stalled_before:
            # rq moves a job from its queue to an intermediate list, then marks it started: a worker killed between
            # the two leaves it 'queued' on no queue until rq's 10-minute maintenance (and a minute more) fails it.
            connection = self.queue.connection
            if connection.lpos(self.queue.key, job_id) is not None:
                return True  # still waiting its turn (a backlog)
            connection.lrem(self.queue.intermediate_queue_key, 0, job_id)  # so rq does not fail the new copy later
            return False
        return True


def redis_connection(url: str):
    """A Redis client that fails fast when Redis is away (a webhook must not hang on it)."""
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)


def init_app(app: Flask) -> None:
    """Choose the runner for this app."""
    if app.config.get("JOBS_HOLD"):
        app.extensions["sampark_jobs"] = HeldRunner(app)
    elif app.config.get("REDIS_URL") and not app.config.get("JOBS_IN_PROCESS"):
        app.extensions["sampark_jobs"] = RqRunner(app.config["REDIS_URL"])
    else:
        app.extensions["sampark_jobs"] = InProcessRunner(app, eager=bool(app.config.get("JOBS_EAGER")))


def enqueue(path: str, *args, job_id: str | None = None, timeout: int | None = None, new: bool = False):
    """Run the job at dotted `path` with `args` (ids only) in the background (`timeout` in seconds, for long jobs;
    `new` when no job of this id can be waiting, which spares rq a look-up)."""
    runner = current_app.extensions["sampark_jobs"]
    options = {"timeout": timeout} if timeout is not None else {}
    if new:
        options["new"] = True
    return runner.enqueue(path, *args, job_id=job_id, **options)


def enqueue_after_answer(path: str, *args, job_id: str) -> None:
    """enqueue(path, *args, job_id=job_id, new=True) for a job whose row was just committed, made by the web
    process's publisher thread when it has one (crm.platform.publisher): the request answers without waiting on Redis,
    and the jobs the thread gathers meanwhile go to Redis in one round trip (RqRunner.enqueue_new). The job still
    logs under the request id of the request that queued it. If the process dies first, the row is still there for
    the sweep that finds lost jobs."""
    runner = current_app.extensions["sampark_jobs"]
    if isinstance(runner, RqRunner) and publisher.hand_over_work(NewJob(runner, path, args, job_id, logs.current())):
        return
    runner.enqueue(path, *args, job_id=job_id, new=True)


@dataclass(frozen=True)
class NewJob:
    """A job to queue for a row just written (no job of its id can be waiting), as handed to the publisher thread:
    done alone when called, or with the others of its runner (`done_together`) in one round trip."""

    runner: RqRunner
    path: str
    args: tuple
    job_id: str
    request_id: str | None

    def __call__(self) -> None:
        self.runner.enqueue_new([self])

    @property
    def done_together(self) -> Callable[[list[NewJob]], None]:
        return self.runner.enqueue_new


def is_waiting(job_id: str, stalled_before: datetime | None = None) -> bool:
    """Whether the job with this id is queued or running (raises if the job store cannot be reached); with
    `stalled_before`, a job started or due before then and not finished counts as lost (see RqRunner)."""
    return current_app.extensions["sampark_jobs"].is_waiting(job_id, stalled_before)


def run(path: str, *args) -> None:
    """Entry point rq calls: run a job inside this worker's app context (the app is built once), logging under the
    request id of the request that queued it (else the job's own id)."""
    from rq import get_current_job

    job = get_current_job()
    request_id = (job.meta.get("request_id") or job.id) if job is not None else None
    with worker_app().app_context(), logs.bound(request_id):
        log.info("job %s", path, extra={"job": job.id if job is not None else None})
        run_job(path, args)


def use_app(app: Flask) -> None:
    """Run this process's jobs in `app` (a worker builds it once, before its first job)."""
    global _worker_app
    _worker_app = app


def install_app_factory(factory: Callable[[], Flask]) -> None:
    """How this process builds its app for jobs when none was given (crm.app installs create_app)."""
    global _app_factory
    _app_factory = factory


def worker_app() -> Flask:
    """This process's app for jobs: built on first use, then kept for every later job."""
    global _worker_app
    if _worker_app is None:
        if _app_factory is None:
            raise RuntimeError("no app factory installed: import crm (crm.app installs it) before running jobs")
        _worker_app = _app_factory()
    return _worker_app


def run_job(path: str, args: tuple) -> None:
    """One job is one unit of work: run it, then commit (and publish) what it did."""
    from crm.platform import unit_of_work

    try:
        import_string(path)(*args)
        unit_of_work.commit()
    except BaseException:
        unit_of_work.rollback()
        raise


def _run_logged(app: Flask, path: str, args: tuple) -> None:
    with app.app_context():
        try:
            run_job(path, args)
        except Exception:  # a failed job must not kill the pool thread; sweeps find it again
            log.exception("job %s%r failed", path, args)
            raise

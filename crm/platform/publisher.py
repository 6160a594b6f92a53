"""Live events (and send jobs) leave a web process on a thread of their own, so a webhook answers Twilio without
waiting on Redis.

With a message queue every emit is a round trip to Redis. Made inside the request, after the commit, it held
the request (and its pooled database connection) for that round trip; at a burst's rate those waits queue up.
A web process (gunicorn.conf.py) starts one publisher thread: the request hands the built events over and
answers; the thread emits them in the order they were handed over. Any other process (jobs, sweeps, the CLI,
tests without `start()`) emits inline as before. Events are hints to look again (crm.helpline.live.events), so one that
is lost with a killed process costs a dashboard nothing that its next re-read does not restore. An SMS whose send
job is lost so is still pending in the database, and the sweep queues it again (crm.platform.sweeps.requeue_lost_sms).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
MAX_WAITING = 10_000  # batches; beyond this the request emits itself (back-pressure, nothing dropped)
FLUSH_SECONDS = 5.0

_queue: queue.Queue | None = None
_pid: int | None = None


def start(emit: Callable[[list], None]) -> None:
    """Start this process's publisher thread; `emit(batch)` sends one batch of events."""
    global _queue, _pid
    if running():
        return
    _queue, _pid = queue.Queue(maxsize=MAX_WAITING), os.getpid()
    threading.Thread(target=_run, args=(_queue, emit), name="sampark-live-publisher", daemon=True).start()
    atexit.register(flush)


def running() -> bool:
    """Whether this process has a publisher thread (a forked child does not inherit it)."""
    return _queue is not None and _pid == os.getpid()


def hand_over(batch: list) -> bool:
    """Queue `batch` for the publisher thread; False if there is none or it is full (then emit it yourself)."""
    if not running():
        return False
    try:
        _queue.put_nowait(batch)
    except queue.Full:
        return False
    return True


def hand_over_work(work: Callable[[], object]) -> bool:
    """Queue `work` (a send job's enqueue) for the publisher thread, after the events handed over before it;
    False if there is no thread or it is full (then do it yourself)."""
    return hand_over(work)


def flush(timeout: float = FLUSH_SECONDS) -> bool:
    """Wait until every batch handed over has been emitted (at exit, in tests); False on timeout."""
    if not running():
        return True
    done = threading.Event()
    try:
        _queue.put(done, timeout=timeout)
    except queue.Full:
        return False
    return done.wait(timeout)


def _run(batches: queue.Queue, emit: Callable[[list], None]) -> None:
    while True:
        batch = batches.get()
        if isinstance(batch, threading.Event):
            batch.set()
            continue
        try:
            batch() if callable(batch) else emit(batch)
        except Exception:  # one failed emit or enqueue must not stop the thread
            log.exception("could not publish live events or queue a job")

"""Live events (and send jobs) leave a web process on a thread of their own, so a webhook answers Twilio without
waiting on Redis.

With a message queue every emit is a round trip to Redis. Made inside the request, after the commit, it held
the request (and its pooled database connection) for that round trip; at a burst's rate those waits queue up.
A web process (gunicorn.conf.py) starts one publisher thread: the request hands the built events over and
answers; the thread emits them in the order they were handed over. Any other process (jobs, sweeps, the CLI,
tests without `start()`) emits inline as before. Events are hints to look again (crm.helpline.live.events), so one that
is lost with a killed process costs a dashboard nothing that its next re-read does not restore. An SMS whose send
job is lost so is still pending in the database, and the sweep queues it again (crm.platform.sweeps.requeue_lost_sms).

The thread gathers: woken by a hand-over, it waits GATHER_SECONDS for more, then sends every event handed over by
then in one round trip to Redis, in order, and runs the work after them (the send jobs in one round trip too). Woken and sending once per
webhook, at 100 webhooks a second a process, it was a thread waking, a system call to Redis and a wake-up of Redis
a hundred times a second, each taking the interpreter's lock from requests in flight; the webhooks that publish
were the ones whose p99 failed (bench/README.md, "Issue 25: what stalled the webhooks that publish"). A hand-over
made while the thread gathers wakes nobody. Events are hints to look again, so the dashboards hear of a change
GATHER_SECONDS later, well within the second a screen has to show it.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
MAX_WAITING = 10_000  # batches; beyond this the request emits itself (back-pressure, nothing dropped)
FLUSH_SECONDS = 5.0
GATHER_SECONDS = 0.05  # how long the thread waits, once woken, for more to send in the same round trip

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
    False if there is no thread or it is full (then do it yourself). Work with a `done_together(items)` is done in
    one call with the alike work gathered with it."""
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
        first = batches.get()
        if not isinstance(first, threading.Event):
            time.sleep(GATHER_SECONDS)  # hand-overs meanwhile only append: none wakes this thread
        _send(_gathered(first, batches), emit)


def _gathered(first, batches: queue.Queue) -> list:
    """`first` and everything handed over since, in order (a flush's marker ends what is taken)."""
    taken = [first]
    while not isinstance(taken[-1], threading.Event):
        try:
            taken.append(batches.get_nowait())
        except queue.Empty:
            break
    return taken


def _send(taken: list, emit: Callable[[list], None]) -> None:
    """The events of every batch in one emit (their order kept), then the work: alike work (`done_together`, as
    crm.platform.jobs.NewJob: the send jobs queued meanwhile) in one call, the rest one by one; then any flush's marker."""
    events = [event for batch in taken if isinstance(batch, list) for event in batch]
    if events:
        _safely(emit, events)
    alike: dict[Callable, list] = {}
    for item in taken:
        if not callable(item) or isinstance(item, threading.Event):
            continue
        together = getattr(item, "done_together", None)
        if together is None:
            _safely(item)
        else:
            alike.setdefault(together, []).append(item)
    for together, items in alike.items():
        _safely(together, items)
    if isinstance(taken[-1], threading.Event):
        taken[-1].set()


def _safely(action: Callable, *args) -> None:
    try:
        action(*args)
    except Exception:  # one failed emit or enqueue must not stop the thread
        log.exception("could not publish live events or queue a job")

"""What a web process's memory grows with while it serves: garbage in cycles, threads, or the callers left waiting.

    SAMPARK_BENCH_NAME=me SAMPARK_BENCH_REDIS_DB=4 .venv/bin/python -m bench.serving_memory

The real app as WSGI in this process (bench.webhook_cpu.serving: a fresh database, the publisher thread running),
every request given `gunicorn.socket` as gunicorn's worker does (so engine.io's middleware builds its class per
request), after what a serving process does at start (`gc.collect()` then `gc.freeze()`). Three phases, RSS read
from /proc:

1. garbage: the IVR's steps in turn (bench.webhook_cpu.measure, -n calls each), then the collector's collections in
   them by generation and what a full collection then finds unreachable: the garbage in cycles the process held.
2. threads: waves of k callers at once (the incoming call, the menu, the card prompt, three wait requests) from a pool
   of up to 50 threads that grows as gunicorn's gthread pool does, k rising to 50, each k twice: RSS with the threads.
3. open cases: waves of 50 callers at once, the pool at 50 threads, who stay waiting (their cases open) or hang up
   (the queue result and the completed status: their cases abandoned), in turn: RSS with what is open.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import socket
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench import bench_voice_webhook as bench
from bench import webhook_cpu

SOCKET = socket.socket()  # never used for I/O: gunicorn's environ carries the client's socket, engine.io wraps it


def rss() -> float:
    """This process's resident memory, MB."""
    with open(f"/proc/{os.getpid()}/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


class Callers:
    """Callers sent through the app's WSGI callable as gunicorn's threads would, each with its own number."""

    def __init__(self, app) -> None:
        self.app, self.twilio, self.lock = app, bench.Twilio(), threading.Lock()
        self.numbers = iter(range(5 * 10**6, 6 * 10**6))

    def send(self, step: str, number: int, case: int | None) -> bytes:
        environ = webhook_cpu.environ_of(*self.twilio.step(step, number, case))
        environ["gunicorn.socket"] = SOCKET
        status, body = webhook_cpu.call(self.app.wsgi_app, environ)
        if not bench.answered(step, status, body):
            raise RuntimeError(f"{step} answered {status}: {body[:300]!r}")
        return body

    def one(self, hangs_up: bool) -> None:
        """A call: rings, takes the menu and the card prompt, waits three times, and hangs up or stays in the queue."""
        with self.lock:
            number = next(self.numbers)
        case = int(re.search(rb"case=(\d+)", self.send("voice", number, None)).group(1))
        for step in ("menu", "card", "wait", "wait", "wait"):
            self.send(step, number, case)
        if hangs_up:
            self.send("queue-result", number, case)
            self.send("status", number, case)


def garbage(app, n: int) -> list[str]:
    """Phase 1: the collections while serving, and the garbage a full collection then finds."""
    seen: list[tuple[int, float]] = []
    began = [0.0]

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            seen.append((info["generation"], time.perf_counter() - began[0]))

    original = webhook_cpu.call
    webhook_cpu.call = lambda wsgi, environ: original(wsgi, environ | {"gunicorn.socket": SOCKET})
    gc.callbacks.append(timed)
    before, started = rss(), time.perf_counter()
    try:
        webhook_cpu.measure(app.wsgi_app, n, 2 * 10**6, None)
    finally:
        gc.callbacks.remove(timed)
        webhook_cpu.call = original
    elapsed, after, pending = time.perf_counter() - started, rss(), len(gc.get_objects(2))
    gc.set_debug(gc.DEBUG_SAVEALL)
    found = gc.collect()
    kinds = Counter(type(o).__name__ for o in gc.garbage)
    classes = sum(1 for o in gc.garbage if isinstance(o, type) and o.__name__ == "Input")
    size = sum(sys.getsizeof(o) for o in gc.garbage)
    gc.garbage.clear()
    gc.set_debug(0)
    gc.collect()
    full = [s for g, s in seen if g == 2]
    by_generation = Counter(g for g, _ in seen)
    return [(
        f"- garbage: {n * 8:,} requests in {elapsed:.0f} s; collections by generation 0/1/2: {by_generation[0]} / "
        f"{by_generation[1]} / {by_generation[2]} (full ones: {sum(full) * 1000:.1f} ms in all); objects in the oldest "
        f"generation, not frozen, at the end: {pending:,}; unreachable found by a full collection then: {found:,} "
        f"({classes} of engine.io's per-request classes; {size / 1e6:.2f} MB by sys.getsizeof; most common "
        f"{', '.join(f'{k} {v}' for k, v in kinds.most_common(4))}); RSS {before:.1f} -> {after:.1f} MB, after that "
        f"full collection {rss():.1f} MB.")]


def main() -> None:
    """Build the app on a fresh database, warm it, run the three phases, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", type=int, default=1000, help="phase 1: calls per step (default 1000)")
    args = parser.parse_args()
    if not 50 <= args.n <= 5000:
        parser.error("-n is 50..5000")
    from crm.platform import collector

    with webhook_cpu.serving() as app:
        callers, pool = Callers(app), ThreadPoolExecutor(max_workers=50)
        webhook_cpu.measure(app.wsgi_app, 60, 10**6, None)  # every step once warm, one thread
        callers.one(True)
        collector.freeze_startup()  # what a serving process does at start (gunicorn.conf.py post_worker_init)
        lines = garbage(app, args.n)
        for k in (1, 8, 16, 24, 32, 40, 50):
            for repeat in (1, 2):
                for _ in range(8):
                    list(pool.map(callers.one, [False] * k))
                lines.append(f"- threads: {k} callers at once, {repeat * 8} waves: {threading.active_count()} threads, "
                             f"RSS {rss():.1f} MB")
        for hangs_up in (False, True, False, True):
            for repeat in range(4):
                for _ in range(6):
                    list(pool.map(callers.one, [hangs_up] * 50))
                lines.append(f"- open cases: 50 callers at once who {'hang up' if hangs_up else 'stay waiting'}, "
                             f"{(repeat + 1) * 300} of them: {threading.active_count()} threads, "
                             f"open cases {open_cases(app):,}, RSS {rss():.1f} MB")
        pool.shutdown()
    print("\n".join(lines))


def open_cases(app) -> int:
    """Cases not resolved, abandoned or closed."""
    from sqlalchemy import text

    from crm.platform.extensions import db

    with app.app_context():
        return db.session.execute(text("""SELECT count(*) FROM "case"
                                          WHERE status NOT IN ('resolved', 'abandoned', 'closed')""")).scalar()


if __name__ == "__main__":
    main()

"""A serving process starts every thread of its request pool at once, so its memory does not grow with the load.

gunicorn's gthread worker hands each request to a ThreadPoolExecutor, which starts a thread only when a request
finds none idle and keeps it for the life of the process: under a rising load the process grows by about 0.12 MB a
thread (its stack and interpreter state) at each new peak of concurrency, up to `threads` (50), and never gives it
back (bench/README.md, "Issue 32, memory": most of the burst's growth after warm-up). Started at once, the threads
cost the same memory from the first request, the process's size no longer follows the day's busiest moment, and no
request of a sudden burst waits for a thread to start.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

START_TIMEOUT = 30.0  # seconds: a pool that cannot start its threads fails the worker's start, not a request


def start_all(pool: ThreadPoolExecutor, count: int) -> int:
    """Start `count` threads in `pool` (its max_workers) now; returns how many it holds.

    Each of `count` tasks waits for all the others at a barrier, so none can finish on a thread another has
    freed: the pool must start a thread for each."""
    barrier = threading.Barrier(count)
    for waiting in [pool.submit(barrier.wait, START_TIMEOUT) for _ in range(count)]:
        waiting.result()
    return len(pool._threads)

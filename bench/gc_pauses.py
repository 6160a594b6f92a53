"""The cyclic garbage collector's pauses in a web process serving the webhooks, before and after `gc.freeze()`.

    .venv/bin/python -m bench.gc_pauses            # -n calls per step (default 300), each phase

CPython's collector stops every thread while it walks the objects of the generation it collects; a full (oldest
generation) collection walks every object the process tracks, and a web process holds some 350,000 from its start
(the app, its models, triage's rules and model, the translations): a pause that every request in flight waits out.
The app as a web process serves it (bench.webhook_cpu: the real app as WSGI in this process, the publisher thread
running, on a fresh database), every step of a call through the IVR in turn, twice: first as the process comes up,
then after what gunicorn.conf.py's post_worker_init does at start (`gc.collect()` then `gc.freeze()`: the objects
alive at start move to a generation the collector never walks). Each collection's generation and duration is recorded
(gc.callbacks); the report gives, per phase and generation, the collections, their median, largest and total pause.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

from bench import bench_voice_webhook as bench
from bench import webhook_cpu


class Pauses:
    """Every collection's (generation, seconds), from gc.callbacks."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seen.append((info["generation"], time.perf_counter() - self._started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", type=int, default=300, help="calls per step in each phase (default 300)")
    args = parser.parse_args()
    if not 50 <= args.n <= 5000:
        parser.error("-n is 50..5000")
    with webhook_cpu.serving() as app:
        phases = {}
        for name, first in (("as the process comes up", 10**6), ("after gc.collect(); gc.freeze()", 3 * 10**6)):
            if name.startswith("after"):
                from crm.platform import collector

                collector.freeze_startup()  # what a serving process does at start
            tracked = len(gc.get_objects())
            pauses = Pauses()
            gc.callbacks.append(pauses)
            started = time.perf_counter()
            webhook_cpu.measure(app.wsgi_app, args.n, first, None)
            elapsed = time.perf_counter() - started
            gc.callbacks.remove(pauses)
            phases[name] = (tracked, gc.get_freeze_count(), pauses.seen, elapsed)
    requests = args.n * (len(bench.STEPS) + 2)
    print(f"{requests:,} requests a phase (-n {args.n}); load average {os.getloadavg()[0]:.2f}")
    print("| phase | objects tracked at its start | frozen | generation | collections | median ms | largest ms | total ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, (tracked, frozen, seen, _elapsed) in phases.items():
        for generation in (0, 1, 2):
            times = [s * 1000 for g, s in seen if g == generation]
            if not times:
                print(f"| {name} | {tracked:,} | {frozen:,} | {generation} | 0 | - | - | - |")
                continue
            print(f"| {name} | {tracked:,} | {frozen:,} | {generation} | {len(times)} | {statistics.median(times):.2f} | "
                  f"{max(times):.1f} | {sum(times):.0f} |")


if __name__ == "__main__":
    sys.exit(main())

"""Where a webhook's own CPU goes, step by step, beside the floor: robust to a loaded machine.

Run from the repository root:

    .venv/bin/python -m bench.webhook_cpu                   # CPU per request of each step and of the floor
    .venv/bin/python -m bench.webhook_cpu --profile card    # and where one step's time goes (pyinstrument's
                                                            # call tree if installed, else cProfile's top functions)

The real app with the bench's bare and floor endpoints (bench.bench_voice_webhook.serving_app) is called as WSGI in
this process (no HTTP server, no client), each step of a call through the IVR in turn, as bench_voice_webhook sends
them, against a fresh database (`sampark_bench_voice` + SAMPARK_BENCH_NAME). The publisher thread runs, as in a web
process. For each step it reports the Python function calls per request (counted over the last requests: the
same figure on a quiet or a busy machine, and the first to compare between two versions of the code), the median
CPU time of this thread per request (what the step costs the server beyond waiting on PostgreSQL; a busy machine
inflates it less than wall-clock time), the median wall time, each as a multiple of the floor's, the process's CPU
per request (the publisher thread's share too) and the time spent waiting on PostgreSQL. bench_voice_webhook's HTTP ratios stay the measure the issue's targets are set in; this tells where to look.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from bench import bench_voice_webhook as bench

N, WARM = 300, 40
COUNTED = 30  # the last requests of each step: their Python function calls counted (the same on a busy machine)


def environ_of(path: str, body: bytes, headers: dict) -> dict:
    """A WSGI environ for one POST, as gunicorn builds it."""
    from werkzeug.test import EnvironBuilder

    parts = urlsplit(path)
    builder = EnvironBuilder(path=parts.path, query_string=parts.query, method="POST", data=body,
                             headers=headers, base_url="http://127.0.0.1:8000")
    try:
        return builder.get_environ()
    finally:
        builder.close()


def call(app, environ: dict) -> tuple[int, bytes]:
    """Send `environ` through the app's WSGI callable: (status, body)."""
    started: list = []
    environ = dict(environ)
    environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].getvalue())
    chunks = app(environ, lambda status, headers, exc_info=None: started.append(status))
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return int(started[0].split()[0]), body


class Waits:
    """Wall time spent waiting on PostgreSQL (psycopg's Connection.wait: every statement's round trip)."""

    total = 0.0

    @classmethod
    def install(cls) -> None:
        import psycopg

        wait = psycopg.Connection.wait

        def timed(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return wait(self, *args, **kwargs)
            finally:
                cls.total += time.perf_counter() - started

        psycopg.Connection.wait = timed


def measure(app, n: int, first: int, profile: str | None, cpu: bool = False) -> tuple[dict, object]:
    """{step: (thread CPU ms, wall ms, process CPU ms, PostgreSQL wait ms)} medians over n calls each, and the
    profile of one step."""
    import re

    twilio = bench.Twilio()
    steps = (*bench.STEPS, "floor", "bare")
    numbers = range(first, first + n)
    cases: list = [None] * n
    out = {}
    profiler = _profiler(cpu) if profile else None
    for step in steps:
        if step == "bare":
            environs = [environ_of(bench.BARE, b"", {})] * n
        elif step in ("voice", "sms", "floor"):
            environs = [environ_of(*twilio.step(step, k, None)) for k in numbers]
        else:
            environs = [environ_of(*twilio.step(step, k, c)) for k, c in zip(numbers, cases, strict=True)]
        thread, wall, process, waited, counted = [], [], [], [], cProfile.Profile()
        for index, environ in enumerate(environs):
            if index >= n - COUNTED:  # the last few, counted not timed
                counted.enable()
                status, body = call(app, environ)
                counted.disable()
                if not bench.answered("bare" if step == "bare" else step, status, body):
                    raise RuntimeError(f"{step} answered {status}: {body[:300]!r}")
                if step == "voice":
                    cases[index] = int(re.search(rb"case=(\d+)", body).group(1))
                continue
            if profiler and step == profile:
                profiler.start()
            d0, t0, w0, p0 = Waits.total, time.thread_time(), time.perf_counter(), time.process_time()
            status, body = call(app, environ)
            t1, w1, p1, d1 = time.thread_time(), time.perf_counter(), time.process_time(), Waits.total
            if profiler and step == profile:
                profiler.stop()
            if not bench.answered("bare" if step == "bare" else step, status, body):
                raise RuntimeError(f"{step} answered {status}: {body[:300]!r}")
            if step == "voice":
                cases[index] = int(re.search(rb"case=(\d+)", body).group(1))
            thread.append((t1 - t0) * 1000)
            wall.append((w1 - w0) * 1000)
            process.append((p1 - p0) * 1000)
            waited.append((d1 - d0) * 1000)
        calls = pstats.Stats(counted).total_calls / COUNTED
        out[step] = (*(statistics.median(values) for values in (thread, wall, process, waited)), calls)
    return out, profiler


class _CProfile(cProfile.Profile):
    """cProfile with pyinstrument's start/stop and an output()."""

    start, stop = cProfile.Profile.enable, cProfile.Profile.disable

    def report(self, top: int) -> str:
        stream = io.StringIO()
        stats = pstats.Stats(self, stream=stream)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
        return stream.getvalue()


def _profiler(cpu: bool):
    """pyinstrument's sampling profiler if it is installed (a call tree of wall time), else (or with `cpu`)
    cProfile counting this thread's CPU time."""
    if cpu:
        return _CProfile(time.thread_time)
    try:
        from pyinstrument import Profiler
    except ImportError:
        return _CProfile()

    class Sampled(Profiler):
        def report(self, top: int) -> str:
            return self.output_text(show_all=False, color=False)

    return Sampled(interval=0.0002)


@contextmanager
def serving():
    """The app as a web process serves it (the bench's bare and floor endpoints, the publisher thread running), on a
    fresh database; Redis's bench database emptied before and after."""
    with tempfile.TemporaryDirectory(prefix="sampark-webhook-cpu-") as tmp:
        url = bench.fresh_pg_database()
        bench.migrated(url, Path(tmp) / "migrate")
        import psycopg
        import redis

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, sid text NOT NULL, "
                         "heard_at timestamptz NOT NULL)")
        redis.Redis.from_url(bench.REDIS_URL).flushdb()
        os.environ |= {"DATABASE_URL": url, "REDIS_URL": bench.REDIS_URL, "PUBLIC_BASE_URL": bench.PUBLIC,
                       "SECRET_KEY": bench.SECRET, "SWEEPS_IN_WEB": "0", "SAMPARK_ENV": "development",
                       "BENCH_INSTANCE": str(Path(tmp) / "instance")}
        app = bench.serving_app()
        from crm.helpline.live import events
        from crm.platform import publisher

        publisher.start(events.emit_all)
        try:
            yield app
        finally:
            publisher.flush()
            redis.Redis.from_url(bench.REDIS_URL).flushdb()


def main() -> None:
    """Build the app on a fresh database, warm it, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", type=int, default=N, help=f"calls per step (default {N})")
    parser.add_argument("--profile", choices=(*bench.STEPS, "floor", "bare"), help="profile this step")
    parser.add_argument("--cpu", action="store_true", help="profile CPU time with cProfile (not pyinstrument)")
    parser.add_argument("--top", type=int, default=40, help="lines of the profile to print")
    args = parser.parse_args()
    with serving() as app:
        Waits.install()
        measure(app.wsgi_app, WARM, 10**6, None)
        result, profiler = measure(app.wsgi_app, args.n, 2 * 10**6, args.profile, args.cpu)
    bare, floor = result["bare"], result["floor"]
    print(f"{'step':<14}{'calls':>7}{'/ floor':>9}{'thread CPU ms':>14}{'/ floor':>9}{'beyond bare':>12}"
          f"{'process CPU ms':>16}{'wall ms':>10}{'/ floor':>9}{'PG wait ms':>12}")
    for step, (cpu, wall, process, waited, calls) in result.items():
        print(f"{step:<14}{calls:>7.0f}{calls / floor[4]:>8.2f}x{cpu:>14.3f}{cpu / floor[0]:>8.2f}x{cpu - bare[0]:>12.3f}"
              f"{process:>16.3f}{wall:>10.3f}{wall / floor[1]:>8.2f}x{waited:>12.3f}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    if profiler:
        print(profiler.report(args.top))


if __name__ == "__main__":
    sys.exit(main())

"""Memory of the web processes serving the burst (bench/burst) for 10 minutes: bounded, no growth after warm-up.

    .venv/bin/python -m bench.burst_memory --readme          # 10 minutes, one web instance; --minutes 2 for a look
    .venv/bin/python -m bench.burst_memory --steady --readme # the same arrivals as a steady load
    SAMPARK_TRACEMALLOC=/tmp/trace .venv/bin/python -m bench.burst_memory --steady   # where the memory goes

deploy/up on a fresh database (bench.burst --topology: gunicorn, 2 job workers, the sweep loop, Redis), then the
burst's callers and texts spread evenly over --minutes. Every --every seconds the resident memory (VmRSS from /proc)
of each web instance (its gunicorn master and the worker process that serves, apart) and of each job worker is
read. After --warmup seconds the serving process's RSS must stay within the bound stated here (its RSS at the end
of warm-up plus 10%) and its least-squares slope must be under 0.5 MB a minute (5 MB over the 10 minutes): growth
that would show over a day of shifts. The burst's own report (webhooks, nothing lost) follows the memory figures.

The burst is not a steady load: its callers who do not hang up wait until the last call has arrived, so open calls
and cases grow all run long. --steady makes it one, so growth with what is open is told apart from a leak: every
caller hangs up after 1 to 3 wait requests (--wait-gap apart: 0 to 30 s in the queue; the case is abandoned), and
every text case is answered and closed --hold seconds after it opened by an operator (tier 1) or a doctor (the
emergency queue) through the API (bench/burst/closer.py); the open cases are counted at every reading, and the
serving worker's threads and open sockets (gunicorn's thread pool grows to its 50 threads as the concurrency seen
grows; each kept-alive client connection is a socket) with its RSS. With
SAMPARK_TRACEMALLOC=<directory> the serving worker writes tracemalloc snapshots and live object counts every minute
(crm/platform/memory_trace.py; `python -m crm.platform.memory_trace <directory> <first> <last>` diffs two).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import psycopg

from bench.drills.soak import rss_mb

BOUND = 1.10  # of the RSS at the end of warm-up
SLOPE = 0.5  # MB a minute
HEADINGS = {False: "## Memory: the web process over 10 minutes of the burst",
            True: "## Memory: the web process over 10 minutes of a steady load"}


def own_rss_mb(pid: int) -> float:
    """Resident memory of `pid` alone, in MB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def threads_and_sockets(pid: int) -> tuple[int, int]:
    """How many threads `pid` runs and how many sockets it holds open (its connections), from /proc."""
    try:
        threads = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                       if line.startswith("Threads:"))
        sockets = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                sockets += fd.readlink().name.startswith("socket:")
            except OSError:
                pass
        return threads, sockets
    except (OSError, StopIteration):
        return 0, 0


def children(pid: int) -> list[int]:
    """The child processes of `pid`."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """The least-squares slope of (seconds, MB) samples, in MB a minute."""
    n = len(samples)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    return 60 * sum((t - mean_t) * (m - mean_m) for t, m in samples) / spread if spread else 0.0


class Sampler(threading.Thread):
    """Reads the RSS of the topology's processes every `every` seconds until stopped."""

    def __init__(self, topology, every: float, opened=None):
        super().__init__(daemon=True)
        self.every, self.stop, self.opened = every, threading.Event(), opened
        self.open: list[tuple[float, int]] = []  # (seconds, open cases) when `opened` is given
        self.held: list[tuple[float, int, int]] = []  # (seconds, threads, sockets) of the first serving worker
        self.missed = 0  # readings of the open cases that PostgreSQL refused
        self.started = time.monotonic()
        names = [f"web:web-{url.rsplit(':', 1)[1]}" for url in topology.web_urls]
        self.pids = {name: topology.pid(name) for name in names}
        self.pids |= {f"worker:worker-{i}": topology.pid(f"worker:worker-{i}") for i in range(2)}
        self.samples: dict[str, list[tuple[float, float]]] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.every)

    def sample(self) -> None:
        """One reading of every process."""
        now = time.monotonic() - self.started
        if self.opened is not None:
            try:
                self.open.append((now, sum(self.opened().values())))
            except psycopg.Error:  # a shared PostgreSQL out of connections must not stop the RSS readings
                self.missed += 1
        for name, pid in self.pids.items():
            if name.startswith("web:"):
                self.samples.setdefault(f"{name} master", []).append((now, own_rss_mb(pid)))
                for n, child in enumerate(children(pid)):
                    self.samples.setdefault(f"{name} serving worker{'' if not n else n + 1}", []).append(
                        (now, rss_mb(child)))
                    if not n and name == next(iter(self.pids)):
                        self.held.append((now, *threads_and_sockets(child)))
            else:
                self.samples.setdefault(name, []).append((now, rss_mb(pid)))


def verdicts(samples: dict[str, list[tuple[float, float]]], warmup: float) -> list[dict]:
    """Per process: RSS at the start, at the end of warm-up, max and at the end after it, the bound and the slope."""
    out = []
    for name, series in samples.items():
        before = [m for t, m in series if t < warmup] or [series[0][1]]
        after = [(t, m) for t, m in series if t >= warmup]
        if not after:
            continue
        warm = after[0][1]
        bound = round(warm * BOUND, 1)
        slope = slope_per_minute(after)
        serving = "serving" in name
        out.append({"name": name, "start": series[0][1], "warm": warm, "max_warmup": max(before),
                    "max": max(m for _, m in after), "end": after[-1][1], "bound": bound, "slope": slope,
                    "samples": len(series),
                    "ok": (max(m for _, m in after) <= bound and slope < SLOPE) if serving else None})
    return out


def main() -> None:
    """Start the topology, run the burst for --minutes while sampling, print and (--readme) record the figures."""
    from bench.burst.__main__ import report, run

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--calls", type=int, default=1200)
    parser.add_argument("--sms", type=int, default=600)
    parser.add_argument("--web", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=120, help="seconds before the bound applies")
    parser.add_argument("--every", type=float, default=5, help="seconds between readings")
    parser.add_argument("--wait-gap", type=float, default=15.0, help="seconds between a waiting caller's requests")
    parser.add_argument("--steady", action="store_true",
                        help="a steady load: every caller hangs up after 0-2 wait gaps, texts are answered and closed")
    parser.add_argument("--hold", type=float, default=30.0, help="--steady: seconds a text case stays open")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6", help="emptied first: the run's own")
    parser.add_argument("--start-timeout", type=float, default=300, help="seconds for deploy/up to answer")
    parser.add_argument("--readme", action="store_true", help="record the figures in bench/README.md")
    args = parser.parse_args()
    if not (0 < args.minutes <= 10 and 0 < args.calls <= 5000 and 0 <= args.sms <= 2000 and 1 <= args.web <= 4):
        parser.error("bounded: minutes <= 10, calls <= 5000, sms <= 2000, web 1..4")
    burst = argparse.Namespace(calls=args.calls, seconds=args.minutes * 60, sms=args.sms, base="", public=None,
                               database_url="", redis_url=args.redis_url, auth_token="emulator-auth-token", think=1.0,
                               wait_gap=args.wait_gap, seed=13, processes=4, topology=True, web=args.web,
                               hang_up=1.0 if args.steady else 0.20)
    uptime_before = _uptime()
    with tempfile.TemporaryDirectory(prefix="sampark-memory-") as tmp:
        topology = _topology(burst, Path(tmp), args.start_timeout)
        try:
            from crm import create_app

            app = create_app({"DATABASE_URL": burst.database_url, "INSTANCE_PATH": str(Path(tmp) / "instance"),
                              "SECRET_KEY": "burst", "EMULATOR_MOUNT": False})
            closer = _closer(burst, app, args.hold) if args.steady else None
            sampler = Sampler(topology, args.every, lambda: open_contacts(burst.database_url))
            sampler.start()
            result = run(burst, app)
            sampler.stop.set()
            sampler.join()
            sampler.sample()
            burst_text = report(burst, result)
            if closer:
                closer.stop.set()
                closer.join()
                burst_text += (f"\n- Steady load: text cases answered and closed by the staff through the API "
                               f"(bench/burst/closer.py, {args.hold:.0f} s after they opened): {dict(closer.done)}; "
                               f"open at the end: {open_contacts(burst.database_url)}.")
        finally:
            topology.stop()
    text = section(args, verdicts(sampler.samples, args.warmup), sampler, burst_text, uptime_before, _uptime())
    print(text)
    if args.readme:
        from bench.bench_lookup import README, replace_sections

        README.write_text(replace_sections(README.read_text(), {
            HEADINGS[args.steady]: text}))


def _closer(burst, app, hold: float):
    """The operator and the doctor who answer and close the steady load's texts (bench/burst/closer.py), started."""
    from bench.burst.__main__ import staff_token
    from bench.burst.closer import Closer

    closer = Closer(burst.base.split(",")[0], burst.database_url, staff_token(app, "operator"),
                    staff_token(app, "doctor"), hold=hold)
    closer.start()
    return closer


def open_contacts(database_url: str) -> dict:
    """Open cases per channel now."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("""SELECT channel, count(*) FROM "case"
                               WHERE status NOT IN ('resolved', 'abandoned', 'closed') GROUP BY channel""").fetchall()
    return dict(rows)


def _topology(burst, tmp: Path, timeout: float):
    """bench.burst's topology (a fresh database, the run's Redis database emptied), given `timeout` to come up: a
    loaded shared machine takes over the burst's 90 s to import the app in every process."""
    from redis import Redis

    from bench.bench_lookup import ensure_database
    from bench.topology import Topology

    burst.database_url = ensure_database("sampark_burst_memory", fresh=True)
    Redis.from_url(burst.redis_url).flushdb()
    topology = Topology(tmp / "run", burst.database_url, burst.redis_url, web=burst.web).start(timeout=timeout)
    burst.base = ",".join(topology.web_urls)
    return topology


def _uptime() -> str:
    return subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()


def section(args, rows: list[dict], sampler: Sampler, burst_text: str, before: str, after: str) -> str:
    """The README section."""
    command = " ".join([".venv/bin/python -m bench.burst_memory", *(a for a in sys.argv[1:] if a != "--readme")])
    lines = ["", f"`{command}` (bench/burst_memory.py), {date.today()}.", "",
             __doc__.split("\n\n", 2)[2].strip(), "",
             (f"| process | RSS MB at start | max in warm-up ({args.warmup:.0f} s) | at end of warm-up | max after | "
             f"at the end | bound (+{(BOUND - 1) * 100:.0f}%) | slope after warm-up MB/min | readings | verdict |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        verdict = "-" if r["ok"] is None else ("PASS" if r["ok"] else "FAIL")
        lines.append(f"| {r['name']} | {r['start']:.1f} | {r['max_warmup']:.1f} | {r['warm']:.1f} | {r['max']:.1f} | "
                     f"{r['end']:.1f} | {r['bound']:.1f} | {r['slope']:+.2f} | {r['samples']} | {verdict} |")
    step = max(1, int(60 / args.every))
    serving = next((s for name, s in sampler.samples.items() if "serving" in name), [])
    minute = ", ".join(f"{t / 60:.0f}: {m:.0f}" for t, m in serving[::step])
    opened = ", ".join(f"{t / 60:.0f}: {n}" for t, n in sampler.open[::step]) + (
        f" ({sampler.missed} readings refused by PostgreSQL)" if sampler.missed else "")
    lines += ["", f"The serving worker's RSS MB by minute: {minute}.", "",
              f"Open cases (calls and texts not resolved, abandoned or closed) by minute: {opened}.", "",
              "The serving worker's threads / open sockets (connections from callers, PostgreSQL, Redis) by minute: "
              + ", ".join(f"{t / 60:.0f}: {n} / {k}" for t, n, k in sampler.held[::step]) + ".", "",
              f"`uptime` before: {before}", "", f"`uptime` after: {after}", "",
              "The burst's own report for this run:", "", burst_text, ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

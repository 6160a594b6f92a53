"""Drill: a send retry is delivered after a Redis restart and after the worker running rq's scheduler is killed.

    python -m bench.drills.scheduler [--jobs 5]

Two `flask worker` processes (each in its own process group, as a container or a machine would die with its
children) on a redis-server of the drill's own. Each round queues --jobs jobs the way the app queues a send
(crm.platform.jobs.RqRunner: rq's Retry, 10 s then 30 s then 60 s); each job fails its first run, as a send does while
the database is away, so its retry waits in rq's scheduled registry for rq's scheduler. Rounds: as started;
after Redis is restarted empty; after the worker that holds the scheduler lock is SIGKILLed with its scheduler.
Reports per round: lost (a retry not run within --deadline s), duplicated (run more than twice), and how late
the retries ran after they were due (p50/max).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.drills.sms_outage import ROOT, Redis

LOCK = "rq:scheduler-lock:default"
RETRY_DUE = 10.0  # seconds: the first interval of crm.platform.jobs.RqRunner's Retry


def fail_once(folder: str, name: str) -> None:
    """A job that fails its first run (a send while the database is away) and succeeds on its retry."""
    runs = Path(folder) / f"{name}.runs"
    with runs.open("a") as f:
        f.write(f"{time.time()}\n")
    if len(runs.read_text().splitlines()) == 1:
        raise RuntimeError("first run fails: the retry must come from rq's scheduler")


def start_worker(redis_url: str, workdir: Path, n: int):
    """One `flask worker` in a process group of its own."""
    import subprocess

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir}/worker.db", "REDIS_URL": redis_url,
           "TELEPHONY": "emulator", "EMULATOR_URL": "http://127.0.0.1:9", "SECRET_KEY": "drill",
           "PUBLIC_BASE_URL": "http://127.0.0.1:9", "SAMPARK_ENV": "testing", "PYTHONPATH": str(ROOT),
           "INSTANCE_PATH": str(workdir / f"instance-{n}")}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                            stdout=(workdir / f"worker-{n}.log").open("a"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def round_of(redis_url: str, workdir: Path, label: str, jobs: int, deadline: float) -> dict:
    """Queue `jobs` failing-once jobs as the app queues sends; wait for their retries; the ledger."""
    from crm.platform.jobs import RqRunner

    runner = RqRunner(redis_url)
    names = [f"{label.replace(' ', '_').replace(chr(39), '')}-{i}" for i in range(jobs)]
    queued = time.time()
    for name in names:
        runner.enqueue("bench.drills.scheduler.fail_once", str(workdir), name, job_id=f"drill-{name}", new=True)
    ends = time.monotonic() + deadline
    runs: dict[str, list[float]] = {}
    while time.monotonic() < ends:
        runs = {n: [float(t) for t in (workdir / f"{n}.runs").read_text().split()]
                for n in names if (workdir / f"{n}.runs").exists()}
        if all(len(r) >= 2 for r in runs.values()) and len(runs) == jobs:
            break
        time.sleep(0.5)
    time.sleep(2)  # a late duplicate would show now
    runs = {n: [float(t) for t in (workdir / f"{n}.runs").read_text().split()]
            for n in names if (workdir / f"{n}.runs").exists()}
    late = [max(0.0, r[1] - (r[0] + RETRY_DUE)) for r in runs.values() if len(r) >= 2]
    return {"round": label, "jobs": jobs, "lost": sum(1 for n in names if len(runs.get(n, [])) < 2),
            "duplicated": sum(1 for r in runs.values() if len(r) > 2),
            "late p50 s": round(statistics.median(late), 1) if late else None,
            "late max s": round(max(late), 1) if late else None,
            "first run after queueing s": round(min((r[0] for r in runs.values()), default=queued) - queued, 1)}


def registered(redis_url: str) -> int:
    """How many workers rq lists."""
    from redis import Redis as Client
    from rq import Worker

    return len(Worker.all(connection=Client.from_url(redis_url)))


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the three rounds; print and return their ledgers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--deadline", type=float, default=150, help="seconds a retry may take before it counts lost")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="drill-scheduler-"))
    redis = Redis(str(workdir))
    redis.start()
    workers = [start_worker(redis.url, workdir, n) for n in range(2)]
    ledgers = []
    try:
        from redis import Redis as Client

        client = Client.from_url(redis.url)
        for _ in range(300):
            if registered(redis.url) == 2 and client.exists(LOCK):
                break
            time.sleep(0.5)
        ledgers.append(round_of(redis.url, workdir, "as started", args.jobs, args.deadline))
        redis.kill()
        time.sleep(3)
        redis.start()  # empty: no registrations, no lock, no scheduler
        time.sleep(1)
        ledgers.append(round_of(redis.url, workdir, "after a Redis restart", args.jobs, args.deadline))
        ledgers[-1]["workers rq lists"] = registered(redis.url)
        holder = next((w for w in workers if _holds_lock(w.pid, client)), workers[0])
        os.killpg(holder.pid, signal.SIGKILL)  # the worker and its scheduler process
        holder.wait()
        ledgers.append(round_of(redis.url, workdir, "after the scheduler's worker was killed", args.jobs,
                                args.deadline))
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        redis.kill()
    for ledger in ledgers:
        print("  ".join(f"{k}: {v}" for k, v in ledger.items()))
    return ledgers


def _holds_lock(pid: int, client) -> bool:
    """Whether the worker `pid` is the parent of the scheduler process that holds rq's scheduler lock."""
    holder = client.get(LOCK)
    if holder is None:
        return False
    scheduler_pid = client.hget(f"rq:scheduler:{holder.decode()}", "pid")
    try:
        status = Path(f"/proc/{int(scheduler_pid or 0)}/status").read_text()
    except (OSError, ValueError):
        return False
    return any(line.split()[1:] == [str(pid)] for line in status.splitlines() if line.startswith("PPid:"))


if __name__ == "__main__":
    main()

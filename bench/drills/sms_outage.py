"""Drill: a burst of texts through a Redis outage, a worker killed mid-burst and a database connection loss.

    .venv/bin/python -m bench.drills.sms_outage --texts 300 --seconds 30 --outage 10

Starts, on loopback: a fresh PostgreSQL database, a redis-server of its own (never the machine's),
the app with the Twilio emulator (threads, like one gunicorn instance) and its sweep thread, and two
`flask worker` processes. Then texts arrive signed as Twilio sends them (a fifth of them red flags);
a third into the burst Redis is killed for --outage seconds and one worker is SIGKILLed (and started
again, as supervisor would), and every PostgreSQL connection of the app is terminated. When every
reply is settled (or --settle seconds pass) it reports: texts sent, answered 200, stored, replies
handed to Twilio, lost, duplicated, left in limbo, and the red-flag advice latency (inbound stored ->
Twilio accepted) p50/p99, for the texts before the outage and overall.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("SAMPARK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
RED = ["papa ko seene me dard hai", "saans nahi aa rahi", "मां बेहोश हो गई हैं", "chest pain and sweating"]
ROUTINE = ["bukhar hai teen din se", "appointment chahiye", "mujhe khansi hai", "दवाई के बारे में पूछना है"]


def free_port() -> int:
    """A loopback port nobody listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database() -> str:
    """A new empty PostgreSQL database next to the test one; returns its URL."""
    import psycopg

    name = "drill_reliability"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return PG.rsplit("/", 1)[0] + f"/{name}"


class Redis:
    """redis-server on its own port, killable and restartable."""

    def __init__(self, workdir: str) -> None:
        self.port, self.workdir, self.process = free_port(), workdir, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start and wait for PONG."""
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", self.workdir],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        for _ in range(100):
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.RedisError:
                time.sleep(0.1)

    def kill(self) -> None:
        """An outage."""
        self.process.kill()
        self.process.wait()


def serve(database: str, redis_url: str, **overrides):
    """The app, the emulator mounted, served by threads; returns (app, base, server)."""
    from werkzeug.serving import make_server

    from crm.app import create_app
    from crm.platform import sweeps

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app({"DATABASE_URL": database, "REDIS_URL": redis_url, "PUBLIC_BASE_URL": base,
                      "TELEPHONY": "emulator", "EMULATOR_MOUNT": True, "SECRET_KEY": "drill",
                      "SAMPARK_ENV": "testing", "JOBS_EAGER": False, "RATELIMIT_ENABLED": False, **overrides})
    with app.app_context():
        from crm.platform.extensions import db

        db.create_all()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sweeps.start_background(app, interval=2.0)
    return app, base, server


def start_worker(database: str, redis_url: str, base: str, log: Path, baseline: bool = False) -> subprocess.Popen:
    """One `flask worker` (or, as the baseline, the bare `rq worker` the README used to advise)."""
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url, "PUBLIC_BASE_URL": base,
           "EMULATOR_URL": f"{base}/emulator", "TELEPHONY": "emulator", "SECRET_KEY": "drill",
           "SAMPARK_ENV": "testing", "PYTHONPATH": str(ROOT)}
    command = ["-m", "rq.cli", "worker", "--with-scheduler", "--url", redis_url, "default"] if baseline else \
        ["-m", "flask", "--app", "wsgi", "worker"]
    return subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env,
                            stdout=log.open("a"), stderr=subprocess.STDOUT)


def text(base: str, token: str, n: int, body: str) -> tuple[int, float]:
    """One inbound SMS webhook, signed; returns (HTTP status, seconds)."""
    import requests
    from twilio.request_validator import RequestValidator

    params = {"MessageSid": f"SM{n:032x}", "AccountSid": "AC" + "0" * 32, "From": f"+9197{n:08d}",
              "To": "+911800112233", "Body": body, "NumSegments": "1"}
    url = f"{base}/telephony/sms"
    signature = RequestValidator(token).compute_signature(url, params)
    started = time.monotonic()
    try:
        status = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=15).status_code
    except requests.RequestException:
        status = 0
    return status, time.monotonic() - started


def kill_db_connections(database: str) -> None:
    """Terminate every connection to the drill database (a failover or a network cut)."""
    import psycopg

    name = database.rsplit("/", 1)[1]
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                     "AND pid <> pg_backend_pid()", (name,))


def report(app, sent: int, answers: Counter, outage_at: float, started_wall) -> dict:
    """The ledger, from the database and the emulator."""
    from sqlalchemy import func, select

    from crm.models import Message
    from crm.platform.extensions import db

    with app.app_context():
        inbound = db.session.scalar(select(func.count()).where(Message.direction == "inbound"))
        out = db.session.execute(select(Message.id, Message.case_id, Message.kind, Message.status, Message.created_at,
                                        Message.sent_at, Message.sid).where(Message.direction == "outbound")).all()
        store = app.extensions["sampark_emulator"].extensions["twilio_emulator"].store
        with store.lock:
            emulator = list(store.messages.values())
    handed = [m for m in out if m.sid]
    limbo = [m for m in out if m.status in ("pending", "sending")]
    failed = [m for m in out if m.status == "failed"]
    bodies = Counter((m.to, m.body) for m in emulator if m.direction == "outbound-api")
    advice = [(m.sent_at - m.created_at).total_seconds() for m in out if m.kind == "advice" and m.sent_at]
    early = [(m.sent_at - m.created_at).total_seconds() for m in out if m.kind == "advice" and m.sent_at
             and (m.created_at - started_wall).total_seconds() < outage_at]

    def pct(values, q):
        return round(statistics.quantiles(values, n=100)[q - 1], 3) if len(values) >= 2 else None

    return {"texts sent": sent, "answered 200": answers.get(200, 0), "other answers": dict(answers - Counter({200: answers.get(200, 0)})),
            "stored": inbound, "replies": len(out), "handed to Twilio": len(handed), "failed (shown to staff)": len(failed),
            "lost": sent - inbound, "duplicated at Twilio": sum(c - 1 for c in bodies.values() if c > 1),
            "left in limbo": len(limbo), "advice p50 s": pct(advice, 50), "advice p99 s": pct(advice, 99),
            "late (advice over 60 s)": sum(1 for a in advice if a > 60),
            "advice before the outage p50/p99 s": (pct(early, 50), pct(early, 99))}


def main(argv: list[str] | None = None) -> dict:
    """Run the drill; print and return its ledger."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--outage", type=float, default=10)
    parser.add_argument("--settle", type=float, default=200, help="past the sweep's 2 minutes for a stuck send")
    parser.add_argument("--baseline", action="store_true", help="bare forking `rq worker`, no restart after a kill")
    parser.add_argument("--disrupt", choices=("all", "redis", "worker", "connections"), default="all",
                        help="only one of the three disruptions (bench/drills/all runs each alone)")
    args = parser.parse_args(argv)
    args.texts, args.seconds = max(1, min(args.texts, 2000)), max(1.0, min(args.seconds, 600))
    workdir = tempfile.mkdtemp(prefix="drill-")
    redis = Redis(workdir)
    redis.start()
    database = fresh_database()
    app, base, server = serve(database, redis.url)
    logs = Path(workdir)
    workers = [start_worker(database, redis.url, base, logs / f"worker-{i}.log", args.baseline) for i in range(2)]
    time.sleep(8)  # the workers build their app once
    token, rng, answers = app.config["TWILIO_AUTH_TOKEN"], random.Random(16), Counter()
    outage_at = args.seconds / 3
    from crm.models.base import utcnow

    started_wall, started = utcnow(), time.monotonic()

    def drills() -> None:
        time.sleep(outage_at)
        every = args.disrupt == "all"
        if every or args.disrupt == "redis":
            redis.kill()
        if every or args.disrupt == "worker":
            workers[0].kill()  # killed mid-burst, whatever it was doing
        if every or args.disrupt == "connections":
            kill_db_connections(database)
        time.sleep(args.outage)
        if every or args.disrupt == "redis":
            redis.start()
        if not args.baseline and (every or args.disrupt == "worker"):  # supervisor restarts it
            workers[0] = start_worker(database, redis.url, base, logs / "worker-0b.log")

    threading.Thread(target=drills, daemon=True).start()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = []
        for n in range(args.texts):
            body = rng.choice(RED) if rng.random() < 0.2 else rng.choice(ROUTINE)
            futures.append(pool.submit(text, base, token, n, body))
            time.sleep(max(0.0, started + (n + 1) * args.seconds / args.texts - time.monotonic()))
        for future in futures:
            answers[future.result()[0]] += 1
    deadline = time.monotonic() + args.settle
    while time.monotonic() < deadline:
        ledger = report(app, args.texts, answers, outage_at, started_wall)
        if ledger["left in limbo"] == 0 and ledger["replies"] >= ledger["stored"]:
            break
        time.sleep(2)
    ledger = report(app, args.texts, answers, outage_at, started_wall)
    for key, value in ledger.items():
        print(f"{key}: {value}")
    for worker in workers:
        worker.terminate()
    app.extensions.setdefault("sampark_sweeper_stop", threading.Event()).set()  # (all.py: the next drill follows)
    server.shutdown()
    redis.kill()
    return ledger


if __name__ == "__main__":
    main()

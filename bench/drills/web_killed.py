"""Drill: a web process killed mid-burst; Twilio's fallback URL catches the calls it would have lost.

    .venv/bin/python -m bench.drills.web_killed --calls 300 --seconds 30 --down 6

Two gunicorn instances (gunicorn.conf.py, one process each) on a fresh PostgreSQL database and a Redis
of their own. Calls arrive the way Twilio sends them, spread over both instances by a balancer: the
incoming-call webhook, then the menu choice (10% press 9). A third into the burst one instance is
SIGKILLed and started again --down seconds later (as supervisor would). Like Twilio, the driver
posts a failed request (no answer, or 5xx) once to the number's VoiceFallbackUrl, served by the other
instance. Reports: calls, answered by the primary URL, answered by the fallback, lost (no answer at
all), stored (a case in the database), emergencies (pressed 9) that reached the emergency queue, and
the webhook latency p50/p99.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator

from bench.drills.sms_outage import ROOT, Redis, free_port, fresh_database

TOKEN = "drill-auth-token"
FALLBACK = "/telephony/voice/fallback"  # the number's VoiceFallbackUrl
MENU = re.compile(r'action="([^"]*/voice/menu[^"]*)"')


def start_web(port: int, database: str, redis_url: str, public: str, log: Path) -> subprocess.Popen:
    """One gunicorn instance as production runs it."""
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url, "PUBLIC_BASE_URL": public,
           "TELEPHONY": "emulator", "EMULATOR_URL": "http://127.0.0.1:9", "SECRET_KEY": "drill",
           "SAMPARK_ENV": "testing", "TWILIO_AUTH_TOKEN": TOKEN, "GUNICORN_THREADS": "20", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                             "wsgi:app"], cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT,
                            start_new_session=True)


class Twilio:
    """Posts signed webhooks to an instance, and to the fallback URL on the other one when that fails."""

    def __init__(self, public: str, instances: list[str], fallback: bool = True) -> None:
        self.public, self.instances, self.validator = public, instances, RequestValidator(TOKEN)
        self.fallback = fallback
        self.latencies: list[float] = []

    def post(self, instance: int, path: str, params: dict) -> tuple[str, str]:
        """('primary'|'fallback'|'lost', TwiML)."""
        attempts = ((instance, path), (1 - instance, FALLBACK)) if self.fallback else ((instance, path),)
        for attempt, (target, where) in enumerate(attempts):
            signature = self.validator.compute_signature(self.public + where, params)
            started = time.monotonic()
            try:
                answer = self._balanced(target, where, params, signature)
                self.latencies.append(time.monotonic() - started)
                if answer.status_code < 500:
                    return ("primary", "fallback")[attempt], answer.text
            except requests.RequestException:
                pass
        return "lost", ""

    def _balanced(self, target: int, where: str, params: dict, signature: str) -> requests.Response:
        # As the README's balancer does (nginx: proxy_next_upstream error timeout non_idempotent): a request whose
        # connection was refused, or whose process died before answering, is sent to the other instance. Webhooks
        # are idempotent (a repeated CallSid writes nothing and gets the same answer), so a second copy is safe.
        try:
            return requests.post(self.instances[target] + where, data=params, timeout=15,
                                 headers={"X-Twilio-Signature": signature})
        except requests.ConnectionError:
            return requests.post(self.instances[1 - target] + where, data=params, timeout=15,
                                 headers={"X-Twilio-Signature": signature})


def one_call(twilio: Twilio, n: int, emergency: bool) -> dict:
    """A call: the incoming webhook, then the menu key."""
    sid = f"CA{n:032x}"
    params = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": f"+9196{n:08d}", "To": "+911800112233",
              "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
    instance = n % 2
    first, twiml = twilio.post(instance, "/telephony/voice", params)
    outcome = {"sid": sid, "first": first, "emergency": emergency, "menu": None}
    found = MENU.search(twiml)
    if first == "primary" and found:
        path = found.group(1).replace("&amp;", "&").removeprefix(twilio.public)
        outcome["menu"], _ = twilio.post(instance, path, params | {"CallStatus": "in-progress",
                                                                    "Digits": "9" if emergency else "2"})
    return outcome


def ledger(database: str, outcomes: list[dict], latencies: list[float]) -> dict:
    """What the database holds against what the driver saw."""
    import psycopg

    with psycopg.connect(database) as conn:
        stored = {row[0] for row in conn.execute("SELECT sid FROM call")}
        urgent = {row[0] for row in conn.execute(
            "SELECT call.sid FROM call JOIN \"case\" ON call.case_id = \"case\".id "
            "WHERE \"case\".priority = 'P1' AND \"case\".queue = 'emergency'")}
    steps = Counter(o["first"] for o in outcomes) + Counter(f"menu {o['menu']}" for o in outcomes if o["menu"])
    pressed = [o for o in outcomes if o["emergency"] and o["menu"] in ("primary", "fallback")]
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {"calls": len(outcomes), "answered (webhook steps)": dict(steps), "lost": steps.get("lost", 0),
            "stored": len(stored & {o["sid"] for o in outcomes}),
            "emergencies pressed / in the emergency queue": (len(pressed), len(urgent & {o["sid"] for o in pressed})),
            "webhook p50 ms": round(q[49] * 1000), "webhook p99 ms": round(q[98] * 1000)}


def main(argv: list[str] | None = None) -> dict:
    """Run the drill; print and return its ledger."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--down", type=float, default=6)
    parser.add_argument("--no-fallback", action="store_true", help="the number has no VoiceFallbackUrl")
    args = parser.parse_args(argv)
    args.calls, args.seconds = max(1, min(args.calls, 5000)), max(1.0, min(args.seconds, 600))
    workdir = Path(tempfile.mkdtemp(prefix="drill-web-"))
    redis = Redis(str(workdir))
    redis.start()
    database = fresh_database()
    from crm.app import create_app
    from crm.platform.extensions import db

    with create_app({"DATABASE_URL": database, "SAMPARK_ENV": "testing", "SECRET_KEY": "drill"}).app_context():
        db.create_all()
    ports = [free_port(), free_port()]
    public = f"http://127.0.0.1:{ports[0]}"  # the balancer's address, which Twilio signs
    webs = [start_web(p, database, redis.url, public, workdir / f"web-{p}.log") for p in ports]
    instances = [f"http://127.0.0.1:{p}" for p in ports]
    for base in instances:
        for _ in range(200):
            try:
                requests.get(base + "/login", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
    twilio, rng = Twilio(public, instances, fallback=not args.no_fallback), random.Random(16)

    def kill_and_restart() -> None:
        time.sleep(args.seconds / 3)
        os.killpg(webs[0].pid, signal.SIGKILL)
        time.sleep(args.down)
        webs[0] = start_web(ports[0], database, redis.url, public, workdir / "web-restarted.log")

    threading.Thread(target=kill_and_restart, daemon=True).start()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=24) as pool:
        futures = []
        for n in range(args.calls):
            futures.append(pool.submit(one_call, twilio, n, rng.random() < 0.10))
            time.sleep(max(0.0, started + (n + 1) * args.seconds / args.calls - time.monotonic()))
        outcomes = [f.result() for f in futures]
    found = ledger(database, outcomes, twilio.latencies)
    for key, value in found.items():
        print(f"{key}: {value}")
    for web in webs:
        os.killpg(web.pid, signal.SIGTERM)
    redis.kill()
    return found


if __name__ == "__main__":
    main()

"""Drill: a steady load for a long time; nothing lost, and each process's memory measured as it goes.

    python -m bench.drills.soak --minutes 30 --rate 2

One gunicorn web instance (the emulator mounted in it, its sweep thread on) and two `flask worker` processes on a
fresh PostgreSQL database and a redis-server of the drill's own. Texts (a fifth red flags) and calls (the
incoming webhook, then the menu) arrive at --rate a second, signed as Twilio sends them. Every minute the
resident memory (RSS) of each process is sampled from /proc. Reports: contacts sent and lost, replies
duplicated or left unsent (late), and per process the RSS at the start, the end and the growth.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator

from bench.drills.sms_outage import RED, ROOT, ROUTINE, Redis, free_port, fresh_database, start_worker

TOKEN = "drill-auth-token"
MENU = re.compile(r'action="([^"]*/voice/menu[^"]*)"')


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` and its children, in MB (0 once it is gone)."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def post(base: str, path: str, params: dict) -> str:
    signature = RequestValidator(TOKEN).compute_signature(base + path, params)
    try:
        return requests.post(base + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=15).text
    except requests.RequestException:
        return ""


def contact(base: str, n: int, rng: random.Random) -> str:
    """One text or one call (incoming, then the menu); returns its sid."""
    if n % 3:
        sid = f"SM{n:032x}"
        post(base, "/telephony/sms", {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": f"+9193{n:08d}",
                                      "To": "+911800112233", "NumSegments": "1",
                                      "Body": rng.choice(RED if rng.random() < 0.2 else ROUTINE)})
        return sid
    sid = f"CA{n:032x}"
    params = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": f"+9192{n:08d}", "To": "+911800112233",
              "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
    found = MENU.search(post(base, "/telephony/voice", params))
    if found:
        post(base, found.group(1).replace("&amp;", "&").removeprefix(base),
             params | {"CallStatus": "in-progress", "Digits": "9" if rng.random() < 0.1 else "2"})
    return sid


def main(argv: list[str] | None = None) -> dict:
    """Run the drill; print and return its ledger."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=2.0, help="contacts a second")
    parser.add_argument("--settle", type=float, default=60)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="drill-soak-"))
    redis = Redis(str(workdir))
    redis.start()
    database = fresh_database()
    from crm.app import create_app
    from crm.platform.extensions import db

    with create_app({"DATABASE_URL": database, "SAMPARK_ENV": "testing", "SECRET_KEY": "drill"}).app_context():
        db.create_all()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis.url, "PUBLIC_BASE_URL": base,
           "TELEPHONY": "emulator", "EMULATOR_URL": f"{base}/emulator", "SECRET_KEY": "drill", "SAMPARK_ENV": "testing",
           "TWILIO_AUTH_TOKEN": TOKEN, "PYTHONPATH": str(ROOT), "INSTANCE_PATH": str(workdir / "instance")}
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--bind",
                            f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True,
                           stdout=(workdir / "web.log").open("a"), stderr=subprocess.STDOUT)
    workers = [start_worker(database, redis.url, base, workdir / f"worker-{i}.log") for i in range(2)]
    for _ in range(300):
        try:
            requests.get(base + "/login", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.2)
    time.sleep(5)  # the workers build their app once
    processes = {"web": web.pid, "worker-1": workers[0].pid, "worker-2": workers[1].pid}
    memory = {name: [rss_mb(pid)] for name, pid in processes.items()}
    rng, sids, started = random.Random(30), [], time.monotonic()
    total, next_sample = int(args.minutes * 60 * args.rate), started + 60
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = []
        for n in range(total):
            futures.append(pool.submit(contact, base, n, random.Random(rng.random())))
            if time.monotonic() >= next_sample:
                for name, pid in processes.items():
                    memory[name].append(rss_mb(pid))
                next_sample += 60
            time.sleep(max(0.0, started + (n + 1) / args.rate - time.monotonic()))
        sids = [f.result() for f in futures]
    ledger = _ledger(database, sids, args.settle)
    for name, pid in processes.items():
        memory[name].append(rss_mb(pid))
        ledger[f"{name} RSS MB start/end/max"] = (memory[name][0], memory[name][-1], max(memory[name]))
    for key, value in ledger.items():
        print(f"{key}: {value}")
    for process in (web, *workers):
        os.killpg(process.pid, signal.SIGTERM) if process is web else process.terminate()
    redis.kill()
    return ledger


def _ledger(database: str, sids: list[str], settle: float) -> dict:
    import psycopg

    deadline = time.monotonic() + settle
    with psycopg.connect(database, autocommit=True) as conn:
        while True:
            unsent = conn.execute("SELECT count(*) FROM message WHERE direction = 'outbound' "
                                  "AND status IN ('pending', 'sending') AND sid IS NULL").fetchone()[0]
            if not unsent or time.monotonic() > deadline:
                break
            time.sleep(2)
        stored = {r[0] for r in conn.execute("SELECT sid FROM message WHERE direction = 'inbound'")}
        stored |= {r[0] for r in conn.execute("SELECT sid FROM call")}
        duplicated = conn.execute("SELECT count(*) - count(DISTINCT (case_id, kind)) FROM message "
                                  "WHERE direction = 'outbound' AND kind IN ('ack', 'advice')").fetchone()[0]
    return {"contacts": len(sids), "lost": sum(1 for s in sids if s not in stored), "duplicated": duplicated,
            "late (replies unsent after settling)": unsent}


if __name__ == "__main__":
    main()

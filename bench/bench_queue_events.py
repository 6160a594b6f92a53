"""Queue events to 200 dashboards across two web processes, against a bare python-socketio broadcast.

    .venv/bin/python -m bench.bench_queue_events                  # measure and print
    .venv/bin/python -m bench.bench_queue_events --write-readme   # and record the figures in bench/README.md

(a) Sampark: two real web processes (`create_app()` + `socketio.run`, threading mode, simple-websocket,
    message_queue=REDIS_URL) on PostgreSQL. 200 operator dashboards (python-socketio AsyncClient over
    WebSocket, logged in with a real session cookie) connect, half to each process. Each round a signed
    SMS webhook goes to process A: it is checked, stored, triaged, a case is opened and queued, an ack is
    written to the outbox, the transaction commits, and `case.message` is published through Redis. The
    clock runs from just before the webhook is sent to the moment each dashboard receives the event.
(b) Bare: two python-socketio servers (same threading server, same simple-websocket, same Redis,
    RedisManager) with no app at all; a POST to process A's /trigger emits one event to everyone. Same
    200 clients, same rounds. It is the floor: transport and fan-out without checks, database or rooms.

All clients live in this process's one asyncio loop, so the per-client times include the loop working
through 200 arrivals; that cost is the same for (a) and (b). DATABASE_URL names the PostgreSQL server
(default postgresql://postgres@127.0.0.1:5432/test); the benchmark recreates its own database
`sampark_bench_events`. REDIS_URL defaults to redis://127.0.0.1:6379/14. Do not run it alongside the
test suite: Socket.IO's Redis channel is shared by every process on the same Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
DB_NAME = "sampark_bench_events"
SECRET = "bench-secret-shared-by-both-processes"
CLIENTS, ROUNDS, WARMUP = 200, 40, 5
SECTION = "## Queue events to 200 dashboards"


# ---- the server processes -------------------------------------------------------------------------
def serve_sampark(port: int) -> None:
    """One Sampark web process, configured from the environment as in production."""
    from crm import create_app
    from crm.platform.extensions import socketio

    app = create_app({"SAMPARK_ENV": "testing", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "JOBS_HOLD": True, "EMULATOR_MOUNT": False, "INSTANCE_PATH": os.environ["INSTANCE_PATH"]})
    socketio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False)


def serve_bare(port: int) -> None:
    """A bare python-socketio server on the same stack; POST /trigger broadcasts one event."""
    import socketio
    from werkzeug.serving import run_simple

    sio = socketio.Server(async_mode="threading", client_manager=socketio.RedisManager(REDIS, channel="bench-bare"))

    def trigger(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        sequence = environ["wsgi.input"].read(length).decode() if length else ""
        sio.emit("case.message", {"seq": sequence}, to=None)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    run_simple("127.0.0.1", port, socketio.WSGIApp(sio, trigger), threaded=True)


# ---- the driver -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database() -> tuple[str, str]:
    """Recreate the benchmark database, migrate it, add one operator; returns (url, username)."""
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    url = urlsplit(PG)._replace(path=f"/{DB_NAME}").geturl()
    from flask_migrate import upgrade

    from crm import create_app
    from crm.staff.auth import passwords

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp(), "SAMPARK_ENV": "testing",
                      "EMULATOR_MOUNT": False})
    with app.app_context():
        upgrade()
        passwords.create_staff("bench_operator", "operator", "bench-password-1", name="Bench Operator")
    return url, "bench_operator"


def start(mode: str, port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bench.bench_queue_events", mode, str(port)], cwd=ROOT,
                            env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_http(url: str, timeout: float = 30) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise TimeoutError(url)


async def connect_all(urls: list[str], cookie: str | None) -> tuple[list, dict]:
    """CLIENTS AsyncClients over WebSocket, spread evenly over `urls`; arrivals[(key)] -> list of times."""
    import socketio

    arrivals: dict[str, list[float]] = {}
    clients = []

    def handler(event: str, data: dict) -> None:
        key = data.get("caller") or data.get("seq")
        arrivals.setdefault(key, []).append(time.perf_counter())

    async def one(i: int):
        client = socketio.AsyncClient(reconnection=False)
        client.on("*", handler)
        await client.connect(urls[i % len(urls)], headers={"Cookie": cookie} if cookie else {},
                             transports=["websocket"], wait_timeout=20)
        clients.append(client)

    for batch in range(0, CLIENTS, 20):
        await asyncio.gather(*(one(i) for i in range(batch, min(batch + 20, CLIENTS))))
    return clients, arrivals


async def rounds(trigger, arrivals: dict) -> tuple[list[float], ...]:
    """Fire WARMUP + ROUNDS triggers: per-delivery latency, per-round last delivery, trigger HTTP time, and
    each delivery minus its round's HTTP time (what the fan-out adds once the trigger has answered)."""
    every, last, http, after = [], [], [], []
    loop = asyncio.get_running_loop()
    for n in range(WARMUP + ROUNDS):
        key, send = trigger(n)
        t0 = time.perf_counter()
        took = await loop.run_in_executor(None, send)
        deadline = time.monotonic() + 15
        while len(arrivals.get(key, [])) < CLIENTS and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        got = arrivals.get(key, [])
        if len(got) < CLIENTS:
            raise RuntimeError(f"round {n}: only {len(got)} of {CLIENTS} dashboards got the event")
        if n >= WARMUP:
            latencies = [(t - t0) * 1000 for t in got]
            every += latencies
            last.append(max(latencies))
            http.append(took * 1000)
            after += [latency - took * 1000 for latency in latencies]
        await asyncio.sleep(0.25)
    return every, last, http, after


def sms_trigger(base: str):
    import requests
    from twilio.request_validator import RequestValidator

    from crm.config import EMULATOR_AUTH_TOKEN
    from crm.platform.phones import masked

    validator = RequestValidator(EMULATOR_AUTH_TOKEN)

    def make(n: int):
        sender = f"+9198{n + 10_000_000:08d}"
        params = {"MessageSid": f"SM{time.time_ns():032x}", "AccountSid": "AC" + "0" * 32, "From": sender,
                  "To": "+911800112233", "Body": "mujhe appointment chahiye", "NumMedia": "0", "NumSegments": "1"}
        headers = {"X-Twilio-Signature": validator.compute_signature(base + "/telephony/sms", params)}

        def send() -> float:
            started = time.perf_counter()
            response = requests.post(base + "/telephony/sms", data=params, headers=headers, timeout=10)
            assert response.status_code == 200, response.text
            return time.perf_counter() - started

        return masked(sender), send

    return make


def bare_trigger(base: str):
    import requests

    def make(n: int):
        key = f"round-{n}"

        def send() -> float:
            started = time.perf_counter()
            requests.post(base + "/trigger", data=key, timeout=10).raise_for_status()
            return time.perf_counter() - started

        return key, send

    return make


async def measure(mode: str, env: dict, login: tuple[str, str] | None) -> dict:
    import requests

    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    procs = [start(mode, p, env | {"PUBLIC_BASE_URL": u, "INSTANCE_PATH": tempfile.mkdtemp()})
             for p, u in zip(ports, urls, strict=True)]
    try:
        for url in urls:
            wait_http(url + ("/login" if login else "/socket.io/?EIO=4&transport=polling"))
        cookie = None
        if login:
            session = requests.Session()
            response = session.post(urls[0] + "/login", data={"username": login[0], "password": login[1]},
                                    allow_redirects=False, timeout=10)
            assert response.status_code == 302, "bench operator could not log in"
            cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        clients, arrivals = await connect_all(urls, cookie)
        trigger = sms_trigger(urls[0]) if login else bare_trigger(urls[0])
        every, last, http, after = await rounds(trigger, arrivals)
        await asyncio.gather(*(c.disconnect() for c in clients))
        return {"every": every, "last": last, "http": http, "after": after}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def table(results: dict[str, dict]) -> str:
    lines = [("| path | delivery p50 ms | delivery p99 ms | last of 200 p50 ms | last of 200 p99 ms "
             "| trigger HTTP p50 / p99 ms | delivery after the trigger answered, p50 ms |"),
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        lines.append(f"| {name} | {statistics.median(r['every']):.1f} | {pct(r['every'], 99):.1f} | "
                     f"{statistics.median(r['last']):.1f} | {pct(r['last'], 99):.1f} | "
                     f"{statistics.median(r['http']):.1f} / {pct(r['http'], 99):.1f} | "
                     f"{statistics.median(r['after']):.1f} |")
    return "\n".join(lines)


def reading(results: dict[str, dict]) -> str:
    """The figures in a sentence: where the time of (a) goes, next to the floor (b)."""
    sampark, bare = results.values()
    return (f"In (a) the last of the 200 dashboards has the event {statistics.median(sampark['last']):.0f} ms (p50) "
            f"after the webhook was sent; the webhook's own work (signature check, triage, case, timeline and "
            f"outbox rows, commit, publish) is {statistics.median(sampark['http']):.0f} ms of it, and the dashboards "
            f"have the event {statistics.median(sampark['after']):+.0f} ms relative to the webhook's answer (the "
            f"event is published before the response is written). The bare broadcast's last dashboard: "
            f"{statistics.median(bare['last']):.0f} ms.")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"nproc {os.cpu_count()} ({cpu}), Python {platform.python_version()}, {date.today().isoformat()}"


def write_readme(text: str) -> None:
    readme = ROOT / "bench" / "README.md"
    current = readme.read_text()
    pattern = re.compile(rf"{re.escape(SECTION)}\n.*?(?=\n## |\Z)", re.DOTALL)
    current = pattern.sub(lambda _: text.rstrip("\n"), current) if pattern.search(current) \
        else current.rstrip("\n") + "\n\n" + text
    readme.write_text(current.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    database, username = prepare_database()
    env = {"DATABASE_URL": database, "REDIS_URL": REDIS, "SECRET_KEY": SECRET}
    results = {
        "(a) Sampark: signed SMS webhook -> case -> `case.message` via Redis": asyncio.run(
            measure("--serve", env, (username, "bench-password-1"))),
        "(b) bare python-socketio: POST /trigger -> emit via Redis": asyncio.run(measure("--serve-bare", env, None)),
    }
    text = (f"{SECTION}\n\n`cd /work/main && .venv/bin/python -m bench.bench_queue_events --write-readme` "
            f"(bench/bench_queue_events.py), PostgreSQL database `{DB_NAME}` and Redis `{REDIS}` on 127.0.0.1.\n\n"
            f"{CLIENTS} dashboards (python-socketio AsyncClient, WebSocket), {CLIENTS // 2} on each of two web "
            f"processes joined by the Redis message queue; {ROUNDS} measured rounds after {WARMUP} warm-up, each "
            "from just before the trigger is sent to each dashboard's receipt (one asyncio loop receives for all "
            "200, in both setups). The SMS goes to process A; half the dashboards are on process B.\n\n"
            f"{table(results)}\n\n{reading(results)}\n\n"
            f"Machine: {machine()}. Whole run {time.monotonic() - started:.0f} s.\n")
    print(text)
    if args.write_readme:
        write_readme(text)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve_sampark(int(sys.argv[2]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--serve-bare":
        serve_bare(int(sys.argv[2]))
    else:
        main()

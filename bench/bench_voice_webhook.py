"""Webhook latency over real HTTP: every IVR step and the SMS webhook, each against a bare constant-TwiML endpoint.

Run from the repository root:

    .venv/bin/python -m bench.bench_voice_webhook              # measure, print, record in bench/README.md
    .venv/bin/python -m bench.bench_voice_webhook --no-readme  # print only
    .venv/bin/python -m bench.bench_voice_webhook --rate 100 --rounds 2 --no-readme   # a quicker look

As the README advises for this machine: two gunicorn instances (gunicorn.conf.py: one process, threads, each)
on PostgreSQL (database `sampark_bench_voice`, recreated and migrated each run) and Redis (the Socket.IO
message queue on a channel of its own, the rq queue on a database of its own), sweeps left to their own
process (not run here). Each instance serves the real app plus POST /bench/bare, which answers the greeting
TwiML as a constant string: same servers, same run. An open-loop client in this process sends Twilio-signed
webhooks at a fixed rate, alternating between the instances as a balancer would, whatever the answers.

A round sends, for each step, a block of webhooks and a block of bare requests (order alternated per round):
the incoming call (a fresh CallSid and caller each), then for those same calls the menu key (2, English), the
card prompt (# skips), a wait request (the Enqueue's waitUrl), a key pressed while waiting (2: keep waiting), the
queue result (the caller hung up) and the completed status callback; then texts (a fresh MessageSid each; English, Devanagari and romanised Hindi, a
fifth of them red flags that get the emergency advice).

Beside the steps, a reference row: POST /bench/floor takes the wait request's signed form, checks its signature,
INSERTs one row committed durably (a prepared statement on the server thread's own psycopg connection: no pool,
no ORM) and answers the constant TwiML. It is the least any webhook that keeps what Twilio told it can cost on
these servers, measured against its own bare blocks like every step.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "bench" / "README.md"
HEADING = "## Voice webhook latency"
PG_SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Runs side by side on one machine (several developers) each need their own: SAMPARK_BENCH_NAME=alice and
# SAMPARK_BENCH_REDIS_DB=7 give database sampark_bench_voice_alice, Redis database 7 (flushed), channel ..-alice.
_OWN = os.environ.get("SAMPARK_BENCH_NAME", "")
BENCH_DB = "sampark_bench_voice" + (f"_{_OWN}" if _OWN else "")
REDIS_URL = f"redis://127.0.0.1:6379/{int(os.environ.get('SAMPARK_BENCH_REDIS_DB', '12'))}"
CHANNEL = "sampark-bench-voice" + (f"-{_OWN}" if _OWN else "")
PUBLIC = "http://bench.sampark.test"  # the URL Twilio signs (both instances check against it)
BARE = "/bench/bare"
FLOOR = "/bench/floor"  # the reference a stored webhook cannot go below: signature, one durable INSERT, constant TwiML
INSTANCES = 2  # the README's advice: at least two web processes per machine
RATE, BLOCK_SECONDS, ROUNDS = 200, 3, 3
WARMUP, WORKERS = 200, 96  # enough workers that a slow answer never delays the next send
SECRET = "bench-secret-not-for-production"
SERVER_APP = "bench.bench_voice_webhook:serving_app()"
STEPS = ("voice", "menu", "card", "wait", "choice", "queue-result", "status", "sms")
TEXTS = ("I have had fever and cough for three days, need a doctor appointment",
         "मुझे तीन दिन से बुखार है, डॉक्टर से मिलना है",
         "mujhe sar dard hai aur chakkar aa rahe hain",
         "my father has chest pain and is sweating a lot",  # red flag: the emergency advice
         "बच्चे को दस्त हो रहे हैं, क्या करें")


def serving_app():
    """What gunicorn serves: the app configured from the environment, plus the bare endpoint."""
    from flask import Response

    from crm import create_app
    from crm.platform.extensions import socketio
    from crm.staff.auth.access import csrf_exempt, public
    from telephony import prompts

    socketio.server_options["channel"] = CHANNEL
    app = create_app({"INSTANCE_PATH": os.environ["BENCH_INSTANCE"], "EMULATOR_MOUNT": False, "SOCKETIO_CHANNEL": CHANNEL})
    constant = prompts.greeting("/telephony/voice/menu?case=1", None)

    @public
    @csrf_exempt
    def bare():
        """The baseline: the same routing, gate and server, no signature, database or event."""
        return Response(constant, mimetype="text/xml")

    app.add_url_rule(BARE, "bench_bare", bare, methods=["POST"])

    import psycopg
    from flask import request

    from telephony.signature import is_valid_request

    database = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
    own = threading.local()  # a connection per server thread: not even a pool checkout

    @public
    @csrf_exempt
    def floor():
        """The floor for a webhook that keeps what Twilio told it: the signature over the form, one INSERT
        committed durably as it runs (a prepared statement on the thread's own connection), constant TwiML."""
        if not is_valid_request():
            return Response("forged", status=403)
        if getattr(own, "conn", None) is None:
            own.conn = psycopg.connect(database, autocommit=True)
        own.conn.execute("INSERT INTO bench_floor (sid, heard_at) VALUES (%s, now())", (request.form["CallSid"],),
                         prepare=True)
        return Response(constant, mimetype="text/xml")

    app.add_url_rule(FLOOR, "bench_floor", floor, methods=["POST"])
    return app


# ---- servers ----------------------------------------------------------------------------------------

def free_port() -> int:
    """A loopback port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    """One POST on a keep-alive connection: (status, body)."""
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


@contextmanager
def gunicorn(workdir: Path, settings: dict, name: str):
    """(base URL, master pid) of one gunicorn instance serving serving_app() with `settings`."""
    from crm.config import ENV_KEYS

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env |= {"BIND": f"127.0.0.1:{port}", "PUBLIC_BASE_URL": PUBLIC, "SECRET_KEY": SECRET, "SWEEPS_IN_WEB": "0",
            "SAMPARK_ENV": "development", "BENCH_INSTANCE": str(workdir / "instance")} | settings
    log_path = workdir / f"gunicorn-{name}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", SERVER_APP],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                if post(conn, BARE, b"", {})[0] == 200:
                    break
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_of(master: int) -> int:
    """The pid of gunicorn's one worker, the child of `master`."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                return int(stat.parent.name)
        except (OSError, IndexError):
            continue
    raise RuntimeError(f"gunicorn {master} has no worker")


# ---- load -------------------------------------------------------------------------------------------

class OpenLoop:
    """Worker threads handed requests at fixed times, sharing keep-alive connections per instance.

    Request i goes to instance i mod n, as a round-robin balancer would. Connections are reused last-in
    first-out, as a client pool would, so the few that a rate needs stay hot.
    """

    def __init__(self, bases: list[str], workers: int = WORKERS):
        self.addresses = [(urlsplit(b).hostname, urlsplit(b).port) for b in bases]
        self.jobs: queue.Queue = queue.Queue()
        self.connections = [queue.LifoQueue() for _ in bases]
        self.reconnects = 0
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            index, (path, body, headers), due, results = job
            target = index % len(self.addresses)
            try:
                conn = self.connections[target].get_nowait()
            except queue.Empty:
                conn = http.client.HTTPConnection(*self.addresses[target], timeout=30)
            started = time.perf_counter()
            try:
                try:
                    status, text = post(conn, path, body, headers)
                except (http.client.RemoteDisconnected, ConnectionError):
                    self.reconnects += 1  # the server closed this connection after its keep-alive
                    conn.close()
                    status, text = post(conn, path, body, headers)
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                status, text = 0, repr(error).encode()
            ended = time.perf_counter()
            self.connections[target].put(conn)
            results[index] = ((ended - started) * 1000, (started - due) * 1000, started, status, text)
            self.jobs.task_done()

    def run(self, requests: list, rate: float) -> list:
        """Send `requests` at `rate` per second whatever the answers; (ms, lag ms, sent, status, body) each."""
        results: list = [None] * len(requests)
        start = time.perf_counter() + 0.02
        for index, request in enumerate(requests):
            due = start + index / rate
            if (delay := due - time.perf_counter()) > 0:
                time.sleep(delay)
            self.jobs.put((index, request, due, results))
        self.jobs.join()
        return results

    def close(self) -> None:
        """Stop the workers."""
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join(timeout=5)
        for pool in self.connections:
            while not pool.empty():
                pool.get_nowait().close()


class Twilio:
    """Webhooks signed as Twilio signs them, for calls numbered k."""

    def __init__(self):
        from twilio.request_validator import RequestValidator

        from crm.config import EMULATOR_AUTH_TOKEN

        self.validator = RequestValidator(EMULATOR_AUTH_TOKEN)

    def signed(self, path: str, params: dict) -> tuple:
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": self.validator.compute_signature(PUBLIC + path, params)}
        return path, urlencode(params).encode(), headers

    @staticmethod
    def call(k: int, **extra) -> dict:
        caller = f"+9198{k:08d}"
        return {"CallSid": f"CA{k:032x}", "AccountSid": "AC" + "0" * 32, "From": caller, "To": "+911800112233",
                "Caller": caller, "Called": "+911800112233", "CallStatus": "in-progress", "Direction": "inbound",
                "ApiVersion": "2010-04-01"} | extra

    def step(self, step: str, k: int, case: int | None) -> tuple:
        """The webhook Twilio sends for call (or text) k at `step`."""
        queue_fields = {"QueueSid": "QU" + "1" * 32, "QueueTime": "20"}
        if step == "voice":
            return self.signed("/telephony/voice", self.call(k, CallStatus="ringing"))
        if step == "menu":
            return self.signed(f"/telephony/voice/menu?case={case}", self.call(k, Digits="2"))
        if step == "card":
            return self.signed(f"/telephony/voice/card?case={case}", self.call(k, Digits=""))
        if step == "floor":  # the wait request's form, to the floor endpoint
            return self.signed(FLOOR, self.call(
                k, QueuePosition=str(k % 40 + 1), AvgQueueTime="45", CurrentQueueSize="40", **queue_fields))
        if step == "wait":
            return self.signed(f"/telephony/voice/wait?case={case}", self.call(
                k, QueuePosition=str(k % 40 + 1), AvgQueueTime="45", CurrentQueueSize="40", **queue_fields))
        if step == "choice":
            return self.signed(f"/telephony/voice/wait/choice?case={case}", self.call(k, Digits="2"))
        if step == "queue-result":
            return self.signed(f"/telephony/voice/queue-result?case={case}", self.call(
                k, QueueResult="hangup", **queue_fields))
        if step == "status":
            return self.signed("/telephony/voice/status", self.call(k, CallStatus="completed", SequenceNumber="4",
                                                                    CallDuration="60"))
        body = TEXTS[k % len(TEXTS)]
        return self.signed("/telephony/sms", {
            "MessageSid": f"SM{k:032x}", "AccountSid": "AC" + "0" * 32, "From": f"+9197{k:08d}",
            "To": "+911800112233", "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received",
            "ApiVersion": "2010-04-01"})


def answered(step: str, status: int, body: bytes) -> bool:
    """Whether the answer is the TwiML (or 204) this step must give."""
    if step in ("bare", "floor"):
        return status == 200 and b"<Gather" in body and b"press 9" in body
    if step == "voice":
        return status == 200 and b"<Gather" in body and b"/telephony/voice/menu?case=" in body and b"press 9" in body
    if step == "menu":
        return status == 200 and b"12 digit card number" in body
    if step == "card":
        return status == 200 and b"<Enqueue" in body and b"tier1" in body
    if step == "wait":
        return status == 200 and b"in the queue" in body and b"press 1" in body
    if step == "choice":
        return status == 200 and b"in the queue" in body and b"press 1" not in body
    if step == "queue-result":
        return status == 200 and b"<Response" in body
    if step == "status":
        return status == 204
    return status == 200 and b"<Response" in body


def measure(bases: list[str], workers: list[int], rate: int, rounds: int, block_seconds: int) -> tuple[dict, int]:
    """Warm up, then `rounds` rounds of (step, bare) block pairs: {step: {blocks, bare, cpu, bare_cpu}}."""
    loop, twilio, out = OpenLoop(bases), Twilio(), {}
    numbers = iter(range(1, 10**7))
    size = rate * block_seconds

    def block(requests):
        cpu = sum(cpu_seconds(w) for w in workers)
        results = loop.run(requests, rate)
        return results, sum(cpu_seconds(w) for w in workers) - cpu

    try:
        warm = [next(numbers) for _ in range(WARMUP)]
        cases = _cases(loop.run([twilio.step("voice", k, None) for k in warm], rate)) if "voice" in STEPS else None
        for step in STEPS[1:] if "voice" in STEPS else STEPS:
            loop.run([twilio.step(step, k, c) for k, c in zip(warm, cases or [None] * WARMUP, strict=True)], rate)
        loop.run([(BARE, b"", {})] * WARMUP, rate)
        loop.run([twilio.step("floor", k, None) for k in warm], rate)
        for number in range(rounds):
            calls, cases = [next(numbers) for _ in range(size)], None
            for step in (*STEPS, "floor"):
                entry = out.setdefault(step, {"blocks": [], "bare": [], "cpu": 0.0, "bare_cpu": 0.0})
                requests = [twilio.step(step, k, c) for k, c in zip(calls, cases or [None] * size, strict=True)]
                for kind in (("step", "bare") if number % 2 == 0 else ("bare", "step")):
                    results, cpu = block(requests if kind == "step" else [(BARE, b"", {})] * size)
                    entry["blocks" if kind == "step" else "bare"].append(results)
                    entry["cpu" if kind == "step" else "bare_cpu"] += cpu
                    if kind == "step" and step == "voice":
                        cases = _cases(results)
    finally:
        loop.close()
    return out, loop.reconnects


def _cases(results: list) -> list[int | None]:
    found = [re.search(rb"case=(\d+)", r[4]) for r in results]
    return [int(m.group(1)) if m else None for m in found]


def summarise(step: str, blocks: list, cpu: float) -> dict:
    """Count, errors, achieved rate, median and p99 ms, worst send lag, worker CPU ms per request."""
    rows = [row for block in blocks for row in block]
    errors = [(status, body[:160]) for _, _, _, status, body in rows if not answered(step, status, body)]
    ms = sorted(row[0] for row in rows)
    rates = [(len(b) - 1) / (max(r[2] for r in b) - min(r[2] for r in b)) for b in blocks]
    return {"n": len(rows), "errors": len(errors), "first_error": errors[0] if errors else None,
            "rate": statistics.mean(rates), "median": statistics.median(ms),
            "p99": ms[min(len(ms) - 1, int(len(ms) * 0.99))], "lag": max(row[1] for row in rows),
            "cpu": cpu * 1000 / len(rows)}


# ---- where the time goes (in process) ---------------------------------------------------------------

def breakdown(url: str, instance: Path, n: int = 200) -> dict:
    """Each step through the Flask test client, one at a time: median ms and the SQL it sends."""
    from sqlalchemy import event

    from crm import create_app
    from crm.platform.extensions import db, socketio

    socketio.server_options["channel"] = CHANNEL
    app = create_app({"DATABASE_URL": url, "REDIS_URL": REDIS_URL, "INSTANCE_PATH": str(instance), "SOCKETIO_CHANNEL": CHANNEL,
                      "SECRET_KEY": SECRET, "EMULATOR_MOUNT": False, "PUBLIC_BASE_URL": PUBLIC})
    with app.app_context():
        engine = db.engine
    twilio, client = Twilio(), app.test_client()
    times: dict[str, list[float]] = {step: [] for step in STEPS}
    sql: dict[str, list[int]] = {step: [] for step in STEPS}
    counting = {"statements": 0, "transactions": 0}

    def statement(*args):
        counting["statements"] += 1

    def begin(conn):
        counting["transactions"] += conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT"

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    try:
        for k in range(9 * 10**6, 9 * 10**6 + n + 30):
            case = None
            for step in STEPS:
                path, body, headers = twilio.step(step, k, case)
                counting.update(statements=0, transactions=0)
                started = time.perf_counter()
                response = client.post(path, data=body, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                if not answered(step, response.status_code, response.data):
                    raise RuntimeError(f"{step} answered {response.status_code}: {response.data[:300]!r}")
                if step == "voice":
                    case = int(re.search(rb"case=(\d+)", response.data).group(1))
                if k >= 9 * 10**6 + 30:
                    times[step].append(elapsed)
                    # A transaction adds BEGIN and COMMIT round trips; a statement alone commits as it runs.
                    sql[step].append(counting["statements"] + 2 * counting["transactions"])
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)
        engine.dispose()
    return {step: {"ms": statistics.median(times[step]), "round_trips": statistics.median(sql[step])}
            for step in STEPS}


# ---- configuration ----------------------------------------------------------------------------------

def migrated(url: str, instance: Path) -> None:
    """Build the schema with the real migrations, from this process."""
    from flask_migrate import upgrade

    from crm import create_app
    from crm.platform.extensions import db

    app = create_app({"DATABASE_URL": url, "REDIS_URL": "", "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET,
                      "EMULATOR_MOUNT": False})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def fresh_pg_database() -> str:
    """Drop and create the bench's database (`sampark_bench_voice`); its URL."""
    import psycopg

    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return urlsplit(PG_SERVER)._replace(path=f"/{BENCH_DB}").geturl()


def stored(url: str) -> dict:
    """What the run left in the database: calls and texts, each stored once, and where the cases ended."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    queries = {
        "voice_cases": "SELECT count(*) FROM \"case\" WHERE channel = 'voice'",
        "call_sids": "SELECT count(DISTINCT sid) FROM call",
        "calls": "SELECT count(*) FROM call",
        "abandoned": "SELECT count(*) FROM \"case\" WHERE channel = 'voice' AND status = 'abandoned'",
        "ended_legs": "SELECT count(*) FROM call WHERE status = 'completed' AND ended_at IS NOT NULL",
        "texts": "SELECT count(*) FROM message WHERE direction = 'inbound'",
        "text_sids": "SELECT count(DISTINCT sid) FROM message WHERE direction = 'inbound'",
        "sms_cases": "SELECT count(*) FROM \"case\" WHERE channel = 'sms'",
        "replies": "SELECT count(*) FROM message WHERE direction = 'outbound'",
        "advice": "SELECT count(*) FROM message WHERE direction = 'outbound' AND kind = 'advice'",
    }
    with engine.connect() as conn:
        found = {name: conn.scalar(text(sql)) for name, sql in queries.items()}
    engine.dispose()
    return found


@contextmanager
def event_tap():
    """Count the events the servers publish on the bench's Redis channel, by kind."""
    import redis

    seen: dict[str, int] = {}

    def count(message):
        kind = re.search(rb'"(case\.[a-z_]+)"', message["data"])
        if kind:
            seen[kind.group(1).decode()] = seen.get(kind.group(1).decode(), 0) + 1

    pubsub = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(**{CHANNEL: count})
    thread = pubsub.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        yield seen
    finally:
        time.sleep(1)  # the last publishes are in flight
        thread.stop()
        thread.join(timeout=5)
        pubsub.close()


def run(workdir: Path, rate: int, rounds: int, block_seconds: int) -> dict:
    """Serve the production shape, measure, check what was stored and published."""
    import redis

    url = fresh_pg_database()
    redis.Redis.from_url(REDIS_URL).flushdb()
    migrated(url, workdir / "migrate")
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, sid text NOT NULL, heard_at timestamptz NOT NULL)")
    settings = {"DATABASE_URL": url, "REDIS_URL": REDIS_URL}
    load_before = os.getloadavg()
    with ExitStack() as stack:
        events = stack.enter_context(event_tap())
        servers = [stack.enter_context(gunicorn(workdir, settings, str(i))) for i in range(INSTANCES)]
        workers = [worker_of(pid) for _, pid in servers]
        results, reconnects = measure([base for base, _ in servers], workers, rate, rounds, block_seconds)
    load_after = os.getloadavg()
    server_errors = [line.strip() for log in workdir.glob("gunicorn-*.log") for line in log.read_text().splitlines()
                     if re.match(r"^[\w.]+(Error|Exception)\b", line)]
    queued_jobs = redis.Redis.from_url(REDIS_URL).llen("rq:queue:default")
    redis.Redis.from_url(REDIS_URL).flushdb()
    return {"steps": {step: summarise(step, e["blocks"], e["cpu"]) for step, e in results.items()},
            "bare": {step: summarise("bare", e["bare"], e["bare_cpu"]) for step, e in results.items()},
            "sent": WARMUP + rounds * rate * block_seconds, "stored": stored(url), "events": dict(events),
            "jobs": queued_jobs, "reconnects": reconnects, "load": (load_before[0], load_after[0]),
            "server_errors": server_errors, "where": breakdown(url, workdir / "breakdown")}


# ---- report -----------------------------------------------------------------------------------------

def machine() -> str:
    """CPUs, CPU model, RAM, Python, PostgreSQL, Redis, gunicorn threads."""
    import gunicorn as gunicorn_package
    import psycopg
    import redis

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    with psycopg.connect(PG_SERVER) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    redis_version = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    threads = os.environ.get("GUNICORN_THREADS", "50")
    return (f"nproc {os.cpu_count()} ({model}), {mem_kb / 1024 / 1024:.0f} GiB RAM, "
            f"Python {platform.python_version()}, PostgreSQL {pg}, Redis {redis_version}, "
            f"gunicorn {gunicorn_package.__version__} ({INSTANCES} instances of 1 worker, gthread, {threads} threads), "
            "all on this machine over loopback, the load generator too")


def table(result: dict) -> str:
    """One row per step, beside the bare blocks sent next to it; pass/fail against the targets."""
    lines = [("| step | webhooks | errors | achieved /s | median ms | p99 ms | bare median / p99 ms "
             "| median / bare (target <= 1.5x) | median / floor | p99 (target < 50 ms) "
             "| worker CPU ms/webhook (bare) |"),
             "|---|---:|---:|---:|---:|---:|---:|---|---:|---|---:|"]
    # The floor's median over its own bare blocks, times this step's bare median: the floor as it would have
    # stood beside this step's blocks (the bare median moves a little between steps as the machine does).
    floor = result["steps"]["floor"]["median"] / result["bare"]["floor"]["median"]
    for step in (*STEPS, "floor"):
        r, bare = result["steps"][step], result["bare"][step]
        ratio = r["median"] / bare["median"]
        name, verdict = (step, "pass" if ratio <= 1.5 else "FAIL") if step != "floor" else (
            "floor (reference: signature + one durable INSERT)", "reference")
        lines.append(f"| {name} | {r['n']:,} | {r['errors']} | {r['rate']:.0f} | {r['median']:.2f} | {r['p99']:.2f} "
                     f"| {bare['median']:.2f} / {bare['p99']:.2f} | {ratio:.2f}x {verdict} | {ratio / floor:.2f}x "
                     f"| {'pass' if r['p99'] < 50 else 'FAIL'} | {r['cpu']:.1f} ({bare['cpu']:.1f}) |")
    return "\n".join(lines)


def where_table(result: dict) -> str:
    """Median in-process ms and database round trips of each step."""
    lines = ["| step | " + " | ".join(STEPS) + " |", "|---|" + "---:|" * len(STEPS),
             "| whole request, median ms | " + " | ".join(f"{result['where'][s]['ms']:.2f}" for s in STEPS) + " |",
             "| database round trips | " + " | ".join(f"{result['where'][s]['round_trips']:.0f}" for s in STEPS) + " |"]
    return "\n".join(lines)


def checks(result: dict, rate: int) -> str:
    """What was stored and published, against what was sent."""
    s, sent = result["stored"], result["sent"]
    once = ("voice" not in STEPS or s["voice_cases"] == s["call_sids"] == s["calls"] == sent) and (
        "sms" not in STEPS or s["texts"] == s["text_sids"] == sent)
    worst = max(r["lag"] for r in result["steps"].values())
    ivr = [step for step in STEPS if step not in ("choice", "sms")]
    cpu = sum(result["steps"][step]["cpu"] for step in ivr)
    lines = [
        (f"- Stored: {s['voice_cases']:,} voice cases for {s['call_sids']:,} CallSids ({s['calls']:,} call legs), "
        f"{s['abandoned']:,} of them abandoned by the queue result and {s['ended_legs']:,} legs ended by the status "
        f"callback; {s['texts']:,} texts for {s['text_sids']:,} MessageSids in {s['sms_cases']:,} cases, "
        f"{s['replies']:,} replies queued ({s['advice']:,} emergency advice), {result['jobs']:,} send jobs in Redis "
        f"(no worker ran). Sent {sent:,} calls and {sent:,} texts (with {WARMUP} warm-up each): each exactly once: "
        f"{'yes' if once else 'NO'}."),
        "- Events on Redis: " + ", ".join(f"{k} {v:,}" for k, v in sorted(result["events"].items())) + ".",
        (f"- {result['reconnects']} keep-alive reconnects, worst send lag {worst:.1f} ms; 1-minute load average "
        f"{result['load'][0]:.2f} before, {result['load'][1]:.2f} after."),
    ]
    lines += [] if len(ivr) < 6 else [
        (f"- One call's six webhooks (the IVR path above, one wait request) cost the workers {cpu:.1f} ms of CPU: "
        f"one web process serves about {1000 / cpu * 60:,.0f} such calls a minute if its CPU is its own "
        f"(a call waiting a minute adds about six wait requests at {result['steps']['wait']['cpu']:.1f} ms each, a key "
        f"pressed while waiting {result['steps']['choice']['cpu']:.1f} ms)."),
    ]
    for step, summary in [*result["steps"].items(), *(("bare", b) for b in result["bare"].values())]:
        if summary["first_error"]:
            status, body = summary["first_error"]
            lines.append(f"  - {summary['errors']} of `{step}` failed; the first: {status} "
                         f"`{' '.join(body.decode(errors='replace').split())[:100]}`")
    if result["server_errors"]:
        lines.append(f"  - the servers logged {len(result['server_errors'])} exceptions, the last: "
                     f"`{result['server_errors'][-1][:200]}`")
    return "\n".join(lines)


def uptime() -> str:
    """`uptime`: the machine's load, which shows in the p99s (other tests may be running)."""
    return subprocess.run(["uptime"], check=True, capture_output=True, text=True).stdout.strip()


def write_section(body: str) -> None:
    """Add or replace this benchmark's section of bench/README.md, leaving the others alone."""
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _: body.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + body
    README.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    """Measure, print the tables, record them in bench/README.md."""
    global STEPS
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--no-readme", action="store_true", help="print only; do not touch bench/README.md")
    parser.add_argument("--rate", type=int, default=RATE, help=f"webhooks per second (default {RATE})")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds of blocks (default {ROUNDS})")
    parser.add_argument("--seconds", type=int, default=BLOCK_SECONDS, help="seconds per block")
    parser.add_argument("--steps", default=",".join(STEPS),
                        help="comma-separated steps to measure, in order (menu and later need voice); default all")
    args = parser.parse_args()
    STEPS = tuple(step for step in STEPS if step in args.steps.split(","))
    if not STEPS or ("voice" not in STEPS and set(STEPS) - {"sms"}):
        parser.error(f"--steps: some of {', '.join(STEPS)}; the IVR steps need voice")
    if not (1 <= args.rate <= 1000 and 1 <= args.rounds <= 20 and 1 <= args.seconds <= 30):
        parser.error("rate 1-1000, rounds 1-20, seconds 1-30")
    started, uptime_before = time.perf_counter(), uptime()
    with tempfile.TemporaryDirectory(prefix="sampark-bench-voice-") as tmp:
        result = run(Path(tmp), args.rate, args.rounds, args.seconds)
    uptime_after = uptime()
    command = ".venv/bin/python -m bench.bench_voice_webhook" + (
        f" --rate {args.rate}" if args.rate != RATE else "") + (
        f" --rounds {args.rounds}" if args.rounds != ROUNDS else "") + (
        f" --seconds {args.seconds}" if args.seconds != BLOCK_SECONDS else "") + (
        f" --steps {','.join(STEPS)}" if len(STEPS) < 7 else "")
    body = f"""{HEADING}

`{command}` (bench/bench_voice_webhook.py; its docstring says what a round sends).

{INSTANCES} gunicorn instances (`gunicorn.conf.py`, as `deploy/up` runs them) serve the real app on PostgreSQL
(`{BENCH_DB}`, migrated) and Redis (Socket.IO message queue, rq queue), plus `POST {BARE}`: the greeting TwiML as a
constant, on the same servers. An open-loop client ({WORKERS} threads, keep-alive connections, requests alternating
between the instances) sends Twilio-signed webhooks at {args.rate}/s whatever the answers: per step, {args.rounds}
rounds of a {args.seconds}-s block of that webhook and a {args.seconds}-s block of bare requests (ABAB, then BABA), the
calls of a round walking through the IVR step by step. Worker CPU is both gunicorn workers' user + system time over
the blocks (not PostgreSQL's or Redis's). An answer counts as an error unless it is the step's TwiML (204 for the
status callback). The floor row is the reference described in the docstring: signature, one durable INSERT,
constant TwiML; a step cannot be faster than it. "median / floor" divides a step's ratio to its bare blocks by
the floor's ratio to its own. Other developers' work shares this machine's 2 CPUs (see `uptime`): compare each step with its
own bare blocks, not figures across runs.

{table(result)}

{checks(result, args.rate)}

Where the time goes (the same steps one at a time in the bench process through the Flask test client, PostgreSQL
and Redis; medians over 200 calls and texts; a round trip is a statement, or BEGIN and COMMIT around a
transaction's statements):

{where_table(result)}

Machine: {machine()}, {date.today()}. Whole run {time.perf_counter() - started:.0f} s.
`uptime` before: `{uptime_before}`; after: `{uptime_after}`.
"""
    print(body)
    if not args.no_readme:
        write_section(body)
        print(f"recorded in {README}")


if __name__ == "__main__":
    main()

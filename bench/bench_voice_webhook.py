"""Voice webhook latency over real HTTP: POST /telephony/voice against a bare constant-TwiML endpoint.

Run from the repository root:

    .venv/bin/python -m bench.bench_voice_webhook              # measure, print, record in bench/README.md
    .venv/bin/python -m bench.bench_voice_webhook --no-readme  # print only

One gunicorn process started with the production settings file (gunicorn.conf.py: one worker, gthread)
serves the real app plus POST /bench/bare, which answers the greeting TwiML as a constant string: same
server, same process, same run. An open-loop client in this process sends signed webhooks, a fresh
CallSid and caller each, at fixed rates, alternating 4-second blocks between the two endpoints (ABBA) so
both see the same machine. Configurations: (A) the embedded default, SQLite in a temporary directory,
no Redis; (B) PostgreSQL (database `sampark_bench_voice`, recreated and migrated each run) with Redis
as the Socket.IO message queue, on a channel of its own: Redis pub/sub ignores the database number, so
the default channel would deliver the bench's events to every other Sampark process on this Redis.
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
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "bench" / "README.md"
HEADING = "## Voice webhook latency"
PG_SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
BENCH_DB = "sampark_bench_voice"
REDIS_URL = "redis://127.0.0.1:6379/14"
CHANNEL = "sampark-bench-voice"
VOICE, BARE = "/telephony/voice", "/bench/bare"
RATES = (25, 50, 100)  # requests per second to one endpoint at a time
BLOCK_SECONDS, BLOCKS = 4, 4  # per rate and endpoint: 4 blocks of 4 s
WARMUP, WORKERS = 100, 64  # enough workers that a slow answer never delays the next send
SECRET = "bench-secret-not-for-production"
SERVER_APP = "bench.bench_voice_webhook:serving_app()"


def serving_app():
    """What gunicorn serves: the app configured from the environment, plus the bare endpoint."""
    from flask import Response

    from crm import create_app
    from crm.auth.access import csrf_exempt, public
    from crm.extensions import socketio
    from telephony import prompts

    socketio.server_options["channel"] = CHANNEL
    app = create_app({"INSTANCE_PATH": os.environ["BENCH_INSTANCE"], "EMULATOR_MOUNT": False})
    constant = prompts.greeting("/telephony/voice/menu?case=1", None)

    @public
    @csrf_exempt
    def bare():
        """The baseline: the same routing, gate and server, no signature, database or event."""
        return Response(constant, mimetype="text/xml")

    app.add_url_rule(BARE, "bench_bare", bare, methods=["POST"])
    return app


# ---- server ---------------------------------------------------------------------------------------

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
def gunicorn(workdir: Path, settings: dict):
    """(base URL, pid) of gunicorn serving serving_app() with `settings` as its environment."""
    from crm.config import ENV_KEYS

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env |= {"BIND": f"127.0.0.1:{port}", "PUBLIC_BASE_URL": base, "SECRET_KEY": SECRET,
            "SAMPARK_ENV": "development", "BENCH_INSTANCE": str(workdir / "instance")} | settings
    log_path = workdir / "gunicorn.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", SERVER_APP],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
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


# ---- load -----------------------------------------------------------------------------------------

class OpenLoop:
    """Worker threads handed requests at fixed times by the caller, sharing keep-alive connections.

    The connections are reused last-in first-out, as a client pool would, so the few that a rate needs stay
    hot; one per thread would sit idle past gunicorn's 2-second keep-alive at low rates and reconnect.
    """

    def __init__(self, base: str, workers: int = WORKERS):
        parts = urlsplit(base)
        self.address = (parts.hostname, parts.port)
        self.jobs: queue.Queue = queue.Queue()
        self.connections: queue.LifoQueue = queue.LifoQueue()
        self.reconnects = 0
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            index, (path, body, headers), due, results = job
            try:
                conn = self.connections.get_nowait()
            except queue.Empty:
                conn = http.client.HTTPConnection(*self.address, timeout=30)
            started = time.perf_counter()
            try:
                try:
                    status, text = post(conn, path, body, headers)
                except (http.client.RemoteDisconnected, ConnectionError):
                    # The server closed this connection after its keep-alive: reconnect and send again.
                    self.reconnects += 1
                    conn.close()
                    status, text = post(conn, path, body, headers)
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                status, text = 0, repr(error).encode()
            ended = time.perf_counter()
            self.connections.put(conn)
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
        while not self.connections.empty():
            self.connections.get_nowait().close()


def signed_calls(base: str, path: str, numbers) -> list:
    """Incoming-call webhooks as Twilio sends them, one fresh CallSid and caller per number."""
    from twilio.request_validator import RequestValidator

    from crm.config import EMULATOR_AUTH_TOKEN

    validator = RequestValidator(EMULATOR_AUTH_TOKEN)
    out = []
    for k in numbers:
        caller = f"+9198{k:08d}"
        params = {"CallSid": f"CA{k:032x}", "AccountSid": "AC" + "0" * 32, "From": caller, "To": "+911800112233",
                  "Caller": caller, "Called": "+911800112233", "CallStatus": "ringing", "Direction": "inbound",
                  "ApiVersion": "2010-04-01"}
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": validator.compute_signature(base + VOICE, params)}
        out.append((path, urlencode(params).encode(), headers))
    return out


def answered(status: int, body: bytes) -> bool:
    """200 with the greeting's Gather of the language / emergency menu (the bare endpoint's constant has it too)."""
    return status == 200 and b"<Gather" in body and b"/telephony/voice/menu?case=" in body and b"press 9" in body


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


def measure(base: str, worker: int) -> tuple[dict, int, int]:
    """Warm up, then ABBA blocks per rate: ({(rate, path): {blocks, cpu}}, webhooks sent, reconnects)."""
    loop, numbers, out = OpenLoop(base), iter(range(1, 10**7)), {}
    try:
        for path in (VOICE, BARE):
            loop.run(signed_calls(base, path, [next(numbers) for _ in range(WARMUP)]), RATES[0])
        for rate in RATES:
            for block in range(BLOCKS):
                for path in (VOICE, BARE) if block % 2 == 0 else (BARE, VOICE):
                    requests = signed_calls(base, path, [next(numbers) for _ in range(rate * BLOCK_SECONDS)])
                    cpu = cpu_seconds(worker)
                    results = loop.run(requests, rate)
                    entry = out.setdefault((rate, path), {"blocks": [], "cpu": 0.0})
                    entry["blocks"].append(results)
                    entry["cpu"] += cpu_seconds(worker) - cpu
    finally:
        loop.close()
    sent = WARMUP + sum(len(b) for (_, path), e in out.items() if path == VOICE for b in e["blocks"])
    return out, sent, loop.reconnects


def summarise(blocks: list, cpu: float) -> dict:
    """Count, errors, achieved rate (mean over blocks), median and p99 ms, worst send lag, worker CPU ms each."""
    rows = [row for block in blocks for row in block]
    errors = [(status, body[:160]) for _, _, _, status, body in rows if not answered(status, body)]
    ms = sorted(row[0] for row in rows)
    rates = [(len(b) - 1) / (max(r[2] for r in b) - min(r[2] for r in b)) for b in blocks]
    return {"n": len(rows), "errors": len(errors), "first_error": errors[0] if errors else None,
            "rate": statistics.mean(rates),
            "median": statistics.median(ms), "p99": ms[min(len(ms) - 1, int(len(ms) * 0.99))],
            "lag": max(row[1] for row in rows), "cpu": cpu * 1000 / len(rows)}


STEPS = {"signature check": ("telephony.signature", "is_valid_request"),
         "open case and call (database)": ("telephony.calls", "incoming"),
         "event (Socket.IO)": ("crm.live.events", "case_changed"),
         "greeting TwiML": ("telephony.prompts", "greeting")}


def breakdown(url: str, settings: dict, instance: Path, n: int = 300) -> dict:
    """In this process, one webhook at a time through the test client: median ms of each step, database calls."""
    import importlib

    from sqlalchemy import event

    from crm import create_app
    from crm.extensions import db, socketio

    socketio.server_options["channel"] = CHANNEL
    base = "http://127.0.0.1"
    app = create_app({"DATABASE_URL": url, "REDIS_URL": "", "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET,
                      "EMULATOR_MOUNT": False, "PUBLIC_BASE_URL": base} | settings)
    times: dict[str, list[float]] = {step: [] for step in [*STEPS, "whole request"]}
    calls = {"statements": 0, "commits": 0, "rollbacks": 0, "checkouts": 0}

    def timed(step: str, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                times[step].append((time.perf_counter() - started) * 1000)
        return wrapper

    def counter(key: str):
        return lambda *args: calls.__setitem__(key, calls[key] + 1)

    patched = [(importlib.import_module(module), name) for module, name in STEPS.values()]
    originals = [getattr(module, name) for module, name in patched]
    with app.app_context():
        engine = db.engine
    listeners = [(engine, "before_cursor_execute", counter("statements")), (engine, "commit", counter("commits")),
                 (engine, "rollback", counter("rollbacks")), (engine.pool, "checkout", counter("checkouts"))]
    client = app.test_client()
    requests = signed_calls(base, VOICE, range(10**7, 10**7 + n + 50))
    for _, body, headers in requests[:50]:
        client.post(VOICE, data=body, headers=headers)
    try:
        for (module, name), original, step in zip(patched, originals, STEPS, strict=True):
            setattr(module, name, timed(step, original))
        for target, name, listener in listeners:
            event.listen(target, name, listener)
        for _, body, headers in requests[50:]:
            started = time.perf_counter()
            response = client.post(VOICE, data=body, headers=headers)
            times["whole request"].append((time.perf_counter() - started) * 1000)
            if not answered(response.status_code, response.data):
                raise RuntimeError(f"webhook answered {response.status_code}: {response.data[:300]!r}")
    finally:
        for (module, name), original in zip(patched, originals, strict=True):
            setattr(module, name, original)
        for target, name, listener in listeners:
            event.remove(target, name, listener)
        engine.dispose()
    return {"ms": {step: statistics.median(values) for step, values in times.items()},
            "calls": {key: value / n for key, value in calls.items()}}


# ---- configurations ---------------------------------------------------------------------------------

def migrated(url: str, instance: Path) -> None:
    """Build the schema with the real migrations, from this process."""
    from flask_migrate import upgrade

    from crm import create_app
    from crm.extensions import db

    app = create_app({"DATABASE_URL": url, "REDIS_URL": "", "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET,
                      "EMULATOR_MOUNT": False})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def fresh_pg_database() -> str:
    """Drop and create `sampark_bench_voice`; its URL."""
    import psycopg

    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return urlsplit(PG_SERVER)._replace(path=f"/{BENCH_DB}").geturl()


def stored(url: str) -> tuple[int, int]:
    """(voice cases, distinct call sids) in the database at `url`."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        cases = conn.scalar(text("SELECT count(*) FROM \"case\" WHERE channel = 'voice'"))
        sids = conn.scalar(text("SELECT count(DISTINCT sid) FROM call"))
    engine.dispose()
    return cases, sids


@contextmanager
def event_tap():
    """Count the case.opened events the server publishes on the bench's Redis channel."""
    import redis

    seen = {"opened": 0}

    def count(message):
        seen["opened"] += b'"case.opened"' in message["data"]

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


def run_config(name: str, workdir: Path) -> dict:
    """Serve one configuration, measure it, check what it stored and published."""
    workdir.mkdir()
    if name.startswith("(A)"):
        url, settings = f"sqlite:///{workdir / 'sampark.db'}", {}
    else:
        url = fresh_pg_database()
        settings = {"REDIS_URL": REDIS_URL}
    migrated(url, workdir / "migrate")
    tap = event_tap() if settings else nullcontext()
    load_before = os.getloadavg()
    with tap as events, gunicorn(workdir, {"DATABASE_URL": url} | settings) as (base, pid):
        results, sent, reconnects = measure(base, worker_of(pid))
    cases, sids = stored(url)
    load_after = os.getloadavg()
    server_errors = [line.strip() for line in (workdir / "gunicorn.log").read_text().splitlines()
                     if re.match(r"^[\w.]+(Error|Exception)\b", line)]
    return {"results": {key: summarise(e["blocks"], e["cpu"]) for key, e in results.items()},
            "sent": sent, "cases": cases, "sids": sids, "events": events["opened"] if events else None,
            "reconnects": reconnects, "load": (load_before[0], load_after[0]), "server_errors": server_errors,
            "steps": breakdown(url, settings, workdir / "breakdown")}


# ---- report ---------------------------------------------------------------------------------------

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
            f"gunicorn {gunicorn_package.__version__} (1 worker, gthread, {threads} threads), all on this machine "
            "over loopback")


def table(configs: dict) -> str:
    """One row per configuration, rate and endpoint; the webhook rows say how far above the bare ones."""
    lines = [("| config | req/s | endpoint | requests | errors | achieved req/s | median ms | p99 ms "
              "| webhook − bare, median / p99 | worker CPU ms/req |"),
             "|---|---:|---|---:|---:|---:|---:|---:|---|---:|"]
    for name, result in configs.items():
        for rate in RATES:
            bare = result["results"][(rate, BARE)]
            for path in (VOICE, BARE):
                r = result["results"][(rate, path)]
                diff = (f"+{r['median'] - bare['median']:.2f} ms ({r['median'] / bare['median']:.1f}x) / "
                        f"+{r['p99'] - bare['p99']:.2f} ms ({r['p99'] / bare['p99']:.1f}x)" if path == VOICE else "")
                lines.append(f"| {name} | {rate} | `POST {path}` | {r['n']:,} | {r['errors']} | {r['rate']:.1f} "
                             f"| {r['median']:.2f} | {r['p99']:.2f} | {diff} | {r['cpu']:.1f} |")
    return "\n".join(lines)


def steps_table(configs: dict) -> str:
    """Median ms of each step of one webhook, and the database calls it makes."""
    names = [*STEPS, "whole request"]
    lines = ["| config | " + " | ".join(names) + " | database calls per webhook |",
             "|---|" + "---:|" * len(names) + "---|"]
    for name, result in configs.items():
        steps, c = result["steps"]["ms"], result["steps"]["calls"]
        calls = (f"{c['statements']:.0f} statements, {c['commits']:.0f} commit, {c['rollbacks']:.0f} rollback, "
                 f"{c['checkouts']:.0f} pool checkouts (each pre-pings)")
        lines.append(f"| {name} | " + " | ".join(f"{steps[s]:.2f}" for s in names) + f" | {calls} |")
    return "\n".join(lines)


def checks(configs: dict) -> str:
    """What each configuration stored and published, against what was sent."""
    lines = []
    for name, r in configs.items():
        events = f", {r['events']:,} case.opened events on Redis" if r["events"] is not None else ""
        worst = max(s["lag"] for s in r["results"].values())
        webhook_cpu = statistics.mean(r["results"][(rate, VOICE)]["cpu"] for rate in RATES)
        failed = sum(s["errors"] for (_, path), s in r["results"].items() if path == VOICE)
        agree = ("one per webhook" if r["sent"] == r["cases"] == r["sids"] else
                 f"one per answered webhook; the {failed} that failed stored nothing"
                 if r["sent"] - failed == r["cases"] == r["sids"] else "MISMATCH")
        lines.append(f"- {name}: {r['sent']:,} webhooks sent (with {WARMUP} warm-up), {r['cases']:,} voice cases "
                     f"and {r['sids']:,} call sids stored ({agree}){events}; {r['reconnects']} keep-alive "
                     f"reconnects, worst send lag {worst:.1f} ms; 1-minute load average {r['load'][0]:.2f} before, "
                     f"{r['load'][1]:.2f} after. The webhook costs the worker "
                     f"{webhook_cpu:.1f} ms of CPU, so one gunicorn process tops out near {1000 / webhook_cpu:.0f} "
                     "webhooks/s here, whatever its threads.")
        for (rate, path), summary in r["results"].items():
            if summary["first_error"]:
                status, body = summary["first_error"]
                lines.append(f"  - at {rate} req/s, {summary['errors']} of `POST {path}` failed; the first: "
                             f"{status} `{' '.join(body.decode(errors='replace').split())[:100]}`")
        if r["server_errors"]:
            lines.append(f"  - the server logged {len(r['server_errors'])} exceptions, the last: "
                         f"`{r['server_errors'][-1][:200]}`")
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
    """Measure both configurations, print the table, record it in bench/README.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--no-readme", action="store_true", help="print only; do not touch bench/README.md")
    args = parser.parse_args()
    started, uptime_before = time.perf_counter(), uptime()
    with tempfile.TemporaryDirectory(prefix="sampark-bench-voice-") as tmp:
        configs = {name: run_config(name, Path(tmp) / str(i)) for i, name in enumerate(
            ["(A) SQLite, no Redis", "(B) PostgreSQL + Redis"])}
    uptime_after = uptime()
    body = f"""{HEADING}

`cd /work/main && .venv/bin/python -m bench.bench_voice_webhook` (bench/bench_voice_webhook.py).

One `gunicorn -c gunicorn.conf.py` process on 127.0.0.1 serves the real app (development settings, emulator
credentials, emulator not mounted) plus `POST /bench/bare`, a public view added to the same app that returns the
greeting TwiML as a constant: same server, routing and access gate; no signature check, database write, event
or TwiML building. An open-loop client ({WORKERS} threads sharing keep-alive `http.client` connections, the
last used first) sends Twilio-signed incoming-call webhooks, a fresh CallSid and caller each, at a fixed rate
whatever the answers; latency is `perf_counter` around one request and its response. Per rate, {BLOCKS} blocks
of {BLOCK_SECONDS} s per endpoint, alternated ABBA, after {WARMUP} warm-up requests to each. (A) SQLite file in
a temporary directory, no Redis; (B) PostgreSQL database `{BENCH_DB}` (recreated, `flask_migrate.upgrade`) and
`REDIS_URL={REDIS_URL}` as the Socket.IO message queue, on channel `{CHANNEL}`. An answer counts as an error
unless it is a 200 with the Gather of the language / emergency menu. Worker CPU is the gunicorn worker's user +
system time over the blocks (all its threads, including the Socket.IO Redis listener; not PostgreSQL's). Other
work shares this machine's CPUs (see `uptime` below): compare each webhook row with the bare row of the same
run, not figures across runs.

{table(configs)}

{checks(configs)}

Where the time goes: the same webhook, one at a time in the bench process through the Flask test client (no
HTTP server), each step timed in place; medians in ms over 300 webhooks. The event step includes re-reading the
case that the commit expired (one SELECT, on a second pool checkout), then publishing it.

{steps_table(configs)}

Machine: {machine()}, {date.today()}. Whole run {time.perf_counter() - started:.0f} s.
`uptime` before: `{uptime_before}`; after: `{uptime_after}`.
"""
    print(body)
    if not args.no_readme:
        write_section(body)
        print(f"recorded in {README}")


if __name__ == "__main__":
    main()

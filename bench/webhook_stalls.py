"""What stalls a webhook: two checkouts served side by side, their blocks alternated, timed from inside.

Run from the repository root (`git archive main | tar -x -C /tmp/before` makes a checkout of main to compare):

    GUNICORN_THREADS=8 SAMPARK_BENCH_NAME=me SAMPARK_BENCH_REDIS_DB=4 .venv/bin/python -m bench.webhook_stalls \\
        --code /tmp/before --code .

For each checkout two gunicorn instances (gunicorn.conf.py) serve bench_voice_webhook's app wrapped by
bench/stalls_server.py, on one fresh database. An open-loop client sends bench_voice_webhook's steps at --rate
a second: per round and step, one 3-s block to each checkout in turn (the order reversed every round), so both
meet the same load. Printed per checkout and step: median and p99 ms, how many answers took over 25 and 50 ms,
and, for those over 50 ms, where the time went (waiting for a server thread before the app began, the pool's
checkout, the step's statement with its commit, the log line, the rest of the app, or writing the answer); then,
over the checkout's own blocks, its Redis round trips, the times its live events were sent, its workers' CPU, and
how often a thread that became ready waited more than 10 / 30 / 100 ms for the interpreter's lock and a CPU
(stalls_server's watchdog). With --pg-sample, PostgreSQL's wait events of the busy sessions every 10 ms (a process
of its own), summed. Counts and round trips are the figures to compare on a loaded machine; times are the load's.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import bench_voice_webhook as bench

ROOT = Path(__file__).resolve().parent.parent
PATHS = {"voice": "/telephony/voice", "menu": "/telephony/voice/menu", "card": "/telephony/voice/card",
         "wait": "/telephony/voice/wait", "choice": "/telephony/voice/wait/choice",
         "queue-result": "/telephony/voice/queue-result", "status": "/telephony/voice/status", "sms": "/telephony/sms",
         "floor": bench.FLOOR}
PHASES = ("before the app", "checkout", "statement", "log", "rest of the app", "answer written")


@contextmanager
def server(code: Path, workdir: Path, settings: dict, name: str):
    """(base URL, master pid) of gunicorn serving `code`'s app through stalls_server."""
    from crm.config import ENV_KEYS

    port = bench.free_port()
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS} | settings | {
        "BIND": f"127.0.0.1:{port}", "PUBLIC_BASE_URL": bench.PUBLIC, "SECRET_KEY": bench.SECRET, "SWEEPS_IN_WEB": "0",
        "SAMPARK_ENV": "development", "BENCH_INSTANCE": str(workdir / "instance"),
        "PYTHONPATH": f"{code}:{ROOT / 'bench'}", "STALLS_OUT": str(workdir / f"stalls-{name}")}
    with (workdir / f"gunicorn-{name}.log").open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "stalls_server:app()"],
                                cwd=code, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        import http.client

        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / f"gunicorn-{name}.log").read_text()[-3000:])
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                if bench.post(conn, bench.BARE, b"", {})[0] == 200:
                    break
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def measure(groups: list[list[str]], rate: int, rounds: int, seconds: int) -> tuple[list, dict]:
    """Warm each checkout, then alternate its blocks with the others'; (client rows, {group: [(start, end)]})."""
    twilio, numbers, size = bench.Twilio(), iter(range(1, 10**7)), rate * seconds
    loops = [bench.OpenLoop(bases) for bases in groups]
    rows, windows = [], collections.defaultdict(list)
    try:
        for loop in loops:
            warm = [next(numbers) for _ in range(200)]
            cases = bench._cases(loop.run([twilio.step("voice", k, None) for k in warm], rate))
            for step in (*bench.STEPS[1:], "floor"):
                loop.run([twilio.step(step, k, c) for k, c in zip(warm, cases, strict=True)], rate)
        for number in range(rounds):
            order = list(range(len(loops)))[::1 if number % 2 == 0 else -1]
            calls = {g: [next(numbers) for _ in range(size)] for g in order}
            cases = {g: [None] * size for g in order}
            for step in (*bench.STEPS, "floor"):
                for g in order:
                    requests = [twilio.step(step, k, c) for k, c in zip(calls[g], cases[g], strict=True)]
                    began = time.perf_counter()
                    results = loops[g].run(requests, rate)
                    windows[g].append((began, time.perf_counter()))
                    if step == "voice":
                        cases[g] = bench._cases(results)
                    rows += [(g, step, k, ms, sent, bench.answered(step, status, body))
                             for k, (ms, _lag, sent, status, body) in zip(calls[g], results, strict=True)]
    finally:
        for loop in loops:
            loop.close()
    return rows, windows


def server_lines(workdir: Path, group: int) -> list[dict]:
    """Every line the checkout's two processes wrote."""
    return [json.loads(line) for path in workdir.glob(f"stalls-{group}-*.*.jsonl") for line in path.open()]


def within(t: float, windows: list) -> bool:
    return any(start <= t <= end for start, end in windows)


def report(rows: list, windows: dict, workdir: Path, codes: list[str], cpu: list[float]) -> None:
    """Print the tables described in the module's docstring."""
    for g, code in enumerate(codes):
        lines = server_lines(workdir, g)
        served = {(r["path"], r.get("sid")): r for r in lines if r["kind"] == "req"}
        print(f"\n{code}: worker CPU {cpu[g]:.1f} s over the whole run")
        print("| step | median ms | p99 ms | > 25 ms | > 50 ms | errors | where the time of those over 50 ms went |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for step in (*bench.STEPS, "floor"):
            mine = [r for r in rows if r[0] == g and r[1] == step]
            ms = sorted(r[3] for r in mine)
            where = collections.Counter()
            for _g, _step, k, took, sent, _ok in mine:
                if took <= 50:
                    continue
                r = served.get((PATHS[step], ("SM" if step == "sms" else "CA") + f"{k:032x}"))
                if r is None:
                    where["unmatched"] += 1
                    continue
                before = (r["t"] - sent) * 1000
                parts = dict(zip(PHASES, (before, r.get("checkout", 0), r.get("statement", 0), r.get("log", 0),
                                          r["ms"] - r.get("checkout", 0) - r.get("statement", 0) - r.get("log", 0),
                                          took - before - r["ms"])))
                where[max(parts, key=parts.get)] += 1
            print(f"| {step} | {statistics.median(ms):.2f} | {ms[int(len(ms) * 0.99)]:.1f} | {sum(m > 25 for m in ms)} "
                  f"| {sum(m > 50 for m in ms)} | {sum(not r[5] for r in mine)} "
                  f"| {', '.join(f'{k} {v}' for k, v in where.most_common()) or '-'} |")
        own = windows[g]
        late = [r["ms"] for r in lines if r["kind"] == "late" and within(r["t"], own)]
        emits = sum(1 for r in lines if r["kind"] == "emit" and within(r["t"], own))
        trips = _trips(workdir, g)
        print(f"Redis round trips (whole run) {trips:,}; live events sent {emits:,} times; watchdog woke late "
              f"> 10 ms {len(late)}, > 30 ms {sum(m > 30 for m in late)}, > 100 ms {sum(m > 100 for m in late)} "
              "times (in its own blocks)")


def _trips(workdir: Path, group: int) -> int:
    total = 0
    for path in workdir.glob(f"stalls-{group}-*.*.jsonl"):
        counts = [json.loads(line)["trips"] for line in path.open() if '"kind": "redis"' in line]
        total += max(counts, default=0)
    return total


def pg_sample(url: str, out: str) -> None:
    """Every 10 ms: the wait events of the bench database's busy sessions (one JSON line per sample with any)."""
    import psycopg

    database = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn, open(out, "a") as sink:
        while True:
            waits = conn.execute(
                "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                "AND pid <> pg_backend_pid() AND wait_event IS NOT NULL", (database,)).fetchall()
            if waits:
                sink.write(json.dumps({"t": time.perf_counter(), "w": [f"{a}/{b}" for a, b in waits]}) + "\n")
                sink.flush()
            time.sleep(0.01)


def main() -> None:
    """Serve each --code, alternate the blocks, print what stalled."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--code", action="append", required=True, help="a checkout to serve (give two to compare)")
    parser.add_argument("--rate", type=int, default=bench.RATE)
    parser.add_argument("--rounds", type=int, default=bench.ROUNDS)
    parser.add_argument("--seconds", type=int, default=bench.BLOCK_SECONDS)
    parser.add_argument("--pg-sample", action="store_true", help="sample PostgreSQL's wait events too")
    parser.add_argument("--sampler", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sampler:
        return pg_sample(*args.sampler)
    codes = [str(Path(code).resolve()) for code in args.code]
    import psycopg
    import redis

    url = bench.fresh_pg_database()
    redis.Redis.from_url(bench.REDIS_URL).flushdb()
    with tempfile.TemporaryDirectory(prefix="sampark-stalls-") as tmp:
        workdir = Path(tmp)
        bench.migrated(url, workdir / "migrate")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, sid text NOT NULL, "
                         "heard_at timestamptz NOT NULL)")
        sampler = subprocess.Popen([sys.executable, "-m", "bench.webhook_stalls", "--code", ".", "--sampler", url,
                                    str(workdir / "pg.jsonl")], cwd=ROOT) if args.pg_sample else None
        print(f"uptime before: {bench.uptime()}")
        try:
            with ExitStack() as stack:
                settings = {"DATABASE_URL": url, "REDIS_URL": bench.REDIS_URL}
                servers = [[stack.enter_context(server(Path(code), workdir, settings, f"{g}-{i}")) for i in range(2)]
                           for g, code in enumerate(codes)]
                workers = [[bench.worker_of(pid) for _, pid in group] for group in servers]
                rows, windows = measure([[base for base, _ in group] for group in servers], args.rate, args.rounds,
                                        args.seconds)
                cpu = [sum(bench.cpu_seconds(w) for w in group) for group in workers]
        finally:
            if sampler:
                sampler.terminate()
        print(f"uptime after: {bench.uptime()}")
        report(rows, windows, workdir, codes, cpu)
        if sampler:
            waits = collections.Counter(w for line in (workdir / "pg.jsonl").open() for w in json.loads(line)["w"])
            print("\nPostgreSQL wait events of the busy sessions (10-ms samples): "
                  + ", ".join(f"{k} {v}" for k, v in waits.most_common(8)))
    redis.Redis.from_url(bench.REDIS_URL).flushdb()


if __name__ == "__main__":
    main()

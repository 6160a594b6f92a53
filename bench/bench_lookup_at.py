"""The card lookup API against its floor on a registry already loaded, of any size, for one or more checkouts of the
code in turn (before and after a change, in one run).

    git archive 436ca56 | tar -x -C /tmp/lookup-before      # the code before, beside this checkout
    .venv/bin/python -m bench.bench_lookup_at --database sampark_bench_20m --code /tmp/lookup-before --code .

Nothing is loaded, changed or dropped: the lookups write their audit rows, and the first run adds a staff member
(bench-operator, if missing) and one API token. Unlike bench.bench_lookup, which (re)loads its own 1,000,000 patients
when it finds another count, this is safe on a database someone else built (bench.bench_scale's 20,000,000).

Each round runs each code in a process of its own (its own `crm` and `bench.bench_lookup`, imported from that
checkout), in the order given, then the next round in the same order: the machine's load falls on every code alike.
A process builds the app on the database, signs QRs for --sample random cards in memory (the same cards for every
code; nothing stored), warms up with 200 lookups, then measures --lookups API lookups (that code's
bench.bench_lookup.measure_http: POST /api/v1/lookup, bearer token, Flask's test client) and the floor (its
measure_floor: one prepared SELECT of card and patient, the audit INSERT and COMMIT by hand) in two alternating
halves, and counts the SQL statements a lookup sends at the driver. The CPU time per lookup is counted on both sides:
the client's (time.process_time: Flask, the app, the test client) and the server's (its backends' utime + stime from
/proc every 20 ms, found by their application_name; the database must be on this machine), for the API and the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STAFF, SECRET = "bench-operator", "bench-secret-not-for-production"
API, FLOOR = "bench_lookup_at_api", "bench_lookup_at_floor"  # application_name of each one's connections


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def token_for(database: str) -> tuple[int, str]:
    """The benchmark's staff member (created if missing) and a new token of theirs, with this checkout's code."""
    from sqlalchemy import select

    from bench.bench_lookup import bench_app, database_url
    from crm.models import StaffUser
    from crm.platform.extensions import db
    from crm.staff.auth import passwords, tokens

    app = bench_app(database_url(database), HERE / "out" / "instance")
    with app.app_context():
        staff = db.session.scalar(select(StaffUser).where(StaffUser.username == STAFF))
        staff = staff or passwords.create_staff(STAFF, "operator", SECRET)
        return staff.id, tokens.issue(staff, label="bench_lookup_at")


def worker(args) -> dict:
    """One code's figures (run in a process whose sys.path starts at that checkout)."""
    import psycopg
    from sqlalchemy import func, select

    from bench.bench_lookup import bench_app, database_url, measure_floor, measure_http
    from crm.models import HealthCard
    from crm.platform.extensions import db
    from crm.residents.cards import token as card_token
    from crm.residents.cards.keys import keyring
    from crm.residents.cards.operations import payload_for

    url = database_url(args.database)
    app = bench_app(f"{url}?application_name={API}", Path(args.instance))
    rng = random.Random(args.seed)
    with app.app_context():
        top = db.session.scalar(select(func.max(HealthCard.id)))
        ids = rng.sample(range(1, top + 1), args.sample)
        cards = db.session.scalars(select(HealthCard).where(HealthCard.id.in_(ids)).order_by(HealthCard.id)).all()
        sample = [(card_token.sign(payload_for(c.patient, c.number, c.version, c.issued_at.date()), keyring()), c.number)
                  for c in cards if c.status != "revoked"]
        db.session.rollback()  # nothing signed is stored
    picks = rng.choices(sample, k=args.lookups)
    with app.app_context():
        measure_http(app, args.token, picks[:200])  # warm: the pool, the prepared statements, the cards' pages
    api, floor, cpu, server = [], [], 0.0, {API: 0.0, FLOOR: 0.0}
    half = len(picks) // 2
    for part in (picks[:half], picks[half:]):
        floor_cpu = Backends(url, FLOOR)
        floor += measure_floor(f"{url}?application_name={FLOOR}", args.staff_id, part)
        server[FLOOR] += floor_cpu.seconds()
        api_cpu = Backends(url, API)
        with app.app_context():
            started = time.process_time()
            api += measure_http(app, args.token, part)
            cpu += time.process_time() - started
        server[API] += api_cpu.seconds()
    statements = count_statements(app, args.token, picks[:100], psycopg)
    return {"api": [statistics.median(api), p95(api)], "floor": [statistics.median(floor), p95(floor)],
            "cpu_ms": cpu * 1000 / len(api), "server_ms": server[API] * 1000 / len(api),
            "floor_server_ms": server[FLOOR] * 1000 / len(floor), "statements": statements,
            "load": os.getloadavg()[0]}


class Backends:
    """The CPU time of the server processes (PostgreSQL backends) of one application_name, from /proc, sampled every
    20 ms by a thread until `seconds()` (the floor opens its connection and closes it inside each measure)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, url: str, name: str) -> None:
        import psycopg

        self.watcher, self.name = psycopg.connect(url, autocommit=True), name
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.running = True
        self._sample()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        for (pid,) in self.watcher.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                                           (self.name,)):
            cpu = self._cpu(pid)
            if cpu is not None:
                self.first.setdefault(pid, cpu)
                self.last[pid] = cpu

    def _watch(self) -> None:
        while self.running:
            time.sleep(0.02)
            self._sample()

    @classmethod
    def _cpu(cls, pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / cls.TICK  # utime + stime

    def seconds(self) -> float:
        self.running = False
        self.thread.join()
        self._sample()
        self.watcher.close()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def count_statements(app, bearer: str, picks, psycopg) -> float:
    """SQL statements one API lookup sends, counted at the driver (COMMIT when a transaction was open; BEGIN not)."""
    from bench.bench_lookup import measure_http

    count = [0]
    execute, commit = psycopg.Cursor.execute, psycopg.Connection.commit

    def counted_execute(self, *a, **k):
        count[0] += 1
        return execute(self, *a, **k)

    def counted_commit(self):
        if self.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            count[0] += 1
        return commit(self)

    psycopg.Cursor.execute, psycopg.Connection.commit = counted_execute, counted_commit
    try:
        with app.app_context():
            measure_http(app, bearer, picks)
    finally:
        psycopg.Cursor.execute, psycopg.Connection.commit = execute, commit
    return count[0] / len(picks)


def run_code(code: Path, args, staff_id: int, token: str) -> dict:
    """One code's figures, measured in a process of its own."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--database", args.database,
               "--lookups", str(args.lookups), "--sample", str(args.sample), "--seed", str(args.seed),
               "--staff-id", str(staff_id), "--token", token, "--instance", str(HERE / "out" / "instance")]
    env = os.environ | {"PYTHONPATH": str(code.resolve())}
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{code}: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", required=True, help="a database with patients and cards already loaded")
    parser.add_argument("--code", type=Path, action="append", help="a checkout of the code (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=1000, help="cards looked up (QRs signed in memory)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--staff-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return
    codes = args.code or [REPO]
    staff_id, token = token_for(args.database)
    print(f"{time.strftime('%H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()}", flush=True)
    print("| round | code | API median / p95 ms | floor median / p95 ms | API / floor (median) | CPU ms per API lookup: "
          "client + server | floor's server CPU ms | statements per API lookup | load |\n"
          "|---|---|---|---|---:|---:|---:|---:|---:|", flush=True)
    for round_ in range(1, args.rounds + 1):
        for code in codes:
            r = run_code(code, args, staff_id, token)
            print(f"| {round_} | {code} | {r['api'][0]:.2f} / {r['api'][1]:.2f} | {r['floor'][0]:.2f} / "
                  f"{r['floor'][1]:.2f} | {r['api'][0] / r['floor'][0]:.2f}x | {r['cpu_ms']:.2f} + "
                  f"{r['server_ms']:.2f} | {r['floor_server_ms']:.2f} | {r['statements']:.1f} | {r['load']:.1f} |",
                  flush=True)
    print(f"{time.strftime('%H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()}")


if __name__ == "__main__":
    main()

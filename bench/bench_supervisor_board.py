"""The supervisor board's refresh on PostgreSQL, against a bare COUNT over the same tables in the same run.

    .venv/bin/python -m bench.bench_supervisor_board                  # measure and print
    .venv/bin/python -m bench.bench_supervisor_board --write-readme   # and record the figures in bench/README.md

The database `sampark_bench_board` (on DATABASE_URL's server, default postgresql://postgres@127.0.0.1:5432/test)
is recreated with the real migrations up to 0004, then filled with COPY: 50 agents (40 operators, 10 doctors),
a Delhi day of 20,000 closed cases with their timeline (about 7 events each) and call legs, the same for
--history-days earlier days, 200 cases waiting now and 20 on a call. ANALYZE, then:
(a) `crm.helpline.supervisor.floor_board.read(now)`: everything GET /api/v1/supervisor/board returns;
(b) the floor: `SELECT count(*)` of the day's case_event rows joined to their cases (same tables, same day);
(c) the board read again with no new case event, as every other screen does after the same event.
Both are measured, then migration 0005 (its index) is applied, ANALYZE, and both are measured again.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlsplit

from bench.readme import write_section

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Supervisor board refresh"
COMMAND = "cd /work/main && .venv/bin/python -m bench.bench_supervisor_board --write-readme"
PG = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB_NAME = "sampark_bench_board"
DAY = date(2026, 11, 20)
DELHI = timedelta(hours=5, minutes=30)
CASES_PER_DAY, WAITING, ON_CALL, OPERATORS, DOCTORS = 20_000, 200, 20, 40, 10


def recreate_database() -> str:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return urlsplit(PG)._replace(path=f"/{DB_NAME}").geturl()


class Rows:
    """Tab-separated rows for COPY, one buffer per table."""

    def __init__(self) -> None:
        self.tables: dict[str, tuple[tuple[str, ...], io.StringIO]] = {}

    def add(self, table: str, columns: tuple[str, ...], values: tuple) -> None:
        buffer = self.tables.setdefault(table, (columns, io.StringIO()))[1]
        buffer.write("\t".join(_copy_text(v) for v in values) + "\n")


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value).replace("\\", "\\\\")
    return str(value)


CASE_COLUMNS = ("id", "channel", "status", "priority", "language", "caller_phone", "queue", "queued_at",
                "abandoned_at", "claimed_at", "assigned_to_id", "doctor_id", "accepted_at", "escalated_at", "outcome",
                "disposition", "reason", "wrap_up_until", "created_at", "updated_at", "closed_at", "red_flags",
                "alarm_level")
EVENT_COLUMNS = ("case_id", "at", "kind", "staff_id", "detail")
CALL_COLUMNS = ("sid", "case_id", "staff_id", "purpose", "direction", "from_number", "to_number", "status",
                "last_sequence", "card_attempts", "started_at", "answered_at", "ended_at", "queue_result")
REASONS = ("fever", "बुखार तीन दिन से", "cough", "pregnancy check-up", "diabetes medicines", "chest pain", "diarrhoea")


def seed(rows: Rows, operators: list[int], doctors: list[int], day: date, first_id: int, rng: random.Random,
         now: datetime) -> int:
    """One day of closed cases (and, for the benchmark's day, the cases waiting and on a call now)."""
    start = datetime.combine(day, clock(8), tzinfo=UTC) - DELHI
    case_id = first_id
    sid = [first_id * 10]

    def event(at, kind, staff=None, **detail):
        rows.add("case_event", EVENT_COLUMNS, (case_id, at, kind, staff, detail))

    def leg(purpose, staff, answered, ended):
        sid[0] += 1
        rows.add("call", CALL_COLUMNS, (f"CA{sid[0]:032x}", case_id, staff, purpose, "outbound", "+911800112233",
                                        "client", "completed", 3, 0, answered, answered, ended, None))

    for _ in range(CASES_PER_DAY):
        case_id += 1
        t0 = start + timedelta(seconds=rng.uniform(0, 12 * 3600))
        kind = rng.random()
        phone = f"+9198{rng.randrange(10**7, 10**8)}"
        op, doc = rng.choice(operators), rng.choice(doctors)
        wait = rng.expovariate(1 / 45)
        entered, answered = t0 + timedelta(seconds=12), t0 + timedelta(seconds=12 + wait)
        outcome_at = answered + timedelta(seconds=rng.uniform(90, 400))
        wrap = outcome_at + timedelta(seconds=60)
        channel = "sms" if 0.70 <= kind < 0.80 else "voice"
        status, outcome, values = "closed", "resolved", {}
        event(t0, "opened", channel=channel)
        if kind >= 0.98:  # emergency
            event(entered, "emergency", via="ivr")
            event(entered, "queued", queue="emergency")
            event(answered, "accepted", doc, queue="emergency")
            event(outcome_at, "resolved", doc, by="doctor")
            values = {"priority": "P1", "queue": "emergency", "doctor_id": doc, "accepted_at": answered}
            status, outcome = "resolved", "resolved"
        else:
            event(entered, "queued", queue="tier1")
            if 0.80 <= kind < 0.88:  # abandoned in the queue
                gone = entered + timedelta(seconds=rng.uniform(1, 120))
                event(gone, "queue_result", result="hangup")
                event(gone, "abandoned", seconds_waited=int((gone - entered).total_seconds()))
                values = {"abandoned_at": gone}
                status, outcome = "abandoned", None
            else:
                event(answered, "claimed", op, queue="tier1")
                values = {"claimed_at": answered, "assigned_to_id": op, "wrap_up_until": wrap}
                if channel == "voice":
                    leg("staff", op, answered + timedelta(seconds=2), outcome_at)
                if 0.88 <= kind < 0.98:  # escalated to a doctor
                    event(outcome_at, "escalated", op, specialty=None, urgency="urgent")
                    accepted = outcome_at + timedelta(seconds=rng.expovariate(1 / 120))
                    event(accepted, "accepted", doc, queue="tier2")
                    event(accepted + timedelta(seconds=300), "resolved", doc, by="doctor")
                    values |= {"doctor_id": doc, "accepted_at": accepted, "escalated_at": outcome_at}
                    status, outcome = "resolved", "escalated"
                else:
                    event(outcome_at - timedelta(seconds=30), "assessed", op, reason=rng.choice(REASONS))
                    event(outcome_at, "resolved", op, disposition="home_care")
                    event(wrap, "closed")
        rows.add("case", CASE_COLUMNS, (
            case_id, channel, status, values.get("priority", "P4"), "hi", phone, values.get("queue", "tier1"), entered,
            values.get("abandoned_at"), values.get("claimed_at"), values.get("assigned_to_id"), values.get("doctor_id"),
            values.get("accepted_at"), values.get("escalated_at"), outcome, "home_care" if outcome else None,
            rng.choice(REASONS), values.get("wrap_up_until"), t0, t0, wrap if status == "closed" else None, [], 0))
    if day == DAY:
        for n in range(WAITING + ON_CALL):
            case_id += 1
            t0 = now - timedelta(seconds=rng.uniform(5, 600))
            holder = operators[n - WAITING] if n >= WAITING else None
            event(t0, "opened", channel="voice")
            event(t0, "queued", queue="tier1")
            if holder:
                event(t0 + timedelta(seconds=20), "claimed", holder, queue="tier1")
            rows.add("case", CASE_COLUMNS, (
                case_id, "voice", "in_progress" if holder else "queued", "P3", "hi", f"+9197{n:08d}", "tier1", t0,
                None, t0 + timedelta(seconds=20) if holder else None, holder, None, None, None, None, None, None, None,
                t0, t0, None, [], 0))
    return case_id


def fill(url: str, history_days: int, now: datetime) -> dict:
    """Agents, cases, events and call legs by COPY; returns the row counts."""
    import psycopg

    rng = random.Random(20261120)
    rows = Rows()
    staff_columns = ("id", "username", "name", "role", "specialty", "password_hash", "active", "created_at",
                     "presence", "presence_since", "on_duty")
    presences = ("available", "on_call", "wrap_up", "break", "offline")
    for n in range(1, OPERATORS + DOCTORS + 1):
        role = "operator" if n <= OPERATORS else "doctor"
        rows.add("staff_user", staff_columns, (n, f"agent{n}", f"Agent {n}", role, None, "x", "true", now, presences[n % 5],
                                               now - timedelta(minutes=n), "true" if role == "doctor" else "false"))
    operators, doctors = list(range(1, OPERATORS + 1)), list(range(OPERATORS + 1, OPERATORS + DOCTORS + 1))
    last = 0
    for back in range(history_days, -1, -1):
        last = seed(rows, operators, doctors, DAY - timedelta(days=back), last, rng, now)
    counts = {}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for table in ("staff_user", "case", "case_event", "call"):
            columns, buffer = rows.tables[table]
            with conn.cursor().copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                copy.write(buffer.getvalue())
            counts[table] = buffer.getvalue().count("\n")
        for table in ("case", "case_event", "call", "staff_user"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))")
        conn.commit()
    return counts


def measure(app, now: datetime, rounds: int) -> dict:
    """Time (a) the board and (b) the bare COUNT, interleaved, in milliseconds."""
    from sqlalchemy import text

    from crm.helpline.supervisor import floor_board as board
    from crm.helpline.supervisor import kpis, snapshot
    from crm.platform.extensions import db

    start, end = kpis.delhi_day(DAY)
    bare = text('SELECT count(*) FROM case_event e JOIN "case" c ON c.id = e.case_id WHERE e.at >= :s AND e.at < :e')
    results = {"board": [], "count": [], "shared": []}
    with app.app_context():
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        for n in range(rounds + 2):
            snapshot.forget()  # a cold read: the first screen after a case event
            t = time.perf_counter()
            figures = board.read(now)
            board_ms = (time.perf_counter() - t) * 1000
            db.session.rollback()
            t = time.perf_counter()
            board.read(now)  # every other screen after the same event
            shared_ms = (time.perf_counter() - t) * 1000
            db.session.rollback()
            t = time.perf_counter()
            db.session.execute(bare, {"s": start, "e": end}).scalar_one()
            count_ms = (time.perf_counter() - t) * 1000
            db.session.rollback()
            if n >= 2:  # two warm-up rounds
                results["board"].append(board_ms)
                results["count"].append(count_ms)
                results["shared"].append(shared_ms)
        results["offered"] = sum(q["offered"] for q in figures["queues"])
        results["waiting"] = sum(q["waiting"] for q in figures["queues"])
        results["agents"] = len(figures["agents"])
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--history-days", type=int, default=6)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    import tempfile

    from flask_migrate import upgrade

    from crm import create_app

    url = recreate_database()
    now = datetime.combine(DAY, clock(20), tzinfo=UTC) - DELHI
    app = create_app({"SAMPARK_ENV": "testing", "DATABASE_URL": url, "EMULATOR_MOUNT": False,
                      "INSTANCE_PATH": tempfile.mkdtemp(), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(revision="0004_case_reference")
    t = time.perf_counter()
    counts = fill(url, args.history_days, now)
    fill_s = time.perf_counter() - t
    before = measure(app, now, args.rounds)
    with app.app_context():
        upgrade()
    after = measure(app, now, args.rounds)
    body = report(counts, fill_s, before, after, args)
    print(body)
    if args.write_readme:
        write_section(HEADING, body)


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def report(counts: dict, fill_s: float, before: dict, after: dict, args) -> str:
    """The README section."""
    lines = [HEADING, "", f"`{COMMAND}` (bench/bench_supervisor_board.py), PostgreSQL database `{DB_NAME}` on 127.0.0.1.", "",
             (f"{args.history_days + 1} Delhi days of {CASES_PER_DAY:,} closed cases each (the measured day is the last), "
             f"{WAITING} cases waiting and {ON_CALL} on a call now, {OPERATORS + DOCTORS} agents: "
             f"{counts['case']:,} cases, {counts['case_event']:,} case events, {counts['call']:,} call legs, "
             f"loaded by COPY in {fill_s:.1f} s. {args.rounds} measured rounds after 2 warm-up, (a) and (b) interleaved; "
             f"the board counted {after['offered']:,} offers, {after['waiting']} waiting, {after['agents']} agents."), "",
             "| schema | (a) board refresh median ms | (a) p95 ms | (b) bare COUNT median ms | (b) p95 ms | (a) / (b) median | (c) another screen, same event, median / p95 ms |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, result in (("migrations to 0004 (no index on case_event.at)", before),
                         ("with 0005: index case_event (kind, at)", after)):
        a, a95 = _ms(result["board"])
        b, b95 = _ms(result["count"])
        c, c95 = _ms(result["shared"])
        lines.append(f"| {name} | {a:.1f} | {a95:.1f} | {b:.1f} | {b95:.1f} | {a / b:.1f}x | {c:.1f} / {c95:.1f} |")
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"] * 3
    lines += ["", ("Where (a)'s time goes (cProfile and EXPLAIN ANALYZE on this data): one query reads the day's "
                  "timeline grouped per case (milestones, the caller's next contact, tier-1 talk time from the call "
                  "legs), then Python turns about 20,000 rows into offers and figures. Before this benchmark the "
                  "query took 2.1 s, 1.3 s of it PostgreSQL compiling it with JIT (now off for it), and merge-joined "
                  "every case and event of the week; bounded by the day's lowest case id it runs in about 0.3 s "
                  "unloaded. The index of 0005 replaces a scan of the whole case_event table for the day's queue "
                  "entries."),
              "", (f"Machine: nproc {os.cpu_count()} ({_cpu()}), Python {platform.python_version()}, "
                   f"{date.today().isoformat()}, load average at the end {' '.join(load)}. Other developers' work "
                   "shares the machine: compare rows of one run.")]
    return "\n".join(lines) + "\n"


def _cpu() -> str:
    try:
        models = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")]
    except OSError:
        models = []
    return models[0] if models else platform.machine()


if __name__ == "__main__":
    main()

"""The supervisor board's refresh on PostgreSQL at 5,000 and 50,000 contacts a day with 500 agents on the board.

    .venv/bin/python -m bench.bench_supervisor_board                  # measure and print
    .venv/bin/python -m bench.bench_supervisor_board --write-readme   # and record the figures in bench/README.md
    .venv/bin/python -m bench.bench_supervisor_board --reuse          # measure databases filled by an earlier run

For each volume, the database `sampark_bench_board_<volume>` (on DATABASE_URL's server, default
postgresql://postgres@127.0.0.1:5432/test) is recreated with every migration, then filled with COPY: 500 agents (420
operators, 80 doctors), the measured Delhi day's closed cases with their timeline (about 7 events each) and call legs,
the same for the day before, 200 cases waiting now and 20 on a call. The kept sums are counted by the same code as
`flask kpis rebuild` (timed: the backfill of a deployed system). ANALYZE, then, interleaved:
(a) the refresh after a case event: one closed case of the day is marked changed (as its transaction would mark
    it), then `crm.helpline.supervisor.floor_board.read(now)` (everything GET /api/v1/supervisor/board returns: it
    counts the changed case again, then reads the day's sums, who waits and every agent), committed;
(b) the same read with nothing changed since;
(c) the figures recomputed from the day's timeline as before the sums (`kpis.day_figures`): the baseline, 3 rounds.
The board's day figures are checked equal to (c)'s. bench/bench_reports.py reuses the 50,000 database.
"""

from __future__ import annotations

import argparse
import io
import json
import math
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
DB_NAME = "sampark_bench_board_{volume}"
DAY = date(2026, 11, 20)
DELHI = timedelta(hours=5, minutes=30)
VOLUMES = (5_000, 50_000)
WAITING, ON_CALL, OPERATORS, DOCTORS = 200, 20, 420, 80
LANGUAGES = ("hi", "hi", "hi", "en", "pa", "ur")


def database_url(volume: int) -> str:
    """The URL of the benchmark's database for `volume` contacts a day."""
    return urlsplit(PG)._replace(path=f"/{DB_NAME.format(volume=volume)}").geturl()


def recreate_database(volume: int) -> str:
    import psycopg

    name = DB_NAME.format(volume=volume)
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(volume)


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
         now: datetime, volume: int) -> int:
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

    for _ in range(volume):
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
            case_id, channel, status, values.get("priority", "P4"), rng.choice(LANGUAGES), phone, values.get("queue", "tier1"), entered,
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


def fill(url: str, history_days: int, now: datetime, volume: int) -> dict:
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
        last = seed(rows, operators, doctors, DAY - timedelta(days=back), last, rng, now, volume)
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


def count_sums(app, history_days: int) -> float:
    """Count the kept sums of every filled day as `flask kpis rebuild` does; returns the seconds it took."""
    from crm.helpline.supervisor import aggregates
    from crm.platform.extensions import db

    t = time.perf_counter()
    with app.app_context():
        aggregates.reset()
        for back in range(history_days + 1, -2, -1):
            aggregates.rebuild(DAY - timedelta(days=back), DAY - timedelta(days=back))
            db.session.commit()
        aggregates.rebuilt()
        db.session.commit()
    return time.perf_counter() - t


def measure(app, now: datetime, rounds: int, baseline_rounds: int = 3) -> dict:
    """Time (a) a refresh after one case changed, (b) one with nothing changed, interleaved; (c) the old way."""
    from sqlalchemy import text

    from crm.helpline.supervisor import floor_board as board
    from crm.helpline.supervisor import kept, kpis
    from crm.platform.extensions import db

    start, end = kpis.delhi_day(DAY)
    rng = random.Random(7)
    results = {"changed": [], "idle": [], "timeline": [], "cpu": [], "floor": []}
    statements = []
    with app.app_context():
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        from sqlalchemy import event

        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        ids = list(db.session.scalars(text(
            "SELECT DISTINCT case_id FROM case_event WHERE kind = 'queued' AND at >= :s AND at < :e"), {"s": start, "e": end}))
        for n in range(rounds + 2):
            db.session.execute(text("INSERT INTO kpi_pending (case_id) VALUES (:id)"),
                               {"id": rng.choice(ids)})
            db.session.commit()
            t, cpu = time.perf_counter(), time.process_time()
            figures = board.read(now)
            db.session.commit()
            changed_ms, cpu_ms = (time.perf_counter() - t) * 1000, (time.process_time() - cpu) * 1000
            statements.clear()
            t = time.perf_counter()
            board.read(now)
            db.session.commit()
            idle_ms = (time.perf_counter() - t) * 1000
            round_trips = len(statements)
            t = time.perf_counter()
            for _ in range(round_trips):  # the floor under this load: as many round trips doing nothing
                db.session.execute(text("SELECT 1"))
            db.session.commit()
            floor_ms = (time.perf_counter() - t) * 1000
            if n >= 2:  # two warm-up rounds
                results["changed"].append(changed_ms)
                results["idle"].append(idle_ms)
                results["cpu"].append(cpu_ms)
                results["floor"].append(floor_ms)
        results["round_trips"] = round_trips
        for _ in range(baseline_rounds):
            t = time.perf_counter()
            recomputed = kpis.day_figures(DAY, now)
            results["timeline"].append((time.perf_counter() - t) * 1000)
            db.session.rollback()
        results["equal"] = kept.day_figures(DAY, now)["queues"] == recomputed["queues"]
        db.session.commit()
        results["offered"] = sum(q["offered"] for q in figures["queues"])
        results["waiting"] = sum(q["waiting"] for q in figures["queues"])
        results["agents"] = len(figures["agents"])
    return results


def make_app(url: str):
    """An app on the benchmark's database."""
    import tempfile

    from crm import create_app

    return create_app({"SAMPARK_ENV": "testing", "DATABASE_URL": url, "EMULATOR_MOUNT": False,
                       "INSTANCE_PATH": tempfile.mkdtemp(), "SECRET_KEY": "bench"})


def build(volume: int, history_days: int, now: datetime) -> dict:
    """Recreate and fill the database of `volume` contacts a day, count its sums; the row counts and timings."""
    from flask_migrate import upgrade

    url = recreate_database(volume)
    app = make_app(url)
    with app.app_context():
        upgrade()
    t = time.perf_counter()
    counts = fill(url, history_days, now, volume)
    counts["fill_s"] = time.perf_counter() - t
    counts["sums_s"] = count_sums(app, history_days)
    _remember(volume, counts)
    return counts


def _remember(volume: int, counts: dict) -> None:
    """Keep the fill's counts and timings with the database (its comment), for --reuse."""
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"COMMENT ON DATABASE \"{DB_NAME.format(volume=volume)}\" IS '{json.dumps(counts)}'")


def remembered(volume: int) -> dict | None:
    """The counts an earlier run kept with the database of `volume`, None if there is none."""
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           (DB_NAME.format(volume=volume),)).fetchone()
    return json.loads(row[0]) if row and row[0] else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--history-days", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="measure the databases an earlier run filled")
    parser.add_argument("--volumes", default=",".join(map(str, VOLUMES)), help="contacts a day, comma-separated")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    now = datetime.combine(DAY, clock(20), tzinfo=UTC) - DELHI
    runs = {}
    for volume in (int(v) for v in args.volumes.split(",")):
        counts = (args.reuse and remembered(volume)) or build(volume, args.history_days, now)
        runs[volume] = (counts, measure(make_app(database_url(volume)), now, args.rounds))
    body = report(runs, args)
    print(body)
    if args.write_readme:
        write_section(HEADING, body)


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def report(runs: dict, args) -> str:
    """The README section."""
    lines = [HEADING, "", (f"`{COMMAND}` (bench/bench_supervisor_board.py), PostgreSQL databases "
             f"`{DB_NAME}` on 127.0.0.1. {OPERATORS + DOCTORS} agents on the board, {WAITING} cases waiting and "
             f"{ON_CALL} on a call now; {args.history_days + 1} Delhi days filled (the measured day is the last). "
             f"{args.rounds} measured rounds after 2 warm-up, (a) and (b) interleaved."), "",
             "| contacts a day | cases / case events / call legs | COPY s | sums counted (rebuild) s | (a) refresh after a case event, median / p95 ms | its Python CPU, median ms | (b) refresh, nothing changed, median / p95 ms | (d) as many `SELECT 1` round trips, median / p95 ms | (c) recomputed from the timeline (before), median ms | (c) / (a) p95 | board = timeline |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for volume, (counts, result) in runs.items():
        a, a95 = _ms(result["changed"])
        b, b95 = _ms(result["idle"])
        c, _c95 = _ms(result["timeline"])
        cpu, _cpu95 = _ms(result["cpu"])
        d, d95 = _ms(result["floor"])
        lines.append(f"| {volume:,} | {counts['case']:,} / {counts['case_event']:,} / {counts['call']:,} | "
                     f"{counts['fill_s']:.1f} | {counts['sums_s']:.1f} | {a:.1f} / {a95:.1f} | {cpu:.1f} | "
                     f"{b:.1f} / {b95:.1f} | {d:.1f} / {d95:.1f} ({result['round_trips']}) | "
                     f"{c:.0f} | {c / a95:.0f}x | {'yes' if result['equal'] else 'NO'} |")
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"] * 3
    lines += ["", ("Where (a)'s time goes: counting the changed case again (its timeline, its old parts out of and "
                   "its new parts into the day's buckets), one read of the day's buckets (a row per queue, per agent "
                   "who answered and per language), the waiting cases' timeline (for those waiting past their "
                   "threshold), and the 500 agents' state: none of it reads the day's closed cases, so 5,000 and "
                   "50,000 contacts cost the same, and most of it is Python building the 500 agents' rows. (c) is what "
                   "every refresh cost before the sums (1.36 s at 20,000 contacts and 50 agents in the previous run "
                   "of this benchmark). Two costs that grew with history were found on the way and removed: who is on "
                   "a leg scanned every call leg ever placed (now the index of open legs), and once psycopg prepared "
                   "the waiting-cases query PostgreSQL's generic plan for its parameter lists scanned every case "
                   "(the states are now constants)."),
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

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


def _server_ticks(pid: int) -> int:
    """CPU clock ticks (user + system) the PostgreSQL backend `pid` has used (it runs on this machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


class Rounds:
    """One app on one benchmark database, measured a round at a time: (a) a refresh after a case event, (b) one with
    nothing changed since, each with its wall time, this thread's CPU (time.thread_time: the Python side, whatever
    else loads the machine) and the PostgreSQL backend's CPU (/proc, clock ticks: a mean over many rounds)."""

    def __init__(self, app, now: datetime) -> None:
        from sqlalchemy import event, text

        from crm.helpline.supervisor import kpis
        from crm.platform.extensions import db

        self.app, self.now, self.db, self.text = app, now, db, text
        self.context = app.app_context()
        self.context.push()
        start, end = kpis.delhi_day(DAY)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        self.statements: list[int] = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: self.statements.append(1))
        self.ids = list(db.session.scalars(text(
            "SELECT DISTINCT case_id FROM case_event WHERE kind = 'queued' AND at >= :s AND at < :e"),
            {"s": start, "e": end}))
        self.rng = random.Random(7)

    def _timed(self) -> tuple[float, float, float, dict]:
        from crm.helpline.supervisor import floor_board as board

        db = self.db
        pid = db.session.scalar(self.text("SELECT pg_backend_pid()"))
        ticks = _server_ticks(pid)
        t, cpu = time.perf_counter(), time.thread_time()
        figures = board.read(self.now)
        db.session.commit()
        wall_ms, cpu_ms = (time.perf_counter() - t) * 1000, (time.thread_time() - cpu) * 1000
        return wall_ms, cpu_ms, (_server_ticks(pid) - ticks) * TICK_MS, figures

    def one(self) -> dict:
        """One round: (a), then (b), then (d) as many `SELECT 1` round trips as (b) made."""
        db, text = self.db, self.text
        db.session.execute(text("INSERT INTO kpi_pending (case_id) VALUES (:id)"), {"id": self.rng.choice(self.ids)})
        db.session.commit()
        changed_ms, cpu_ms, server_ms, self.figures = self._timed()
        self.statements.clear()
        idle_ms, idle_cpu_ms, idle_server_ms, _figures = self._timed()
        round_trips = len(self.statements) - 1  # less the backend's pid
        t = time.perf_counter()
        for _ in range(round_trips):  # the floor under this load: as many round trips doing nothing
            db.session.execute(text("SELECT 1"))
        db.session.commit()
        return {"changed": changed_ms, "cpu": cpu_ms, "server": server_ms, "idle": idle_ms, "idle_cpu": idle_cpu_ms,
                "idle_server": idle_server_ms, "floor": (time.perf_counter() - t) * 1000, "round_trips": round_trips}

    def baseline(self, rounds: int) -> dict:
        """(c) the day recomputed from the timeline, and whether the board's figures equal it."""
        from crm.helpline.supervisor import kept, kpis

        db, timeline = self.db, []
        for _ in range(rounds):
            t = time.perf_counter()
            recomputed = kpis.day_figures(DAY, self.now)
            timeline.append((time.perf_counter() - t) * 1000)
            db.session.rollback()
        equal = kept.day_figures(DAY, self.now)["queues"] == recomputed["queues"]
        db.session.commit()
        return {"timeline": timeline, "equal": equal,
                "offered": sum(q["offered"] for q in self.figures["queues"]),
                "waiting": sum(q["waiting"] for q in self.figures["queues"]), "agents": len(self.figures["agents"])}


def _collect(rounds: list[dict]) -> dict:
    results = {key: [r[key] for r in rounds] for key in rounds[0]}
    results["round_trips"] = rounds[-1]["round_trips"]
    return results


def measure(app, now: datetime, rounds: int, baseline_rounds: int = 3) -> dict:
    """Time (a) a refresh after one case changed, (b) one with nothing changed, interleaved; (c) the old way."""
    measured = Rounds(app, now)
    done = [measured.one() for _ in range(rounds + 2)][2:]  # two warm-up rounds
    return _collect(done) | measured.baseline(baseline_rounds)


def measure_against(code: Path, volume: int, now: datetime, rounds: int) -> tuple[dict, dict]:
    """(a) and (b) of the code checked out at `code` (before) and of this checkout (after), in two processes on the
    same database, a round of each in turn: the same load on both. Returns (before, after), (c) with after."""
    import subprocess
    import sys

    def child(root: Path):
        return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", str(volume)], cwd=root,
                                env=os.environ | {"PYTHONPATH": str(root)}, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)

    children = {"before": child(code), "after": child(ROOT)}
    done: dict[str, list[dict]] = {"before": [], "after": []}
    for n in range(rounds + 2):
        for name, process in children.items():
            process.stdin.write("round\n")
            process.stdin.flush()
            result = _answer(process)
            if n >= 2:  # two warm-up rounds each
                done[name].append(result)
    extra = {}
    for name, process in children.items():
        process.stdin.write("done\n")
        process.stdin.flush()
        extra[name] = _answer(process)
        process.wait()
    return _collect(done["before"]) | extra["before"], _collect(done["after"]) | extra["after"]


def _answer(process) -> dict:
    """The child's next JSON line (anything else it prints is passed over)."""
    while line := process.stdout.readline():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("the measuring process ended without an answer")


def _serve_rounds(volume: int) -> None:
    """--child: measure a round per line "round" on stdin, one JSON line each; "done": (c), then exit."""
    import logging
    import sys

    logging.disable(logging.CRITICAL)
    now = datetime.combine(DAY, clock(20), tzinfo=UTC) - DELHI
    measured = Rounds(make_app(database_url(volume)), now)
    for line in sys.stdin:
        answer = measured.one() if line.strip() == "round" else measured.baseline(1)
        print(json.dumps(answer), flush=True)
        if line.strip() != "round":
            return


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
    parser.add_argument("--before", type=Path, help="a checkout of the code before (e.g. /work/main): measured too, "
                                                     "a round of each in turn, in processes of their own")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _serve_rounds(args.child)
        return
    now = datetime.combine(DAY, clock(20), tzinfo=UTC) - DELHI
    runs, before = {}, {}
    for volume in (int(v) for v in args.volumes.split(",")):
        counts = (args.reuse and remembered(volume)) or build(volume, args.history_days, now)
        if args.before:
            before[volume], after = measure_against(args.before, volume, now, args.rounds)
            runs[volume] = (counts, after)
        else:
            runs[volume] = (counts, measure(make_app(database_url(volume)), now, args.rounds))
    body = report(runs, args, before)
    print(body)
    if args.write_readme:
        write_section(HEADING, body)


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _pair(values: list[float]) -> str:
    return "{:.1f} / {:.1f}".format(*_ms(values))


def report(runs: dict, args, before: dict | None = None) -> str:
    """The README section."""
    command = COMMAND + (f" --before {args.before}" if args.before else "") + (" --reuse" if args.reuse else "")
    lines = [HEADING, "", (f"`{command}` (bench/bench_supervisor_board.py), PostgreSQL databases "
             f"`{DB_NAME}` on 127.0.0.1. {OPERATORS + DOCTORS} agents on the board, {WAITING} cases waiting and "
             f"{ON_CALL} on a call now; {args.history_days + 1} Delhi days filled (the measured day is the last). "
             f"{args.rounds} measured rounds after 2 warm-up, (a) and (b) interleaved. CPU: the refresh's thread "
             "(time.thread_time, the Python side) and the PostgreSQL backend's (/proc, 10 ms ticks, so a mean over "
             "the rounds); neither moves much with what else loads the machine, the wall times do."), "",
             "| contacts a day | cases / case events / call legs | COPY s | sums counted (rebuild) s | (a) refresh after a case event, median / p95 ms | (a) thread CPU, median / p95 ms | (a) PostgreSQL CPU, mean ms | (b) refresh, nothing changed, median / p95 ms | (b) thread CPU, median / p95 ms | (d) as many `SELECT 1` round trips, median / p95 ms | (c) recomputed from the timeline (before), median ms | (c) / (a) p95 | board = timeline |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for volume, (counts, result) in runs.items():
        a, a95 = _ms(result["changed"])
        c, _c95 = _ms(result["timeline"])
        lines.append(f"| {volume:,} | {counts['case']:,} / {counts['case_event']:,} / {counts['call']:,} | "
                     f"{counts['fill_s']:.1f} | {counts['sums_s']:.1f} | {a:.1f} / {a95:.1f} | {_pair(result['cpu'])} | "
                     f"{statistics.mean(result['server']):.1f} | {_pair(result['idle'])} | "
                     f"{_pair(result['idle_cpu'])} | {_pair(result['floor'])} ({result['round_trips']}) | "
                     f"{c:.0f} | {c / a95:.0f}x | {'yes' if result['equal'] else 'NO'} |")
    if before:
        lines += ["", (f"The same rounds of the code at `{args.before}` ({_commit(args.before)}, before) and of this "
                       f"checkout ({_commit(ROOT)}, after), in two "
                       "processes on the same database, a round of each in turn (the same load on both):"), "",
                  ("| contacts a day | code | (a) median / p95 ms | (a) thread CPU, median / p95 ms | (a) PostgreSQL "
                  "CPU, mean ms | (b) median / p95 ms | (b) thread CPU, median / p95 ms | round trips (b) |"),
                  "|---:|---|---:|---:|---:|---:|---:|---:|"]
        for volume, (_counts, after) in runs.items():
            for name, result in (("before", before[volume]), ("after", after)):
                lines.append(f"| {volume:,} | {name} | {_pair(result['changed'])} | {_pair(result['cpu'])} | "
                             f"{statistics.mean(result['server']):.1f} | {_pair(result['idle'])} | "
                             f"{_pair(result['idle_cpu'])} | {result['round_trips']} |")
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"] * 3
    lines += ["", ("Where (a)'s time goes: counting the changed case again (its timeline, its old parts out of and "
                   "its new parts into the day's buckets), one read of the day's buckets (a row per queue, per agent "
                   "who answered and per language), the waiting cases' timeline (for those waiting past their "
                   "threshold), and the 500 agents' state: none of it reads the day's closed cases, so 5,000 and "
                   "50,000 contacts cost the same. Its statements are built and compiled once and sent as prepared "
                   "statements (crm.platform.direct_sql), its rows read as plain tuples: the Python side had been "
                   "most of a refresh. (c) is what every refresh cost before the sums (1.36 s at 20,000 contacts and "
                   "50 agents in an earlier run of this benchmark). Two costs that grew with history were found on the "
                   "way and removed: who is on a leg scanned every call leg ever placed (now the index of open legs), "
                   "and once psycopg prepared the waiting-cases query PostgreSQL's generic plan for its parameter "
                   "lists scanned every case (the states are now constants)."),
              "", (f"Machine: nproc {os.cpu_count()} ({_cpu()}), Python {platform.python_version()}, "
                   f"{date.today().isoformat()} {datetime.now(UTC):%H:%M} UTC, load average at the end "
                   f"{' '.join(load)}. Other developers' work shares the machine: compare rows of one run.")]
    return "\n".join(lines) + "\n"


def _commit(root: Path) -> str:
    import subprocess

    found = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h"], check=False, capture_output=True,
                           text=True)
    return f"commit {found.stdout.strip()}" if found.returncode == 0 else "not a git checkout"


def _cpu() -> str:
    try:
        models = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")]
    except OSError:
        models = []
    return models[0] if models else platform.machine()


if __name__ == "__main__":
    main()

"""Card lookup at 1,000,000 patients on PostgreSQL, and the registry import rate.

Run from the repository root (bench/ is a namespace package, so -m finds crm/ too):

    .venv/bin/python -m bench.bench_lookup            # loads once, then measures
    .venv/bin/python -m bench.bench_lookup --reload   # empties and reloads the 1M patients

DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) names the server; the benchmark
creates and uses its own databases `sampark_bench` (kept between runs, loaded once) and
`sampark_bench_import` (recreated each run). The card signing key lives in bench/out/instance/.

Lookups compare (a) the service call crm.residents.lookup.lookup({"qr": ...}) in a request context with a
logged-in operator, (b) POST /api/v1/lookup through the Flask test client with a bearer token and
(c) a prepared, indexed SELECT of the same card and patient by card number with psycopg: the floor
that the ORM, signature check, household load and audit write are measured against.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import statistics
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from flask_login import login_user
from flask_migrate import upgrade
from sqlalchemy import select

from crm import create_app
from crm.models import HealthCard, StaffUser
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from crm.residents.cards import token as card_token
from crm.residents.cards.keys import keyring
from crm.residents.cards.operations import payload_for
from crm.residents.lookup import lookup
from crm.seed import demo
from crm.staff.auth import passwords, tokens

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
README = HERE / "README.md"
SERVER_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
BENCH_DB, IMPORT_DB = "sampark_bench", "sampark_bench_import"  # --database names another for BENCH_DB
PATIENTS, PER_HOUSEHOLD, SAMPLE, LOOKUPS = 1_000_000, 4, 1_000, 2_000
DUMMY_QR = "SMP1:1"  # never scanned: only the signed sample is looked up by QR
BENCH_STAFF = "bench-operator"
SECRET = "bench-secret-not-for-production"


def database_url(name: str) -> str:
    """The server's URL pointed at database `name`."""
    return urlsplit(SERVER_URL)._replace(path=f"/{name}").geturl()


def ensure_database(name: str, fresh: bool = False) -> str:
    """Create database `name` if missing (drop it first if `fresh`); return its URL."""
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def bench_app(url: str, instance: Path):
    """An app on `url`, limits and CSRF off, not the testing flag: the code paths production runs."""
    return create_app({
        "DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET, "SAMPARK_ENV": "development",
        "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "JOBS_EAGER": True,
    })


# ---- loading 1,000,000 patients ------------------------------------------------------------------

def _sql_array(values: list[str]) -> str:
    return "(ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "])"


def load_patients(conn: psycopg.Connection, key_id: str) -> None:
    """Households and patients by INSERT ... SELECT generate_series, then one card each by COPY."""
    conn.execute("TRUNCATE audit_log, health_card, patient, household RESTART IDENTITY CASCADE")
    households = PATIENTS // PER_HOUSEHOLD
    wards = _sql_array(demo.WARDS)
    conn.execute(f"""
        INSERT INTO household (code, address, ward, created_at)
        SELECT 'BH-' || lpad(g::text, 7, '0'),
               'House ' || (g % 400 + 1) || ', Gali ' || (g % 30 + 1) || ', ' || w || ', Delhi', w, now()
        FROM generate_series(1, {households}) g,
             LATERAL (SELECT {wards}[1 + g % {len(demo.WARDS)}] AS w) ward""")
    first_en = _sql_array([en for en, _ in demo.MEN + demo.WOMEN])
    first_hi = _sql_array([hi for _, hi in demo.MEN + demo.WOMEN])
    last_en, last_hi = _sql_array([en for en, _ in demo.SURNAMES]), _sql_array([hi for _, hi in demo.SURNAMES])
    men, surnames = len(demo.MEN), len(demo.SURNAMES)
    # A household of four: head, spouse, son, daughter; ids are 1..N after RESTART IDENTITY.
    conn.execute(f"""
        INSERT INTO patient (registry_id, epic, epic_valid, name, name_hi, dob, birth_year, dob_estimated, sex,
                             mobile, household_id, relation, address, ward, preferred_language, blood_group,
                             allergies, chronic_conditions, current_medications, created_at, updated_at)
        SELECT 'BN' || lpad(g::text, 8, '0'), NULL, NULL,
               {first_en}[f] || ' ' || {last_en}[s], {first_hi}[f] || ' ' || {last_hi}[s],
               dob, extract(year FROM dob)::int, false, CASE WHEN f <= {men} THEN 'M' ELSE 'F' END,
               '+919' || lpad(((g::bigint * 2654435761) % 1000000000)::text, 9, '0'), h.id,
               (ARRAY['self','spouse','son','daughter'])[1 + (g - 1) % 4], h.address, h.ward, 'hi',
               (ARRAY['O+','B+','A+','AB+','O-','B-'])[1 + g % 6],
               CASE WHEN g % 17 = 0 THEN '["Penicillin"]'::json ELSE '[]'::json END,
               '[]'::json, '[]'::json, now(), now()
        FROM generate_series(1, {PATIENTS}) g
        JOIN household h ON h.id = (g - 1) / {PER_HOUSEHOLD} + 1,
        LATERAL (SELECT CASE (g - 1) % 4 WHEN 0 THEN 1 + g % {men} WHEN 2 THEN 1 + g % {men}
                             ELSE {men} + 1 + g % {len(demo.WOMEN)} END AS f,
                        1 + ((g - 1) / 4) % {surnames} AS s,
                        date '1940-01-01' + ((g::bigint * 7919) % 29000)::int AS dob) pick""")
    with conn.cursor().copy(
        "COPY health_card (number, patient_id, version, reason, status, qr_token, key_id, issued_at) FROM STDIN"
    ) as copy:
        for patient_id in range(1, PATIENTS + 1):
            copy.write_row((card_for(patient_id), patient_id, 1, "original", "issued", DUMMY_QR, key_id,
                            "2025-01-15 10:00:00+05:30"))
    conn.commit()


def card_for(patient_id: int) -> str:
    """A distinct valid card number per patient, spread over the number space like random ones."""
    body = str(10_000_000_000 + (patient_id * 2_654_435_761) % 90_000_000_000)
    return body + card_number.check_digit(body)


def prepare_bench_database(reload: bool, name: str = BENCH_DB) -> tuple:
    """Migrate, load if needed, sign the sample; returns (app, url, staff_id, sample, load seconds)."""
    url = ensure_database(name)
    app = bench_app(url, OUT / "instance")
    load_seconds = None
    with app.app_context():
        upgrade()
        with psycopg.connect(url) as conn:
            count = conn.execute("SELECT count(*) FROM health_card").fetchone()[0]
            if reload or count != PATIENTS:
                print(f"loading {PATIENTS:,} patients and cards ...", flush=True)
                started = time.perf_counter()
                load_patients(conn, keyring().kids[0])
                conn.autocommit = True
                conn.execute("VACUUM ANALYZE household, patient, health_card")
                conn.execute("CHECKPOINT")  # so the load's dirty pages are not written during the timing
                load_seconds = time.perf_counter() - started
        staff = db.session.scalar(select(StaffUser).where(StaffUser.username == BENCH_STAFF))
        staff = staff or passwords.create_staff(BENCH_STAFF, "operator", SECRET)
        sample = sign_sample(keyring())
        return app, url, staff.id, sample, load_seconds


def sign_sample(ring: card_token.KeyRing) -> list[tuple[str, str]]:
    """Give every (PATIENTS/SAMPLE)-th card a real signed QR; returns [(qr, card number)]."""
    step = PATIENTS // SAMPLE
    chosen = db.session.scalars(select(HealthCard).where(HealthCard.patient_id % step == 0)).all()
    sample = []
    for card in chosen:
        card.qr_token = card_token.sign(payload_for(card.patient, card.number, card.version,
                                                    card.issued_at.date()), ring)
        sample.append((card.qr_token, card.number))
    db.session.commit()
    return sample


# ---- measuring lookups ---------------------------------------------------------------------------

def timed(calls) -> list[float]:
    """Run each zero-argument call, returning the latency of each in milliseconds."""
    out = []
    for call in calls:
        started = time.perf_counter_ns()
        call()
        out.append((time.perf_counter_ns() - started) / 1e6)
    return out


def measure_service(app, staff_id: int, picks) -> list[float]:
    """(a) crm.residents.lookup.lookup by QR in its own request context, the operator logged in."""
    out = []
    for qr, number in picks:
        with app.test_request_context("/lookup/panel", method="POST"):
            login_user(db.session.get(StaffUser, staff_id))
            started = time.perf_counter_ns()
            view = lookup({"qr": qr})
            out.append((time.perf_counter_ns() - started) / 1e6)
            assert view["card"]["number"] == number
    return out


def measure_http(app, bearer: str, picks) -> list[float]:
    """(b) POST /api/v1/lookup through the Flask test client with a bearer token."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {bearer}"}

    def call(qr, number):
        response = client.post("/api/v1/lookup", json={"qr": qr}, headers=headers)
        assert response.status_code == 200 and response.json["card"]["number"] == number, response.data

    return timed(lambda qr=qr, number=number: call(qr, number) for qr, number in picks)


def measure_floor(url: str, staff_id: int, picks) -> list[float]:
    """(d) What a lookup cannot avoid: the prepared SELECT, the audit row INSERT, and COMMIT."""
    query = ("SELECT c.*, p.* FROM health_card c JOIN patient p ON p.id = c.patient_id "
             "WHERE c.number = %s")
    audit = ("INSERT INTO audit_log (at, staff_id, action, patient_id, card_number, via, ip, detail) "
             "VALUES (now(), %s, 'view_patient', %s, %s, 'qr', '127.0.0.1', '{}') RETURNING id")
    with psycopg.connect(url) as conn:
        cursor = conn.cursor()

        def call(number):
            row = cursor.execute(query, (number,), prepare=True).fetchone()
            cursor.execute(audit, (staff_id, row[2], number), prepare=True)
            conn.commit()

        return timed(lambda number=number: call(number) for _, number in picks)


def measure_baseline(url: str, picks) -> list[float]:
    """(c) The floor: one prepared, indexed SELECT of card and patient by card number."""
    query = ("SELECT c.*, p.* FROM health_card c JOIN patient p ON p.id = c.patient_id "
             "WHERE c.number = %s")
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.cursor()

        def call(number):
            row = cursor.execute(query, (number,), prepare=True).fetchone()
            assert row is not None

        for _, number in picks[:SAMPLE]:  # warm the caches for all three, and prepare the plan
            call(number)
        return timed(lambda number=number: call(number) for _, number in picks)


def summary(latencies: list[float]) -> tuple[float, float]:
    """(median, p99) in milliseconds."""
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


# ---- report --------------------------------------------------------------------------------------

def machine(load_before: float) -> str:
    """The facts a reader needs to compare figures: CPUs, CPU model, RAM, load, PostgreSQL, Python."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    with psycopg.connect(SERVER_URL) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
        buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
    where = "same machine" if urlsplit(SERVER_URL).hostname in ("127.0.0.1", "localhost", "::1") else "remote"
    return (f"nproc {os.cpu_count()} ({model}), {mem_kb / 1024 / 1024:.0f} GiB RAM, PostgreSQL {pg} "
            f"(shared_buffers {buffers}, {where}), Python {platform.python_version()}, 1-minute load average "
            f"{load_before:.2f} before the lookups and {os.getloadavg()[0]:.2f} at the end, {date.today()}")


def replace_sections(text: str, sections: dict[str, str]) -> str:
    """Replace (or append) the given '## ' sections of a Markdown file, leaving the others alone."""
    parts = [] if not text.strip() else [""]
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            parts.append("")
        parts[-1] += line
    kept = [p for p in parts if p.split("\n", 1)[0].strip() not in sections]
    body = "".join(p if p.endswith("\n\n") else p.rstrip("\n") + "\n\n" for p in kept) or "# Benchmarks\n\n"
    return body + "".join(f"{title}\n\n{content.strip()}\n\n" for title, content in sections.items()).rstrip() + "\n"


BEFORE = """Earlier runs. At d0fa4ad (20:23 UTC 2026-11-29, load average 9): (a) 16.67 / 56.34 ms, (b) 27.58 / 89.03 ms,
(d) 4.32 / 20.01 ms (median / p99), 9 statements per lookup plus the pre-ping; then card, holder, household and
members went into one joined query and token and staff into one (h/speed). At 05ea674 on this machine (23:05 UTC,
load average 2): (a) 3.59 / 7.89 ms, (b) 5.20 / 14.25 ms, (d) 0.67 / 1.55 ms: the API at 7.7x the floor, 4
statements per lookup plus the pool's pre-ping (BEGIN, pre-ping, token and staff, card, audit INSERT, COMMIT: six
round trips against the floor's four). Since (h/dbspeed): no pre-ping (crm.platform.pool checks the pooled connection's
socket instead, and pings only one idle for 30 s); on PostgreSQL the QR's card read and its view_patient audit row
are one statement (a data-modifying WITH), so the API makes the floor's four round trips (BEGIN, token and staff,
card with its audit row, COMMIT); other audit rows are one prebuilt INSERT instead of an ORM object and a flush.
Kept: the signature check, the superseded / revoked notice (a revoked card is audited as refused, not viewed),
the audit row and its commit. What remains above the floor is Python: Flask's request, Flask-Login, the ORM
building card, patient, household and members, and JSON; on this shared 2-core machine it grows with the load
(other developers' test runs), the floor much less. Since h/claims: the QR statement also says whether any
hospital sent history (the usual card skips that query), the token-and-staff query is built once, a bearer
request with no session cookie skips Flask-Login's session work, and the view runs in autocommit on PostgreSQL
(`crm.platform.unit_of_work.each_statement_commits`): token and staff, then the card with its audit row, two round trips
and no BEGIN or COMMIT. At 1M patients on a quiet machine the API is still about 5x the floor: the Flask request,
the ORM's card, patient, household and members (the service alone is about 3.5x), the signature and JSON.

What changed for the API on h/lookup (before it, at 21d8a3c, 05:31 UTC 2026-11-30: (a) 3.70 ms, (b) 5.86 ms,
(d) 0.81 ms, the API at 7.3x). A bearer request with no session is offered, before the gate's usual checks, to
crm.residents.lookup_sql: ONE prepared statement on a pooled connection in autocommit checks the token (hash, not revoked,
not expired, staff active, role may read patients), the case if one is named, reads the card (not revoked),
holder and household members (only the columns the answer shows; members as one json_agg), writes the
view_patient audit row and the token's last use when due, and returns one row; the JSON is built from it by
crm.residents.lookup's own functions, no ORM instance, no Session at all (the unit of work now skips ending a request that
never opened one: an empty commit cost 0.15 ms under load). Anything it does not
answer (a dead token, a wrong role, an unknown case, an unknown or revoked card, a bad QR) it leaves, having
written nothing but the token's last use, to the usual path, which gives the same answers and audit rows as
before (tests/integration/test_lookup_both_paths.py compares the two on PostgreSQL and SQLite). What remains
(measured on their own, this machine): the Flask request through the test client with a JSON answer of this
size about 0.57 ms, the Ed25519 check 0.16 ms, the statement about 0.85 ms (its WAL flush, like the floor's
COMMIT, about 0.4 ms of it), the row to JSON 0.07 ms. The service call (a) keeps the ORM path (the desk's pages,
a session login, SQLite); its code is unchanged. On this shared 2-core machine the ratio moves with the other
work: the floor is mostly PostgreSQL's time, the API mostly Python's. Three runs before this one, 06:00 UTC, load
average about 2: (b) 2.30 / 2.32 / 2.46 ms against (d) 0.90 / 0.95 / 0.91 ms, 2.6x / 2.4x / 2.7x.

Since h/runner (issue 25): one encoding of the lookup. crm.residents.lookup_sql (a second encoding of the card read, the
household, the audit row and the token's check, in SQL text) is gone, with the gate's hook that offered it token
requests. Every QR and typed card number, by session or token, is read by one statement built from the models
(crm.residents.lookup.CARD_SEEN: the card if not revoked, holder, current card, household members as one json_agg, whether a
hospital sent history, and the view_patient audit row), sent as a prepared statement by the one runner
(crm.platform.direct_sql.run_on, on the request's connection in autocommit); the answer is built from its row, no ORM
instance. A token is checked once, by crm.staff.auth.tokens (its own query, so the API sends two statements where it
sent one)."""


def statements_per_lookup(app, bearer: str, picks) -> float:
    """How many SQL statements one POST /api/v1/lookup sends, COMMIT included when a transaction was open.

    Counted at the driver (psycopg's cursor and connection), so a statement sent by the runner past SQLAlchemy's
    execution (crm.platform.direct_sql) counts as much as one sent through it."""
    count = [0]
    execute, commit = psycopg.Cursor.execute, psycopg.Connection.commit

    def counted_execute(self, *args, **kwargs):
        count[0] += 1
        return execute(self, *args, **kwargs)

    def counted_commit(self):
        if self.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:  # autocommit sends nothing
            count[0] += 1
        return commit(self)

    psycopg.Cursor.execute, psycopg.Connection.commit = counted_execute, counted_commit
    try:
        measure_http(app, bearer, picks[:100])
    finally:
        psycopg.Cursor.execute, psycopg.Connection.commit = execute, commit
    return count[0] / 100


def profile_http(app, bearer: str, picks) -> str:
    """cProfile of 300 API lookups: the 15 functions with the most time of their own."""
    profiler = cProfile.Profile()
    profiler.enable()
    measure_http(app, bearer, picks[:300])
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return "\n".join(line for line in out.getvalue().splitlines()[-17:] if line.strip())


def main() -> None:
    """Load (once), measure, print a table and record it in bench/README.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reload", action="store_true", help="empty and reload the 1M patients")
    parser.add_argument("--no-readme", action="store_true", help="print only; do not touch bench/README.md")
    parser.add_argument("--database", default=BENCH_DB, help=f"the 1M-patient database (default {BENCH_DB})")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    total = time.perf_counter()

    app, url, staff_id, sample, load_seconds = prepare_bench_database(args.reload, args.database)
    picks = random.Random(7).choices(sample, k=LOOKUPS)
    with app.app_context():
        bearer = tokens.issue(db.session.get(StaffUser, staff_id), label="bench")
    load_before = os.getloadavg()[0]  # other work on the machine shows in the p99s
    baseline = summary(measure_baseline(url, picks))
    # Alternate the paths in two halves so load on the shared machine falls on all of them alike.
    half = len(picks) // 2
    runs: dict[str, list[float]] = {"a": [], "b": [], "d": []}
    for part in (picks[:half], picks[half:]):
        runs["d"] += measure_floor(url, staff_id, part)
        runs["a"] += measure_service(app, staff_id, part)
        runs["b"] += measure_http(app, bearer, part)
    floor = summary(runs["d"])
    statements = statements_per_lookup(app, bearer, picks)
    profile = profile_http(app, bearer, picks)
    results = {
        "(a) service lookup({'qr'})": summary(runs["a"]),
        "(b) POST /api/v1/lookup": summary(runs["b"]),
        "(c) raw prepared SELECT": baseline,
        "(d) raw prepared SELECT + audit INSERT + COMMIT": floor,
    }
    facts, elapsed = machine(load_before), time.perf_counter() - total

    lookup_rows = [f"| {name} | {med:.2f} | {p99:.2f} | {med / floor[0]:.1f}x | {p99 / floor[1]:.1f}x | "
                   f"{med / baseline[0]:.0f}x |" for name, (med, p99) in results.items()]
    lookup_table = "\n".join(["| path | median ms | p99 ms | median / (d) | p99 / (d) | median / (c) |",
                              "|---|---:|---:|---:|---:|---:|", *lookup_rows])
    load_note = (f"The load itself (households and patients by INSERT ... SELECT generate_series, cards by COPY, "
                 f"then VACUUM ANALYZE and a CHECKPOINT) took {load_seconds:.0f} s in this run."
                 if load_seconds else "The 1,000,000 rows were already loaded; this run only measured.")
    api = results["(b) POST /api/v1/lookup"][0] / floor[0]
    service = results["(a) service lookup({'qr'})"][0] / floor[0]
    target = (f"Target (issue 13): the API within 3x of (d) at the median. This run: {api:.1f}x "
              f"({'reached' if api <= 3 else 'NOT reached'}); the service call alone "
              f"{service:.1f}x.")
    print(f"\n{target}\n{lookup_table}\n\nstatements per API lookup {statements:.1f}\n{profile}\n\n{facts}\ntotal {elapsed:.0f} s")
    if args.no_readme:
        return
    command = ".venv/bin/python -m bench.bench_lookup" + (" --reload" if args.reload else "") + (
        f" --database {args.database}" if args.database != BENCH_DB else "")
    sections = {
        "## Card lookup at 1,000,000 patients": f"""
`{command}` (bench/bench_lookup.py), database `{args.database}` on {urlsplit(SERVER_URL).hostname}.

{PATIENTS:,} patients in {PATIENTS // PER_HOUSEHOLD:,} households of {PER_HOUSEHOLD}, one card each (valid Verhoeff
numbers); {len(sample):,} cards carry a real Ed25519-signed QR, the rest a dummy. {LOOKUPS:,} lookups of cards
drawn at random from the signed sample, the same sequence for each path, caches warm; (a), (b) and (d) run in
two alternating halves. (a) and (b) verify the signature, load card, patient, household and members, check
the card's superseded / revoked state, write a `view_patient` audit row and commit; (b) adds routing, the
bearer-token check (crm.staff.auth.tokens: hash, live, staff active, role; the token's last use every 5 minutes) and
JSON encoding; (a) reads the card with its audit row in one statement (crm.residents.lookup.CARD_SEEN), (b) the token
with them in the same one (crm.residents.lookup.card_seen_by_token), both sent by crm.platform.direct_sql. (d) is what
a lookup must do at least, by hand: one prepared SELECT of card and patient, the audit INSERT and the COMMIT
(psycopg, same database). {load_note}

{lookup_table}

{target}

The API sends {statements:.1f} SQL statements per lookup (counted at the driver; COMMIT counted when a transaction was open, BEGIN not; no pre-ping). Where its time goes, cProfile of 300 API lookups (tottime, top 15):

```
{profile}
```

{BEFORE}

Machine: {facts}. Whole run {elapsed:.0f} s.
""",
    }
    README.write_text(replace_sections(README.read_text() if README.exists() else "", sections))
    print(f"recorded in {README}")


if __name__ == "__main__":
    main()

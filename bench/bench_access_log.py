"""The access log over a year of audit rows at 50,000 contacts a day: one patient's, one staff member's search.

    .venv/bin/python -m bench.bench_access_log                 # a year, 3 audit rows a contact; --readme records
    .venv/bin/python -m bench.bench_access_log --days 30       # a quick look

A fresh database built by the real migrations (audit_log partitioned by month). A year of rows ending today is
written month by month with INSERT ... SELECT generate_series straight into each month's partition, with the
table's indexes and keys dropped for the load and then built again exactly as the migration defined them, but for
the foreign keys, left off: the rows name 20 million residents and 50,000 cases a day that are not generated, and
PostgreSQL 15 cannot add an unchecked (NOT VALID) foreign key to a partitioned table. They cost writes, not these reads. Each contact leaves --per-contact audit rows (default 3: the
operator's lookup of the caller, the case opened on the desk, one more read by a doctor or the report), on one of
600 staff (500 agents on the floor, 100 doctors) and one of 20 million residents, a tenth of the rows on 10,000
frequent callers (about 550 rows a year each). One row in 20 is a read of a list naming 20 residents at once (a
queue, a page of cases: patient_ids, found through its GIN index), drawn the same way. Then the access log's own search (crm.staff.access_log.services.search,
as the page and the API call it: the audit row of the search itself included) for one patient and for one staff
member, first page and the last page allowed (MAX_PAGE), over the whole table and over a year's dates; p50/p95/max
of --samples searches each, every one a different patient or staff member.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

from bench.bench_lookup import README, bench_app, ensure_database, replace_sections

CONTACTS_A_DAY = 50_000
RESIDENTS = 20_000_000
FREQUENT = 10_000  # frequent callers (patient ids 1..FREQUENT) take a tenth of the rows
STAFF = 600
ACTIONS = "ARRAY['lookup','view_case','view_patient','case_report','doctor_panel']"
LIST_EVERY, LISTED = 20, 20  # one row in 20 is a read of a list (a queue, a worklist page): 20 residents at once
TARGET = 1.0  # seconds, p95


def months_of(first: datetime, last: datetime) -> list[tuple[datetime, datetime]]:
    """The months [start, end) covering first..last, cut to them."""
    out, start = [], first
    while start < last:
        nxt = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
        out.append((start, min(nxt, last)))
        start = nxt
    return out


def load(conn: psycopg.Connection, days: int, per_contact: int) -> dict:
    """A year (`days`) of audit rows ending now; the indexes rebuilt as the migration made them. Returns figures."""
    last = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first = last - timedelta(days=days)
    per_second = CONTACTS_A_DAY * per_contact / 86400
    conn.execute(f"INSERT INTO staff_user (id, username, name, role, password_hash, active, created_at) "
                 f"SELECT g, 'staff' || g, 'Staff ' || g, CASE WHEN g <= 500 THEN 'operator' ELSE 'doctor' END, 'x', "
                 f"true, now() FROM generate_series(1, {STAFF}) g")
    indexes = [r[0] for r in conn.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = 'audit_log'::regclass AND NOT i.indisprimary ORDER BY c.relname")]
    keys = conn.execute("SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                        "WHERE conrelid = 'audit_log'::regclass AND contype IN ('p', 'f') ORDER BY contype DESC").fetchall()
    for name, _, _ in keys:
        conn.execute(f"ALTER TABLE audit_log DROP CONSTRAINT {name}")
    for definition in indexes:
        conn.execute("DROP INDEX " + definition.split(" INDEX ", 1)[1].split(" ON ", 1)[0])
    conn.execute("SELECT set_config('synchronous_commit', 'off', false)")
    started, rows, next_id = time.monotonic(), 0, 1
    for start, end in months_of(first, last):
        count = int((end - start).total_seconds() * per_second)
        name = _ensure_month(conn, start)
        # Rows in time order, as they are written; a tenth on the frequent callers.
        conn.execute(f"""
            INSERT INTO {name} (id, at, staff_id, action, patient_id, patient_ids, case_id, via, ip, detail)
            SELECT g, %(start)s + (g - %(first)s) * %(step)s * interval '1 second',
                   1 + (random() * {STAFF - 1})::int,
                   CASE WHEN mod(g, {LIST_EVERY}) = 0 THEN 'list_cases' ELSE ({ACTIONS})[1 + mod(g, 5)] END,
                   CASE WHEN mod(g, {LIST_EVERY}) = 0 THEN NULL
                        WHEN random() < 0.1 THEN 1 + (random() * {FREQUENT - 1})::int
                        ELSE 1 + (random() * {RESIDENTS - 1})::int END,
                   CASE WHEN mod(g, {LIST_EVERY}) = 0 THEN ARRAY(
                       SELECT CASE WHEN random() < 0.1 THEN 1 + (random() * {FREQUENT - 1})::int
                                   ELSE 1 + (random() * {RESIDENTS - 1})::int END
                       FROM generate_series(1, {LISTED} + 0 * g)) END,
                   (g / {per_contact})::int, 'desk', '10.1.' || mod(g, 250) || '.' || mod(g, 199), '{{}}'::json
            FROM generate_series(%(first)s, %(last)s) g""",
                     {"start": start, "first": next_id, "last": next_id + count - 1,
                      "step": (end - start).total_seconds() / count})
        conn.commit()
        rows += count
        next_id += count
    loaded = time.monotonic() - started
    conn.execute(f"SELECT setval('audit_log_id_seq', {next_id})")
    built = time.monotonic()
    conn.execute("SET maintenance_work_mem = '256MB'")
    for name, definition, kind in keys:
        if kind == "p":  # the foreign keys stay off: the rows name residents and cases that are not generated
            conn.execute(f"ALTER TABLE audit_log ADD CONSTRAINT {name} {definition}")
            conn.commit()
    for definition in indexes:  # as defined on the parent ("ON ONLY" would leave the months without them)
        conn.execute(definition.replace(" ON ONLY ", " ON "))
        conn.commit()
    conn.execute("ANALYZE audit_log")
    conn.commit()
    size = conn.execute("SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('audit_log')").fetchone()[0]
    return {"rows": rows, "load_s": loaded, "index_s": time.monotonic() - built, "bytes": int(size),
            "first": first, "last": last}


def _ensure_month(conn: psycopg.Connection, start: datetime) -> str:
    """The partition of `start`'s month, made if the migration's months do not reach back that far."""
    name = f"audit_log_{start.year:04d}_{start.month:02d}"
    month = datetime(start.year, start.month, 1, tzinfo=UTC)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    if not conn.execute("SELECT 1 FROM pg_class WHERE relname = %s", (name,)).fetchone():
        conn.execute(f"CREATE TABLE {name} PARTITION OF audit_log FOR VALUES FROM ('{month.isoformat()}') "
                     f"TO ('{end.isoformat()}')")
    return name


def measure(url: str, instance: Path, samples: int, first: datetime, last: datetime, seed: int) -> dict:
    """p50/p95/max seconds of each search, each sample a different patient or staff member."""
    from sqlalchemy import text

    from crm.platform.extensions import db
    from crm.staff.access_log import services
    from crm.staff.access_log.views import MAX_PAGE

    rng = random.Random(seed)
    app = bench_app(url, instance)
    frequent = rng.sample(range(1, FREQUENT + 1), samples)
    anyone = rng.sample(range(FREQUENT + 1, RESIDENTS), samples)
    staff = rng.sample(range(1, STAFF + 1), samples)
    year = {"day_from": (last - timedelta(days=365)).date(), "day_to": last.date()}
    timings: dict[str, list[float]] = {}
    found: dict[str, list[int]] = {}
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO patient (id, registry_id, name, dob_estimated, sex, relation, address, ward, "
            "preferred_language, allergies, chronic_conditions, current_medications, created_at, updated_at) "
            "SELECT g, 'R' || g, 'Resident ' || g, false, 'F', 'self', 'Delhi', 'Ward 1', 'hi', '[]', '[]', '[]', "
            "now(), now() FROM unnest(CAST(:ids AS integer[])) g ON CONFLICT DO NOTHING"), {"ids": frequent + anyone})
        db.session.commit()
        cases = {
            "one frequent caller (patient id), whole table": [({"patient": str(p)}, 1) for p in frequent],
            "one resident (registry id), whole table": [({"patient": f"R{p}"}, 1) for p in anyone],
            "one frequent caller, a year's dates": [({"patient": str(p), **year}, 1) for p in frequent],
            "one staff member, page 1, whole table": [({"staff": f"staff{s}"}, 1) for s in staff],
            "one staff member, page 1, a year's dates": [({"staff": f"staff{s}", **year}, 1) for s in staff],
            f"one staff member, page {MAX_PAGE} (the last allowed)": [({"staff": f"staff{s}"}, MAX_PAGE) for s in staff],
        }
        for label, queries in cases.items():
            for fields, page in queries:
                query = services.Query(**fields)
                started = time.perf_counter()
                rows, _ = services.search(query, page)
                db.session.commit()  # the search's own audit row, as the request's unit of work commits it
                timings.setdefault(label, []).append(time.perf_counter() - started)
                found.setdefault(label, []).append(len(rows))
            db.session.remove()
    return {label: (_quantiles(values), statistics.median(found[label])) for label, values in timings.items()}


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return (ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], ordered[-1])


def plans(url: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one patient's and one staff member's first page over a year's dates."""
    out = []
    with psycopg.connect(url) as conn:
        for where in ("(patient_id = 4242 OR patient_ids && ARRAY[4242])", "staff_id = 42"):
            rows = conn.execute(
                f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON) SELECT * FROM audit_log WHERE {where} "
                "AND at >= now() - interval '365 days' AND at < now() ORDER BY at DESC, id DESC LIMIT 51").fetchall()
            lines = [r[0] for r in rows]
            out.append(f"{where}: " + "; ".join(
                line.strip() for line in lines if line.strip().startswith(("Limit", "Merge Append", "Subplans",
                                                                            "Execution Time", "Planning Time"))))
    return "\n".join(out)


def main() -> None:
    """Load a year of audit rows, time the searches, print (and with --readme record) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-contact", type=int, default=3, help="audit rows a contact leaves")
    parser.add_argument("--samples", type=int, default=100, help="searches of each kind")
    parser.add_argument("--seed", type=int, default=32)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database of an earlier run")
    parser.add_argument("--readme", action="store_true", help="record the figures in bench/README.md")
    args = parser.parse_args()
    if not (1 <= args.days <= 400 and 1 <= args.per_contact <= 10 and 1 <= args.samples <= 1000):
        parser.error("bounded: days 1..400, per-contact 1..10, samples 1..1000")
    uptime_before = subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="sampark-accesslog-") as tmp:
        instance = Path(tmp) / "instance"
        url = ensure_database("sampark_bench_access_log", fresh=not args.keep)
        if not args.keep:
            from flask_migrate import upgrade

            from crm.platform.extensions import db

            app = bench_app(url, instance)
            with app.app_context():
                upgrade()
                db.session.remove()
                db.engine.dispose()
            with psycopg.connect(url) as conn:
                figures = load(conn, args.days, args.per_contact)
        else:
            with psycopg.connect(url) as conn:
                rows, size, first, last = conn.execute(
                    "SELECT count(*), (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('audit_log')),"
                    " min(at), max(at) FROM audit_log").fetchone()
            figures = {"rows": rows, "load_s": 0.0, "index_s": 0.0, "bytes": int(size), "first": first, "last": last}
        results = measure(url, instance, args.samples, figures["first"], figures["last"], args.seed)
        explained = plans(url)
    uptime_after = subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    text = report(args, figures, results, explained, uptime_before, uptime_after)
    print(text)
    if args.readme:
        README.write_text(replace_sections(README.read_text(), {
            "## Access log: a year of audit rows at 50,000 contacts a day": text}))


def report(args, figures: dict, results: dict, explained: str, before: str, after: str) -> str:
    """The README section."""
    command = ".venv/bin/python -m bench.bench_access_log " + " ".join(
        a for a in os.sys.argv[1:] if a != "--readme")
    lines = [
        "",
        f"`{command.strip()}` (bench/bench_access_log.py), {date.today()}.",
        "",
        __doc__.split("\n\n", 2)[2].strip(),
        "",
        (f"- Rows: {figures['rows']:,} audit rows ({args.days} days x {CONTACTS_A_DAY:,} contacts x {args.per_contact}), "
        f"{figures['first']:%Y-%m-%d} to {figures['last']:%Y-%m-%d}, in "
        f"{len(months_of(figures['first'], figures['last']))} monthly partitions; disk (table, indexes, TOAST): "
        f"{figures['bytes'] / 1e9:.1f} GB ({figures['bytes'] / max(figures['rows'], 1):.0f} bytes a row)."),
        (f"- Generated in {figures['load_s']:.0f} s (INSERT ... SELECT generate_series, {figures['rows'] / max(figures['load_s'], 0.001):,.0f} rows/s), "
        f"keys and indexes built in {figures['index_s']:.0f} s.") if figures["load_s"] else "- Reused the database of an earlier run.",
        "",
        f"| search ({args.samples} each, a different one each time) | rows on the page (median) | p50 ms | p95 ms | max ms | p95 <= {TARGET * 1000:.0f} ms |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, ((p50, p95, top), shown) in results.items():
        lines.append(f"| {label} | {shown:.0f} | {p50 * 1000:.1f} | {p95 * 1000:.1f} | {top * 1000:.1f} | "
                     f"{'PASS' if p95 <= TARGET else 'FAIL'} |")
    lines += ["", "The plans (EXPLAIN ANALYZE, the first page over a year's dates):", "", "```", explained, "```", "",
              f"`uptime` before: {before}", "", f"`uptime` after: {after}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

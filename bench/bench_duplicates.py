"""Likely duplicates after an import: crm.residents.duplicates.finding.after_import (set-based blocks in SQL, then
the matcher's score) on a registry of N residents, after an import of K rows of which half re-enter residents
already there under another spelling.

    .venv/bin/python -m bench.bench_duplicates                       # 50,000 residents, an import of 5,000 rows
    .venv/bin/python -m bench.bench_duplicates --residents 200000 --import-rows 5000
    .venv/bin/python -m bench.bench_duplicates --residents 20000 --one-birth-date     # everyone born 1 January 1980

A fresh PostgreSQL database of its own (sampark_bench_duplicates, dropped after). The planted duplicates keep the
birth date and address; half keep the mobile; names respelt as an enrolment desk or a second registry would
(bench.bench_matching.variant). Prints the import's own time, the duplicate step's time and their ratio, pairs
queued, and how many planted duplicates were queued.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from datetime import date
from pathlib import Path

DATABASE = "sampark_bench_duplicates"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=50000)
    parser.add_argument("--import-rows", type=int, default=5000)
    parser.add_argument("--one-birth-date", action="store_true",
                        help="everyone born 1980-01-01 (a registry writing 1 January for an unknown date)")
    args = parser.parse_args()

    from sqlalchemy import select, text

    from bench.bench_lookup import SERVER_URL, ensure_database
    from bench.bench_matching import variant
    from crm import create_app
    from crm.models import DuplicatePair, Patient
    from crm.platform.extensions import db
    from crm.residents import registry
    from crm.residents.duplicates import finding
    from crm.residents.enrollment.matching import Person
    from crm.seed.demo import registry_rows

    rng = random.Random(2026)
    database = ensure_database(DATABASE, fresh=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SAMPARK_ENV": "testing", "INSTANCE_PATH": f"{tmp}/instance",
                          "SECRET_KEY": "bench", "DATABASE_URL": database, "JOBS_EAGER": True,
                          "PUBLIC_BASE_URL": "http://bench.test", "EMULATOR_MOUNT": False})
        with app.app_context():
            db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            db.session.commit()
            db.create_all()
            people = list(registry_rows(args.residents, rng, date(2026, 11, 29)))
            if args.one_birth_date:
                people = [dict(p, dob="1980-01-01", age="") for p in people]
            first = _write(Path(tmp) / "registry.csv", people)
            started = time.perf_counter()
            registry.import_file(first, Path(tmp) / "rejects.csv")
            base_s = time.perf_counter() - started
            half = args.import_rows // 2
            planted, planted_rows = [], []
            for n, row in enumerate(rng.sample([p for p in people if p["dob"]], half)):
                again = dict(row, registry_id=f"DUP{n:08d}", household_id=f"DUPH{n:08d}",
                             name=variant(Person(row["name"]), rng).name, epic="")
                if n % 2:
                    again["mobile"] = f"9{rng.randrange(10**9):09d}"
                planted.append((row["registry_id"], again["registry_id"]))
                planted_rows.append(again)
            fresh = [dict(r, registry_id=f"NEW{n:08d}", household_id=f"NEWH{r['household_id']}")
                     for n, r in enumerate(registry_rows(args.import_rows - half, random.Random(7), date(2026, 11, 29)))]
            if args.one_birth_date:
                fresh = [dict(r, dob="1980-01-01", age="") for r in fresh]
            second = _write(Path(tmp) / "update.csv", planted_rows + fresh)
            since = finding.import_started()
            started = time.perf_counter()
            registry.import_file(second, Path(tmp) / "rejects2.csv")
            import_s = time.perf_counter() - started
            started = time.perf_counter()
            queued = finding.after_import(since)
            db.session.commit()
            step_s = time.perf_counter() - started
            ids = dict(db.session.execute(select(Patient.registry_id, Patient.id)).all())
            pairs = {(p.low_id, p.high_id) for p in db.session.scalars(select(DuplicatePair))}
            found = sum(tuple(sorted((ids[a], ids[b]))) in pairs for a, b in planted if a in ids and b in ids)
            db.session.remove()
            db.engine.dispose()
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    print(f"registry of {args.residents:,} imported in {base_s:.1f} s; an import of {args.import_rows:,} rows "
          f"({half:,} planted duplicates) in {import_s:.2f} s")
    print(f"duplicate step after it: {step_s:.2f} s ({step_s / import_s:.2f}x the import), {queued:,} pairs queued, "
          f"planted duplicates queued {found}/{len(planted)} ({100 * found / max(1, len(planted)):.1f}%)")


def _write(path: Path, rows: list[dict]) -> Path:
    from crm.residents import registry

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=registry.REQUIRED_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


if __name__ == "__main__":
    main()

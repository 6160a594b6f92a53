"""Duplicate matching at enrolment: candidates() with blocking against a full scan of the registry.

    .venv/bin/python -m bench.bench_matching                 # 20,000 residents, 200 enrolments (slow: the baseline)
    .venv/bin/python -m bench.bench_matching --residents 5000 --queries 50

A demo registry (crm.seed.demo.registry_rows, seed 2026) is imported into a fresh PostgreSQL database of its own
(sampark_bench_matching, on the server of DATABASE_URL or the tests' default; dropped after). Each
query is a resident re-entered the way an enrolment desk gets it: the name respelt with romanised-Hindi
variants (Mohammed/Mohd, Kumar/Kumaar, doubled vowels, w/v, sh/s), in half of them the date of birth with one
digit slipped, and always another mobile. (a) `crm.residents.enrollment.matching.candidates` (blocks of
crm.residents.enrollment.blocks: the name's key read nearest the date of birth, and on dates one slip of the keys
away; mobile; ward with date of birth; each block cut at its limit; then scoring); (b) baseline in the same run: every row of the
registry scored in Python (rows already in memory, so (b) is the cost of scoring alone). Recall: the original
resident is among the candidates returned (top 10, score >= THRESHOLD).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

DATABASE = "sampark_bench_matching"
RESPELL = (("Mohammed", "Mohd"), ("Kumar", "Kumaar"), ("Sunita", "Suneeta"), ("Geeta", "Gita"), ("Deepak", "Dipak"),
           ("Pooja", "Puja"), ("Rekha", "Rekhaa"), ("Vijay", "Wijay"), ("Sharma", "Sarma"), ("Yusuf", "Yousuf"),
           ("Lakshmi", "Laxmi"), ("Meera", "Mira"), ("Shabnam", "Sabnam"), ("Harpreet", "Harprit"))


def variant(person, rng: random.Random):
    """The same resident as an enrolment desk might type them."""
    name = person.name
    for a, b in RESPELL:
        name = name.replace(a, b)
    if name == person.name:  # no known variant: one vowel doubled
        i = next((k for k, ch in enumerate(name) if ch in "aeiou"), None)
        name = name if i is None else name[:i] + name[i] + name[i:]
    dob = person.dob
    if dob and rng.random() < 0.5:
        slipped = dob + timedelta(days=rng.choice([-9, -1, 1, 9]) if dob.day > 10 else rng.choice([1, 10]))
        dob = slipped if slipped.year == dob.year else dob
    return replace(person, name=name, dob=dob, mobile=f"+9197{rng.randint(10**7, 10**8 - 1)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    from bench.bench_lookup import SERVER_URL, ensure_database
    from crm import create_app
    from crm.models import Patient
    from crm.platform.extensions import db
    from crm.residents import registry
    from crm.residents.enrollment.matching import THRESHOLD, Person, candidates, score
    from crm.seed.demo import registry_rows

    rng = random.Random(2026)
    database = ensure_database(DATABASE, fresh=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SAMPARK_ENV": "testing", "INSTANCE_PATH": f"{tmp}/instance",
                          "SECRET_KEY": "bench", "DATABASE_URL": database, "JOBS_EAGER": True,
                          "PUBLIC_BASE_URL": "http://bench.test", "EMULATOR_MOUNT": False})
        with app.app_context():
            db.create_all()
            path = Path(tmp) / "registry.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=registry.REQUIRED_COLUMNS)
                writer.writeheader()
                writer.writerows(registry_rows(args.residents, rng, date(2026, 11, 29)))
            started = time.perf_counter()
            registry.import_file(path, Path(tmp) / "rejects.csv")
            load_s = time.perf_counter() - started
            rows = db.session.scalars(select_all(Patient)).all()
            people = {p.id: Person.of(p) for p in rows}
            picks = rng.sample([p for p in rows if p.dob], args.queries)
            blocked, full, found_a, found_b, returned = [], [], 0, 0, []
            for patient in picks:
                query = variant(people[patient.id], rng)
                t = time.perf_counter()
                result = candidates(query)
                blocked.append((time.perf_counter() - t) * 1000)
                returned.append(len(result))
                found_a += patient.id in {m.patient_id for m in result}
                t = time.perf_counter()
                scored = sorted(((score(query, other)[0], pid) for pid, other in people.items()), reverse=True)
                top = [pid for value, pid in scored[:10] if value >= THRESHOLD]
                full.append((time.perf_counter() - t) * 1000)
                found_b += patient.id in top
            db.session.remove()
            db.engine.dispose()
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')

    def line(label, times, found):
        times = sorted(times)
        p95 = times[int(len(times) * 0.95) - 1]
        return (f"| {label} | {statistics.median(times):.1f} | {p95:.1f} | "
                f"{found}/{args.queries} ({100 * found / args.queries:.1f}%) |")

    print(f"{len(rows)} residents imported in {load_s:.1f} s; {args.queries} enrolments; "
          f"candidates returned per query: median {statistics.median(returned):.0f}, max {max(returned)}")
    print("| path | median ms | p95 ms | original found |")
    print("|---|---:|---:|---:|")
    print(line("(a) candidates(): blocks (name key nearest the date of birth, slipped dates; mobile; ward + date of "
               "birth), then scoring", blocked, found_a))
    print(line("(b) baseline: score every row (in memory, no database)", full, found_b))


def select_all(model):
    """SELECT * FROM model."""
    from sqlalchemy import select

    return select(model)


if __name__ == "__main__":
    main()

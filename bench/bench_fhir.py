"""The FHIR API and the hospital history on the patient panel, on PostgreSQL, against a baseline in the same run.

    .venv/bin/python -m bench.bench_fhir [--no-readme]

Database `sampark_bench_fhir` (recreated each run) on DATABASE_URL's server (default
postgresql://postgres@127.0.0.1:5432/test). 2,000 residents with cards; 200 of them have a hospital's
history (one 7-resource Bundle each). Measured, each path timed alone with perf_counter:

(a) crm.residents.lookup.lookup({"card_number"}) of a resident with hospital history: the card lookup plus the
    history query and merge this branch adds to every patient view;
(b) the same lookups with the history query switched off: the lookup as it was before (baseline),
    interleaved with (a) so both run under the same load;
(c) GET /fhir/Patient?identifier=<card> through the Flask test client with a bearer token;
(d) POST /fhir of a transaction Bundle (7 resources, a new Bundle identifier each time, so every
    resource is matched by its identifier and updated);
(e) POST /fhir/auth/token with a fresh ES384 assertion.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from unittest import mock

from flask_login import login_user

from bench.bench_lookup import bench_app, ensure_database
from bench.readme import write_section
from crm.hospitals.fhir import history
from crm.models import Household, Patient
from crm.platform.extensions import db
from crm.residents.lookup import lookup

HERE = Path(__file__).resolve().parent
RESIDENTS, WITH_HISTORY, ROUNDS = 2_000, 200, 300


def _bundle(history_bundle, number: str, patient: int, bundle_id: str) -> dict:
    """The test suite's visit Bundle, its resource identifiers made the patient's own (a hospital's are unique)."""
    bundle = history_bundle(number, bundle_id=bundle_id)
    for entry in bundle["entry"][1:]:
        for ident in entry["resource"].get("identifier", []):
            ident["value"] += f"-{patient}"
    return bundle


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000


def main() -> None:
    """Load, measure, print and record."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    from crm.residents.cards import operations as cards
    from tests.fhir.hospital import Hospital, history_bundle

    url = ensure_database("sampark_bench_fhir", fresh=True)
    app = bench_app(url, HERE / "out" / "instance")
    app.config["PUBLIC_BASE_URL"] = "http://sampark.test"
    with app.app_context():
        db.create_all()
        household = Household(code="HH-BENCH")
        db.session.add(household)
        for n in range(RESIDENTS):
            db.session.add(Patient(registry_id=f"B{n:07d}", name=f"Resident {n}", sex="M", dob=date(1970, 1, 1),
                                   birth_year=1970, mobile=f"+9197{n:08d}", household=household if n < 4 else None))
        db.session.commit()
        numbers = [cards.issue(p).number for p in db.session.query(Patient).order_by(Patient.id)]
        db.session.commit()
        http = app.test_client()
        hospital = Hospital(http)
        token = hospital.token()
        for i, number in enumerate(numbers[:WITH_HISTORY]):
            assert hospital.post_bundle(_bundle(history_bundle, number, i, f"B-{i}"), token).status_code == 200
        from crm.staff.auth import passwords

        staff = passwords.create_staff("fhir-op", "operator", "correct horse battery staple", name="Desk Operator")
        db.session.commit()
        results = {}
        sample = numbers[:WITH_HISTORY]
        timings = {"a": [], "b": []}
        with app.test_request_context():
            login_user(staff)
            for i in range(ROUNDS * 2):  # interleaved, so both see the same machine load and the same caches
                label = "ab"[i % 2]
                number = sample[(i // 2) % len(sample)]
                with mock.patch.object(history, "for_patient", return_value=None) if label == "b" else nullcontext():
                    start = time.perf_counter()
                    view = lookup({"card_number": number})
                    db.session.commit()
                    timings[label].append(time.perf_counter() - start)
                assert (view["hospital"] is None) == (label == "b")
        results["a"], results["b"] = _ms(timings["a"]), _ms(timings["b"])
        times = []
        for i in range(ROUNDS):
            start = time.perf_counter()
            assert hospital.get(f"/fhir/Patient?identifier={numbers[i % len(numbers)]}", token).status_code == 200
            times.append(time.perf_counter() - start)
        results["c"] = _ms(times)
        times = []
        for i in range(ROUNDS):
            bundle = _bundle(history_bundle, numbers[i % WITH_HISTORY], i % WITH_HISTORY, f"R-{i}")
            start = time.perf_counter()
            assert hospital.post_bundle(bundle, token).status_code == 200
            times.append(time.perf_counter() - start)
        results["d"] = _ms(times)
        times = []
        for _ in range(ROUNDS // 3):
            start = time.perf_counter()
            assert hospital.ask_token().status_code == 200
            times.append(time.perf_counter() - start)
        results["e"] = _ms(times)
    names = {"a": "(a) lookup by card, with hospital history", "b": "(b) baseline: the same lookup, history off",
             "c": "(c) GET /fhir/Patient?identifier=", "d": "(d) POST /fhir transaction Bundle (7 resources, updates)",
             "e": "(e) POST /fhir/auth/token (ES384 assertion)"}
    base = results["b"][0]
    rows = "\n".join(f"| {names[k]} | {m:.2f} | {p:.2f} | {m / base:.2f}x |" for k, (m, p) in results.items())
    body = (f"## FHIR API and hospital history\n\n`.venv/bin/python -m bench.bench_fhir` (bench/bench_fhir.py), "
            f"PostgreSQL database `sampark_bench_fhir`.\n\n{RESIDENTS} residents with cards, {WITH_HISTORY} with a "
            f"hospital's 7-resource history; {ROUNDS} timings per path ({ROUNDS // 3} for tokens).\n\n"
            "| path | median ms | p95 ms | median / (b) |\n|---|---:|---:|---:|\n" + rows +
            f"\n\nMachine: {platform.machine()}, Python {platform.python_version()}, {date.today()}; shared by other "
            "helpers' test runs, so medians compare and p95 is noisy.\n")
    print(body)
    if not args.no_readme:
        write_section("## FHIR API and hospital history", body)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

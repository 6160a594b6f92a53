"""The facility finder's nearest(): distances on (id, lat, lon) rows vs loading whole facilities (the baseline).

    .venv/bin/python -m bench.bench_facility_finder

SQLite in a temporary folder; the demo's Delhi set, then 5,000 more made-up clinics around Delhi. Times are
medians of repeated calls at a weekday noon (most clinics open) and at 05:00 (all clinics closed, so the
nearest open one is searched farther out).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from crm.citizens.facilities import finder, importer, timings
from crm.models import Facility
from crm.platform.extensions import db
from tests.conftest import app_with_schema

NOON = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)  # Monday 12:00 IST
DAWN = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 05:00 IST


def baseline(place, moment, limit=5):
    """The first version: every facility loaded whole, then ranked."""
    ranked = sorted(((finder.km_between(place.lat, place.lon, f.lat, f.lon), f) for f in
                     db.session.scalars(select(Facility).where(Facility.lat.is_not(None)))), key=lambda p: p[0])
    pool = [finder._found(f, km, moment) for km, f in ranked[:finder.NEAREST_POOL]]
    pool.sort(key=lambda found: (not found.open_now, found.km))
    return pool[:limit]


def median_ms(call, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        db.session.expire_all()
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, app_with_schema(Path(folder)):
        importer.import_file(importer.DEMO_FILE)
        db.session.commit()
        place = finder.place_for("110092")
        print("| facilities | moment | baseline (whole rows) ms | nearest() ms |")
        print("|---|---|---:|---:|")
        for moment, name in ((NOON, "Mon 12:00"), (DAWN, "Mon 05:00")):
            print(f"| 78 (demo set) | {name} | {median_ms(lambda m=moment: baseline(place, m), 50):.1f} | "
                  f"{median_ms(lambda m=moment: finder.nearest(place, m), 50):.1f} |")
        rng = random.Random(1)
        week = timings.parse("Mon-Sat 08:00-14:00")
        for i in range(5000):
            db.session.add(Facility(code=f"B{i}", name=f"Bench clinic {i}", kind="mohalla_clinic", district="X",
                                    lat=28.4 + rng.random() * 0.5, lon=76.9 + rng.random() * 0.5, timings=week,
                                    services=["general_opd", "medicines"]))
        db.session.commit()
        for moment, name in ((NOON, "Mon 12:00"), (DAWN, "Mon 05:00")):
            print(f"| 5,078 | {name} | {median_ms(lambda m=moment: baseline(place, m), 5):.1f} | "
                  f"{median_ms(lambda m=moment: finder.nearest(place, m), 20):.1f} |")


if __name__ == "__main__":
    main()

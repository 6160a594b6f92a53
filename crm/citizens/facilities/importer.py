"""Loading facilities from a CSV file (the demo's Delhi set, or the health department's list).

Header: code,name,name_hi,kind,district,ward,pincode,lat,lon,address,phone,services,timings
(services separated by "|", timings as crm.citizens.facilities.timings reads them). A row is matched by its
code and updated, so an import can be run again; rows that cannot be read are listed, not loaded.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from crm.citizens.facilities import timings
from crm.models import Facility
from crm.models.facility import FACILITY_KINDS
from crm.platform.extensions import db

DEMO_FILE = Path(__file__).with_name("delhi_facilities.csv")
REQUIRED = ("code", "name", "kind", "district", "lat", "lon")


@dataclass
class Imported:
    """What an import did."""

    created: int = 0
    updated: int = 0
    rejected: list[str] = field(default_factory=list)  # "line N: why"


def _row(row: dict) -> dict:
    missing = [key for key in REQUIRED if not (row.get(key) or "").strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    kind = row["kind"].strip()
    if kind not in FACILITY_KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(FACILITY_KINDS)}")
    lat, lon = float(row["lat"]), float(row["lon"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("lat/lon out of range")
    pincode = (row.get("pincode") or "").strip() or None
    if pincode and not (pincode.isdigit() and len(pincode) == 6):
        raise ValueError(f"pincode {pincode!r} is not 6 digits")
    try:
        week = timings.parse(row.get("timings") or "")
    except timings.TimingsError as exc:
        raise ValueError(f"timings: {exc}") from exc
    return {
        "name": row["name"].strip()[:200], "name_hi": (row.get("name_hi") or "").strip()[:200] or None, "kind": kind,
        "district": row["district"].strip()[:60], "ward": (row.get("ward") or "").strip()[:80] or None,
        "pincode": pincode, "lat": lat, "lon": lon, "address": (row.get("address") or "").strip()[:300],
        "phone": (row.get("phone") or "").strip()[:20] or None,
        "services": [s.strip() for s in (row.get("services") or "").split("|") if s.strip()], "timings": week,
    }


def import_file(path: Path) -> Imported:
    """Create or update the facilities in `path` (flushed; the caller commits)."""
    result = Imported()
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            code = (row.get("code") or "").strip()[:20]
            try:
                values = _row(row)
            except ValueError as exc:
                result.rejected.append(f"line {line} ({code or 'no code'}): {exc}")
                continue
            facility = db.session.scalar(select(Facility).where(Facility.code == code))
            if facility is None:
                db.session.add(Facility(code=code, **values))
                result.created += 1
            else:
                for key, value in values.items():
                    setattr(facility, key, value)
                result.updated += 1
    db.session.flush()
    return result

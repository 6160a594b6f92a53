"""The nearest facilities to a ward or pincode, those open now first.

Distance is the great-circle distance from the place's centroid (crm.citizens.facilities.areas). Among the
nearest handful, the ones open at that moment (Delhi time) come first, then by distance: a citizen
is better served by an open clinic 2 km away than a closed one round the corner, but not by an open
one across the city. When all the nearest are closed (at night), the nearest open one within 15 km
(usually a hospital's emergency) is put first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from crm.citizens.facilities import areas, timings
from crm.citizens.facilities.areas import Place
from crm.models import Facility
from crm.platform.extensions import db

NEAREST_POOL = 8  # how many of the nearest are considered before "open now" reorders them
MAX_RESULTS = 10
OPEN_REACH_KM = 15.0  # how far to look for an open one when all the nearest are closed
CLINIC_KINDS = ("mohalla_clinic", "polyclinic", "dispensary")
KIND_CHOICES = {"any": None, "clinic": CLINIC_KINDS, "hospital": ("hospital",)}


@dataclass(frozen=True)
class Found:
    """One facility in the answer: how far, and whether it is open at the moment asked."""

    facility: Facility
    km: float
    open_now: bool
    closes_at: str | None
    opens: timings.Opening | None  # when closed


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine; the Earth's mean radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def place_for(text: str) -> Place | None:
    """The place `text` names: a 6-digit pincode (from the areas file, else where its facilities are) or a ward."""
    text = (text or "").strip()
    if text.isdigit() and len(text) == 6:
        known = areas.pincodes().get(text)
        if known is not None:
            return known
        lat, lon = db.session.execute(select(func.avg(Facility.lat), func.avg(Facility.lon))
                                      .where(Facility.pincode == text, Facility.lat.is_not(None))).one()
        return Place("pincode", text, text, text, lat, lon) if lat is not None else None
    return areas.ward_named(text)


# Where a citizen's own position may be: Delhi and the towns at its borders (a phone elsewhere gets "type a place").
DELHI_BOUNDS = ((28.30, 29.00), (76.70, 77.50))
POSITION_DECIMALS = 3  # about 100 m: enough to sort clinics, and no more of where someone stands than that


def place_at(text: str) -> Place | None:
    """The citizen's position from "lat,lon" (their browser's geolocation), rounded; None if unreadable or not in
    or around Delhi."""
    try:
        lat, lon = (round(float(part), POSITION_DECIMALS) for part in (text or "").split(",", 1))
    except ValueError:
        return None
    (south, north), (west, east) = DELHI_BOUNDS
    if not (south <= lat <= north and west <= lon <= east):
        return None
    code = f"{lat:.{POSITION_DECIMALS}f},{lon:.{POSITION_DECIMALS}f}"
    return Place("here", code, code, code, lat, lon)


def nearest(place: Place, moment: datetime, limit: int = 5, kinds: tuple[str, ...] | None = None) -> list[Found]:
    """The `limit` nearest facilities (of `kinds`) to `place`, open ones first.

    Distances are computed on (id, lat, lon) rows only; whole facilities are loaded for the few shown, so a
    city-sized list (thousands) answers within a webhook's budget.
    """
    limit = max(1, min(limit, MAX_RESULTS))
    query = select(Facility.id, Facility.lat, Facility.lon, Facility.code).where(
        Facility.lat.is_not(None), Facility.lon.is_not(None))
    if kinds:
        query = query.where(Facility.kind.in_(kinds))
    ranked = sorted((km_between(place.lat, place.lon, lat, lon), code, fid) for fid, lat, lon, code in
                    db.session.execute(query))
    size = max(NEAREST_POOL, limit)
    loaded = _load([fid for _km, _code, fid in ranked[:size]])
    pool = [_found(loaded[fid], km, moment) for km, _code, fid in ranked[:size]]
    if not any(found.open_now for found in pool):
        # At night everything near may be closed: the nearest open one (a hospital's emergency) leads, if not too far.
        nearest_open = _nearest_open([(km, fid) for km, _code, fid in ranked[size:] if km <= OPEN_REACH_KM], moment)
        if nearest_open is not None:
            pool.append(nearest_open)
    pool.sort(key=lambda found: (not found.open_now, found.km))
    return pool[:limit]


def _load(ids: list[int]) -> dict[int, Facility]:
    return {f.id: f for f in db.session.scalars(select(Facility).where(Facility.id.in_(ids)))} if ids else {}


def _nearest_open(candidates: list[tuple[float, int]], moment: datetime, chunk: int = 50) -> Found | None:
    """The first open one of `candidates` (nearest first), reading opening hours a chunk at a time."""
    for start in range(0, len(candidates), chunk):
        part = candidates[start:start + chunk]
        hours = dict(db.session.execute(select(Facility.id, Facility.timings).where(
            Facility.id.in_([fid for _km, fid in part]))).all())
        for km, fid in part:
            if timings.is_open(hours.get(fid) or {}, moment):
                return _found(db.session.get(Facility, fid), km, moment)
    return None


def _found(facility: Facility, km: float, moment: datetime) -> Found:
    week = facility.timings or {}
    open_now = timings.is_open(week, moment)
    return Found(facility, round(km, 1), open_now, timings.closes_at(week, moment) if open_now else None,
                 None if open_now else timings.next_opening(week, moment))

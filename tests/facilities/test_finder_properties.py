"""Whatever the facilities and the hour: open ones first, each group nearest first, never more than asked."""

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from crm.citizens.facilities import finder
from crm.citizens.facilities.areas import Place
from crm.models import Facility
from crm.platform.extensions import db

HOURS = st.sampled_from(["Mon-Sat 08:00-14:00", "Mon-Sat 14:00-20:00", "Daily 00:00-24:00", "Sun 09:00-13:00", ""])
FACILITY = st.tuples(st.floats(28.45, 28.85), st.floats(76.95, 77.35), HOURS)
CENTRE = Place("pincode", "110092", "110092", "110092", 28.63, 77.28)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(FACILITY, min_size=1, max_size=20), st.datetimes(min_value=datetime(2026, 1, 1),
                                                                  max_value=datetime(2027, 1, 1)),
       st.integers(1, 10))
def test_open_first_then_nearest_and_nothing_nearer_left_out(app, rows, moment, limit):
    from crm.citizens.facilities import timings

    db.session.execute(delete(Facility))
    for number, (lat, lon, hours) in enumerate(rows):
        db.session.add(Facility(code=f"P{number}", name=f"F{number}", kind="mohalla_clinic", district="X", lat=lat,
                                lon=lon, timings=timings.parse(hours)))
    db.session.flush()
    moment = moment.replace(tzinfo=UTC)
    found = finder.nearest(CENTRE, moment, limit)
    assert len(found) == min(limit, len(rows))
    keys = [(not f.open_now, f.km) for f in found]
    assert keys == sorted(keys)
    # Only the nearest handful are shown, and at most one open one from farther (when all of those are closed).
    shown = {f.facility.code for f in found}
    pool = sorted(finder.km_between(CENTRE.lat, CENTRE.lon, lat, lon) for lat, lon, _ in rows)
    nearest_km = round(pool[min(len(pool), max(finder.NEAREST_POOL, limit)) - 1], 1)
    farther = [f for f in found if f.km > nearest_km]
    assert len(farther) <= 1 and all(f.open_now and f.km <= finder.OPEN_REACH_KM + 0.05 for f in farther)
    if farther:
        assert found[0] is farther[0] and not any(f.open_now for f in found[1:])
    assert len(shown) == len(found)
    db.session.rollback()

"""'Use my location' on the finder: the browser's position (sent only to our own /facilities, rounded to ~100 m)
lists the nearest facilities to where the citizen stands; a position outside Delhi or an unreadable one says to
type a place; a typed place wins; the page works without it (the button is hidden until a script finds
geolocation)."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from crm.citizens.facilities import finder
from crm.models import Facility
from crm.platform.extensions import db

MONDAY_10_IST = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)
WEEKDAYS = {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
PLACES = {  # code -> (lat, lon): three clinics along a line east of Seelampur
    "MC-A": (28.6700, 77.2700), "MC-B": (28.6700, 77.2900), "MC-C": (28.6700, 77.3100)}


@pytest.fixture
def clinics(app):
    for code, (lat, lon) in PLACES.items():
        db.session.add(Facility(code=code, name=f"Mohalla Clinic {code[-1]}", kind="mohalla_clinic", district="East",
                                ward="Seelampur", pincode="110053", lat=lat, lon=lon, timings=WEEKDAYS))
    db.session.commit()


def _codes(page: str) -> list[str]:
    return [name[-1] for name in re.findall(r"<h3>([^<]*)</h3>", page)]


@pytest.mark.parametrize(("near", "order"), [("28.6701,77.3098", "CBA"), ("28.67,77.2890", "BAC"),
                                              ("28.67,77.2702", "ABC")])
def test_the_nearest_to_where_the_citizen_stands_come_first(client, clinics, near, order):
    with time_machine.travel(MONDAY_10_IST, tick=False):
        page = client.get(f"/facilities?near={near}&lang=en").get_data(as_text=True)
    assert "Near you" in page and "".join(_codes(page)) == order
    assert 'name="near" value="' in page  # a change of kind keeps the position


@pytest.mark.parametrize("near", ["12.97,77.59", "nan,nan", "28.6", "north", "1e400,77.2"])
def test_a_position_outside_delhi_or_unreadable_asks_for_a_place(client, clinics, near):
    page = client.get(f"/facilities?near={near}&lang=en").get_data(as_text=True)
    assert "outside Delhi" in page and "<h3>" not in page


def test_a_typed_place_wins_and_the_page_needs_no_script_for_it(client, clinics):
    page = client.get("/facilities?near=28.67,77.31&q=Seelampur&lang=en").get_data(as_text=True)
    assert "Near Seelampur" in page and "Near you" not in page
    assert '<button type="button" id="locate" class="locate" hidden' in page  # shown only by the script
    assert "/static/js/facilities.js" in page


def test_the_position_is_rounded_to_about_a_hundred_metres():
    place = finder.place_at("28.6701234,77.3098765")
    assert (place.lat, place.lon, place.code, place.kind) == (28.67, 77.31, "28.670,77.310", "here")

"""A card request says when the new card should come (CARD_REQUEST_DAYS) and how it comes: to the door when the
resident's ward has a field verifier (the card is on their worklist), else at the ward's card office."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from crm.models.base import local, utcnow
from crm.platform.extensions import db
from crm.residents.card_office import requests as card_requests
from crm.residents.field import worklist
from tests import factories
from tests.conftest import app_with_schema
from tests.portal.conftest import sign_in


@pytest.fixture
def app(tmp_path):
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False, CARD_REQUEST_DAYS=12) as app:
        yield app


def _walked(ward: str) -> None:
    worklist.assign(ward, factories.make_staff("field_verifier").id, factories.make_staff("registrar"))
    db.session.commit()


def test_the_request_page_says_how_long_and_that_the_office_has_it_when_nobody_walks_the_ward(app, family):
    for person in (family["mother"], family["son"]):
        person.ward = "Seelampur"
    db.session.commit()
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    words = {"en": ("within 12 days", "card office for Seelampur"), "hi": ("12 दिनों के भीतर", "Seelampur के कार्ड कार्यालय")}
    for lang, expected in words.items():
        citizen.get(f"/portal/lang/{lang}?next=/portal/")
        page = citizen.get(f"/portal/cards/{family['cards']['Aman Kumar'].number}/request").get_data(as_text=True)
        assert all(w in page for w in expected), page


def test_a_walked_ward_gets_its_card_at_home_and_the_request_shows_the_date(app, family):
    family["son"].ward = "Seelampur"
    db.session.commit()
    _walked("Seelampur")
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    citizen.get("/portal/lang/en?next=/portal/")
    number = family["cards"]["Aman Kumar"].number
    assert "field verifier brings the new card to your home in Seelampur" in citizen.get(
        f"/portal/cards/{number}/request").get_data(as_text=True)
    assert citizen.post(f"/portal/cards/{number}/request", data={"kind": "duplicate", "why": "lost"}).status_code == 302
    due = (local(utcnow()) + timedelta(days=12)).strftime("%d/%m/%Y")
    home = citizen.get("/portal/").get_data(as_text=True)
    assert f"Expected by {due}." in home and "to your home in Seelampur" in home


def test_the_date_is_the_delhi_day_and_ends_with_delivery(app, family):
    with time_machine.travel("2026-12-07 20:00:00+00:00", tick=False):  # 01:30 on the 8th in Delhi
        request = card_requests.submit(family["son"], "duplicate", "lost", "+919810011111")
    assert card_requests.expected_by(request).isoformat() == "2026-12-20"
    request.status = "delivered"
    assert card_requests.expected_by(request) is None

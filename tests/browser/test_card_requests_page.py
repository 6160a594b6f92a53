"""The card office's worklist in Chromium: a resident asking to join a household is approved once verified, and
another adult's card is reissued only after the holder's agreement is ticked."""

from __future__ import annotations

from datetime import date

import pytest

from crm.models import HealthCard, HouseholdJoin
from crm.platform.extensions import db
from crm.residents.card_office import requests as card_requests
from crm.residents.enrollment import joins
from tests import factories
from tests.browser.floor_desk import log_in, make_staff
from tests.conftest import ARTIFACTS
from tests.live import served

pytestmark = pytest.mark.browser


@pytest.fixture
def office(tmp_path):
    with served(tmp_path, WTF_CSRF_ENABLED=True, JOBS_HOLD=True, JOBS_EAGER=False) as (app, base):
        yield app, base


def seed(app) -> dict:
    with app.app_context():
        home = factories.make_household(code="HH-EAST-0042", address="House 12, Gali 4, Seelampur")
        mother = factories.make_patient(home, name="Sunita Devi", sex="F", mobile="+919810011111")
        year = date.today().year - 10
        factories.make_patient(home, name="Aman Kumar", sex="M", dob=date(year, 1, 1), birth_year=year,
                               mobile="+919810011111", relation="son")
        husband = factories.make_patient(home, name="Rakesh Kumar", sex="M", mobile="+919810022222",
                                         relation="husband")
        card = factories.make_card(husband)
        factories.make_card(mother)
        enroller = factories.make_staff("registrar", name="Camp registrar")
        newcomer = factories.make_patient(name="Vikram Singh", sex="M", mobile="+919899988877")
        newcomer.household = None  # enrolled alone, asking to join
        join = joins.ask(newcomer, home, enroller, "GTB Hospital camp")
        asked = card_requests.submit(husband, "duplicate", "lost", "+919810011111", "hi", for_another_adult=True)
        db.session.commit()
        return {"join": join.id, "request": asked.id, "card": card.number}


def test_the_card_office_verifies_a_household_join_and_another_adults_reissue(browser, office):
    app, base = office
    seeded = seed(app)
    registrar, _ = make_staff(app, "registrar", "Sunil Yadav")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-IN")
    page = context.new_page()
    complaints = []
    page.on("console", lambda m: complaints.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: complaints.append(str(exc)))
    log_in(page, base, registrar, "/card-office/")
    page.goto(f"{base}/card-office/requests")
    join, asked = page.locator(f"#j{seeded['join']}"), page.locator(f"#r{seeded['request']}")
    assert "Sunita Devi" in join.inner_text() and "Rakesh Kumar" in join.inner_text()  # whom to call
    assert "Asked by another adult" in asked.inner_text()
    page.screenshot(path=str(ARTIFACTS / "card_requests_to_verify_1440x900.png"), full_page=True)

    asked.locator("button:has-text('Reissue')").click()  # not ticked: the browser keeps the form
    assert page.evaluate("document.querySelector('input[name=holder_confirmed]').validity.valueMissing")
    with app.app_context():
        assert db.session.query(HealthCard.status).filter_by(number=seeded["card"]).scalar() == "issued"
    asked.locator("input[name=holder_confirmed]").check()
    asked.locator("button:has-text('Reissue')").click()
    page.wait_for_selector(f"#r{seeded['request']}[data-status=reissued]")
    assert "agreement confirmed by Sunil Yadav" in asked.inner_text()

    page.locator(f"#j{seeded['join']} input[name=note]").first.fill("Called Sunita Devi: he is her brother")
    page.locator(f"#j{seeded['join']} button:has-text('Verified')").click()
    page.wait_for_selector(f"#j{seeded['join']}[data-status=approved]")
    assert "by Sunil Yadav" in join.locator("[data-decided-by]").inner_text()
    with app.app_context():
        assert db.session.get(HouseholdJoin, seeded["join"]).patient.household.code == "HH-EAST-0042"
    page.screenshot(path=str(ARTIFACTS / "card_requests_decided_1440x900.png"), full_page=True)
    assert complaints == []
    context.close()

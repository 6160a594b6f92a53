"""The field worklist of a real day (422 people) on a 360 px phone, offline after a reload: a search by name, card
or house and filters by street and status narrow it at once, from the copy on the phone."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from crm.residents.field import worklist
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.floor_desk import log_in
from tests.browser.test_field_offline import PHONE, mark

pytestmark = pytest.mark.browser
PEOPLE = 422


def seed(app) -> tuple[str, dict]:
    """A verifier with Seelampur: 422 residents in homes on 12 galis, carded in one batch; every seventh verified."""
    from datetime import date

    from sqlalchemy import select

    from crm.models import HealthCard, Household, Patient

    rng = random.Random(31)
    with app.test_request_context():
        verifier = factories.make_staff("field_verifier", name="Rukhsana Begum")
        office = factories.make_staff("registrar")
        people, homes = [], 0
        while len(people) < PEOPLE:
            homes += 1
            home = Household(code=f"HH-SLP-{homes:04d}", ward="Seelampur",
                             address=f"House {rng.randint(1, 400)}, Gali {rng.randint(1, 12)}, Seelampur, Delhi")
            for _ in range(min(rng.randint(2, 6), PEOPLE - len(people))):
                n = len(people)
                name = "Farida Khatoon" if n == 200 else f"{rng.choice(['Ramesh', 'Sunita', 'Imran', 'Shabnam'])} {n}"
                people.append(Patient(household=home, registry_id=f"DL{n + 1:08d}", name=name, sex="F",
                                      dob=date(1980, 5, 17), birth_year=1980, relation="self", ward="Seelampur",
                                      address=home.address, allergies=[], chronic_conditions=[], current_medications=[]))
        db.session.add_all(people)
        db.session.commit()
        cards.issue_missing()
        numbers = list(db.session.scalars(select(HealthCard.number).order_by(HealthCard.patient_id)))
        for number in numbers[::7]:
            cards.record_verification(number, office, "door")
        worklist.assign("Seelampur", verifier.id, office)
        db.session.commit()
        facts = {"numbers": numbers, "verified": len(numbers[::7]),
                 "gali_7": sum(1 for p in people if ", Gali 7," in p.address)}
        username = verifier.username
        db.session.remove()
    return username, facts


def test_the_worklist_is_searched_and_filtered_offline(browser, live_app, live_server):
    username, facts = seed(live_app)
    context = browser.new_context(viewport=PHONE, locale="en-IN", device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    shown = page.locator("button.member:visible")
    try:
        log_in(page, live_server, username, "/field/")
        page.locator("button.member").first.wait_for()
        page.evaluate("""() => navigator.serviceWorker.controller || new Promise((taken) =>
            navigator.serviceWorker.addEventListener('controllerchange', taken, { once: true }))""")
        page.reload()  # the service worker now holds the page and the worklist
        page.locator("button.member").first.wait_for()
        context.set_offline(True)
        page.reload()
        expect(page.locator("#worklist-note")).to_contain_text("offline")
        assert page.locator("button.member").count() == PEOPLE

        page.fill("#filter-text", "farida")  # a name, any case
        expect(shown).to_have_count(1)
        expect(page.locator("#filter-count")).to_have_text(f"1 of {PEOPLE} shown")
        page.fill("#filter-text", facts["numbers"][10][-6:])  # the end of a card number
        expect(shown).to_have_count(1)
        page.fill("#filter-text", "")
        page.select_option("#filter-street", "Gali 7")
        expect(shown).to_have_count(facts["gali_7"])
        assert set(page.locator(".home:visible .home-head").all_inner_texts()) <= {
            t for t in page.locator(".home-head").all_inner_texts() if ", Gali 7," in t}
        page.select_option("#filter-street", "")
        page.select_option("#filter-status", "verified")
        expect(shown).to_have_count(facts["verified"])
        page.screenshot(path=str(ARTIFACTS / "field_worklist_filter_to_deliver_360.png"))

        page.select_option("#filter-status", "")
        mark(page, facts["numbers"][3], "met at the door")  # still offline: kept on the phone
        page.select_option("#filter-status", "marked")
        expect(shown).to_have_count(1)
        page.select_option("#filter-status", "unmarked")
        expect(shown).to_have_count(PEOPLE - 1)
        page.select_option("#filter-status", "")
        page.fill("#filter-text", "Gali 7")  # a street typed finds its homes too
        expect(shown).to_have_count(facts["gali_7"])
        page.screenshot(path=str(ARTIFACTS / "field_worklist_search_offline_360.png"), full_page=False)
    finally:
        context.close()

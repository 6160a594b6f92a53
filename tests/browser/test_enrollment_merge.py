"""Enrollment in a real Chromium: the registrar enrols a resident the registry already has under another
spelling, sees the likely duplicate; the card office finds the pair on its worklist, compares the two records side
by side, merges them only after confirming with a reason, and undoes the merge; the field progress page at desk
sizes."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.models import Case, HealthCard, Patient
from crm.platform.extensions import db
from crm.residents.field import worklist
from tests import factories
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def seed(app) -> tuple[str, int, str]:
    """A registrar; Mohammad Imran in the registry with a card and a case; returns (username, id, card)."""
    with app.test_request_context():
        registrar = factories.make_staff("registrar", name="Vikas Yadav")
        card = factories.make_card(name="Mohammad Imran", name_hi="मोहम्मद इमरान", dob=date(1980, 5, 17),
                                   birth_year=1980, ward="Seelampur", mobile="+919811111111")
        db.session.add(Case(channel="sms", patient_id=card.patient_id))
        verifier = factories.make_staff("field_verifier", name="Rukhsana Begum")
        worklist.assign("Seelampur", verifier.id, registrar)
        db.session.commit()
        seeded = registrar.username, card.patient_id, card.number
        db.session.remove()
    return seeded


def test_duplicate_found_merged_and_undone(browser, live_app, live_server):
    username, kept_id, kept_card = seed(live_app)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-IN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", factories.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.click("nav.topnav >> text=Card office")
        page.click("text=Enrol a resident missing from the registry")
        page.fill("#name", "Mohd Imran")
        page.select_option("#sex", "M")
        page.fill("#dob", "1980-05-11")
        page.fill("#mobile", "9822222222")
        page.fill("#address", "B-14, Gali 4, Seelampur")
        page.fill("#ward", "Seelampur")
        page.fill("#place", "GTB Hospital enrolment desk")
        page.click("button.primary")
        expect(page.locator("#likely-duplicates")).to_contain_text("Mohammad Imran")
        expect(page.locator("#likely-duplicates")).to_contain_text("date of birth one digit apart")
        page.screenshot(path=str(ARTIFACTS / "enrollment_likely_duplicate_1440.png"), full_page=True)
        # The registrar is not sure at the desk: enrol, and reconcile after the field visit.
        page.check("input[name=confirm_new]")
        page.click("button.primary")
        page.wait_for_url("**/cards/*")
        with live_app.app_context():
            new = db.session.scalar(select(Patient).where(Patient.name == "Mohd Imran"))
            new_id, new_card = new.id, new.current_card.number
            db.session.remove()

        # The enrolment queued the pair: the card office reviews it side by side and decides.
        page.click("nav.topnav >> text=Card office")
        expect(page.locator("[data-figure=queued]")).to_have_text("1")
        page.click("#duplicates >> text=Review them")
        expect(page.locator("#pairs")).to_contain_text("Mohd Imran")
        page.click("#pairs >> text=Compare")
        expect(page.locator(f"#side-1[data-patient='{kept_id}'] input[name=survivor_id]")).to_be_checked()
        expect(page.locator("#side-1")).to_contain_text(f"{kept_card[:4]} {kept_card[4:8]} {kept_card[8:]}")
        expect(page.locator("#side-1")).to_contain_text("SMP-")  # his case, on the record that has it
        page.screenshot(path=str(ARTIFACTS / "duplicates_pair_1440.png"), full_page=True)
        page.fill("#reason", "Same man: date of birth typo at the camp, voter id checked")
        page.click("#merge-button")  # not yet: the confirmation box is unticked, the browser asks for it
        expect(page.locator("#pair-state")).to_have_text("to review")
        page.check("#confirm")
        page.click("#merge-button")
        expect(page.locator("#pair-state")).to_have_text("merged")
        expect(page.locator("#decision")).to_contain_text("Vikas Yadav")
        with live_app.app_context():
            statuses = dict(db.session.execute(select(HealthCard.number, HealthCard.status)).all())
            assert statuses == {kept_card: "issued", new_card: "superseded"}
            assert db.session.get(Patient, new_id).merged_into_id == kept_id
            db.session.remove()

        page.fill("#undo-reason", "The family says these are two cousins")
        page.click("#undo-button")
        expect(page.locator("#pair-state")).to_have_text("to review")
        with live_app.app_context():
            statuses = dict(db.session.execute(select(HealthCard.number, HealthCard.status)).all())
            assert statuses == {kept_card: "issued", new_card: "issued"}
            assert db.session.get(Patient, new_id).merged_into_id is None
            db.session.remove()

        page.click("nav.topnav >> text=Card office")
        page.click("text=Door-to-door verification by ward")
        expect(page.locator("table.progress")).to_contain_text("Rukhsana Begum")
        page.screenshot(path=str(ARTIFACTS / "field_progress_1440.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 720})
        page.screenshot(path=str(ARTIFACTS / "field_progress_1280.png"), full_page=True)
    finally:
        context.close()

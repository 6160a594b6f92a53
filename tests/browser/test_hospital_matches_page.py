"""A hospital's Bundle that only demographics fit, in a real Chromium: the card office sees it held with the
evidence, confirms the right resident, and a doctor then reads the records on that resident's panel with the
doctor who signed them. The Bundle is the National Health Authority's mock-HIP example (tests/fhir/examples/abdm)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from crm.platform.extensions import db
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_hospital_history_screen_pop import OverHttp
from tests.fhir.hospital import Hospital

pytestmark = pytest.mark.browser
NHA = Path(__file__).parents[1] / "fhir" / "examples" / "abdm" / "nha-mock-hip" / "example_bundle_1.json"


def seed(app, base: str) -> tuple[str, str, int, int]:
    """(registrar, doctor, the right ABC's id, the other ABC's id); the lab's Bundle posted and held."""
    with app.app_context():
        registrar = factories.make_staff("registrar", name="Vikas Yadav").username
        doctor = factories.make_staff("doctor", name="Dr. Sunita Rao").username
        right = factories.make_card(name="ABC", sex="M", dob=date(1981, 1, 12), ward="Seelampur").patient_id
        other = factories.make_card(name="ABC", sex="M", dob=date(1981, 1, 12), ward="Mustafabad").patient_id
        lab = Hospital(OverHttp(base), name="XYZ Lab HIS", scopes="system/*.read system/*.write")
        db.session.remove()
    with app.app_context():
        sent = lab.http.post("/fhir/Bundle", data=NHA.read_text(), headers={
            "Authorization": f"Bearer {lab.token()}", "Content-Type": "application/fhir+json"})
        assert sent.status_code == 202, sent.text
        assert json.loads(sent.text)["issue"][0]["severity"] == "information"
    return registrar, doctor, right, other


def sign_in(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-IN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_the_card_office_confirms_a_held_bundle_and_the_doctor_sees_it_on_the_panel(browser, live_app, live_server):
    registrar, doctor, right, other = seed(live_app, live_server)
    page = sign_in(browser, live_server, registrar)
    page.click("nav.topnav >> text=Hospital records")
    held = page.locator(".held-bundle")
    expect(held).to_contain_text("XYZ Lab HIS")
    expect(held).to_contain_text("born 1981-01-12")
    expect(held.locator("tr[data-candidate]")).to_have_count(2)  # both residents called ABC, born that day
    expect(held.locator(f"tr[data-candidate='{other}']")).to_contain_text("Mustafabad")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hospital_matches_held_1366.png"), full_page=True)
    held.locator(f"tr[data-candidate='{right}'] button").click()
    expect(page.locator(".flash")).to_contain_text("Filed: 10 entries from XYZ Lab HIS")
    expect(page.locator("main")).to_contain_text("Nothing is waiting")
    page.screenshot(path=str(ARTIFACTS / "hospital_matches_confirmed_1366.png"), full_page=True)

    panel = sign_in(browser, live_server, doctor)
    panel.goto(f"{live_server}/patients/{right}")
    history = panel.locator(".hospital-history")
    expect(history).to_contain_text("XYZ Lab HIS")
    expect(history).to_contain_text("by Dr. DEF")  # who stands behind the report, from the Bundle
    history.scroll_into_view_if_needed()
    panel.screenshot(path=str(ARTIFACTS / "hospital_matches_on_the_panel_1366.png"), full_page=False)
    panel.goto(f"{live_server}/patients/{other}")
    expect(panel.locator("main")).not_to_contain_text("XYZ Lab HIS")  # the other ABC got nothing

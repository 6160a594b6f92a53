"""A hospital's Bundle reaches the operator: a citizen whose hospital sent history texts in, and the screen-pop
shows the dated history with the hospital's name and the medicine the sources disagree about. Real Chromium."""

from __future__ import annotations

import json

import pytest
import requests

from crm.platform.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.browser.operator_desk import desk_fixture, held_jobs_live_app, log_in, make_operator, text_in  # noqa: F401
from tests.factories import make_card, make_patient
from tests.fhir.hospital import Hospital, history_bundle

pytestmark = pytest.mark.browser
CITIZEN = "+919810005555"


class OverHttp:
    """The hospital's HTTP client, talking to the live server over a socket."""

    def __init__(self, base: str) -> None:
        self.base = base

    def post(self, path, data=None, headers=None):
        response = requests.post(self.base + path, data=data, headers=headers, timeout=10)
        response.get_json = response.json
        return response

    def get(self, path, headers=None, **kwargs):
        response = requests.get(self.base + path, headers=headers, timeout=10)
        response.get_json = response.json
        return response


def test_a_hospital_bundle_shows_on_the_screen_pop(live_server, live_app, desk):
    with live_app.app_context():
        patient = make_patient(name="Kamla Devi", name_hi="कमला देवी", sex="F", mobile=CITIZEN,
                               allergies=["Sulfa drugs"], current_medications=["Metformin 500mg", "Amlodipine 5mg"])
        card = make_card(patient)
        hospital = Hospital(OverHttp(live_server), name="GTB Hospital")
        number = card.number
        db.session.remove()
    with live_app.app_context():
        sent = hospital.post_bundle(history_bundle(number, medication_status="stopped"))
        assert sent.status_code == 200, sent.text
        assert json.loads(sent.text)["type"] == "transaction-response"

    page = desk("operator", 1280, 720)
    log_in(page, live_server, make_operator(live_app, "Neha Verma"))
    text_in(live_server, "mujhe apni dawai ke baare me jaankari chahiye", sender=CITIZEN)
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    pop = page.locator("#screen-pop")
    page.wait_for_selector("#screen-pop .hospital-history")
    history = pop.locator(".hospital-history").inner_text()
    assert "GTB Hospital" in history and "20 Nov 2026" in history
    assert "Blood pressure: 150/95 mmHg" in history and "Blood sugar (random): 212 mg/dL" in history
    allergies = pop.locator("[data-merged=allergies]").inner_text()
    assert "Sulfa drugs" in allergies and "Penicillin" in allergies  # the helpline's and the hospital's
    medicines = pop.locator("[data-merged=medications]").inner_text()
    assert "Sources disagree" in medicines and "stopped" in medicines and "Amlodipine" in medicines
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hospital_history_screen_pop_1280.png"), full_page=False)
    pop.locator("[data-merged=medications]").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "hospital_history_screen_pop_1280_medicines.png"), full_page=False)
    pop.locator(".hospital-history").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "hospital_history_screen_pop_1280_history.png"), full_page=False)

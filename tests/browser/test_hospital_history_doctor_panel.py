"""The doctor's case panel shows what a hospital sent: an emergency text from a resident whose hospital posted a
Bundle; the doctor accepts it and reads the dated history and the medicine the sources disagree about."""

from __future__ import annotations

import pytest

from crm.platform.extensions import db
from telephony.emulator.driver import Phone
from tests.browser.conftest import ARTIFACTS
from tests.browser.tier2_desk import doctor_page, make_doctor
from tests.factories import make_card, make_patient
from tests.fhir.hospital import Hospital, history_bundle
from tests.live import served

pytestmark = pytest.mark.browser
CITIZEN = "+919811118888"


def test_the_doctor_reads_the_hospital_history_on_the_case_panel(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            card = make_card(make_patient(name="Raju Prasad", name_hi="राजू प्रसाद", mobile=CITIZEN,
                                          current_medications=["Metformin 500mg"], allergies=["Sulfa drugs"]))
            hospital = Hospital(app.test_client(), name="GTB Hospital", token_url=f"{base}/fhir/auth/token")
            assert hospital.post_bundle(history_bundle(card.number, medication_status="stopped")).status_code == 200
            db.session.remove()
        make_doctor(app, "dr_history")
        context, page = doctor_page(browser, base, "dr_history", "laptop")
        try:
            Phone(f"{base}/emulator", CITIZEN).text("papa ko seene me dard hai aur pasina aa raha hai")  # a P1 text
            page.wait_for_selector("#waiting button[data-accept]", timeout=10_000)
            page.click("#waiting button[data-accept]")
            panel = page.locator("article.doctor-case .hospital-history")
            panel.wait_for()
            text = panel.inner_text()
            assert "GTB Hospital" in text and "Blood pressure: 150/95 mmHg" in text and "HbA1c 8.1%" in text
            medicines = page.inner_text("article.doctor-case [data-merged=medications]")
            assert "Sources disagree" in medicines
            page.locator("article.doctor-case [data-merged=medications]").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "hospital_history_doctor_panel_1280.png"), full_page=False)
            panel.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "hospital_history_doctor_panel_1280_history.png"), full_page=False)
        finally:
            context.close()

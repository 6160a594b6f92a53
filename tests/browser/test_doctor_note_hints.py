"""The doctor's side reads the same triage: a clinical note being typed shows the red flags it names,
display only, without taking the doctor's focus or words. Real Chromium, the emulated phone."""

import pytest

from emulators.twilio.driver import Phone
from tests.browser.conftest import ARTIFACTS
from tests.browser.tier2_desk import doctor_page, make_doctor
from tests.live import served

pytestmark = pytest.mark.browser
NOTE = "Per beti: papa ka aadha sharir sunn, muh tedha"


def test_a_clinical_note_shows_what_triage_reads_in_it(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        make_doctor(app, "dr_hints")
        context, page = doctor_page(browser, base, "dr_hints", "laptop")
        try:
            Phone(f"{base}/emulator", "+919811113333").text("papa gir gaye, hosh me nahi")  # a P1 text
            page.wait_for_selector("#waiting button[data-accept]", timeout=10_000)
            page.click("#waiting button[data-accept]")
            note = "article.doctor-case textarea[name=body]"
            page.wait_for_selector(note)
            page.click(note)
            page.keyboard.type(NOTE, delay=30)
            hint = page.wait_for_selector("article.doctor-case .flag-hints li[data-flag=stroke]")
            assert "Stroke" in hint.inner_text()
            assert page.locator("article.doctor-case .flag-hints button").count() == 0  # display only
            page.keyboard.type(", since 1 h")
            page.wait_for_timeout(600)
            assert page.input_value(note) == NOTE + ", since 1 h"
            assert page.evaluate("document.activeElement.name") == "body"
            page.screenshot(path=str(ARTIFACTS / "doctor_note_hints_laptop.png"), full_page=False)
        finally:
            context.close()

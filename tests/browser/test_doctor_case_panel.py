"""The doctor's case panel on a live shift: a half-written note survives the citizen texting again
(text and focus kept, also across a reload); the doctor reads the whole SMS thread and the triage tags
accumulate. Real Chromium, the emulated phone."""

import pytest

from emulators.twilio.driver import Phone
from tests.browser.conftest import ARTIFACTS
from tests.browser.late_reads import Held
from tests.browser.tier2_desk import doctor_page, make_doctor
from tests.live import served

pytestmark = pytest.mark.browser
CITIZEN = "+919811112222"
NOTE = "Febrile seizure at home, 2 min, now drowsy. Advise"


@pytest.mark.parametrize("size", ["desk", "laptop"])
def test_note_survives_an_incoming_sms_and_the_thread_is_read(browser, tmp_path, size):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        make_doctor(app, "dr_panel")
        context, page = doctor_page(browser, base, "dr_panel", size)
        try:
            phone = Phone(f"{base}/emulator", CITIZEN)
            phone.text("bachche ko tez bukhar aur jhatke aa rahe hain")  # child, fever, convulsion: a P1 text
            page.wait_for_selector("#waiting button[data-accept]", timeout=10_000)
            page.click("#waiting button[data-accept]")
            page.wait_for_selector("article.doctor-case[data-mine=true] textarea[name=body]")
            first_tags = page.inner_text("article.doctor-case .rules")

            page.click("article.doctor-case textarea[name=body]")
            page.keyboard.type(NOTE)
            page.click("article.doctor-case input[name=body]")
            page.keyboard.type("Lay the child on")
            phone.text("help please jaldi")  # the citizen texts again while the doctor types
            page.wait_for_selector(".thread .msg-inbound >> text=help please jaldi", timeout=10_000)
            page.keyboard.type(" the side")  # still typing into the same field: focus was kept
            assert page.input_value("article.doctor-case input[name=body]") == "Lay the child on the side"
            assert page.input_value("article.doctor-case textarea[name=body]") == NOTE
            assert page.evaluate("document.activeElement.name") == "body"
            tags = page.inner_text("article.doctor-case .rules")
            assert all(tag.strip() in tags for tag in first_tags.replace("Triage:", "").split("\n") if tag.strip())
            page.screenshot(path=str(ARTIFACTS / f"doctor_panel_after_sms_{size}.png"), full_page=False)

            page.click("article.doctor-case form[data-act=text] button[type=submit]")  # the doctor's own reply
            page.wait_for_selector(".thread .msg-outbound >> text=Lay the child on the side", timeout=10_000)
            assert page.locator(".thread .msg-inbound").count() >= 2

            page.once("dialog", lambda dialog: dialog.accept())  # "leave the page?" while a note is unsent
            page.reload()
            page.wait_for_selector("article.doctor-case textarea[name=body]")
            assert page.input_value("article.doctor-case textarea[name=body]") == NOTE  # the draft, per case
            assert page.input_value("article.doctor-case input[name=body]") == ""  # sent, so not kept
            page.screenshot(path=str(ARTIFACTS / f"doctor_panel_reloaded_{size}.png"), full_page=False)
        finally:
            context.close()


def test_a_late_older_panel_never_undoes_an_accept(browser, tmp_path):
    """The panel read that left when the doctor opened the case comes back after she accepted it: the panel
    stays hers (the note form, no Accept button), it does not go back to what it was before."""
    with served(tmp_path) as (app, base):
        make_doctor(app, "dr_late_panel")
        context, page = doctor_page(browser, base, "dr_late_panel")
        try:
            Phone(f"{base}/emulator", CITIZEN).text("bachche ko tez bukhar aur jhatke aa rahe hain")
            page.wait_for_selector("#waiting tr[data-case]", timeout=10_000)
            panel = Held(page, "**/doctor/cases/*/panel")  # the case as it was: waiting, not hers
            page.click("#waiting tr[data-case] td.gist")  # opens the case: that read is held
            panel.wait()
            page.click("#waiting button[data-accept]")
            page.wait_for_selector("article.doctor-case[data-mine=true] textarea[name=body]")

            panel.deliver()
            page.wait_for_timeout(500)  # the late answer has been handled by now
            assert page.locator("article.doctor-case[data-mine=true] textarea[name=body]").is_visible()
            assert not page.locator("article.doctor-case button[data-act=accept]").is_visible()
        finally:
            context.close()


@pytest.mark.parametrize(("body", "name"), [("بچے کو تیز بخار اور جھٹکے آ رہے ہیں", "Urdu · اردو"),
                                            ("ਬੱਚੇ ਨੂੰ ਤੇਜ਼ ਬੁਖਾਰ ਅਤੇ ਦੌਰੇ ਪੈ ਰਹੇ ਹਨ", "Punjabi · ਪੰਜਾਬੀ")])
def test_the_doctor_sees_the_callers_language_in_the_queue_and_on_the_case(browser, tmp_path, body, name):
    with served(tmp_path) as (app, base):
        make_doctor(app, "dr_languages")
        context, page = doctor_page(browser, base, "dr_languages")
        try:
            Phone(f"{base}/emulator", CITIZEN).text(body)
            page.wait_for_selector("#waiting tr[data-case]", timeout=10_000)
            assert page.inner_text("#waiting tr[data-case] td.lang") == name
            page.click("#waiting button[data-accept]")
            page.wait_for_selector("article.doctor-case[data-mine=true]")
            assert name in page.inner_text("article.doctor-case .case-head")
            assert name in page.inner_text("#mine")
        finally:
            context.close()

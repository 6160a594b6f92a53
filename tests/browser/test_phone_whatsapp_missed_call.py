"""The emulator's phone page against the real app: WhatsApp next to SMS, and the missed-call button."""

import pytest
import requests

from crm.models import Case
from crm.platform.extensions import db
from tests import factories
from tests.conftest import ARTIFACTS
from tests.live import eventually, served

pytestmark = pytest.mark.browser
NUMBER = "+919810000001"


@pytest.fixture
def live(tmp_path):
    with served(tmp_path) as (app, base):
        yield app, base


def test_the_phone_writes_on_whatsapp_and_gives_a_missed_call(browser, live):
    app, base = live
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{base}/emulator/?number={NUMBER.replace('+', '%2B')}")
        page.check("input[name=channel][value=whatsapp]")
        page.fill("#sms-body", "mujhe do din se khansi hai")
        page.click("#sms-form button[type=submit]")
        page.wait_for_selector("#thread .msg.wa.theirs")
        assert "Case SMP-" in page.inner_text("#thread .msg.wa.theirs") or "केस" in page.inner_text("#thread .msg.wa.theirs")
        page.wait_for_selector("#wa-window.pill-green")

        page.click("#missed-call")
        page.wait_for_selector("#call-status:has-text('Busy'), #call-status:has-text('busy')", timeout=15_000)
        page.wait_for_selector("#thread .msg.theirs:not(.wa) >> text=मिनट में कॉल करेंगे")  # the missed-call text, in Hindi to an unknown caller

        page.click("#wa-age")
        page.wait_for_selector("#wa-window.pill-amber")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "emulator_phone_whatsapp_missed_call.png"))
    finally:
        context.close()

    def cases():
        with app.app_context():
            return sorted((c.channel, c.status) for c in db.session.scalars(db.select(Case)))
    assert eventually(lambda: cases() == [("voice", "callback"), ("whatsapp", "queued")])


def test_the_phone_takes_a_number_typed_with_or_without_91_and_says_why_when_it_cannot(browser, live):
    app, base = live
    with app.app_context():
        factories.make_patient(mobile="+919810022222", name="Sunita Devi")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    complaints = []  # the phone page's own console, apart from the refusal of "12345" the test asks for
    page.on("console", lambda m: complaints.append(f"{m.text} {m.location.get('url')}")
            if m.type == "error" and not m.location.get("url", "").endswith("/emulator-api/phones") else None)
    try:
        page.goto(f"{base}/portal/sign-in")
        page.locator("#mobile").press_sequentially("+91 98100 22222")  # typed as printed on the card, +91 and all
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/portal/code")
        page.goto(f"{base}/emulator/")
        page.select_option("#number", "__other")
        assert "+91" in page.inner_text("#number-help")  # the page says how to type it before anyone guesses
        page.fill("#number-other", "12345")
        page.press("#number-other", "Enter")
        page.wait_for_selector("#number-help.error")
        assert "10 digits" in page.inner_text("#number-help") and "10 अंक" in page.inner_text("#number-help")
        for typed in ("98100 22222", "+91 98100 22222"):
            page.fill("#number-other", typed)
            page.press("#number-other", "Enter")
            page.wait_for_selector("#number-other.hidden", state="attached")
            assert page.eval_on_selector("#number", "s => s.value") == "+919810022222"
            page.wait_for_selector("#thread .msg.theirs")  # the sign-in code, in this phone's thread
            if typed.startswith("98"):
                page.select_option("#number", "__other")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "emulator_phone_number_typed.png"))
    finally:
        context.close()
    assert complaints == []
    assert len([o for o in requests.get(f"{base}/emulator/emulator-api/state", timeout=5).json()["numbers"]
                if o == "+919810022222"]) == 1

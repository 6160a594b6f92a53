"""The emulator's phone page against the real app: WhatsApp next to SMS, and the missed-call button."""

import pytest

from crm.extensions import db
from crm.models import Case
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
        page.wait_for_selector("#thread .msg.theirs:not(.wa) >> text=missed call")

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

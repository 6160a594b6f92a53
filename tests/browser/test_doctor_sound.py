"""The alarm cannot be missed: sound is off until the doctor's "sound on" click (a test tone), the page
says so and the supervisor sees it; an emergency flashes the tab title and raises a system notification."""

import pytest

from telephony.emulator.driver import Phone
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.tier2_desk import doctor_page, make_doctor
from tests.live import eventually, served

pytestmark = pytest.mark.browser
RECORD_NOTIFICATIONS = """
window.__shown = [];
window.Notification = class { constructor(title, options) { window.__shown.push(title); }
  static get permission() { return 'granted'; } static requestPermission() { return Promise.resolve('granted'); } };
"""


def _supervisor(browser, base, app):
    with app.app_context():
        factories.make_staff("supervisor", username="sup_sound", name="Sup")
        from crm.platform.extensions import db
        db.session.commit()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "sup_sound")
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def _sound_of(page, base, doctor_id):
    doctors = page.request.get(f"{base}/api/v1/doctors/sound").json()["doctors"]
    return next(d["sound_on"] for d in doctors if d["id"] == doctor_id)


@pytest.mark.parametrize("size", ["desk", "laptop"])
def test_sound_on_step_supervisor_sees_it_and_the_alarm_flashes_and_notifies(browser, tmp_path, size):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        doctor_id = make_doctor(app, "dr_sound")
        sup_ctx, sup = _supervisor(browser, base, app)
        context, page = doctor_page(browser, base, "dr_sound", size)
        page.add_init_script(RECORD_NOTIFICATIONS)
        page.reload()
        page.wait_for_selector("#live[data-state=live]")
        try:
            assert page.get_attribute("#sound", "data-state") == "off"
            assert "OFF" in page.inner_text("#sound")
            assert eventually(lambda: _sound_of(sup, base, doctor_id) is False)
            page.screenshot(path=str(ARTIFACTS / f"doctor_sound_off_{size}.png"))

            page.click("#sound-on")  # the start of the shift: a test tone, and sound is on
            page.wait_for_selector("#sound[data-state=on]")
            assert eventually(lambda: _sound_of(sup, base, doctor_id) is True)

            call = Phone(f"{base}/emulator", "+919877777777").call()
            call.wait_for("press 9", timeout=10)
            call.press("9")
            page.wait_for_selector("#alarm:not([hidden])", timeout=10_000)
            titles = set()
            for _ in range(6):
                titles.add(page.title())
                page.wait_for_timeout(400)
            assert len(titles) >= 2 and any("EMERGENCY" in t for t in titles)  # the tab title flashes
            assert page.evaluate("window.__shown")[0].startswith("EMERGENCY SMP-")
            page.screenshot(path=str(ARTIFACTS / f"doctor_sound_alarm_{size}.png"))
        finally:
            context.close()
            sup_ctx.close()

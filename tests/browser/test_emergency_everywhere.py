"""Every staff page hears an emergency within a second: the operator's "emergencies waiting" badge moves
with the doctor's alarm (it used to wait 24 s for a poll), and the badge opens the list of emergencies."""

import time

import pytest

from emulators.twilio.driver import Phone
from tests.browser.conftest import ARTIFACTS
from tests.browser.operator_desk import log_in, make_operator
from tests.browser.tier2_desk import SIZES, doctor_page, make_doctor
from tests.live import served

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["desk", "laptop"])
def test_operator_badge_moves_with_the_doctors_alarm_and_opens_the_list(browser, tmp_path, size):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        make_doctor(app, "dr_badge")
        operator = make_operator(app, "Asha Verma")
        doc_ctx, doctor = doctor_page(browser, base, "dr_badge", size)
        width, height = SIZES[size]
        op_ctx = browser.new_context(viewport={"width": width, "height": height}, locale="en-IN")
        desk = op_ctx.new_page()
        try:
            log_in(desk, base, operator)
            desk.wait_for_timeout(1500)  # past the first board read: only a live event can move the badge now
            call = Phone(f"{base}/emulator", "+919844444444").call()
            call.wait_for("press 9", timeout=10)
            call.press("9")
            doctor.wait_for_selector("#alarm:not([hidden])", timeout=10_000)
            rung = time.monotonic()
            desk.wait_for_selector("#emergency-banner:not([hidden])", timeout=5_000)
            assert time.monotonic() - rung < 1.5  # within a second of the doctor's alarm (plus polling slack)
            assert "1 emergency waiting" in desk.inner_text("#emergency-banner")
            desk.click("#emergency-banner")
            desk.wait_for_selector("#emergency-list:not([hidden]) li")
            assert "SMP-" in desk.inner_text("#emergency-list") and "XXXXXX4444" in desk.inner_text("#emergency-list")
            desk.screenshot(path=str(ARTIFACTS / f"operator_emergency_list_{size}.png"))
        finally:
            op_ctx.close()
            doc_ctx.close()

"""An emergency call rings two doctors' dashboards; one accepts, the other's alarm clears, the caller
and the doctor are in the case's conference. Real Chromium, real HTTP, the emulated phone."""

import pytest

from telephony.emulator.driver import Phone
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.late_reads import Held
from tests.browser.tier2_desk import doctor_page as _doctor_page
from tests.live import served

pytestmark = pytest.mark.browser


def test_emergency_rings_two_doctors_and_one_accepts(browser, tmp_path):
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            first = factories.make_staff("doctor", username="dr_first", name="Dr. First")
            factories.make_staff("doctor", username="dr_second", specialty="cardiology", name="Dr. Second")
            first.on_duty = True
            from crm.models import StaffUser
            from crm.platform.extensions import db

            db.session.get(StaffUser, first.id + 1).on_duty = True
            db.session.commit()
            first_id = first.id
        ARTIFACTS.mkdir(exist_ok=True)
        one_ctx, one = _doctor_page(browser, base, "dr_first")
        two_ctx, two = _doctor_page(browser, base, "dr_second")
        try:
            call = Phone(f"{base}/emulator", "+919866666666").call()
            call.wait_for("press 9", timeout=10)
            call.press("9")
            for page in (one, two):
                page.wait_for_selector("#alarm:not([hidden])", timeout=10_000)
                assert "EMERGENCY" in page.inner_text("#alarm")
            one.screenshot(path=str(ARTIFACTS / "doctor_alarm_ringing.png"), full_page=True)

            one.keyboard.press("a")  # accept from the keyboard
            one.wait_for_selector(".toast:not([hidden])")
            assert "You have SMP-" in one.inner_text(".toast")
            two.wait_for_selector("#alarm", state="hidden", timeout=10_000)
            view = call.wait_for(lambda v: (v.get("conference") or {}).get("name", "").startswith("case-"), timeout=10)
            members = {m["name"] for m in view["conference"]["members"]}
            assert members == {"+919866666666", f"client:staff-{first_id}"}
            one.wait_for_selector("article.doctor-case")
            one.screenshot(path=str(ARTIFACTS / "doctor_accepted.png"), full_page=True)
            two.screenshot(path=str(ARTIFACTS / "doctor_alarm_cleared.png"), full_page=True)
        finally:
            one_ctx.close()
            two_ctx.close()


def test_a_late_older_board_read_never_silences_a_ringing_emergency(browser, tmp_path):
    """Reads of the tier-2 board overlap; one that left before the emergency arrived and comes back after a
    newer one must not be shown over it: the alarm keeps ringing."""
    from tests.browser.tier2_desk import make_doctor

    with served(tmp_path) as (app, base):
        make_doctor(app, "dr_late")
        context, page = _doctor_page(browser, base, "dr_late")
        try:
            board = Held(page, "**/api/v1/queues/tier2")  # the board before the emergency, delivered late
            page.reload()
            page.wait_for_selector("#live[data-state=live]")
            board.wait()

            call = Phone(f"{base}/emulator", "+919866666601").call()
            call.wait_for("press 9", timeout=10)
            call.press("9")
            page.wait_for_selector("#alarm:not([hidden])", timeout=10_000)

            board.deliver()
            page.wait_for_timeout(500)  # the late answer has been handled by now
            assert page.locator("#alarm").is_visible()
            assert "EMERGENCY" in page.inner_text("#alarm")
        finally:
            context.close()

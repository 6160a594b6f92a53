"""The phone leg is the truth, in a real Chromium against the emulator: a call is offered and rings the desk; the
operator resolves mid-call keeping the line (the controls stay), then gets ready, which ends the call; or escalates
mid-call (the line stays for the hand-over, the controls stay) and leaves, the caller still waiting for the doctor.
Screenshots at 1440x900 and 1280x720 in test-artifacts/."""

import pytest
from sqlalchemy import select

from crm.models import Call, StaffUser
from crm.platform.extensions import db
from emulators.twilio.driver import Phone
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.operator_desk import log_in
from tests.browser.tier2_desk import SIZES
from tests.live import eventually, served

pytestmark = pytest.mark.browser
CALLER = "+919844440001"


def _caller_in_conference(call) -> bool:
    view = call.view()
    return view.get("status") == "in-progress" and any(
        m["name"] == CALLER for m in (view.get("conference") or {}).get("members", []))


def _legs_up(app, staff_id: int) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Call).where(Call.staff_id == staff_id, Call.ended_at.is_(None))).all())


def _offered_and_accepted(page, base, app, username, size):
    log_in(page, base, username)
    page.click("#sound-on")  # the ring after a click, as browsers require
    page.click("[data-presence=available]")
    call = Phone(f"{base}/emulator", CALLER).call()
    call.wait_for("press 9", timeout=10)
    call.press("1")
    call.wait_for(lambda v: v.get("queue") is not None, timeout=15)
    page.wait_for_selector("#offer:not([hidden])", timeout=20_000)  # rung without pulling anything
    assert eventually(lambda: "ringing" in page.title(), timeout=5)  # the title flashes while it rings
    page.screenshot(path=str(ARTIFACTS / f"operator_offer_{size}.png"))
    page.click("#offer-accept")
    page.wait_for_selector("#case-connection:has-text('On the call')", timeout=15_000)
    call.wait_for(lambda v: any(m["name"] == CALLER and m["status"] == "connected"
                                for m in (v.get("conference") or {}).get("members", [])), timeout=10)
    page.fill("#reason", "Wants to know the clinic timings")
    return call


@pytest.mark.parametrize("size", ["desk", "laptop"])
def test_resolving_mid_call_keeps_the_line_and_its_controls_until_ready_ends_it(browser, tmp_path, size):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            staff = factories.make_staff("operator", name="Ravi Kumar")
            username, staff_id = staff.username, staff.id
        width, height = SIZES[size]
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-IN")
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        try:
            call = _offered_and_accepted(page, base, app, username, size)
            page.select_option("#disposition", index=1)
            page.fill("#advice", "Clinic opens at 8 in the morning")
            page.check("#form-resolve input[name=call]")  # keep the call: still talking
            page.click("#form-resolve button[type=submit]")
            page.wait_for_selector("#wrapup:not([hidden])")
            page.wait_for_selector("#call-controls:not([hidden])")  # resolved, but the line is up: controls stay
            assert _caller_in_conference(call) and _legs_up(app, staff_id) == 1
            page.wait_for_selector("[data-presence=on_call][aria-checked=true]")  # on a call, whatever was chosen
            page.screenshot(path=str(ARTIFACTS / f"operator_resolved_call_kept_{size}.png"))
            page.click("#ready")  # refused while connected; confirmed in the dialog: the call ends, then ready
            page.wait_for_selector("[data-presence=available][aria-checked=true]", timeout=15_000)
            call.wait_until_ended(timeout=15)
            assert _legs_up(app, staff_id) == 0
            with app.app_context():
                assert db.session.get(StaffUser, staff_id).presence == "available"
        finally:
            context.close()


@pytest.mark.parametrize("size", ["desk", "laptop"])
def test_escalating_mid_call_keeps_the_operator_on_the_line_until_they_leave(browser, tmp_path, size):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            staff = factories.make_staff("operator", name="Asha Verma")
            username, staff_id = staff.username, staff.id
        width, height = SIZES[size]
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-IN")
        page = context.new_page()
        try:
            call = _offered_and_accepted(page, base, app, username, size)
            page.click("#tab-escalate")
            page.fill("#summary", "Fever for three days, wants a doctor")
            page.click("#form-escalate button[type=submit]")
            page.wait_for_selector("#wrapup:not([hidden])")
            page.wait_for_selector("#call-controls:not([hidden])")  # waiting for the doctor with the caller
            assert _caller_in_conference(call) and _legs_up(app, staff_id) == 1
            page.screenshot(path=str(ARTIFACTS / f"operator_escalated_on_line_{size}.png"))
            page.click("#ready")  # refused while connected: nothing is ended without saying so
            page.wait_for_selector("#toast:not([hidden])")
            assert _legs_up(app, staff_id) == 1
            page.click("#call-controls button[data-call=leave]")
            assert eventually(lambda: _legs_up(app, staff_id) == 0)
            assert _caller_in_conference(call)  # the caller waits for the doctor; nobody hung up on them
            page.wait_for_selector("#call-controls", state="hidden", timeout=15_000)
        finally:
            context.close()

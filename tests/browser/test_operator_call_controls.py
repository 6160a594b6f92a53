"""The operator's call controls act on the emulator's conference: hold (music) and resume the caller,
mute; they disappear, and "On the call" ends, when the caller hangs up. Checked at 1280x720 too, where
a toast must not cover the patient's allergies."""

import pytest

from emulators.twilio.driver import EmulatorControl, Phone
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.operator_desk import log_in
from tests.browser.tier2_desk import SIZES
from tests.live import served

pytestmark = pytest.mark.browser
CALLER = "+919833333333"


def _me(call, test):
    view = call.wait_for(lambda v: any(m["name"] == CALLER and test(m) for m in (v.get("conference") or {}).get("members", [])),
                         timeout=10)
    return next(m for m in view["conference"]["members"] if m["name"] == CALLER)


@pytest.mark.parametrize("size", ["desk", "laptop"])
def test_operator_holds_and_resumes_the_caller_and_controls_end_with_the_call(browser, tmp_path, size):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            factories.make_patient(name="Kamla Devi", sex="F", mobile=CALLER, allergies=["Sulfa drugs"])
            username = factories.make_staff("operator", name="Ravi Kumar").username
        width, height = SIZES[size]
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-IN")
        page = context.new_page()
        try:
            log_in(page, base, username)
            call = Phone(f"{base}/emulator", CALLER).call()
            call.wait_for("press 9", timeout=10)
            call.press("1")
            call.wait_for(lambda v: v.get("queue") is not None, timeout=15)
            page.wait_for_selector(".q-row")
            page.keyboard.press("n")
            page.wait_for_selector("#case-connection:has-text('On the call')", timeout=15_000)
            _me(call, lambda m: m["status"] == "connected")  # the caller's leg has reached the conference too
            page.click("#call-controls button[data-call=hold]")
            assert _me(call, lambda m: m["hold"])["hold"] is True
            page.wait_for_selector("#toast:not([hidden])")
            allergy = page.locator(".fact.alert").bounding_box()
            toast = page.locator("#toast").bounding_box()
            overlaps = not (toast["x"] > allergy["x"] + allergy["width"] or toast["x"] + toast["width"] < allergy["x"]
                            or toast["y"] > allergy["y"] + allergy["height"] or toast["y"] + toast["height"] < allergy["y"])
            page.screenshot(path=str(ARTIFACTS / f"operator_call_on_hold_{size}.png"))
            assert not overlaps  # the toast never covers the allergies
            for tab in ("#tab-resolve", "#tab-escalate"):  # the outcome is reachable without scrolling
                box = page.locator(tab).bounding_box()
                assert box["y"] + box["height"] <= height and page.locator(tab).is_visible()
            page.click("#call-controls button[data-call=hold]")
            assert _me(call, lambda m: not m["hold"])["hold"] is False
            sent = EmulatorControl(f"{base}/emulator").requests()
            held = [r for r in sent if r.get("operation") == "UpdateParticipant"]
            assert held and EmulatorControl(f"{base}/emulator").requests(invalid_only=True) == []  # fits Twilio's API
            call.hang_up()
            page.wait_for_selector("#case-connection:has-text('The call has ended')", timeout=15_000)
            # The controls go once the operator's own leg is reported ended too (the phone leg is the truth).
            page.wait_for_selector("#call-controls", state="hidden", timeout=15_000)
        finally:
            context.close()

"""A live emergency on the doctor's desk: hold and resume the caller and mute through the real twilio
Client (the emulator's conference changes), then a live referral is a warm transfer: the cardiologist
is rung, joins the same conference, the referring doctor hands over and leaves."""

import pytest

from emulators.twilio.driver import Phone
from tests.browser.conftest import ARTIFACTS
from tests.browser.tier2_desk import doctor_page, make_doctor
from tests.live import served

pytestmark = pytest.mark.browser
CALLER = "+919855555555"


def _members(call, test):
    view = call.wait_for(lambda v: test({m["name"]: m for m in (v.get("conference") or {}).get("members", [])}),
                         timeout=10)
    return {m["name"]: m for m in view["conference"]["members"]}


@pytest.mark.parametrize("size", ["desk", "laptop"])
def test_hold_mute_and_a_live_referral_hands_the_caller_to_the_specialist(browser, tmp_path, size):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        gp = make_doctor(app, "dr_gp")
        cardio = make_doctor(app, "dr_heart", specialty="cardiology")
        one_ctx, one = doctor_page(browser, base, "dr_gp", size)
        two_ctx, two = doctor_page(browser, base, "dr_heart", size)
        me, doc1, doc2 = CALLER, f"client:staff-{gp}", f"client:staff-{cardio}"
        try:
            call = Phone(f"{base}/emulator", CALLER).call()
            call.wait_for("press 9", timeout=10)
            call.press("9")
            one.wait_for_selector("#alarm:not([hidden])", timeout=10_000)
            one.click("#alarm-accept")
            _members(call, lambda m: set(m) == {me, doc1})
            one.wait_for_selector("article.doctor-case .on-the-call", timeout=10_000)

            one.click("button[data-act=hold]")
            assert _members(call, lambda m: m.get(me, {}).get("hold"))[me]["hold"] is True
            one.wait_for_selector("button[data-act=hold]:has-text('Resume caller')")
            one.screenshot(path=str(ARTIFACTS / f"doctor_call_on_hold_{size}.png"))
            one.click("button[data-act=hold]")
            assert _members(call, lambda m: m.get(me, {}).get("hold") is False)[me]["hold"] is False
            one.wait_for_selector("button[data-act=mute]:has-text('Mute me')")
            one.click("button[data-act=mute]")
            assert _members(call, lambda m: m.get(doc1, {}).get("muted"))[doc1]["muted"] is True
            one.wait_for_selector("button[data-act=mute]:has-text('Unmute me')")
            one.click("button[data-act=mute]")

            one.select_option("article.doctor-case select[name=specialty]", "cardiology")
            one.fill("article.doctor-case input[name=note]", "Crushing chest pain 30 min, sweating")
            one.click("form[data-act=refer] button[type=submit]")
            two.wait_for_selector("#alarm:not([hidden])", timeout=10_000)  # the cardiologist is rung
            assert "Crushing chest pain" in two.inner_text("#waiting")
            two.click("#alarm-accept")
            _members(call, lambda m: set(m) == {me, doc1, doc2})  # the same conference, all three
            one.wait_for_selector("button[data-act=leave]:has-text('Hand over and leave')")
            one.screenshot(path=str(ARTIFACTS / f"doctor_call_handover_{size}.png"))
            one.click("button[data-act=leave]")
            members = _members(call, lambda m: set(m) == {me, doc2})
            assert set(members) == {me, doc2}  # the specialist and the caller; the referring doctor out
            two.wait_for_selector("article.doctor-case[data-mine=true] .on-the-call", timeout=10_000)
            assert "Crushing chest pain" in two.inner_text("article.doctor-case .summary")
            two.screenshot(path=str(ARTIFACTS / f"doctor_call_specialist_{size}.png"))
        finally:
            one_ctx.close()
            two_ctx.close()

"""The doctor's desk tells the truth about the phone, in a real Chromium against the emulator.

- The calls bar: a doctor who completes an emergency keeping the call, then opens the next case, still has the kept
  call's controls on screen (hold, mute, leave, end: the operator desk's shared bar, static/js/call-legs.js), and
  ending it there ends the caller's call.
- The alarm during the doctor's own emergency call: another emergency murmurs (a soft 440 Hz tone), never the loud
  880 Hz beep; once their call is over the next emergency beeps again.
- The tab title stops flashing a case that is over: an emergency whose caller hangs up leaves the title quiet.
- The floor's alert for an emergency nobody accepted: a tone after the supervisor's click, the title flashing; both
  stop once a doctor has it.
Tones are recorded by wrapping OscillatorNode.start before the page's scripts run. Screenshots at 1440x900 and
1280x720 in test-artifacts/."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.cases import lifecycle, tier2
from crm.models import Case, StaffUser
from crm.models.base import utcnow
from crm.platform.extensions import db
from emulators.twilio.driver import Phone
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.tier2_desk import doctor_page, make_doctor
from tests.live import eventually, served

pytestmark = pytest.mark.browser
RECORD_TONES = """
window.__tones = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones.push({ hz: this.frequency.value, at: Date.now() });
  return start.apply(this, args);
};
"""
QUIET_TITLE = "Doctor · Sampark"


def _emergency(base, number):
    call = Phone(f"{base}/emulator", number).call()
    call.wait_for("press 9", timeout=10)
    call.press("9")
    return call


def _case_id(app, number):
    with app.app_context():
        return eventually(lambda: db.session.scalar(select(Case.id).where(Case.caller_phone == number)))


def _members(call):
    return {m["name"]: m for m in (call.view().get("conference") or {}).get("members", [])}


def _accept_from_banner(page, call, number):
    page.wait_for_selector("#alarm:not([hidden])", timeout=15_000)
    page.click("#alarm-accept")
    call.wait_for(lambda v: number in {m["name"] for m in (v.get("conference") or {}).get("members", [])}
                  and len(v["conference"]["members"]) == 2, timeout=15)
    page.wait_for_selector("article.doctor-case .on-the-call", timeout=15_000)


def _complete(page, keep):
    form = "article.doctor-case form[data-act=complete]"
    page.fill(f"{form} input[name=advice]", "Ambulance on its way; keep him lying down")
    if keep:
        page.check(f"{form} input[name=call]")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(".toast:has-text('Case completed')")


def _tones_since(page, since):
    return [t["hz"] for t in page.evaluate("window.__tones") if t["at"] >= since]


@pytest.mark.parametrize("size", ["desk", "laptop"])
def test_a_call_kept_after_complete_keeps_its_controls_on_the_doctors_page_until_ended(browser, tmp_path, size):
    ARTIFACTS.mkdir(exist_ok=True)
    first, second = "+919833300001", "+919833300002"
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        make_doctor(app, "dr_legs")
        context, page = doctor_page(browser, base, "dr_legs", size)
        page.on("dialog", lambda dialog: dialog.accept())  # "End the call for everyone?"
        try:
            call = _emergency(base, first)
            _accept_from_banner(page, call, first)
            assert page.locator("#leg-bar").is_hidden()  # the panel has the call's own controls
            _complete(page, keep=True)
            assert call.view()["status"] == "in-progress"  # still talking to the caller

            later = _emergency(base, second)
            later_id = _case_id(app, second)
            page.wait_for_selector(f"#waiting tr[data-case='{later_id}']", timeout=15_000)
            page.click(f"#waiting tr[data-case='{later_id}'] td.gist")  # the next case on screen...
            page.wait_for_selector(f"article.doctor-case[data-case='{later_id}']")
            bar = page.wait_for_selector("#leg-bar:not([hidden])", timeout=10_000)  # ...the kept call stays in reach
            reference = f"SMP-{_case_id(app, first):05d}"
            assert reference in bar.inner_text() and "connected" in bar.inner_text()
            assert page.locator("#leg-bar button[data-leg=end-call]").is_visible()
            assert page.evaluate("() => [...document.querySelectorAll('[id]')].map((e) => e.id)"
                                 ".filter((id, i, all) => all.indexOf(id) !== i)") == []  # no id used twice
            page.screenshot(path=str(ARTIFACTS / f"doctor_legs_bar_{size}.png"))

            page.click("#leg-bar button[data-leg=hold]")
            assert eventually(lambda: _members(call).get(first, {}).get("hold") is True)
            page.wait_for_selector("#leg-bar button[data-leg=hold]:has-text('Resume caller')")
            page.click("#leg-bar button[data-leg=end-call]")
            call.wait_until_ended(timeout=15)
            page.wait_for_selector("#leg-bar", state="hidden", timeout=15_000)
            later.hang_up()
        finally:
            context.close()


def test_the_alarm_murmurs_during_the_doctors_own_emergency_call_and_the_title_stops_for_a_case_that_ended(
        browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    own, other, third = "+919833300011", "+919833300012", "+919833300013"
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        make_doctor(app, "dr_quiet")
        context, page = doctor_page(browser, base, "dr_quiet", "desk")
        page.add_init_script(RECORD_TONES)
        page.reload()
        page.wait_for_selector("#live[data-state=live]")
        try:
            page.click("#sound-on")
            page.wait_for_selector("#sound[data-state=on]")
            call = _emergency(base, own)
            _accept_from_banner(page, call, own)

            since = page.evaluate("Date.now()")
            ringing = _emergency(base, other)  # another emergency while the doctor is on their own
            page.wait_for_selector("#alarm:not([hidden])", timeout=15_000)
            page.wait_for_timeout(6_000)  # a loud beep would come every 1.2 s, the murmur every 5 s
            heard = _tones_since(page, since)
            assert heard and set(heard) == {440}, heard  # murmured, never beeped over the caller
            titles = set()
            for _ in range(5):
                titles.add(page.title())
                page.wait_for_timeout(300)
            assert any("waiting" in t for t in titles)  # the title still says an emergency waits
            page.screenshot(path=str(ARTIFACTS / "doctor_quiet_alarm_own_call.png"))

            ringing.hang_up()  # that caller gives up: the case is over and must not flash on
            page.wait_for_selector("#alarm", state="hidden", timeout=15_000)
            quiet_since = page.evaluate("Date.now()")
            titles = set()
            for _ in range(8):
                titles.add(page.title())
                page.wait_for_timeout(400)
            assert titles == {QUIET_TITLE}, titles
            assert _tones_since(page, quiet_since + 500) == []  # and no tone for it either

            _complete(page, keep=False)  # the doctor's own call ends
            call.wait_until_ended(timeout=15)
            since = page.evaluate("Date.now()")
            last = _emergency(base, third)
            page.wait_for_selector("#alarm:not([hidden])", timeout=15_000)
            page.wait_for_timeout(2_500)
            assert 880 in _tones_since(page, since)  # off the phone, an emergency beeps out loud again
            page.screenshot(path=str(ARTIFACTS / "doctor_alarm_after_own_call.png"))
            last.hang_up()
        finally:
            context.close()


def test_an_unaccepted_emergency_sounds_on_the_floor_after_the_click_and_stops_once_a_doctor_has_it(browser, tmp_path):
    """The floor's alert: a tone every two seconds once the supervisor switched sound on, the title flashing; both
    stop when a doctor accepts (the title must not keep flashing a case that is handled)."""
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            factories.make_staff("supervisor", username="lead_sound", name="Lead")
            doctor = factories.make_staff("doctor", username="dr_floor")
            doctor.on_duty = True
            db.session.commit()
            doctor_id = doctor.id
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-IN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.add_init_script(RECORD_TONES)
        try:
            page.goto(f"{base}/login")
            page.fill("#username", "lead_sound")
            page.fill("#password", factories.PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(f"{base}/supervisor")
            page.wait_for_selector("#live[data-state=live]")
            page.click("#floor-sound")
            page.wait_for_selector("#floor-sound[data-state=on]")
            with app.app_context():
                case = lifecycle.open_case("voice", "+919833300021", status="queued", queue="emergency",
                                           priority="P1", queued_at=utcnow() - timedelta(minutes=3), alarm_level=1)
                db.session.commit()
                case_id = case.id
            since = page.evaluate("Date.now()")
            page.evaluate("window.sampark.refresh && window.sampark.refresh()")
            page.wait_for_selector("#floor-alert:not([hidden])", timeout=20_000)
            page.wait_for_timeout(4_500)
            assert _tones_since(page, since).count(880) >= 2  # a tone every two seconds
            titles = set()
            for _ in range(4):
                titles.add(page.title())
                page.wait_for_timeout(400)
            assert any("not accepted" in t for t in titles), titles  # the title flashes
            page.screenshot(path=str(ARTIFACTS / "floor_alert_sounding.png"))

            with app.app_context():
                assert tier2.accept(case_id, db.session.get(StaffUser, doctor_id)) is not None
                db.session.commit()
            page.evaluate("window.sampark.refresh && window.sampark.refresh()")
            page.wait_for_selector("#floor-alert", state="hidden", timeout=20_000)
            quiet_since = page.evaluate("Date.now()")
            titles = set()
            for _ in range(6):
                titles.add(page.title())
                page.wait_for_timeout(400)
            assert titles == {"Floor · Sampark"}, titles
            assert _tones_since(page, quiet_since + 300) == []
        finally:
            context.close()

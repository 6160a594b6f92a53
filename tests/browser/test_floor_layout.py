"""The doctor's and the supervisor's tables show every Accept without sideways scrolling at the three screen sizes
of the floor, every emergency in the banner can be accepted, and an emergency nobody accepted alerts the floor.
Screenshots of each size are left in test-artifacts/ to look at."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.cases import lifecycle
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.live import served

pytestmark = pytest.mark.browser
SIZES = [(1280, 720), (1440, 900), (1920, 1080)]
LONG = ("Fever for a week, now confused and drowsy; daughter says he has not eaten since yesterday and is "
        "diabetic on insulin, sugar not checked")


def _waiting(app) -> list[str]:
    """Three emergencies waiting past the threshold and three escalations with long summaries; their references."""
    with app.app_context():
        refs = []
        for n in range(3):
            case = lifecycle.open_case("voice", f"+91981000050{n}", status="queued", queue="emergency", priority="P1",
                                       queued_at=utcnow() - timedelta(minutes=4 + n), alarm_level=1,
                                       alarm_raised_at=utcnow() - timedelta(minutes=4))
            refs.append(case.reference)
        for n in range(3):
            case = lifecycle.open_case("sms", f"+91981000051{n}", status="escalated", queue="tier2", priority="P2",
                                       queued_at=utcnow() - timedelta(minutes=9), escalated_at=utcnow() - timedelta(minutes=3),
                                       escalation_summary=LONG, specialty="general_medicine")
            refs.append(case.reference)
        db.session.commit()
        return refs


def _login(browser, base: str, username: str, size: tuple[int, int], landing: str):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-IN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    prompts = []
    page.on("dialog", lambda d: (prompts.append(d.message), d.dismiss()))
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}{landing}")
    page.wait_for_selector("#live[data-state=live]")
    return context, page, prompts


def _accepts_fit(page, width: int) -> None:
    page.wait_for_function("() => document.querySelectorAll('#waiting button[data-accept]').length === 6")
    # Measured in one go in the page: the live board may redraw the rows between two calls from here.
    fits = page.evaluate("""() => {
      const section = document.querySelector('#waiting').closest('section').getBoundingClientRect();
      return Array.from(document.querySelectorAll('#waiting button[data-accept]')).map((b) => {
        const r = b.getBoundingClientRect();
        return r.width > 0 && r.right <= Math.min(window.innerWidth, section.right) + 0.5;
      });
    }""")
    assert fits == [True] * 6, f"an Accept is cut off at {width} px: {fits}"
    scroll, client = page.evaluate(
        "() => { const s = document.querySelector('#waiting').closest('section'); return [s.scrollWidth, s.clientWidth]; }")
    assert scroll <= client, "the waiting table scrolls sideways"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_doctor_and_the_supervisor_see_every_accept_and_every_emergency(browser, tmp_path, size):
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            doctor = factories.make_staff("doctor", username="dr_wide", name="Dr. Wide", specialty="general_medicine")
            doctor.on_duty = True
            factories.make_staff("supervisor", username="lead", name="Team Lead")
            db.session.commit()
        refs = _waiting(app)
        ARTIFACTS.mkdir(exist_ok=True)
        tag = f"{size[0]}x{size[1]}"
        for username, who in (("dr_wide", "doctor"), ("lead", "supervisor")):
            context, page, prompts = _login(browser, base, username, size, "/doctor/")
            try:
                _accepts_fit(page, size[0])
                if who == "doctor":
                    page.wait_for_selector("#alarm:not([hidden])")
                    offered = {page.get_attribute("#alarm", "data-case")} | {
                        b.get_attribute("data-accept-alarm") for b in page.locator("#alarm [data-accept-alarm]").all()}
                    assert len(offered) == 3  # every emergency can be accepted from the banner
                page.screenshot(path=str(ARTIFACTS / f"floor_layout_{who}_tier2_{tag}.png"), full_page=False)
                assert not prompts
            finally:
                context.close()
        context, page, prompts = _login(browser, base, "lead", size, "/supervisor")
        try:
            page.wait_for_selector("#floor-alert:not([hidden])")
            alert = page.inner_text("#floor-alert")
            assert all(ref in alert for ref in refs[:3]) and "not accepted" in alert.lower()
            assert "Sampark" in page.title() and "emergenc" in page.title()
            assert page.inner_text("#doctors-logged-in") == "1" and page.inner_text("#doctors-on-duty") == "1"
            scroll, client = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert scroll <= client
            page.screenshot(path=str(ARTIFACTS / f"floor_layout_supervisor_floor_{tag}.png"), full_page=True)
            page.goto(f"{base}/wallboard")
            page.wait_for_selector("body[data-emergency=true]")  # the wall turns red
            assert page.is_visible("#wall-alert") and page.inner_text("[data-count=on_duty] .wall-mid") == "1"
            page.screenshot(path=str(ARTIFACTS / f"floor_layout_wallboard_{tag}.png"))
        finally:
            context.close()


def test_a_supervisor_gives_reasons_in_the_page_not_in_a_browser_prompt(browser, tmp_path):
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            factories.make_staff("operator", username="op_one", name="Operator One")
            factories.make_staff("supervisor", username="lead", name="Team Lead")
        context, page, prompts = _login(browser, base, "lead", (1440, 900), "/supervisor")
        try:
            page.wait_for_selector("#agents select.state-select")
            page.select_option("#agents select.state-select", "break")
            page.wait_for_selector("#reason-dialog[open]")
            page.fill("#reason-text", "Tea break at the lead's request")
            page.screenshot(path=str(ARTIFACTS / "floor_reason_dialog.png"))
            page.click("#reason-form button[type=submit]")
            page.wait_for_selector("#monitor-status:has-text('on a break')")
            assert not prompts
        finally:
            context.close()

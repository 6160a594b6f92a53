"""The operator's emergency key and the unsigned-rules notice, in a real Chromium at desk sizes."""

from __future__ import annotations

import pytest

from crm.models import Case
from crm.platform.extensions import db
from tests import factories
from tests.browser.operator_desk import desk_fixture, held_jobs_live_app, log_in, make_operator, text_in  # noqa: F401
from triage import RULES_VERSION, unsigned_versions

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_one_key_raises_a_routine_text_to_an_emergency(live_server, live_app, desk, size):
    text_in(live_server, "mera health card kho gaya hai, naya card chahiye", "+919810000481")
    page = desk(f"desk_{size[0]}", *size)
    log_in(page, live_server, make_operator(live_app, "Sunita Rawat"))
    if RULES_VERSION in unsigned_versions():
        assert page.locator(".triage-unsigned").is_visible()
        assert f"Triage rules {RULES_VERSION}" in page.inner_text(".triage-unsigned")
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    page.wait_for_selector("#reason")
    page.fill("#reason", "caller now says her mother is gasping")
    page.keyboard.press("Escape")
    page.keyboard.press("9")
    page.wait_for_function("() => document.body.innerText.includes('EMERGENCY raised')")
    with live_app.app_context():
        case = db.session.query(Case).one()
        assert (case.priority, case.queue, case.status) == ("P1", "emergency", "escalated")
        assert case.escalation_summary.endswith("caller now says her mother is gasping")


def test_the_floor_shows_the_alarm_burden_and_the_unsigned_rules(live_server, live_app, desk):
    with live_app.app_context():
        username = factories.make_staff("supervisor", name="Rekha Iyer").username
    page = desk("floor", 1280, 720)
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/supervisor")
    assert page.locator("#alarm-burden-title").count() == 1
    assert "emergencies rang every doctor on duty" in page.inner_text(".alarm-burden")
    page.locator(".alarm-burden").scroll_into_view_if_needed()
    page.locator(".alarm-burden").screenshot(path="test-artifacts/test_floor_alarm_burden_section.png")
    if RULES_VERSION in unsigned_versions():
        assert page.locator(".triage-unsigned").is_visible()

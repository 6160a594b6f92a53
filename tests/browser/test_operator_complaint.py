"""An operator records the caller's complaint from the case they are working (the workspace's link)."""

import pytest

from tests.browser.operator_desk import desk_fixture, held_jobs_live_app, log_in, make_operator, text_in  # noqa: F401
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_record_a_complaint_from_the_case(live_server, live_app, desk):
    page = desk("operator", 1280, 720)
    log_in(page, live_server, make_operator(live_app, "Priya Sharma"))
    text_in(live_server, "do hafte se khansi hai", sender="+919810007777")
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    page.wait_for_selector("#case-ref:has-text('SMP-')")
    link = page.locator("#complaint-link")
    assert link.get_attribute("href").startswith("/grievances/new?case_id=")
    assert link.get_attribute("target") == "_blank"  # the case stays open beside it
    form = page.context.new_page()
    form.goto(live_server + link.get_attribute("href"))
    form.select_option("#category", "facility")
    form.select_option("#language", "hl")
    form.fill("#body", "Clinic staff did not give medicine and made him wait 3 hours")
    form.click("main form button[type=submit]")
    assert form.inner_text("#grievance-ref") == "GRV-00001"
    form.screenshot(path=str(ARTIFACTS / "operator_complaint_recorded_1280.png"), full_page=True)

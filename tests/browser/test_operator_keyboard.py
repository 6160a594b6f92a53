"""An operator works a case from the queue to its report with the keyboard alone."""

import re

import pytest

from crm.models import Case
from crm.platform import sms_templates
from crm.platform.extensions import db
from tests import factories
from tests.browser.operator_desk import desk_fixture, held_jobs_live_app, make_operator, text_in  # noqa: F401
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
ADVICE = "Paracetamol 500 mg if fever above 100F, plenty of fluids; Mohalla Clinic if not better in 2 days."


def test_keyboard_only_from_queue_to_report(live_server, live_app, desk):
    page = desk("workspace")
    username = make_operator(live_app, "Priya Sharma")
    page.goto(f"{live_server}/login")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(username)  # the username field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#conn[data-state=live]")

    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")

    text_in(live_server, "teen din se bukhar hai, sir dard bhi", sender="+919810005555")
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    page.wait_for_selector("#case-ref:has-text('SMP-')")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'reason'")
    page.keyboard.type("Fever 3 days with headache, adult")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#toast:has-text('Assessment saved')")
    page.keyboard.press("Escape")

    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "disposition"
    page.keyboard.press("ArrowDown")  # the first code: home-care advice
    assert page.input_value("#disposition") == "home_care"
    page.keyboard.press("Tab")
    page.keyboard.type(ADVICE)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#wrapup:not([hidden])")
    assert "Resolved" in page.inner_text("#wrapup-outcome")
    page.wait_for_selector("[data-presence=wrap_up][aria-checked=true]")

    page.keyboard.press("s")
    # The report's SMS is the registered text (DLT): the case's reference and where the advice is read, not the advice.
    page.wait_for_selector("#report-sms-preview:has-text('SMP-')")
    preview = sms_templates.match(page.inner_text("#report-sms-preview").strip())
    assert preview is not None and preview.name == "case_report"
    with page.context.expect_page() as opened:
        page.keyboard.press("p")
    report = opened.value
    report.wait_for_load_state()
    rows = report.inner_text(".report-timeline")
    assert re.search(r"Priya Sharma \(operator\)\s+Answered from tier1", rows)
    assert "Assessment: Fever 3 days with headache" in rows and "Resolved: Home-care advice given" in rows
    assert ADVICE in report.inner_text(".report")
    report.screenshot(path=str(ARTIFACTS / "test_keyboard_only_from_queue_to_report_report.png"), full_page=True)
    report.close()

    page.bring_to_front()
    page.keyboard.press("a")  # ready for the next case: wrap-up ends, the case closes
    page.wait_for_selector("#case-empty:not([hidden])")
    page.wait_for_selector("[data-presence=available][aria-checked=true]")
    with live_app.app_context():
        case = db.session.scalars(db.select(Case)).one()
        assert (case.status, case.disposition, case.advice) == ("closed", "home_care", ADVICE)

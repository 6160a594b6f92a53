"""The triage review page in a real browser: a doctor reads why each message is there and labels one."""

from __future__ import annotations

import pytest

from crm.models import Case
from crm.platform.extensions import db
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.triage_review.seed import staff_raised, triaged_sms

pytestmark = pytest.mark.browser


def seed(app) -> str:
    """A doctor, and messages the floor, the model and an operator each had a say on."""
    with app.test_request_context():
        doctor = factories.make_staff(role="doctor", name="Dr. Asha")
        operator = factories.make_staff(role="operator")
        triaged_sms("achanak ajeeb lag raha hai", phone="+919811100001")
        triaged_sms("papa ke haath me kuch ajeeb ho raha hai", phone="+919811100002")
        triaged_sms("माँ के पैर में अजीब सा लग रहा है", phone="+919811100003")
        case = triaged_sms("pet me dard hai", phone="+919811100004")
        staff_raised(db.session.get(Case, case.id), operator.id, "P1")
        username = doctor.username
        db.session.remove()
    return username


def test_a_doctor_labels_a_message_in_the_browser(live_app, live_server, page) -> None:
    username = seed(live_app)
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.click("text=Triage review")
    page.wait_for_url("**/triage-review/")
    rows = page.locator("table.review tbody tr")
    assert rows.count() == 4
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1440, 900), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"triage_review_{width}x{height}.png"))
    row = page.locator("tr", has_text="papa ke haath")
    assert "model_P1" in row.inner_text() and "Layers disagreed" in row.inner_text()
    row.locator("select[name=priority]").select_option("P1")
    row.locator("select[name=specialty]").select_option("neurology")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".flash")
    row = page.locator("tr", has_text="papa ke haath")
    assert "Labelled" in row.inner_text() and "neurology" in row.inner_text()
    page.click("text=Staff changed priority")
    page.wait_for_url("**reason=staff_changed")
    assert page.locator("table.review tbody tr").count() == 1
    assert "pet me dard hai" in page.locator("table.review").inner_text()

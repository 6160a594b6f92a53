"""The access log in Chromium: a supervisor reviews a break-the-glass read and searches by staff member."""

from __future__ import annotations

import pytest

from crm.cases import lifecycle, notes, tier2
from crm.models.base import utcnow
from crm.platform import audit
from crm.platform.extensions import db
from tests import factories

pytestmark = pytest.mark.browser


def _seed(app) -> dict:
    with app.app_context():
        operator, doctor = factories.make_staff("operator", name="Asha Verma"), factories.make_staff("doctor")
        other = factories.make_staff("doctor", name="Dr. Vikram Rao")
        supervisor = factories.make_staff("supervisor")
        factories.make_patient(name="Kamla Devi", mobile="+919810000555")
        case = lifecycle.open_case("sms", "+919810000555", status="queued", queue="tier1", queued_at=utcnow())
        db.session.commit()
        lifecycle.claim(case.id, operator)
        tier2.escalate(case, operator, None, "urgent", "Fever and rash")
        db.session.commit()
        tier2.accept(case.id, doctor)
        notes.write(case, doctor, "Measles likely")
        notes.read(case, other, "Patient walked into my clinic today")
        db.session.commit()
        # the operator's queue shows two callers at once: one audit row names both
        rafiq = factories.make_patient(name="Rafiq Ahmed", mobile="+919810000556")
        second = lifecycle.open_case("sms", "+919810000556", status="queued", queue="tier1", queued_at=utcnow())
        db.session.commit()
        audit.record("list_tier1", via="board", staff_id=operator.id, cases=[case.id, second.id],
                     patients=[case.patient_id, second.patient_id], count=2)
        db.session.commit()
        seeded = {"supervisor": supervisor.username, "other": other.username, "rafiq": str(rafiq.id)}
        db.session.remove()
    return seeded


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_supervisor_reviews_break_the_glass_and_searches(browser, live_app, live_server, size):
    seeded = _seed(live_app)
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-IN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", seeded["supervisor"])
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/access-log/")
    # a supervisor has ten links: at 1280 they wrap, and the account and "Log out" stay on the screen
    for control in (page.locator("header .whoami a.who"), page.get_by_role("button", name="Log out")):
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= size[0]
    assert "Patient walked into my clinic today" in page.inner_text("table.log >> nth=0")
    page.screenshot(path=f"test-artifacts/access_log_{size[0]}x{size[1]}.png", full_page=False)
    page.click("button[value=justified]")
    assert "Review recorded." in page.inner_text("main")
    assert "Break-the-glass reads to review" not in page.inner_text("main")
    page.fill("input[name=staff]", seeded["other"])
    page.click("form.filters button[type=submit]")
    found = page.inner_text("table.log")
    assert "break_glass" in found and "Dr. Vikram Rao" in found and "Measles" not in found
    # a resident shown among others in a queue finds that read too, with how many were shown
    page.fill("input[name=staff]", "")
    page.fill("input[name=patient]", seeded["rafiq"])
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.log >> nth=-1").locator("tbody tr")
    assert rows.count() == 1 and "list_tier1" in rows.inner_text() and "2 residents" in rows.inner_text()
    page.screenshot(path=f"test-artifacts/access_log_patient_{size[0]}x{size[1]}.png", full_page=False)
    context.close()

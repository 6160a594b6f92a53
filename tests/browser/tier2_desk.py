"""Helpers for the tier-2 browser tests: a doctor's logged-in page at a given screen size."""

from __future__ import annotations

from crm.platform.extensions import db
from tests import factories

SIZES = {"desk": (1440, 900), "laptop": (1280, 720)}


def make_doctor(app, username: str, specialty: str | None = None, on_duty: bool = True) -> int:
    """A doctor (on duty by default); returns the id."""
    with app.app_context():
        doctor = factories.make_staff("doctor", username=username, specialty=specialty, name=f"Dr. {username}")
        doctor.on_duty = on_duty
        db.session.commit()
        return doctor.id


def doctor_page(browser, base: str, username: str, size: str = "desk"):
    """(context, page): the doctor logged in on the Tier 2 page, live."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-IN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/doctor/")
    page.wait_for_selector("#live[data-state=live]")
    return context, page

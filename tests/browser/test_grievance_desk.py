"""A grievance officer on a busy day (real Chromium at 1440x900 and 1280x720): the overdue ones are at the top of the
desk in red and in words, above the fold; the grievance's page holds the citizen's words, a note, a reply and a
resolution of several paragraphs, each in its history."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from time import sleep as sleep_for

import pytest

from crm.citizens.grievances import services
from crm.models import Facility, Grievance
from crm.models.base import DELHI, utcnow
from crm.platform.extensions import db
from tests import factories
from tests.browser.floor_desk import log_in
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
SIZES = ((1440, 900), (1280, 720))
ANSWER = ("We spoke to the clinic's in-charge on Monday.\n\nThe doctor's hours were wrong on the board: they are now "
          "9 am to 3 pm, Monday to Saturday.\n\nThe guard who turned you away has been told to let every patient in "
          "until closing time.")


def _delhi_midnight(now: datetime) -> datetime:
    """The end of Delhi's day that `now` is in."""
    day = now.astimezone(DELHI).date() + timedelta(days=1)
    return datetime.combine(day, time(), DELHI)


def _wait_past_a_delhi_midnight_if_near() -> None:
    """"Due today" is Delhi's day: within two minutes of its end the test would race it, so it starts the next day."""
    left = (_delhi_midnight(utcnow()) - utcnow()).total_seconds()
    if left < 120:
        sleep_for(left + 2)


def _busy_desk(app) -> tuple[str, int]:
    """A facilities officer with 14 open grievances: 3 overdue, 2 due today, the rest later; returns the username and
    the most overdue one's id."""
    with app.app_context():
        clinic = Facility(code="MC-SEELAMPUR", name="Aam Aadmi Mohalla Clinic", kind="mohalla_clinic",
                          district="North East", address="Gali 4, Brahmpuri Road", ward="Seelampur")
        db.session.add(clinic)
        officer = factories.make_staff("officer", name="Kavita Rao")
        officer.section = "facilities"
        db.session.commit()
        now, first = utcnow(), None
        for n, days_ago in enumerate([9, 8, 8, 6, 5, 4, 3, 2, 1, 1, 0, 0, 0, 0]):
            grievance = services.file("staff" if n % 3 else "facility", f"Complaint {n}: the clinic was shut when "
                                      "the board said open, and the guard was rude to my mother <b>twice</b>.",
                                      "portal", f"+9198100{n:05d}", "en", facility=clinic,
                                      now=now - timedelta(days=days_ago, hours=1))
            first = first or grievance.id
        # Each one's deadline set outright, so the counts do not hang on the hour the test runs at (a grievance filed six
        # days ago is due "today" only in Delhi's first hours): three overdue, two later today, the rest on later days.
        filed = db.session.scalars(db.select(Grievance).where(Grievance.id >= first).order_by(Grievance.id)).all()
        midnight = _delhi_midnight(now)
        for n, grievance in enumerate(filed):
            if n < 3:
                grievance.due_at = now - timedelta(days=3 - n, hours=1)
            elif n in (11, 12):  # later today in Delhi, whatever the hour
                grievance.due_at = now + min(timedelta(minutes=30), (midnight - now) / 2)
            else:
                grievance.due_at = midnight + timedelta(days=n, hours=2)
        db.session.commit()
        return officer.username, first


def test_an_officer_finds_the_overdue_ones_at_a_glance_and_works_one(browser, live_server, live_app):
    _wait_past_a_delhi_midnight_if_near()
    username, worst = _busy_desk(live_app)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-IN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, live_server, username, "/grievances")
        ARTIFACTS.mkdir(exist_ok=True)
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            assert page.inner_text("#desk-counts .count-overdue") == "3 overdue"
            assert page.inner_text("#desk-counts .count-today") == "2 due today"
            flags = page.locator("#grievances .deadline-overdue")
            assert flags.count() == 3 and flags.first.inner_text().startswith("Overdue by ")
            # all three overdue rows are on the first screen, first in the list, and red (not colour alone: words)
            assert flags.nth(2).bounding_box()["y"] + 20 < height
            assert page.locator("#grievances tbody tr").first.get_attribute("data-deadline") == "overdue"
            assert page.evaluate("getComputedStyle(document.querySelector('.deadline-overdue')).backgroundColor") \
                == "rgb(179, 38, 30)"
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(ARTIFACTS / f"grievance_desk_{width}.png"))

        page.click(f"#g{worst} a >> nth=0")
        page.wait_for_selector("#grievance[data-status=open]")
        assert "<b>twice</b>" in page.inner_text("#citizen-text")  # the citizen's words as typed, never as HTML
        page.fill("#note-body", "Called the in-charge; roster photo asked for")
        page.click("form[action$='/note'] button")
        page.wait_for_selector("#history-list .event-note")
        page.fill("#reply-body", "Sorry for this. We are checking with the clinic and will answer by Friday.")
        page.click("form[action$='/reply'] button")
        page.wait_for_selector("#grievance[data-status=in_progress] #history-list .event-reply")
        page.fill("#resolution", ANSWER)
        box = page.locator("#resolution").bounding_box()
        assert box["height"] > 180  # the whole answer is in view while it is written
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(ARTIFACTS / f"grievance_detail_{width}.png"), full_page=True)
        page.click("form[action$='/status'] button.primary-action")
        page.wait_for_selector("#grievance[data-status=resolved]")
        history = page.inner_text("#history-list")
        assert "Internal note" in history and "Reply to the citizen" in history and "Marked resolved" in history
        assert "they are now 9 am to 3 pm" in page.inner_text("#resolution-text")
    finally:
        context.close()

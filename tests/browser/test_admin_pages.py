"""Administration in Chromium: an admin creates an operator who then logs in, resets a password, revokes a token."""

from __future__ import annotations

import pytest
import requests

from crm.models import StaffUser
from crm.platform.extensions import db
from crm.staff.auth import tokens
from tests import factories
from tests.browser.floor_desk import log_in
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
SIZES = [(1440, 900), (1280, 720)]


def _context(browser, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-IN")
    context.set_default_timeout(15_000)
    return context


def _shot(page, name: str, size) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"admin_{name}_{size[0]}x{size[1]}.png"))


def _seed(app) -> dict:
    with app.app_context():
        boss = factories.make_staff("admin", name="Farah Ali")
        factories.make_staff("doctor", name="Dr. Vikram Rao", specialty="cardiology")
        old = factories.make_staff("operator", name="Ravi Kumar")
        token = tokens.issue(old, "wallboard script")
        seeded = {"admin": boss.username, "old": old.username, "old_id": old.id, "token": token}
        db.session.remove()
    return seeded


@pytest.mark.parametrize("size", SIZES)
def test_admin_creates_an_operator_who_then_logs_in(browser, live_app, live_server, size):
    seeded = _seed(live_app)
    context = _context(browser, size)
    page = context.new_page()
    complaints = []
    page.on("console", lambda m: complaints.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: complaints.append(str(exc)))
    log_in(page, live_server, seeded["admin"], "/admin/staff/")
    assert "Dr. Vikram Rao" in page.inner_text("table.staff-table")
    _shot(page, "staff_list", size)
    page.click("text=New staff member")
    page.fill("input[name=username]", "asha.verma")
    page.fill("input[name=name]", "Asha Verma")
    page.select_option("select[name=role]", "operator")
    page.fill("input[name=desk_phone]", "011 2345 6789")
    _shot(page, "staff_new", size)
    page.click("#new-staff button[type=submit]")
    password = page.inner_text("#one-time-password").strip()
    assert len(password) >= 10 and page.inner_text("#shown-username") == "asha.verma"
    _shot(page, "created", size)

    desk = context.browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-IN")
    operator = desk.new_page()
    operator.goto(f"{live_server}/login")
    operator.fill("#username", "asha.verma")
    operator.fill("#password", password)
    operator.click("button[type=submit]")
    operator.wait_for_url(f"{live_server}/workspace")
    assert "Asha Verma" in operator.inner_text(".whoami")
    desk.close()

    page.click("text=Back to Asha Verma")
    assert page.input_value("input[name=desk_phone]") == "+911123456789"
    _shot(page, "staff_page", size)
    assert complaints == []  # no script error, nothing refused by the Content-Security-Policy
    context.close()


def test_admin_resets_a_password_and_the_old_one_stops_working(browser, live_app, live_server):
    seeded = _seed(live_app)
    context = _context(browser, SIZES[0])
    page = context.new_page()
    log_in(page, live_server, seeded["admin"], "/admin/staff/")
    page.fill("input[name=q]", "ravi")
    page.click("form.filters button[type=submit]")
    page.click("text=Ravi Kumar")
    page.click("#reset-password button")
    new_password = page.inner_text("#one-time-password").strip()
    assert "session" in page.inner_text("main")
    _shot(page, "password_reset", SIZES[0])

    login = requests.Session()
    token = login.get(f"{live_server}/login").text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    old = login.post(f"{live_server}/login", allow_redirects=False,
                     data={"username": seeded["old"], "password": factories.PASSWORD, "csrf_token": token})
    assert old.status_code == 401
    new = login.post(f"{live_server}/login", allow_redirects=False,
                     data={"username": seeded["old"], "password": new_password, "csrf_token": token})
    assert new.status_code == 302
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_admin_revokes_a_token_and_the_api_refuses_it(browser, live_app, live_server, size):
    seeded = _seed(live_app)
    bearer = {"Authorization": f"Bearer {seeded['token']}"}
    assert requests.get(f"{live_server}/api/v1/me", headers=bearer).status_code == 200
    context = _context(browser, size)
    page = context.new_page()
    log_in(page, live_server, seeded["admin"], "/admin/staff/")
    page.goto(f"{live_server}/admin/staff/{seeded['old_id']}")
    row = page.locator("#tokens tr[data-token]")
    assert "wallboard script" in row.inner_text() and "live" in row.inner_text().lower()
    page.click("#tokens button:has-text('Revoke')")
    assert "no longer works anywhere" in page.inner_text(".flash")
    assert "revoked" in page.locator("#tokens tr[data-token]").inner_text().lower()
    _shot(page, "token_revoked", size)
    assert requests.get(f"{live_server}/api/v1/me", headers=bearer).status_code == 401
    context.close()


def test_admin_disables_an_account_and_its_open_desk_is_logged_out(browser, live_app, live_server):
    seeded = _seed(live_app)
    context = _context(browser, SIZES[1])
    desk = context.browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-IN")
    operator = desk.new_page()
    log_in(operator, live_server, seeded["old"], "/workspace")
    page = context.new_page()
    log_in(page, live_server, seeded["admin"], "/admin/staff/")
    page.goto(f"{live_server}/admin/staff/{seeded['old_id']}")
    page.click("#disable button")
    assert page.inner_text("#account-state").lower() == "disabled"
    operator.goto(f"{live_server}/workspace")
    operator.wait_for_url(lambda url: "/login" in url)
    with live_app.app_context():
        assert not db.session.get(StaffUser, seeded["old_id"]).active
    desk.close()
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_admin_sets_a_doctors_duty_schedule(browser, live_app, live_server, size):
    from datetime import timedelta

    from crm.models import Facility
    from crm.models.base import local, utcnow

    seeded = _seed(live_app)
    with live_app.app_context():
        db.session.add(Facility(code="HS-GTB", name="Guru Teg Bahadur Hospital", kind="hospital", district="Shahdara"))
        doctor_id = StaffUser.query.filter_by(name="Dr. Vikram Rao").one().id
        db.session.commit()
        db.session.remove()
    day = (local(utcnow()) + timedelta(days=3)).date()
    context = _context(browser, size)
    page = context.new_page()
    log_in(page, live_server, seeded["admin"], "/admin/staff/")
    page.goto(f"{live_server}/admin/staff/{doctor_id}")
    page.fill("#schedule input[name=day]", day.isoformat())
    page.fill("#schedule input[name=start]", "10:00")
    page.fill("#schedule input[name=end]", "12:00")
    page.fill("#schedule input[name=minutes]", "20")
    page.click("#schedule button[type=submit]")
    assert "6 new slots for Dr. Vikram Rao" in page.inner_text(".flash")
    row = page.inner_text("#schedule tbody tr")
    assert day.strftime("%d %b %Y") in row and "10:00–12:00" in row and "Guru Teg Bahadur Hospital" in row
    page.locator("#schedule").scroll_into_view_if_needed()
    _shot(page, "schedule", size)
    context.close()

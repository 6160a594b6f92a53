"""Every staff page works under the Content-Security-Policy: no inline script, nothing refused, buttons alive."""

from __future__ import annotations

import pytest

from crm.cases import lifecycle
from crm.models import StaffUser
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_lookup_desk import log_in, seed_sunita

pytestmark = pytest.mark.browser


def _watch(page) -> list[str]:
    """Collect every console complaint and page error (a CSP refusal shows up as one)."""
    complaints: list[str] = []
    page.on("console", lambda m: complaints.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: complaints.append(str(exc)))
    return complaints


def _csp(complaints: list[str]) -> list[str]:
    return [c for c in complaints if "Content Security Policy" in c or "Refused to" in c]


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_the_lookup_desk_refuses_a_revoked_card_with_no_csp_complaint(live_app, live_server, page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    complaints = _watch(page)
    seeded = seed_sunita(live_app)
    with live_app.app_context():
        cards.revoke(seeded.card_number, "holder deceased")
        db.session.commit()
    log_in(page, live_server, seeded.username)
    page.fill("#number-input", seeded.card_number)
    page.press("#number-input", "Enter")
    error = page.locator("#result .lookup-error")
    error.wait_for()
    assert error.get_attribute("data-code") == "card_revoked"
    assert "Card not valid" in error.inner_text() and "holder deceased" in error.inner_text()
    assert page.locator("#result article.patient-panel").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lookup_revoked_card_{size[0]}x{size[1]}.png"), full_page=True)
    assert _csp(complaints) == []


def test_workspace_report_print_button_and_no_csp_complaint(live_app, live_server, page):
    complaints = _watch(page)
    with live_app.app_context():
        staff = factories.make_staff("supervisor")
        case = lifecycle.open_case("sms", "+919810000001", status="queued", queue="tier1", queued_at=utcnow())
        db.session.commit()
        username, case_id = staff.username, case.id
    page.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1; };")
    log_in(page, live_server, username)
    page.goto(f"{live_server}/workspace/cases/{case_id}/report")
    page.click("button[data-action=print]")
    assert page.evaluate("window.__printed") == 1
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "report_page_under_csp.png"), full_page=True)
    assert _csp(complaints) == []


@pytest.mark.parametrize("role, path", [("operator", "/workspace/"), ("doctor", "/doctor/"),
                                        ("registrar", "/cards/{number}")])
def test_each_desk_loads_its_scripts_under_the_policy(live_app, live_server, page, role, path):
    complaints = _watch(page)
    seeded = seed_sunita(live_app, role=role)
    log_in(page, live_server, seeded.username)
    page.goto(live_server + path.format(number=seeded.card_number))
    page.wait_for_load_state("networkidle")
    assert _csp(complaints) == [], complaints


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_my_account_page_revokes_a_token(live_app, live_server, page, size):
    from crm.staff.auth import tokens

    page.set_viewport_size({"width": size[0], "height": size[1]})
    complaints = _watch(page)
    seeded = seed_sunita(live_app, role="doctor")
    with live_app.app_context():
        staff = db.session.get(StaffUser, seeded.staff_id)
        tokens.issue(staff, "ward laptop")
    log_in(page, live_server, seeded.username)
    page.click("a.who")
    page.wait_for_selector("text=this device")
    page.click("tr:has-text('ward laptop') button")
    page.wait_for_selector("text=The token is revoked")
    assert "revoked" in page.locator("tr:has-text('ward laptop')").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"account_page_{size[0]}x{size[1]}.png"), full_page=True)
    assert _csp(complaints) == []

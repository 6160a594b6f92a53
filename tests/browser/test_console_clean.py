"""Every staff page, opened by each demo role, leaves the browser console clean: no CSP refusal, no script error.

The pages are the app's own list of GET URLs (a page added later is visited too, or the check of the list
fails); the world is the demo's seed, so each page has something to show. One browser context per role.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.cases import lifecycle
from crm.citizens.grievances import services as grievances
from crm.models import DataRequest, HealthCard, Patient, PatientMerge, StaffUser
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.residents.duplicates import review
from crm.seed import demo

pytestmark = pytest.mark.browser

ROLES = ("operator1", "doctor1", "supervisor1", "registrar1", "field1", "admin1", "officer1")
NOT_STAFF_PAGES = ("/api/", "/telephony/", "/static/", "/emulator/", "/portal/", "/fhir/", "/.well-known/")
NOT_PAGES = {  # files and fragments other pages fetch; they are not opened as pages
    "card_office.rejects", "card_office.print_sheet", "card_office.print_csv", "field.photo", "field.service_worker",
    "triage_review.export",
    "doctor.case_panel", "operator_desk.patient_fragment",
    "health.healthz", "health.readyz", "metrics.scrape",  # for the balancer and Prometheus, not people
}
WITH_IDS = {  # endpoint -> its URL in the seeded world
    "admin.staff_page": "/admin/staff/{staff}", "pages.card_page": "/cards/{card}",
    "enrollment.merge_page": "/enrollment/merges/{merge}", "enrollment.duplicates": "/enrollment/patients/{patient}/duplicates",
    "grievances.new_for_case": "/grievances/new?case_id={case}", "pages.patient_page": "/patients/{patient}",
    "operator_desk.report_page": "/workspace/cases/{case}/report",
    "card_office.data_request": "/card-office/data-requests/{data_request}",
    "grievances.detail": "/grievances/{grievance}",
    "duplicates.pair_page": "/card-office/duplicates/{pair}",
}


def staff_pages(app) -> dict[str, frozenset | None]:
    """URL of every staff page -> the roles it lets in (None: anyone), from the app's URL map."""
    found = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(NOT_STAFF_PAGES) or rule.endpoint in NOT_PAGES:
            continue
        if rule.arguments or rule.endpoint in WITH_IDS:
            assert rule.endpoint in WITH_IDS, f"a staff page with arguments this test cannot open: {rule.rule}"
        view = app.view_functions[rule.endpoint]
        found[WITH_IDS.get(rule.endpoint, rule.rule)] = getattr(view, "allowed_roles", None)
    return found


@pytest.fixture
def demo_world(live_app):
    """The demo's seed (a small population) plus a case and a merge, so every page has data."""
    with live_app.app_context():
        for _line in demo.seed(residents=40):
            pass
        patients = db.session.scalars(select(Patient).order_by(Patient.id).limit(2)).all()
        case = lifecycle.open_case("sms", patients[0].mobile or "+919810000001", status="queued", queue="tier1",
                                   queued_at=utcnow())
        db.session.commit()
        registrar = db.session.scalar(select(StaffUser).where(StaffUser.username == "registrar1"))
        pair = review.pair_for(patients[0].id, patients[1].id)
        done = db.session.get(PatientMerge, review.merge(pair.id, patients[0].id, registrar, "same person, demo",
                                                         True).merge_id)
        asked = DataRequest(patient_id=patients[0].id, mobile=patients[0].mobile or "+919810000001", kind="erasure",
                            reason="Please remove my mobile number", status="open")
        db.session.add(asked)
        grievance = grievances.file("staff", "The guard was rude at the gate", "portal", "+919810000001")  # facilities'
        db.session.commit()
        ids = {"grievance": grievance.id, "staff": registrar.id, "card": db.session.scalar(select(HealthCard.number).limit(1)),
               "merge": done.id, "patient": patients[0].id, "case": case.id,
               "data_request": asked.id, "pair": pair.id}
        roles = {name: role for name, role, *_ in demo.DEMO_STAFF}
    pages = staff_pages(live_app)
    return {user: [path.format(**ids) for path, allowed in pages.items() if allowed is None or roles[user] in allowed]
            for user in ROLES}


def _complaints_on(context, base: str, username: str, paths: list[str]) -> dict[str, list[str]]:
    page = context.new_page()
    heard: list[str] = []
    page.on("console", lambda m: heard.append(f"{m.text} ({m.location.get('url')})")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: heard.append(str(exc)))
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state("networkidle")
    found = {"/login and the start page": list(heard)} if heard else {}
    for path in paths:
        heard.clear()
        response = page.goto(base + path)
        page.wait_for_load_state("networkidle")  # what the page's scripts fetch after loading is heard too
        if response is None or response.status != 200:
            heard.append(f"answered {response and response.status}")
        if heard:
            found[path] = list(heard)
    page.close()
    return found


def test_no_staff_page_logs_a_console_error_for_any_role(live_app, live_server, browser, demo_world):
    assert "/supervisor/reports" in demo_world["supervisor1"] and "/workspace" in demo_world["operator1"]
    complaints = {}
    for username, paths in demo_world.items():
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-IN")
        context.set_default_timeout(15_000)
        try:
            found = _complaints_on(context, live_server, username, paths)
        finally:
            context.close()
        complaints |= {f"{username} {path}": texts for path, texts in found.items()}
    assert complaints == {}, "\n".join(f"{where}: {texts}" for where, texts in complaints.items())

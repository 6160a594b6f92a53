"""Every staff page, opened by each demo role, leaves the browser console clean: no CSP refusal, no script error.

The pages are the app's own list of GET URLs (a page added later is visited too, or the check of the list
fails); the world is the demo's seed, so each page has something to show. One browser context per role; the roles
open their pages side by side.
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


class Desk:
    """One role signed in on a page of its own browser context, with what that page's console said."""

    def __init__(self, context, base: str, username: str) -> None:
        self.username, self.page, self.heard, self.found = username, context.new_page(), [], {}
        self.page.on("console", lambda m: self.heard.append(f"{m.text} ({m.location.get('url')})")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda exc: self.heard.append(str(exc)))
        self.page.goto(f"{base}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", demo.DEMO_PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(lambda url: "/login" not in url)
        self.page.wait_for_load_state("networkidle")
        self._note("/login and the start page", None)

    def start(self, url: str):
        """Begin opening `url` and return its answer once it arrives, without waiting for the page to settle."""
        self.heard.clear()
        with self.page.expect_navigation(wait_until="commit") as navigation:
            self.page.evaluate("url => window.location.assign(url)", url)
        return navigation.value

    def settle(self, path: str, response) -> None:
        """Wait until the page has loaded and its scripts' requests are over, then keep what it complained of."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_load_state("networkidle")  # what the page's scripts fetch after loading is heard too
        if response is None or response.status != 200:
            self.heard.append(f"answered {response and response.status}")
        self._note(path, response)

    def _note(self, where: str, response) -> None:
        if self.heard:
            self.found[where] = list(self.heard)


def _complaints_on(desks: list[Desk], base: str, paths: dict[str, list[str]]) -> dict[str, list[str]]:
    """Every role's pages, the roles side by side: each round opens the next page of every role at once, then
    waits for all of them to settle (the waits for quiet overlap instead of adding up)."""
    for round_ in range(max(len(p) for p in paths.values())):
        started = [(desk, paths[desk.username][round_]) for desk in desks if round_ < len(paths[desk.username])]
        answers = [(desk, path, desk.start(base + path)) for desk, path in started]
        for desk, path, response in answers:
            desk.settle(path, response)
    return {f"{desk.username} {where}": texts for desk in desks for where, texts in desk.found.items()}


def test_no_staff_page_logs_a_console_error_for_any_role(live_app, live_server, browser, demo_world):
    assert "/supervisor/reports" in demo_world["supervisor1"] and "/workspace" in demo_world["operator1"]
    contexts = []
    try:
        desks = []
        for username in demo_world:
            contexts.append(browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-IN"))
            contexts[-1].set_default_timeout(15_000)
            desks.append(Desk(contexts[-1], live_server, username))
        complaints = _complaints_on(desks, live_server, demo_world)
    finally:
        for context in contexts:
            context.close()
    assert complaints == {}, "\n".join(f"{where}: {texts}" for where, texts in complaints.items())

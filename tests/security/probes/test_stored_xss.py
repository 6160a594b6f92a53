"""Stored XSS on PostgreSQL: hostile text from every citizen-controlled way in, then every staff page shows it inert.

Each way in (a text, a WhatsApp message, spoken words on the IVR, the portal's grievance and card request forms,
the registry file, the enrolment desk) carries its own tagged payload. Then every GET route each role may use
is walked with every seeded id, and the desk's lookup panel with every resident: no HTML answer may hold a
payload raw; a JSON or CSV answer may (the page sets it as text), but never served as HTML or sniffable. Each
payload must be found somewhere a member of staff reads, so a way in that stops reaching the desk is noticed.
"""

from __future__ import annotations

import csv
import io
import itertools
import re

import pytest
from sqlalchemy import select

from crm.models import Case, DataRequest, Grievance, HealthCard, Patient
from crm.models.staff import ROLES
from crm.platform.extensions import db
from crm.residents.registry import REQUIRED_COLUMNS
from tests import factories
from tests.portal.conftest import sign_in
from tests.security.probes.walk import fill, routes, variables
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params, sid
from tests.telephony.test_voice import start

pytestmark = pytest.mark.pg
APP_SETTINGS = {"JOBS_HOLD": True, "JOBS_EAGER": False}
WAYS_IN = ["sms", "whatsapp", "speech", "grievance", "card_request_revised", "registry_name", "registry_name_hi",
           "registry_address", "registry_household", "enrolment_name", "enrolment_name_hi", "enrolment_address",
           "enrolment_place", "data_request_value", "data_request_reason"]
RAW = re.compile(r"<script>alert\(|<img src=x onerror|<svg/onload|\"><img", re.IGNORECASE)
NOT_HTML = ("application/json", "text/csv", "text/tab-separated-values", "application/pdf", "image/", "text/xml",
            "text/javascript", "application/javascript")


def hostile(tag: str) -> str:
    """A payload whose every piece names `tag` (XSS-<tag>), so the page it surfaces in says where it came from."""
    return (f'<script>alert("XSS-{tag}")</script>"><img src=x onerror=alert("XSS-{tag}")>'
            f"<svg/onload=alert('XSS-{tag}')>")


def _registry_file(tmp_path) -> str:
    row = {"registry_id": "XSSREG1", "epic": "", "name": hostile("registry_name"),
           "name_hi": hostile("registry_name_hi"), "dob": "1970-01-01", "age": "", "sex": "F",
           "mobile": "98111 44455", "household_id": hostile("registry_household")[:40], "address": hostile("registry_address"),
           "ward": "Seelampur", "relation": "self"}
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=REQUIRED_COLUMNS)
    writer.writeheader()
    writer.writerow(row)
    path = tmp_path / "registry.csv"
    path.write_text(text.getvalue())
    return str(path)


@pytest.fixture(scope="module")
def planted(probe_app, tmp_path_factory):
    """Every way in used once with its payload; staff of every role signed in; the ids to walk."""
    with probe_app.app_context():
        twilio, refused = probe_app.test_client(), {}
        sms = {"MessageSid": sid("SM"), "AccountSid": "AC" + "0" * 32, "From": "+919811100001",
               "To": "+911800112233", "Body": hostile("sms"), "NumMedia": "0"}
        assert twilio_sign.post(twilio, "/telephony/sms", sms).status_code == 200
        whatsapp = sms | {"MessageSid": sid("SM"), "From": "whatsapp:+919811100002",
                          "To": f"whatsapp:{probe_app.config['TWILIO_WHATSAPP_NUMBER']}", "Body": hostile("whatsapp")}
        assert twilio_sign.post(twilio, "/telephony/sms", whatsapp).status_code == 200
        call_sid, case, _ = start(twilio, "+919811100003")
        spoken = call_params(call_sid, "+919811100003", CallStatus="in-progress", SpeechResult=hostile("speech"))
        assert twilio_sign.post(twilio, f"/telephony/voice/menu?case={case.id}", spoken).status_code == 200

        result = probe_app.test_cli_runner().invoke(args=["registry", "import",
                                                          _registry_file(tmp_path_factory.mktemp("xss"))])
        assert result.exit_code == 0 and "created 1" in result.output, result.output
        imported = db.session.scalar(select(Patient).where(Patient.registry_id == "XSSREG1"))
        factories.make_card(imported)

        registrar, _ = factories.logged_in(probe_app, "registrar")
        form = {"name": hostile("enrolment_name"), "name_hi": hostile("enrolment_name_hi"), "sex": "M", "dob": "1985-02-03", "mobile": "98111 66677",
                "address": hostile("enrolment_address"), "ward": "Seelampur", "place": hostile("enrolment_place"),
                "confirm_new": "1"}
        enrolled = registrar.post("/enrollment/", data=form)
        if enrolled.status_code != 303:
            refused |= {way: enrolled.status_code for way in WAYS_IN if way.startswith("enrolment")}

        family = factories.make_patient(name="Portal Citizen", mobile="+919811100004")
        card = factories.make_card(family)
        citizen = probe_app.test_client()
        sign_in(citizen, family.mobile)
        citizen.post("/portal/grievances", data={"category": "facility", "body": hostile("grievance")})
        citizen.post(f"/portal/cards/{card.number}/request",
                     data={"kind": "revised", "detail": hostile("card_request_revised")})
        citizen.post("/portal/my-data/correct", data={"field": "name", "correct_value": hostile("data_request_value"),
                                                      "reason": hostile("data_request_reason")})

        staff = {}
        for role in ROLES:
            staff[role], member = factories.logged_in(probe_app, role)
            if role == "officer":  # the desk the portal's grievance went to
                member.section = db.session.scalar(select(Grievance.routed_to))
                db.session.commit()
        ids = {
            "case_id": list(db.session.scalars(select(Case.id))),
            "patient_id": list(db.session.scalars(select(Patient.id))),
            "number": list(db.session.scalars(select(HealthCard.number))),
            "rid": list(db.session.scalars(select(Patient.id))),
            "resource_type": ["Patient"], "lang": ["en"], "ward": ["Seelampur"], "action": ["take"],
            "filename": ["js/sampark.js"],
            "request_id": list(db.session.scalars(select(DataRequest.id))),
        }
        mobiles = list(db.session.scalars(select(Patient.mobile).where(Patient.mobile.is_not(None))))
        yield {"app": probe_app, "staff": staff, "ids": ids, "mobiles": mobiles, "citizen": citizen,
               "refused": refused}


def _filled(rule: str, ids: dict):
    """The rule with every combination of the seeded ids for its variables (1 for an id nobody seeded)."""
    names = variables(rule)
    for combination in itertools.product(*(ids.get(name, [1]) for name in names)):
        yield fill(rule, dict(zip(names, combination, strict=True)))


def _problems(response, where: str) -> list[str]:
    """What makes this answer unsafe: a payload raw in HTML, or raw text served as something a browser renders."""
    body = response.get_data().decode("utf-8", "replace")
    if not RAW.search(body):
        return []
    kind = response.headers.get("Content-Type", "")
    if "html" in kind or not kind.startswith(NOT_HTML):
        return [f"{where}: a payload raw in {kind or 'an answer without a type'}: {RAW.search(body).group(0)!r}"]
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        return [f"{where}: raw payload in {kind} without nosniff"]
    return []


def _read_everything(planted) -> tuple[list[str], str]:
    """Every staff read of the planted text: (the unsafe answers, everything read, joined)."""
    problems, seen = [], []
    for role, client in planted["staff"].items():
        pages = [("GET", path) for rule, method, view in routes(planted["app"])
                 if method == "GET" and role in getattr(view, "allowed_roles", ()) for path in _filled(rule, planted["ids"])]
        for method, path in pages:
            response = client.get(path)
            problems += _problems(response, f"{role} GET {path}")
            seen.append(response.get_data().decode("utf-8", "replace"))
        if role in ("operator", "doctor", "supervisor", "registrar"):  # the desk's lookup panel and the API lookup
            for number in planted["ids"]["number"]:
                for response in (client.post("/lookup/panel", data={"card_number": number}),
                                 client.post("/api/v1/lookup", json={"card_number": number})):
                    problems += _problems(response, f"{role} lookup {number}")
                    seen.append(response.get_data().decode("utf-8", "replace"))
        if client.get("/api/v1/me").status_code != 200:
            problems.append(f"{role} was signed out during the walk: what it read proves nothing")
    for path in ("/portal/", "/portal/grievances", "/portal/contacts", "/portal/appointments", "/portal/my-data",
                 "/portal/my-data/requests", "/portal/my-data/grievances", "/portal/my-data/messages"):
        response = planted["citizen"].get(path)
        problems += _problems(response, f"citizen GET {path}")
    return problems, "\n".join(seen)


@pytest.fixture(scope="module")
def read(planted):
    with planted["app"].app_context():
        return _read_everything(planted)


def test_no_staff_page_shows_citizen_text_raw(read):
    problems, _ = read
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("way_in", WAYS_IN)
def test_each_payload_reaches_the_staff_so_the_walk_tested_it(planted, read, way_in):
    if way_in in planted["refused"]:
        pytest.fail(f"{way_in} was refused at the door ({planted['refused'][way_in]}): this probe needs it stored")
    _, seen = read
    assert f"XSS-{way_in}" in seen, f"no staff page or API showed the {way_in} text"

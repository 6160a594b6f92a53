"""Attack replays from the second trust review (issue #24) on the FHIR API and the sign-in code, on PostgreSQL.

Each test plays the attack as the review reproduced it and asserts what the attacker now meets.
"""

from __future__ import annotations

import json
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from crm.models import AuditLog, Case, HospitalClient, HospitalRecord, Message, StaffUser
from crm.platform.extensions import db
from tests.factories import PASSWORD, logged_in, make_card, make_household, make_patient, make_staff
from tests.fhir.hospital import Hospital, history_bundle

pytestmark = pytest.mark.pg


@pytest.fixture
def handed(monkeypatch):
    """What the send jobs hand the SMS provider (the text on the resident's phone), instead of sending it."""
    texts = []

    def provider(message, text=None):
        texts.append(text if text is not None else message.body)
        return f"SM{len(texts):032x}"

    monkeypatch.setattr("telephony.gateway.send_message", provider)
    return texts


def _public_pem() -> str:
    return ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# 1 (High): the sign-in SMS read through FHIR as a Communication, then used to sign in as the resident.
def test_a_hospital_cannot_read_a_residents_sign_in_code_and_take_over_the_portal(pg_app, handed):
    resident = make_patient(make_household(), name="Sunita Devi", mobile="+919810011111")
    make_card(resident)
    hospital = Hospital(pg_app.test_client(), name="Curious HIS", scopes="system/*.read")
    citizen = pg_app.test_client()
    assert citizen.post("/portal/sign-in", data={"mobile": "9810011111"}).status_code == 302
    code = re.search(r"\d{6}", handed[-1]).group(0)  # what reached the resident's phone
    message_id = db.session.scalar(select(func.max(Message.id)))

    attacker = pg_app.test_client()
    read = hospital.get(f"/fhir/Communication/{message_id}")
    assert read.status_code == 404 and code not in read.get_data(as_text=True)
    listed = hospital.get(f"/fhir/Communication?patient={resident.id}")
    assert code not in listed.get_data(as_text=True)
    # Nothing any reader of the message store sees holds the code: not the row, not the desk, not FHIR.
    assert all(code not in body for body in db.session.scalars(select(Message.body)))
    stolen = re.findall(r"\d{6}", read.get_data(as_text=True) + listed.get_data(as_text=True))
    for guess in stolen[:3]:
        attacker.post("/portal/sign-in", data={"mobile": "9810011111"})
        attacker.post("/portal/code", data={"code": guess})
    assert attacker.get("/portal/").status_code != 200  # the attacker is not signed in as the resident
    # The resident, who has the code on their phone, still signs in with it.
    assert citizen.post("/portal/code", data={"code": code}).status_code == 302
    assert citizen.get("/portal/").status_code == 200


def test_a_text_on_a_case_without_an_identified_patient_is_no_communication(pg_app):
    hospital = Hospital(pg_app.test_client(), name="Reader HIS", scopes="system/*.read")
    case = Case(channel="sms", status="ivr", priority="P4", caller_phone="+919810099999")
    db.session.add(case)
    db.session.flush()
    text = Message(case_id=case.id, direction="inbound", kind="inbound", from_number="+919810099999",
                   to_number="+911100000000", body="mera naam Kamla hai", status="received")
    db.session.add(text)
    db.session.commit()
    assert hospital.get(f"/fhir/Communication/{text.id}").status_code == 404
    assert hospital.get(f"/fhir/Communication?encounter={case.id}").get_json()["total"] == 0


# 2 (High): the administrator registers a client with their own key and system/*.read, then reads every patient.
def test_the_admin_cannot_give_a_hospital_system_access_to_records(pg_app):
    admin, _ = logged_in(pg_app, "admin")
    make_card(name="Asha Devi")
    answer = admin.post("/fhir/admin/clients", data={"name": "My laptop", "public_key": _public_pem(),
                                                     "preset": "read", "scopes": "system/*.read"})
    assert answer.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(HospitalClient)) == 0


def test_the_admin_cannot_appoint_an_interop_officer_to_grant_access_through(pg_app):
    admin, _ = logged_in(pg_app, "admin")
    created = admin.post("/admin/staff/new", data={"username": "myself2", "role": "interop_officer",
                                                   "name": "Me again", "password": PASSWORD})
    assert created.status_code == 403
    assert db.session.scalar(select(StaffUser).where(StaffUser.username == "myself2")) is None
    officer = make_staff("interop_officer")
    reset = admin.post(f"/admin/staff/{officer.id}/password", data={"password": "a-new-long-passphrase-42"})
    assert reset.status_code == 403


def test_a_clients_reads_are_audited_with_each_patient_and_the_officer_who_granted_it(pg_app):
    home = make_household()
    asha = make_card(make_patient(home, name="Asha Devi")).patient
    ravi = make_card(make_patient(home, name="Ravi Devi", relation="son")).patient
    db.session.commit()
    hospital = Hospital(pg_app.test_client(), name="Reader HIS", scopes="system/*.read")
    token = hospital.token()
    assert hospital.get("/fhir/Patient?name=devi", token).get_json()["total"] == 2
    assert hospital.get(f"/fhir/Group/{home.id}", token).status_code == 200
    rows = db.session.scalars(select(AuditLog).where(AuditLog.via == "fhir", AuditLog.action.in_(
        ("fhir_search", "fhir_read")))).all()
    seen = {(r.action, r.patient_id) for r in rows}
    assert {("fhir_search", asha.id), ("fhir_search", ravi.id), ("fhir_read", asha.id), ("fhir_read", ravi.id)} <= seen
    granted_by = hospital.row.created_by_id
    assert granted_by is not None and all(r.detail["granted_by"] == granted_by for r in rows)
    assert all(r.hospital_client_id == hospital.row.id for r in rows)


# 11 (Low): a Bundle for patient A files a resource whose subject is patient B.
def test_a_bundle_for_one_patient_cannot_file_a_record_about_another(pg_app):
    a = make_card(name="Asha Devi")
    b = make_card(name="Bina Rani")
    db.session.commit()
    hospital = Hospital(pg_app.test_client(), scopes="system/*.read system/*.write")
    bundle = history_bundle(a.number)
    condition = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition")
    condition["subject"] = {"reference": f"Patient/{b.patient_id}"}
    token = hospital.token()
    answer = hospital.post_bundle(bundle, token)
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["resourceType"] == "OperationOutcome" and f"Patient/{b.patient_id}" in body["issue"][0]["diagnostics"]
    assert db.session.scalar(select(func.count()).select_from(HospitalRecord)) == 0
    for patient_id in (a.patient_id, b.patient_id):
        assert hospital.get(f"/fhir/Condition?patient={patient_id}", token).get_json()["total"] == 0


@pytest.mark.parametrize("subject", [
    {"identifier": {"system": "https://sampark.delhi.gov.in/fhir/sid/health-card", "value": "{b_card}"}},
    {"reference": "Patient?identifier=https://sampark.delhi.gov.in/fhir/sid/health-card|{b_card}"},
    {"reference": "urn:uuid:somebody-else"},
])
def test_a_bundle_entry_naming_another_or_an_unknown_patient_is_refused(pg_app, subject):
    a = make_card(name="Asha Devi")
    b = make_card(name="Bina Rani")
    db.session.commit()
    hospital = Hospital(pg_app.test_client(), scopes="system/*.read system/*.write")
    bundle = history_bundle(a.number)
    allergy = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance")
    allergy["patient"] = json.loads(json.dumps(subject).replace("{b_card}", b.number))
    answer = hospital.post_bundle(bundle)
    assert answer.status_code == 422 and answer.get_json()["resourceType"] == "OperationOutcome"
    assert db.session.scalar(select(func.count()).select_from(HospitalRecord)) == 0


# 13 (Low): GET /fhir/Patient?name=%% listed every resident.
@pytest.mark.parametrize("name", ["%25%25", "%25_", "_%20_", "%5C%5C%25"])
def test_a_name_search_of_wildcards_lists_nobody(pg_app, name):
    for who in ("Asha Devi", "Ravi Kumar", "Bina Rani"):
        make_card(name=who)
    db.session.commit()
    hospital = Hospital(pg_app.test_client(), scopes="system/*.read")
    answer = hospital.get(f"/fhir/Patient?name={name}")
    assert answer.status_code == 400 and answer.get_json()["resourceType"] == "OperationOutcome"


def test_wildcards_in_a_name_search_are_matched_as_typed(pg_app):
    make_card(name="Ravi Kumar")
    db.session.commit()
    hospital = Hospital(pg_app.test_client(), scopes="system/*.read")
    token = hospital.token()
    assert hospital.get("/fhir/Patient?name=ra%25", token).get_json()["total"] == 0  # "ra%" is nobody's name
    assert hospital.get("/fhir/Patient?name=r_vi", token).get_json()["total"] == 0
    assert hospital.get("/fhir/Patient?name=ravi", token).get_json()["total"] == 1


# 14 (FHIR part): an id past the column's range in the client form gave a 500.
@pytest.mark.parametrize("facility_id", ["2147483648", "99999999999999999999", "999999"])
def test_a_facility_id_out_of_range_in_the_client_form_is_a_clear_422(pg_app, facility_id):
    officer, _ = logged_in(pg_app, "interop_officer")
    answer = officer.post("/fhir/admin/clients", data={"name": "LNJP HIS", "public_key": _public_pem(),
                                                       "preset": "read", "facility_id": facility_id})
    assert answer.status_code == 422 and "facility" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(HospitalClient)) == 0

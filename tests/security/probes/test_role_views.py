"""Attack replays of issue #24 (trust, second pass) on PostgreSQL: what each role sees of a patient.

- A doctor who accepts any case and identifies its caller as someone else does not thereby read the notes other
  doctors wrote on that person's earlier cases: those need the glass broken, with a reason, audited per case.
- The card office and the field verifier see demographics (the registrar also blood group and emergency
  contact), never conditions, medicines or hospital history, on every endpoint (crm/staff/auth/patient_view.py).
- A field verifier learns nothing (ward, status) of a card outside their wards from a refused mark.
- Every page that shows patient data leaves an audit row (field progress, the complaint form).
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from crm.cases import lifecycle, tier2
from crm.cases import notes as clinical_notes
from crm.models import AuditLog, Case
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.residents.cards.number import pretty
from crm.residents.field import worklist
from crm.staff.auth import patient_view, tokens
from crm.staff.auth.capabilities import can
from tests import factories
from tests.conftest import migrated_pg_app

pytestmark = pytest.mark.pg


@pytest.fixture(scope="module")
def probe_app(tmp_path_factory, pg_database):
    """One migrated PostgreSQL schema for the module (a migration per test would dominate the run)."""
    with migrated_pg_app(tmp_path_factory.mktemp("role-views"), pg_database) as app:
        yield app


@pytest.fixture
def app(probe_app):
    """Each test on the module's schema, every table emptied after it."""
    yield probe_app
    db.session.rollback()
    tables = db.session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                     "AND tablename <> 'alembic_version'")).all()
    quoted = ", ".join(f'"{name}"' for name in tables)
    db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    db.session.commit()


def _escalated(phone: str, patient_id: int | None = None) -> Case:
    operator = factories.make_staff("operator")
    case = lifecycle.open_case("sms", phone, status="queued", queue="tier1", queued_at=utcnow())
    if patient_id is not None:
        case.patient_id = patient_id
    db.session.commit()
    lifecycle.claim(case.id, operator)
    tier2.escalate(case, operator, None, "urgent", "Fever for three days")
    db.session.commit()
    return case


def _audit(action: str, staff_id: int) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action, AuditLog.staff_id == staff_id)
                                   .order_by(AuditLog.id)))


# --- 5. Break-the-glass is decided by the doctor's relation to the earlier case -------------------------------

def test_identifying_the_caller_on_an_accepted_case_does_not_open_other_doctors_notes(app):
    victim = factories.make_card(name="Kamla Devi", mobile="+919810000777")
    earlier = _escalated("+919810000777", victim.patient_id)
    first, _ = factories.logged_in(app, "doctor")
    assert first.post(f"/api/v1/cases/{earlier.id}/accept").status_code == 200
    assert first.post(f"/api/v1/cases/{earlier.id}/notes", json={"body": "HIV positive, on ART"}).status_code == 201

    # The attack: any case at all, accepted, its caller "identified" as the victim, then the notes read.
    bait = _escalated("+919810000999")
    attacker, attacker_staff = factories.logged_in(app, "doctor")
    assert attacker.post(f"/api/v1/cases/{bait.id}/accept").status_code == 200
    assert attacker.post(f"/api/v1/cases/{bait.id}/identify", json={"card_number": victim.number}).status_code == 200
    read = attacker.get(f"/api/v1/cases/{bait.id}/notes")
    assert read.status_code == 200
    assert "HIV" not in read.get_data(as_text=True) and read.json["withheld_cases"] == 1
    assert "HIV" not in attacker.get(f"/doctor/cases/{bait.id}/panel").get_data(as_text=True)
    assert _audit("break_glass", attacker_staff.id) == []

    # Reading them is breaking the glass: a reason, and a row naming the earlier case for a supervisor.
    short = attacker.post(f"/api/v1/cases/{bait.id}/notes/break-glass", json={"reason": "curious"})
    assert short.status_code == 403 or "HIV" not in short.get_data(as_text=True)
    glass = attacker.post(f"/api/v1/cases/{bait.id}/notes/break-glass", json={"reason": "Caller says same illness"})
    assert glass.status_code == 200 and "HIV positive, on ART" in glass.get_data(as_text=True)
    [row] = _audit("break_glass", attacker_staff.id)
    assert (row.case_id, row.patient_id, row.detail["reason"]) == (earlier.id, victim.patient_id,
                                                                   "Caller says same illness")
    sup, _ = factories.logged_in(app, "supervisor")
    assert [r["case"] for r in sup.get("/api/v1/audit/break-glass").json["rows"]] == [earlier.reference]


def test_the_doctor_who_had_the_earlier_case_reads_its_notes_on_the_new_one(app):
    patient = factories.make_card(mobile="+919810000778")
    earlier = _escalated("+919810000778", patient.patient_id)
    doctor, staff = factories.logged_in(app, "doctor")
    doctor.post(f"/api/v1/cases/{earlier.id}/accept")
    doctor.post(f"/api/v1/cases/{earlier.id}/notes", json={"body": "Asthma since childhood"})
    doctor.post(f"/api/v1/cases/{earlier.id}/complete", json={"advice": "Inhaler"})
    again = _escalated("+919810000778", patient.patient_id)
    assert doctor.post(f"/api/v1/cases/{again.id}/accept").status_code == 200
    read = doctor.get(f"/api/v1/cases/{again.id}/notes").json
    assert [n["body"] for n in read["notes"]] == ["Asthma since childhood"] and read["withheld_cases"] == 0
    assert _audit("break_glass", staff.id) == [] and _audit("read_notes", staff.id)[-1].detail["cases"] == [earlier.id]


def test_the_rule_is_one_function_of_doctor_and_case(app):
    patient = factories.make_card(mobile="+919810000779")
    earlier = _escalated("+919810000779", patient.patient_id)
    had, had_staff = factories.logged_in(app, "doctor")
    had.post(f"/api/v1/cases/{earlier.id}/accept")
    stranger = factories.make_staff("doctor")
    bait = _escalated("+919810000779", patient.patient_id)
    assert clinical_notes.may_read(db.session.get(Case, earlier.id), had_staff)
    assert not clinical_notes.may_read(db.session.get(Case, earlier.id), stranger)
    assert tier2.accept(bait.id, stranger) is not None
    db.session.commit()
    assert not clinical_notes.may_read(db.session.get(Case, earlier.id), stranger)  # the new case changes nothing


# --- 18. A refused mark says nothing of a card outside the verifier's wards ----------------------------------

def test_a_mark_on_a_card_outside_the_verifiers_wards_reveals_neither_ward_nor_status(app):
    verifier_client, verifier = factories.logged_in(app, "field_verifier")
    factories.make_card(ward="Seelampur")
    worklist.assign("Seelampur", verifier.id, factories.make_staff("registrar"))
    db.session.commit()
    elsewhere = factories.make_card(ward="Mehrauli")
    never = "234567890124"  # a valid number no card was ever issued under
    answers = []
    for number in (elsewhere.number, never):
        response = verifier_client.post("/api/v1/field/marks", json={
            "client_id": str(uuid.uuid4()), "card_number": number, "outcome": "verified"})
        assert response.status_code == 201 and response.json["result"] == "conflict"
        answers.append(response.json)
    said = str(answers[0])
    assert "Mehrauli" not in said and "issued" not in said and answers[0]["card_status"] is None
    # A card outside the wards and a number never issued get the same answer: not even existence leaks.
    assert answers[0]["conflict"].replace(pretty(elsewhere.number), "N") == answers[1]["conflict"].replace(pretty(never), "N")


# --- 19. Every page that shows patient data is in the audit log ----------------------------------------------

def test_the_field_progress_page_is_audited(app):
    verifier_client, verifier = factories.logged_in(app, "field_verifier")
    card = factories.make_card(ward="Seelampur")
    worklist.assign("Seelampur", verifier.id, factories.make_staff("registrar"))
    db.session.commit()
    verifier_client.post("/api/v1/field/marks", json={"client_id": str(uuid.uuid4()), "card_number": card.number,
                                                      "outcome": "not_found", "note": "door locked, neighbour says away"})
    office, registrar = factories.logged_in(app, "registrar")
    page = office.get("/field/progress").get_data(as_text=True)
    assert "door locked" in page
    [row] = _audit("field_marks_view", registrar.id)
    assert row.patient_ids == [card.patient_id]


def test_the_complaint_form_of_a_case_is_audited(app):
    patient = factories.make_patient(mobile="+919810000780")
    case = lifecycle.open_case("sms", "+919810000780", status="queued", queue="tier1", queued_at=utcnow())
    db.session.commit()
    operator, staff = factories.logged_in(app, "operator")
    assert operator.get(f"/grievances/new?case_id={case.id}").status_code == 200
    [row] = _audit("view_case", staff.id)
    assert (row.case_id, row.patient_id, row.via) == (case.id, patient.id, "grievance_form")


def test_the_enrolment_page_listing_recent_enrolments_is_audited(app):
    office, registrar = factories.logged_in(app, "registrar")
    enrolled = factories.make_patient(name="Rukhsana Begum", enrolled_where="GTB Hospital")
    assert "Rukhsana Begum" in office.get("/enrollment/").get_data(as_text=True)
    [row] = _audit("enrollment_recent", registrar.id)
    assert row.patient_ids == [enrolled.id]


# --- 6. What each role sees of a patient is one table -------------------------------------------------------

CLINICAL_WORDS = ("Penicillin", "Type 2 diabetes", "Metformin")


@pytest.fixture
def resident(app):
    """A resident whose record holds every section: clinical facts, blood group, emergency contact, a household."""
    household = factories.make_household()
    card = factories.make_card(factories.make_patient(
        household, name="Sunita Devi", mobile="+919810000781", allergies=["Penicillin"],
        chronic_conditions=["Type 2 diabetes"], current_medications=["Metformin 500mg"], blood_group="B+",
        emergency_contact_name="Ramesh Kumar", emergency_contact_phone="+919810000782"))
    factories.make_patient(household, name="Ravi Kumar", relation="son", mobile="+919810000783")
    return card


def _paths(answer: dict) -> set[str]:
    """Where each field of a patient answer sits ("patient.name", "clinical.allergies", "card", ...)."""
    found = set()
    for key, value in answer.items():
        if key in ("patient", "clinical"):
            found |= {f"{key}.{name}" for name in value}
        elif key != "sections":
            found.add(key)
    return found


def _allowed(role: str) -> set[str]:
    return {path for section in patient_view.sections_of(role) for path in patient_view.SECTIONS[section]}


def _answers(app, role: str, card) -> dict[str, dict]:
    """Every JSON answer about the resident that `role` can get: by id, by card number, by QR over a bearer token
    (PostgreSQL's one-statement path) and by QR in a session."""
    client, staff = factories.logged_in(app, role)
    bearer = app.test_client()
    token = tokens.issue(staff, "probe")
    db.session.commit()
    got = {
        "GET /api/v1/patients/<id>": client.get(f"/api/v1/patients/{card.patient_id}"),
        "POST /api/v1/lookup card_number": client.post("/api/v1/lookup", json={"card_number": card.number}),
        "POST /api/v1/lookup qr (token)": bearer.post("/api/v1/lookup", json={"qr": card.qr_token},
                                                      headers={"Authorization": f"Bearer {token}"}),
        "POST /api/v1/lookup qr (session)": client.post("/api/v1/lookup", json={"qr": card.qr_token}),
    }
    return got


@pytest.mark.parametrize("role", sorted(patient_view.VIEWS))
def test_each_role_gets_exactly_the_fields_the_table_allows_on_every_endpoint(app, resident, role):
    whole = {name: _paths(r.json) for name, r in _answers(app, "doctor", resident).items()}
    for name, response in _answers(app, role, resident).items():
        if not can(type("Staff", (), {"role": role})(), "read_patients"):
            assert response.status_code == 403, (role, name)
            continue
        assert response.status_code == 200, (role, name, response.json)
        assert _paths(response.json) == _allowed(role) & whole[name], (role, name)
        assert response.json["sections"] == sorted(patient_view.sections_of(role))
        if role in ("registrar", "field_verifier"):
            assert not any(word in response.get_data(as_text=True) for word in CLINICAL_WORDS), (role, name)


def test_the_card_office_reads_no_clinical_field_on_any_page(app, resident):
    office, _ = factories.logged_in(app, "registrar")
    pages = {
        "lookup desk": office.post("/lookup/panel", data={"card_number": resident.number}),
        "patient page": office.get(f"/patients/{resident.patient_id}"),
        "card page": office.get(f"/cards/{resident.number}"),
        "API by id": office.get(f"/api/v1/patients/{resident.patient_id}"),
        "API lookup": office.post("/api/v1/lookup", json={"card_number": resident.number}),
        "API by phone": office.post("/api/v1/lookup", json={"phone": "+919810000781"}),
    }
    for name, response in pages.items():
        text = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert not any(word in text for word in (*CLINICAL_WORDS, "Allergies", "allergies", "Medications",
                                                  "conditions")), name
        assert "Sunita Devi" in text, name
    panel = pages["lookup desk"].get_data(as_text=True)
    assert "B+" in panel and "Ramesh Kumar" in panel  # the card's own print: blood group, emergency contact
    # The operator's desk is unchanged: the same panel holds the clinical facts.
    operator, _ = factories.logged_in(app, "operator")
    assert all(w in operator.post("/lookup/panel", data={"card_number": resident.number}).get_data(as_text=True)
               for w in CLINICAL_WORDS)


def test_the_field_verifiers_worklist_is_demographics_only(app, resident):
    verifier_client, verifier = factories.logged_in(app, "field_verifier")
    worklist.assign("Seelampur", verifier.id, factories.make_staff("registrar"))
    db.session.commit()
    listed = verifier_client.get("/api/v1/field/worklist")
    assert "Sunita Devi" in listed.get_data(as_text=True)
    assert not any(w in listed.get_data(as_text=True) for w in (*CLINICAL_WORDS, "B+", "Ramesh Kumar"))
    assert verifier_client.get(f"/api/v1/patients/{resident.patient_id}").status_code == 403


def test_a_merge_tells_the_card_office_how_many_clinical_items_moved_not_which(app):
    kept = factories.make_card(name="Mohammad Imran", ward="Seelampur")
    duplicate = factories.make_patient(name="Mohd Imran", ward="Seelampur", allergies=["Penicillin"],
                                       current_medications=["Metformin 500mg"])
    office, _ = factories.logged_in(app, "registrar")
    merged = office.post("/api/v1/enrollment/merges", json={"survivor_id": kept.patient_id,
                                                            "duplicate_id": duplicate.id, "reason": "same man",
                                                            "confirm": True})
    assert merged.status_code == 201 and merged.json["changes"]["added"] == {"allergies": 1, "current_medications": 1}
    page = office.get(f"/enrollment/merges/{merged.json['merge_id']}").get_data(as_text=True)
    assert "allergies added: 1" in page and not any(word in page for word in CLINICAL_WORDS)
    supervisor, _ = factories.logged_in(app, "supervisor")  # who reads allergies sees which
    assert "Penicillin" in supervisor.get(f"/enrollment/merges/{merged.json['merge_id']}").get_data(as_text=True)

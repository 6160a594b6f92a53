"""A Bundle whose identifiers name no resident but whose name, sex and birth date fit one is held, unfiled, until
the card office confirms whose it is. The Bundle is the National Health Authority's own example (the ABDM mock
HIP's DiagnosticReport, tests/fhir/examples/abdm/nha-mock-hip, MIT): its ABHA number is sent under the placeholder
system http://www.example.com, which names no ABHA, so only the patient's details (ABC, male, born 12 Jan 1981) can
point at anyone."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.models import AuditLog, HospitalMatch, HospitalRecord
from crm.platform.extensions import db
from crm.residents import lookup
from tests.factories import logged_in, make_card, make_patient
from tests.fhir.hospital import Hospital

NHA = Path(__file__).parent / "examples" / "abdm" / "nha-mock-hip" / "example_bundle_1.json"


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(HospitalRecord))


@pytest.fixture
def lab(http):
    return Hospital(http, name="XYZ Lab HIS", scopes="system/*.read system/*.write")


def post_document(hospital, bundle):
    return hospital.http.post("/fhir/Bundle", data=json.dumps(bundle), headers={
        "Authorization": f"Bearer {hospital.token()}", "Content-Type": "application/fhir+json"})


def held_abc(lab):
    """Two residents called ABC, one with the sent sex and birth date; the NHA example posted; the hold."""
    abc = make_card(name="ABC", sex="M", dob=date(1981, 1, 12))
    make_patient(name="ABC", sex="F", dob=date(1990, 6, 1))  # same name only: not a candidate
    response = post_document(lab, json.loads(NHA.read_text()))
    return abc, response


def test_a_bundle_that_only_demographics_fit_is_held_unfiled_and_a_resend_is_not_held_twice(app, lab):
    abc, response = held_abc(lab)
    assert response.status_code == 202 and response.content_type == "application/fhir+json"
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["severity"] == "information"
    assert "Held, not filed" in outcome["issue"][0]["diagnostics"]
    assert stored() == 0 and lookup.view_patient(abc.patient_id)["hospital"] is None
    again = post_document(lab, json.loads(NHA.read_text()))
    assert again.status_code == 202 and again.get_json()["id"] == outcome["id"]
    match = db.session.scalar(select(HospitalMatch))
    assert db.session.scalar(select(func.count()).select_from(HospitalMatch)) == 1
    assert match.candidate_ids == [abc.patient_id] and match.sent["names"] == ["ABC"]
    assert match.sent["birthDate"] == "1981-01-12" and "http://www.example.com | 22-7225-4829-5255" in match.sent["identifiers"]


def test_nobody_fitting_is_still_refused(app, lab):
    response = post_document(lab, json.loads(NHA.read_text()))
    assert response.status_code == 422 and "No resident of Sampark matches" in response.get_json()["issue"][0]["diagnostics"]
    assert db.session.scalar(select(func.count()).select_from(HospitalMatch)) == 0


def test_the_card_office_sees_the_evidence_and_each_view_is_audited(app, lab):
    abc, _ = held_abc(lab)
    client, registrar = logged_in(app, "registrar")
    page = client.get("/hospital-matches")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "XYZ Lab HIS" in text and "born 1981-01-12" in text and "12 Jan 1981" in text and abc.number in text
    assert "1 DiagnosticReport" in text and "2 Observation" in text and "http://www.example.com | 22-7225-4829-5255" in text
    seen = db.session.scalars(select(AuditLog).where(AuditLog.action == "hospital_matches_viewed")).all()
    assert [(a.staff_id, a.patient_id) for a in seen] == [(registrar.id, abc.patient_id)]
    operator, _ = logged_in(app, "operator")
    assert operator.get("/hospital-matches").status_code == 403
    match = db.session.scalar(select(HospitalMatch))
    assert operator.post(f"/hospital-matches/{match.id}/confirm", data={"patient_id": abc.patient_id}).status_code == 403
    assert stored() == 0


def test_confirming_files_the_records_on_that_resident_s_panel_once(app, lab):
    abc, _ = held_abc(lab)
    other = make_patient(name="Someone Else")
    client, registrar = logged_in(app, "registrar")
    match = db.session.scalar(select(HospitalMatch))
    refused = client.post(f"/hospital-matches/{match.id}/confirm", data={"patient_id": other.id}, follow_redirects=True)
    assert "not one this Bundle" in refused.get_data(as_text=True) and stored() == 0
    done = client.post(f"/hospital-matches/{match.id}/confirm", data={"patient_id": abc.patient_id}, follow_redirects=True)
    assert "Filed: 10 entries from XYZ Lab HIS" in done.get_data(as_text=True)
    db.session.expire_all()
    assert match.status == "confirmed" and match.patient_id == abc.patient_id and match.decided_by_id == registrar.id
    summaries = [e["summary"] for e in lookup.view_patient(abc.patient_id)["hospital"]["entries"]]
    assert any("Lipid" in s for s in summaries), summaries
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "hospital_match_confirmed")).patient_id == abc.patient_id
    filed = stored()
    twice = client.post(f"/hospital-matches/{match.id}/confirm", data={"patient_id": abc.patient_id}, follow_redirects=True)
    assert "already confirmed" in twice.get_data(as_text=True) and stored() == filed
    assert "Nothing is waiting" in client.get("/hospital-matches").get_data(as_text=True)


def test_rejecting_leaves_the_records_unfiled(app, lab):
    abc, _ = held_abc(lab)
    client, registrar = logged_in(app, "registrar")
    match = db.session.scalar(select(HospitalMatch))
    client.post(f"/hospital-matches/{match.id}/reject")
    db.session.expire_all()
    assert match.status == "rejected" and match.decided_by_id == registrar.id and stored() == 0
    assert lookup.view_patient(abc.patient_id)["hospital"] is None
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "hospital_match_rejected")).staff_id == registrar.id


def test_a_bundle_from_a_hospital_revoked_since_is_not_filed(app, lab):
    from crm.hospitals.fhir import clients

    abc, _ = held_abc(lab)
    client, registrar = logged_in(app, "registrar")
    clients.revoke(lab.row, registrar)
    db.session.commit()
    match = db.session.scalar(select(HospitalMatch))
    said = client.post(f"/hospital-matches/{match.id}/confirm", data={"patient_id": abc.patient_id}, follow_redirects=True)
    assert "has been revoked since it sent this Bundle" in said.get_data(as_text=True)
    db.session.expire_all()
    assert match.status == "pending" and stored() == 0

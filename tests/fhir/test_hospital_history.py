"""Hospitals send medical history as transaction Bundles: validated, stored with source and date, idempotent,
and shown to staff merged with what the helpline knows."""

from __future__ import annotations

import copy

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from crm.hospitals.fhir import models
from crm.models import HospitalRecord
from crm.platform.extensions import db
from crm.residents import lookup
from crm.residents.abha import services as abha
from tests.factories import make_card, make_patient
from tests.fhir.hospital import Hospital, history_bundle


def records() -> int:
    return db.session.scalar(select(func.count()).select_from(HospitalRecord))


def test_a_bundle_is_stored_and_answered_with_a_transaction_response(app, hospital):
    card = make_card()
    response = hospital.post_bundle(history_bundle(card.number))
    assert response.status_code == 200 and response.content_type == "application/fhir+json"
    answer = Bundle.model_validate(response.get_json())
    assert answer.type == "transaction-response"
    assert [e.response.status for e in answer.entry] == ["200 OK"] + ["201 Created"] * 7
    assert answer.entry[0].response.location == f"Patient/{card.patient_id}"
    assert records() == 7
    stored = db.session.scalars(select(HospitalRecord).where(HospitalRecord.kind == "observation")).all()
    assert sorted(r.summary for r in stored) == ["Blood pressure: 150/95 mmHg", "Blood sugar (random): 212 mg/dL"]
    bp = next(r for r in stored if "pressure" in r.summary)
    assert bp.resource["subject"] == {"reference": f"Patient/{card.patient_id}"}
    assert bp.resource["encounter"]["reference"].startswith("Encounter/h")  # the Bundle's urn:uuid, now ours
    assert bp.client.name == "GTB Hospital HIS" and bp.recorded_for.isoformat() == "2026-11-20T05:10:00+00:00"


def test_stored_resources_read_back_valid(app, http):
    both = Hospital(http, name="Both", scopes="system/*.read system/*.write")
    card = make_card()
    answer = both.post_bundle(history_bundle(card.number)).get_json()
    for entry, kind in zip(answer["entry"][1:], ["Encounter", "Condition", "AllergyIntolerance", "MedicationStatement",
                                                  "Observation", "Observation", "DiagnosticReport"], strict=True):
        location = entry["response"]["location"]
        resource = both.get(f"/fhir/{location}").get_json()
        models.MODELS[kind].model_validate(resource)
        assert resource["id"] == location.split("/")[1] and resource["resourceType"] == kind
    everything = Bundle.model_validate(both.get(f"/fhir/Patient/{card.patient_id}/$everything").get_json())
    assert {"Condition", "AllergyIntolerance", "MedicationStatement", "Observation", "DiagnosticReport"} <= {
        e.resource.get_resource_type() for e in everything.entry}


def test_a_resent_bundle_changes_nothing_and_gets_the_same_answer(app, hospital):
    card = make_card()
    token = hospital.token()
    first = hospital.post_bundle(history_bundle(card.number), token).get_json()
    again = hospital.post_bundle(history_bundle(card.number), token).get_json()
    assert again == first and records() == 7


def test_resources_resent_in_a_new_bundle_update_instead_of_duplicating(app, hospital):
    card = make_card()
    token = hospital.token()
    hospital.post_bundle(history_bundle(card.number), token)
    later = hospital.post_bundle(history_bundle(card.number, bundle_id="GTB-2026-0002", medication_status="stopped"), token)
    assert [e["response"]["status"] for e in later.get_json()["entry"]][1:] == ["200 OK"] * 7
    assert records() == 7
    medicine = db.session.scalars(select(HospitalRecord).where(HospitalRecord.kind == "medication")).one()
    assert medicine.status == "stopped"


def test_a_patient_is_found_by_abha(app, hospital):
    patient = make_patient()
    abha.link(patient, "91-5555-4444-3333")
    db.session.commit()
    response = hospital.post_bundle(history_bundle(abha="91-5555-4444-3333"))
    assert response.status_code == 200
    assert response.get_json()["entry"][0]["response"]["location"] == f"Patient/{patient.id}"


@pytest.mark.parametrize("change, status, words", [
    (lambda b: b["entry"][0]["resource"]["identifier"][0].update(value="999999999999"), 422, "No resident"),
    (lambda b: b.update(type="collection"), 400, "transaction"),
    (lambda b: b["entry"][4]["resource"].update(status="maybe-later-perhaps", dosage="twice"), 400, "not valid FHIR"),
    (lambda b: b["entry"][2]["resource"].update(bogusField=1), 400, "bogusField"),
    (lambda b: b["entry"].append({"resource": {"resourceType": "Basic", "code": {"text": "note"},
                                               "subject": {"reference": "urn:uuid:patient-1"}},
                                  "request": {"method": "POST", "url": "Basic"}}), 422, "Basic is not accepted"),
    (lambda b: b.update(entry=[]), 400, "1 to 5000"),
])
def test_unfit_bundles_are_refused_and_store_nothing(app, hospital, change, status, words):
    card = make_card()
    bundle = copy.deepcopy(history_bundle(card.number))
    change(bundle)
    response = hospital.post_bundle(bundle)
    assert response.status_code == status
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert words in response.get_json()["issue"][0]["diagnostics"]
    assert records() == 0


def test_a_bundle_naming_two_residents_is_refused(app, hospital):
    first, second = make_card(), make_card()
    bundle = history_bundle(first.number)
    bundle["entry"][0]["resource"]["identifier"].append(
        {"system": "https://sampark.delhi.gov.in/fhir/sid/health-card", "value": second.number})
    assert hospital.post_bundle(bundle).status_code == 422


def test_history_is_merged_with_the_helpline_record_and_conflicts_are_shown(app, http, hospital):
    card = make_card(allergies=["Sulfa drugs"], current_medications=["Metformin 500mg", "Amlodipine 5mg"])
    hospital.post_bundle(history_bundle(card.number, medication_status="stopped"))
    view = lookup.view_patient(card.patient_id)
    history = view["hospital"]
    allergies = {a["name"]: a for a in history["allergies"]}
    assert set(allergies) == {"Sulfa drugs", "Penicillin"}  # the helpline's and the hospital's, neither dropped
    assert allergies["Penicillin"]["sources"][0]["who"] == "GTB Hospital HIS"
    metformin = next(m for m in history["medications"] if m["name"].startswith("Metformin"))
    assert metformin["conflict"] == "Helpline record lists it as current; GTB Hospital HIS (stopped, 20 Nov 2026) does not."
    assert [c["name"] for c in history["conditions"]] == ["Type 2 diabetes mellitus"]
    assert [m["name"] for m in history["medications"]] == ["Metformin 500mg", "Amlodipine 5mg"]
    assert history["entries"][0]["hospital"] == "GTB Hospital HIS" and history["entries"][0]["day"] == "20 Nov 2026"
    from tests.factories import logged_in

    operator, _ = logged_in(app, "operator")
    page = operator.get(f"/patients/{card.patient_id}").get_data(as_text=True)
    assert "From hospitals" in page and "Blood pressure: 150/95 mmHg" in page and "Sources disagree" in page


def test_two_hospitals_disagreeing_about_an_allergy_is_a_conflict(app, http, hospital):
    card = make_card()
    hospital.post_bundle(history_bundle(card.number))
    other = Hospital(http, name="LNJP HIS")
    refuted = history_bundle(card.number, bundle_id="LNJP-1")
    refuted["entry"][3]["resource"]["verificationStatus"] = {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": "refuted"}]}
    other.post_bundle(refuted)
    penicillin = next(a for a in lookup.view_patient(card.patient_id)["hospital"]["allergies"] if a["name"] == "Penicillin")
    assert "LNJP HIS (refuted" in penicillin["conflict"] and penicillin["current"]


def test_the_doctors_case_panel_shows_the_hospital_history(app, hospital):
    from crm.models import Case
    from tests.factories import logged_in

    card = make_card(current_medications=["Metformin 500mg"])
    hospital.post_bundle(history_bundle(card.number, medication_status="stopped"))
    case = Case(channel="sms", status="escalated", priority="P3", patient_id=card.patient_id, queue="general_medicine")
    db.session.add(case)
    db.session.commit()
    doctor, _ = logged_in(app, "doctor", specialty="general_medicine")
    panel = doctor.get(f"/doctor/cases/{case.id}/panel").get_data(as_text=True)
    assert "From hospitals" in panel and "GTB Hospital HIS" in panel and "HbA1c 8.1%" in panel
    assert "Sources disagree" in panel


def test_hospital_text_is_shown_as_text(app, hospital):
    from tests.factories import logged_in

    card = make_card()
    hospital.post_bundle(history_bundle(card.number, allergy='<img src=x onerror="alert(1)">Latex'))
    operator, _ = logged_in(app, "operator")
    page = operator.get(f"/patients/{card.patient_id}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page


def test_a_practitioner_role_and_location_go_in_and_the_panel_names_the_doctor_behind_the_visit(app, http):
    hospital = Hospital(http, name="GTB Hospital HIS", scopes="system/*.read system/*.write")
    card = make_card()
    bundle = history_bundle(card.number)
    bundle["entry"] += [
        {"fullUrl": "urn:uuid:dr-1", "resource": {"resourceType": "Practitioner", "name": [{"text": "Dr. Farah Khan"}]},
         "request": {"method": "POST", "url": "Practitioner"}},
        {"fullUrl": "urn:uuid:gtb", "resource": {"resourceType": "Organization", "name": "GTB Hospital"},
         "request": {"method": "POST", "url": "Organization"}},
        {"fullUrl": "urn:uuid:role-1", "resource": {"resourceType": "PractitionerRole", "practitioner": {"reference": "urn:uuid:dr-1"},
                                                    "organization": {"reference": "urn:uuid:gtb"}},
         "request": {"method": "POST", "url": "PractitionerRole"}},
        {"fullUrl": "urn:uuid:opd", "resource": {"resourceType": "Location", "name": "Medicine OPD, GTB Hospital"},
         "request": {"method": "POST", "url": "Location"}}]
    visit = bundle["entry"][1]["resource"]
    visit.update(participant=[{"individual": {"reference": "urn:uuid:role-1"}}], location=[{"location": {"reference": "urn:uuid:opd"}}],
                 serviceProvider={"reference": "urn:uuid:gtb"})
    response = hospital.post_bundle(bundle)
    assert response.status_code == 200, response.get_json()
    locations = [e["response"]["location"].split("/_history")[0] for e in response.get_json()["entry"][-4:]]
    assert [loc.split("/")[0] for loc in locations] == ["Practitioner", "Organization", "PractitionerRole", "Location"]
    read = hospital.get("/fhir/" + locations[2])
    assert read.status_code == 200, read.get_json()
    role = read.get_json()
    assert role["practitioner"]["reference"] == locations[0] and role["organization"]["reference"] == locations[1]
    entries = lookup.view_patient(card.patient_id)["hospital"]["entries"]
    assert next(e for e in entries if e["kind"] == "encounter")["sender"] == "Dr. Farah Khan · GTB Hospital"


def test_a_bundle_over_the_entry_limit_is_refused_naming_the_limit(app, hospital):
    card = make_card()
    bundle = history_bundle(card.number)
    bundle["entry"] += [copy.deepcopy(bundle["entry"][6]) for _ in range(5001 - len(bundle["entry"]))]
    response = hospital.post_bundle(bundle)
    assert response.status_code == 413 and response.content_type == "application/fhir+json"
    assert "1 to 5000 entries (the limit); this one has 5001" in response.get_json()["issue"][0]["diagnostics"]
    assert records() == 0


def test_a_body_that_is_not_json_is_a_400_saying_where(app, hospital):
    response = hospital.http.post("/fhir", data='{"resourceType": "Bundle", "type": transaction}', headers={
        "Authorization": f"Bearer {hospital.token()}", "Content-Type": "application/fhir+json"})
    assert response.status_code == 400 and response.content_type == "application/fhir+json"
    assert "not valid JSON" in (said := response.get_json()["issue"][0]["diagnostics"]) and "line 1 column 36" in said
    assert records() == 0

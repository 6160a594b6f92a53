"""Conformance with data Sampark did not write: HL7 US Core examples (tests/fhir/examples/us-core, CC0) posted as a
hospital would, every answer and every stored fact checked; and the FHIR rules of a transaction."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from crm.hospitals.fhir import models
from crm.models import HospitalRecord
from crm.platform.extensions import db
from crm.residents import lookup
from tests.factories import make_card
from tests.fhir.hospital import Hospital

US_CORE = Path(__file__).parent / "examples" / "us-core"
BASE = "http://hospital.example.org/fhir"
FILES = ["patient-example", "organization-holy-healthcare", "practitioner-1", "location-hospital", "encounter-example-1",
         "encounter-1036", "condition-encounter-diagnosis-example1", "allergyintolerance-example", "blood-pressure",
         "medicationrequest-coded-oral-axid", "documentreference-discharge-summary"]


def us_core_bundle(card_number: str, bundle_id: str = "US-CORE-1", method: str = "POST") -> dict:
    """The US Core examples as one transaction Bundle; the only change: the Patient carries the resident's card."""
    entries = []
    for name in FILES:
        resource = json.loads((US_CORE / f"{name}.json").read_text())
        if resource["resourceType"] == "Patient":
            resource["identifier"].append({"system": "https://sampark.delhi.gov.in/fhir/sid/health-card", "value": card_number})
        url = f"{resource['resourceType']}/{resource['id']}"
        request = {"method": "PUT", "url": url} if method == "PUT" else {"method": "POST", "url": resource["resourceType"]}
        entries.append({"fullUrl": f"{BASE}/{url}", "resource": resource, "request": request})
    return {"resourceType": "Bundle", "type": "transaction", "identifier": {"system": BASE, "value": bundle_id},
            "entry": entries}


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(HospitalRecord))


@pytest.fixture
def writer(http):
    return Hospital(http, name="Holy Healthcare HIS", scopes="system/*.read system/*.write")


def test_us_core_examples_go_in_whole_and_read_back_valid_with_our_ids(app, writer):
    card = make_card()
    response = writer.post_bundle(us_core_bundle(card.number))
    assert response.status_code == 200, response.get_json()
    answer = Bundle.model_validate(response.get_json())
    assert len(answer.entry) == len(FILES) and stored() == len(FILES) - 1
    assert [e.response.status for e in answer.entry] == ["200 OK"] + ["201 Created"] * (len(FILES) - 1)
    for entry, name in zip(answer.entry[1:], FILES[1:], strict=True):
        location = entry.response.location
        assert location.endswith("/_history/1") and entry.response.etag == 'W/"1"'
        read = writer.get("/fhir/" + location.split("/_history")[0])
        assert read.status_code == 200 and read.headers["ETag"] == 'W/"1"' and read.headers["Last-Modified"]
        resource = read.get_json()
        models.MODELS[resource["resourceType"]].model_validate(resource)
        text = json.dumps(resource)
        assert "Patient/example" not in text and "Encounter/example-1" not in text and "Organization/holy" not in text
        sent = json.loads((US_CORE / f"{name}.json").read_text())
        assert {k for k in sent if k not in ("id", "meta")} == {k for k in resource if k not in ("id", "meta")}
    condition = writer.get("/fhir/" + answer.entry[6].response.location.split("/_history")[0]).get_json()
    assert condition["subject"]["reference"] == f"Patient/{card.patient_id}"
    assert condition["encounter"]["reference"] == answer.entry[4].response.location.split("/_history")[0]
    history = lookup.view_patient(card.patient_id)["hospital"]
    assert [a["name"] for a in history["allergies"]] == ["sulfonamide antibacterial"]
    assert "Blood pressure systolic and diastolic: 109/44 mmHg" in [e["summary"] for e in history["entries"]]
    assert [m["name"] for m in history["medications"]] == ["Nizatidine 15 MG/ML Oral Solution"]


def test_a_re_export_under_a_new_bundle_id_changes_nothing(app, writer):
    card = make_card()
    writer.post_bundle(us_core_bundle(card.number))
    again = writer.post_bundle(us_core_bundle(card.number, bundle_id="US-CORE-2")).get_json()
    assert stored() == len(FILES) - 1
    assert {e["response"]["status"] for e in again["entry"]} == {"200 OK"}
    assert {e["response"].get("etag") for e in again["entry"][1:]} == {'W/"1"'}


def test_put_entries_update_in_place_and_if_match_guards_them(app, writer):
    card = make_card()
    writer.post_bundle(us_core_bundle(card.number, method="PUT"))
    changed = us_core_bundle(card.number, bundle_id="US-CORE-3", method="PUT")
    allergy = changed["entry"][7]
    allergy["resource"]["clinicalStatus"]["coding"][0]["code"] = "resolved"
    allergy["request"]["ifMatch"] = 'W/"1"'
    answer = writer.post_bundle(changed).get_json()
    assert answer["entry"][7]["response"]["etag"] == 'W/"2"' and stored() == len(FILES) - 1
    stale = us_core_bundle(card.number, bundle_id="US-CORE-4", method="PUT")
    stale["entry"][7]["request"]["ifMatch"] = 'W/"1"'
    response = writer.post_bundle(stale)
    assert response.status_code == 412 and "W/\"2\"" in response.get_json()["issue"][0]["diagnostics"]


def test_if_none_exist_creates_once(app, writer):
    card = make_card()
    bundle = us_core_bundle(card.number)
    bundle["entry"][1]["request"]["ifNoneExist"] = "identifier=http://hl7.org/fhir/sid/us-npi|1234567893"
    writer.post_bundle(bundle)
    bundle2 = copy.deepcopy(bundle)
    bundle2["identifier"]["value"] = "US-CORE-5"
    bundle2["entry"][1]["resource"]["name"] = "Renamed, but not created again"
    answer = writer.post_bundle(bundle2).get_json()
    assert answer["entry"][1]["response"]["status"] == "200 OK" and stored() == len(FILES) - 1


@pytest.mark.parametrize("change, words", [
    (lambda b: b["entry"][6]["resource"].update(encounter={"reference": "urn:uuid:nowhere"}), "urn:uuid:nowhere"),
    (lambda b: b["entry"][6]["resource"].update(encounter={"reference": "Encounter/never-sent"}), "Encounter/never-sent"),
    (lambda b: b["entry"][8]["resource"].update(status="bogus-status"), "bogus-status"),
    (lambda b: b["entry"][6]["resource"]["clinicalStatus"]["coding"][0].update(code="banana"), "banana"),
])
def test_unresolvable_references_and_invalid_codes_are_refused_and_nothing_is_stored(app, writer, change, words):
    card = make_card()
    bundle = us_core_bundle(card.number)
    bundle["entry"][6]["resource"]["clinicalStatus"] = {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]}
    change(bundle)
    response = writer.post_bundle(bundle)
    assert response.status_code == 422 and response.content_type == "application/fhir+json"
    assert words in response.get_json()["issue"][0]["diagnostics"] and stored() == 0


def test_a_document_bundle_of_an_abdm_type_is_accepted_at_bundle(app, writer):
    card = make_card()
    composition = {"resourceType": "Composition", "status": "final", "date": "2026-11-20",
                   "type": {"coding": [{"system": "http://snomed.info/sct", "code": "440545006", "display": "Prescription record"}]},
                   "title": "Prescription record", "subject": {"reference": "urn:uuid:p"},
                   "author": [{"reference": "urn:uuid:dr"}],
                   "section": [{"title": "Prescription", "entry": [{"reference": "urn:uuid:rx"}]}]}
    patient = {"resourceType": "Patient", "identifier": [{
        "type": {"coding": [{"system": "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code", "code": "ABHA"}]},
        "system": "https://sampark.delhi.gov.in/fhir/sid/health-card", "value": card.number}]}
    rx = {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": {"reference": "urn:uuid:p"},
          "medicationCodeableConcept": {"text": "Tab. Paracetamol 500 mg"}, "authoredOn": "2026-11-20"}
    doctor = {"resourceType": "Practitioner", "name": [{"text": "Dr. Meera Rao"}]}
    bundle = {"resourceType": "Bundle", "type": "document", "identifier": {"system": "https://gtb.example", "value": "RX-1"},
              "timestamp": "2026-11-20T10:00:00+05:30",
              "entry": [{"fullUrl": "urn:uuid:c", "resource": composition}, {"fullUrl": "urn:uuid:p", "resource": patient},
                        {"fullUrl": "urn:uuid:rx", "resource": rx}, {"fullUrl": "urn:uuid:dr", "resource": doctor}]}
    assert writer.post_bundle(bundle).status_code == 400  # a document does not go to POST [base]
    response = writer.http.post("/fhir/Bundle", data=json.dumps(bundle), headers={
        "Authorization": f"Bearer {writer.token()}", "Content-Type": "application/fhir+json"})
    assert response.status_code == 200, response.get_json()
    assert stored() == 3
    assert [m["name"] for m in lookup.view_patient(card.patient_id)["hospital"]["medications"]] == ["Tab. Paracetamol 500 mg"]


@pytest.mark.parametrize("method, path, status", [
    ("delete", "/fhir/Patient/1", 405), ("put", "/fhir/Condition/h1", 405), ("get", "/fhir/Patient/1/nonsense/deeper", 404),
    ("post", "/fhir/Patient", 405)])
def test_wrong_addresses_and_methods_answer_operation_outcomes(app, writer, method, path, status):
    response = getattr(writer.http, method)(path)
    assert response.status_code == status and response.content_type == "application/fhir+json"
    assert response.get_json()["resourceType"] == "OperationOutcome"
    if status == 405:
        assert response.headers["Allow"]


def test_sampark_s_own_resources_carry_a_version_and_etag_that_changes_with_them(app, writer):
    card = make_card()
    first = writer.get(f"/fhir/Patient/{card.patient_id}")
    assert first.headers["ETag"] == f'W/"{first.get_json()["meta"]["versionId"]}"' and first.headers["Last-Modified"]
    patient = card.patient
    patient.address = "House 2, Seelampur"
    db.session.commit()
    assert writer.get(f"/fhir/Patient/{card.patient_id}").headers["ETag"] != first.headers["ETag"]

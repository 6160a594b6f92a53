"""Clinical safety of the panel: merging hospital facts never drops or reorders a clinical item.

Hazard controls (listed in the clinical-safety hazard log): allergies and medicines merged by coded concept and
their full text, never their first word; blood pressure read systolic/diastolic by LOINC code, not by order.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from crm.hospitals.fhir import concepts, summaries
from crm.residents import lookup
from tests.factories import make_card
from tests.fhir.hospital import history_bundle

US_CORE = Path(__file__).parent / "examples" / "us-core"
SNOMED, RXNORM = "http://snomed.info/sct", "http://www.nlm.nih.gov/research/umls/rxnorm"


def _allergy(number: int, code: str, display: str, text: str | None = None) -> dict:
    concept = {"coding": [{"system": SNOMED, "code": code, "display": display}]}
    if text:
        concept["text"] = text
    return {"fullUrl": f"urn:uuid:alg-{number}", "request": {"method": "POST", "url": "AllergyIntolerance"},
            "resource": {"resourceType": "AllergyIntolerance", "patient": {"reference": "urn:uuid:patient-1"},
                         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                                        "code": "active"}]},
                         "code": concept, "recordedDate": "2026-11-20"}}


def _medicine(number: int, text: str, code: str | None = None) -> dict:
    concept = {"text": text, **({"coding": [{"system": RXNORM, "code": code, "display": text}]} if code else {})}
    return {"fullUrl": f"urn:uuid:med-{number}", "request": {"method": "POST", "url": "MedicationRequest"},
            "resource": {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
                         "subject": {"reference": "urn:uuid:patient-1"}, "medicationCodeableConcept": concept,
                         "authoredOn": "2026-11-20"}}


def _send(hospital, card, extra: list[dict], bundle_id: str = "SAFETY-1"):
    bundle = history_bundle(card.number, bundle_id=bundle_id)
    bundle["entry"] = bundle["entry"][:1] + extra
    response = hospital.post_bundle(bundle)
    assert response.status_code == 200, response.get_json()
    return lookup.view_patient(card.patient_id)["hospital"]


def test_three_allergies_sent_together_are_three_items(app, hospital):
    # Synthea's wording: each display starts "Allergy to", which the first-word key made one item.
    card = make_card()
    history = _send(hospital, card, [_allergy(1, "91936005", "Allergy to penicillin"),
                                     _allergy(2, "91935009", "Allergy to peanuts"),
                                     _allergy(3, "294505008", "Allergy to sulfonamide")])
    assert sorted(a["name"] for a in history["allergies"]) == [
        "Allergy to peanuts", "Allergy to penicillin", "Allergy to sulfonamide"]
    assert all(a["current"] for a in history["allergies"])


def test_three_tablets_are_three_medicines_and_one_matches_the_helplines(app, hospital):
    card = make_card(current_medications=["Metformin 500mg"])
    history = _send(hospital, card, [_medicine(1, "Tab. Metformin 500 mg"), _medicine(2, "Tab. Amlodipine 5 mg"),
                                     _medicine(3, "Tab. Atorvastatin 10 mg")])
    names = sorted(m["name"] for m in history["medications"])
    assert names == ["Metformin 500mg", "Tab. Amlodipine 5 mg", "Tab. Atorvastatin 10 mg"]
    metformin = next(m for m in history["medications"] if m["name"] == "Metformin 500mg")
    assert [s["who"] for s in metformin["sources"]] == ["Helpline record", "GTB Hospital HIS"]


def test_the_same_code_from_two_wordings_is_one_item_and_different_codes_never_merge(app, hospital):
    card = make_card(allergies=["Penicillin"])
    history = _send(hospital, card, [_allergy(1, "91936005", "Allergy to penicillin"),
                                     _allergy(2, "91935009", "Allergy to peanuts", text="Peanut")])
    penicillin = next(a for a in history["allergies"] if a["name"] == "Penicillin")
    assert len(penicillin["sources"]) == 2  # the helpline's text and the hospital's coded allergy
    assert len(history["allergies"]) == 2


def test_a_us_core_allergy_matches_the_helplines_text(app, hospital):
    card = make_card(allergies=["Sulfonamide antibacterial"])
    example = json.loads((US_CORE / "allergyintolerance-example.json").read_text())
    example.update(patient={"reference": "urn:uuid:patient-1"})
    del example["recorder"]
    history = _send(hospital, card, [{"fullUrl": "urn:uuid:alg-x", "resource": example,
                                      "request": {"method": "POST", "url": "AllergyIntolerance"}}])
    assert len(history["allergies"]) == 1 and len(history["allergies"][0]["sources"]) == 2


def test_blood_pressure_is_systolic_over_diastolic_whatever_the_order(app, hospital):
    card = make_card()
    bundle = history_bundle(card.number)
    bp = bundle["entry"][5]["resource"]
    bp["component"].reverse()  # as Synthea sends it: diastolic first
    bp["component"][0]["valueQuantity"]["value"], bp["component"][1]["valueQuantity"]["value"] = 83.8689, 123.583
    assert hospital.post_bundle(bundle).status_code == 200
    entries = lookup.view_patient(card.patient_id)["hospital"]["entries"]
    assert "Blood pressure: 123.583/83.8689 mmHg" in [e["summary"] for e in entries]


def test_the_us_core_blood_pressure_example_reads_systolic_first():
    example = json.loads((US_CORE / "blood-pressure.json").read_text())
    systolic = concepts.component(example, concepts.SYSTOLIC)["valueQuantity"]["value"]
    diastolic = concepts.component(example, concepts.DIASTOLIC)["valueQuantity"]["value"]
    reversed_example = copy.deepcopy(example)
    reversed_example["component"].reverse()
    for resource in (example, reversed_example):
        assert summaries.observed(resource) == f"{systolic}/{diastolic} mmHg"


def test_a_two_part_observation_that_is_not_blood_pressure_is_never_shown_as_one():
    eyes = {"resourceType": "Observation", "component": [
        {"code": {"text": "Left eye"}, "valueQuantity": {"value": 6, "unit": "m"}},
        {"code": {"text": "Right eye"}, "valueQuantity": {"value": 9, "unit": "m"}}]}
    assert summaries.observed(eyes) == "Left eye 6 m, Right eye 9 m"


def test_the_same_reading_in_two_visits_is_two_readings_and_a_resend_keeps_two(app, hospital):
    from sqlalchemy import func, select

    from crm.models import HospitalRecord
    from crm.platform.extensions import db

    card = make_card()
    bundle = history_bundle(card.number, bundle_id="TWICE-1")
    bp = bundle["entry"][5]
    twin = copy.deepcopy(bp) | {"fullUrl": "urn:uuid:bp-2"}
    del bp["resource"]["identifier"], twin["resource"]["identifier"]
    twin["resource"]["encounter"] = {"reference": "urn:uuid:enc-1"}
    bundle["entry"] = bundle["entry"][:5] + [bp, twin]
    assert hospital.post_bundle(bundle).status_code == 200
    bundle["identifier"]["value"] = "TWICE-2"
    assert hospital.post_bundle(bundle).status_code == 200
    observations = select(func.count()).select_from(HospitalRecord).where(HospitalRecord.kind == "observation")
    assert db.session.scalar(observations) == 2

"""A patient the size and shape Synthea exports (its published R4 sample data could not be vendored here: the
archives are not in the repository's snapshot), built the way Synthea builds it: urn:uuid fullUrls, practitioners
and organizations sent first in their own Bundle with ifNoneExist and then named by conditional references,
blood pressure with the diastolic component first, Claims beside the visits, allergies all worded "Allergy to"."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from crm.models import HospitalRecord
from crm.platform.extensions import db
from crm.residents import lookup
from tests.factories import make_card
from tests.fhir.hospital import Hospital

NPI = "http://hl7.org/fhir/sid/us-npi"
SYNTHEA = "https://github.com/synthetichealth/synthea"
LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"
VISITS = 120  # each: Encounter, 2 vitals, a Claim; ~500 entries, the size of a median Synthea patient


def _post(resource: dict, if_none_exist: str | None = None, full_url: str | None = None) -> dict:
    request = {"method": "POST", "url": resource["resourceType"]}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    return {"fullUrl": full_url or f"urn:uuid:{uuid.uuid4()}", "resource": resource, "request": request}


def practitioner_information() -> dict:
    org = {"resourceType": "Organization", "identifier": [{"system": SYNTHEA, "value": "org-1"}], "name": "GTB HOSPITAL"}
    doctor = {"resourceType": "Practitioner", "identifier": [{"system": NPI, "value": "9999999999"}],
              "name": [{"family": "Rao", "given": ["Meera"], "prefix": ["Dr."]}]}
    return {"resourceType": "Bundle", "type": "transaction",
            "entry": [_post(org, f"identifier={SYNTHEA}|org-1"), _post(doctor, f"identifier={NPI}|9999999999")]}


def patient_bundle(card_number: str) -> dict:
    me = f"urn:uuid:{uuid.uuid4()}"
    entries = [{"fullUrl": me, "resource": {"resourceType": "Patient", "identifier": [
        {"system": "https://sampark.delhi.gov.in/fhir/sid/health-card", "value": card_number}]},
        "request": {"method": "POST", "url": "Patient"}}]
    subject = {"reference": me}
    for allergen, code in (("penicillin", "91936005"), ("peanuts", "91935009"), ("sulfonamide", "294505008")):
        entries.append(_post({"resourceType": "AllergyIntolerance", "patient": subject,
                              "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}]},
                              "code": {"coding": [{"system": SNOMED, "code": code, "display": f"Allergy to {allergen}"}],
                                       "text": f"Allergy to {allergen}"}, "recordedDate": "2020-01-02"}))
    for n in range(VISITS):
        day = f"20{10 + n // 12:02d}-{n % 12 + 1:02d}-15T09:00:00+05:30"
        visit = f"urn:uuid:{uuid.uuid4()}"
        entries.append(_post({"resourceType": "Encounter", "status": "finished", "subject": subject,
                              "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                              "type": [{"coding": [{"system": SNOMED, "code": "185349003", "display": "Encounter for check up"}]}],
                              "period": {"start": day}, "serviceProvider": {"reference": f"Organization?identifier={SYNTHEA}|org-1"},
                              "participant": [{"individual": {"reference": f"Practitioner?identifier={NPI}|9999999999"}}]},
                             full_url=visit))
        entries.append(_post({"resourceType": "Observation", "status": "final", "subject": subject,
                              "encounter": {"reference": visit}, "effectiveDateTime": day,
                              "code": {"coding": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure panel"}]},
                              "component": [
                                  {"code": {"coding": [{"system": LOINC, "code": "8462-4", "display": "Diastolic Blood Pressure"}]},
                                   "valueQuantity": {"value": 80 + n % 7 + 0.5, "unit": "mm[Hg]"}},
                                  {"code": {"coding": [{"system": LOINC, "code": "8480-6", "display": "Systolic Blood Pressure"}]},
                                   "valueQuantity": {"value": 120 + n % 9 + 0.25, "unit": "mm[Hg]"}}]}))
        entries.append(_post({"resourceType": "Observation", "status": "final", "subject": subject,
                              "encounter": {"reference": visit}, "effectiveDateTime": day,
                              "code": {"coding": [{"system": LOINC, "code": "29463-7", "display": "Body Weight"}]},
                              "valueQuantity": {"value": 60 + n / 10, "unit": "kg"}}))
        entries.append(_post({"resourceType": "Claim", "status": "active", "use": "claim", "patient": subject,
                              "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
                              "created": day, "priority": {"coding": [{"code": "normal"}]},
                              "provider": {"reference": f"Organization?identifier={SYNTHEA}|org-1"},
                              "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "CGHS"}}],
                              "item": [{"sequence": 1, "encounter": [{"reference": visit}],
                                        "productOrService": {"coding": [{"system": SNOMED, "code": "185349003"}]}}]}))
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def test_a_synthea_shaped_patient_goes_in_whole_and_again_changes_nothing(app, http):
    his = Hospital(http, name="GTB HIS", scopes="system/*.read system/*.write")
    card = make_card()
    token = his.token()
    assert his.post_bundle(practitioner_information(), token).status_code == 200
    bundle = patient_bundle(card.number)
    assert len(bundle["entry"]) > 480
    response = his.post_bundle(bundle, token)
    assert response.status_code == 200, response.get_json()
    count = db.session.scalar(select(func.count()).select_from(HospitalRecord))
    assert count == 2 + len(bundle["entry"]) - 1
    again = his.post_bundle(patient_bundle(card.number), token)  # a re-export: new uuids, no Bundle identifier
    assert again.status_code == 200 and {e["response"]["status"] for e in again.get_json()["entry"]} == {"200 OK"}
    assert db.session.scalar(select(func.count()).select_from(HospitalRecord)) == count
    history = lookup.view_patient(card.patient_id)["hospital"]
    assert sorted(a["name"] for a in history["allergies"]) == ["Allergy to peanuts", "Allergy to penicillin",
                                                               "Allergy to sulfonamide"]
    pressures = [e["summary"] for e in history["entries"] if e["summary"].startswith("Blood pressure")]
    assert pressures and all(int(p.split(": ")[1].split("/")[0].split(".")[0]) >= 120 for p in pressures)

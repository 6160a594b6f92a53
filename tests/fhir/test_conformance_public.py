"""Conformance with public Bundles Sampark did not write, posted as a hospital would, every answer and every stored
fact checked: Synthea patients (tests/fhir/examples/synthea, Apache-2.0) and the NRCeS ABDM implementation guide's
document Bundles of six health-information types (tests/fhir/examples/abdm/nrces, CC0-1.0). See each folder's README for source and commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.hospitals.fhir import models
from crm.models import HospitalRecord
from crm.platform.extensions import db
from crm.residents import lookup
from tests.factories import make_card
from tests.fhir.hospital import Hospital

EXAMPLES = Path(__file__).parent / "examples"
SYNTHEA = EXAMPLES / "synthea"
NRCES = EXAMPLES / "abdm" / "nrces"
PATIENTS = ["Bibi254_Schowalter414_475d72ca-91c7-7211-97e3-f000af33fc04.json",
            "Denisha680_Keeling57_6a93e0ad-9bd0-6d85-34a7-015186f7880a.json"]
DIRECTORY = ["hospitalInformation1603148702656.json", "practitionerInformation1603148702656.json"]
DOCUMENTS = ["Bundle-OPConsultNote-example-05.json", "Bundle-DischargeSummary-example-04.json",
             "Bundle-ImmunizationRecord-example-07.json", "Bundle-WellnessRecord-example-01.json",
             "Bundle-HealthDocumentRecord-example-01.json", "Bundle-Prescription-example-06.json"]
CLINICAL = ("Binary", "AllergyIntolerance", "Condition", "MedicationStatement", "MedicationRequest", "Observation", "Procedure",
            "Immunization", "DiagnosticReport", "DocumentReference")
ABHA = "22722548295255"  # the examples' patient: 22-7225-4829-5255 under https://healthid.ndhm.gov.in


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(HospitalRecord))


def synthea(name: str, card_number: str | None = None) -> dict:
    """A Synthea file as Synthea wrote it: the copy's one change (type batch, see the README) undone; the resident's
    card number added to the Patient, as a Delhi hospital's export would carry it."""
    bundle = json.loads((SYNTHEA / name).read_text())
    bundle["type"] = "transaction"
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["identifier"].append({"system": "https://sampark.delhi.gov.in/fhir/sid/health-card",
                                                    "value": card_number})
    return bundle


def document(name: str) -> dict:
    return json.loads((NRCES / name).read_text(), strict=False)  # NRCeS's Prescription has raw tabs in its narrative


def says(resource: dict) -> str:
    """What a resource says, whatever Bundle carried it: without its id, meta, narrative and reference targets."""
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k != "reference"}
        return [plain(v) for v in value] if isinstance(value, list) else value
    return json.dumps(plain({k: v for k, v in resource.items() if k not in ("id", "meta", "text")}), sort_keys=True)


def named(concept: dict) -> set[str]:
    """The names a CodeableConcept gives its thing: its text and each coding's display."""
    return {concept.get("text"), *(c.get("display") for c in concept.get("coding") or [])} - {None}


def of_type(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.fixture
def his(http):
    return Hospital(http, name="Synthea General HIS", scopes="system/*.read system/*.write")


def post_document(hospital, bundle: dict | str):
    return hospital.http.post("/fhir/Bundle", data=bundle if isinstance(bundle, str) else json.dumps(bundle), headers={
        "Authorization": f"Bearer {hospital.token()}", "Content-Type": "application/fhir+json"})


def read_back(hospital, answer: dict) -> list[dict]:
    """Every resource the answer points at, read over FHIR and validated as R4."""
    resources = []
    for entry in answer["entry"]:
        location = entry["response"]["location"].split("/_history")[0]
        response = hospital.get("/fhir/" + location)
        assert response.status_code == 200, location
        resource = response.get_json()
        models.MODELS[resource["resourceType"]].model_validate(resource)
        resources.append(resource)
    return resources


def test_synthea_patients_go_in_whole_and_every_fact_is_stored_and_served_with_our_ids(app, his):
    for name in DIRECTORY:
        assert his.post_bundle(json.loads((SYNTHEA / name).read_text()) | {"type": "transaction"}).status_code == 200
    for name in PATIENTS:
        card = make_card()
        sent = synthea(name, card.number)
        response = his.post_bundle(sent)
        assert response.status_code == 200, response.get_json()
        answer = response.get_json()
        assert len(answer["entry"]) == len(sent["entry"])
        resources = read_back(his, answer)
        served = json.dumps(resources)
        assert "urn:uuid:" not in served  # every reference resolved to Sampark's ids
        for sent_entry, got in zip(sent["entry"], resources, strict=True):
            kind = sent_entry["resource"]["resourceType"]
            assert got["resourceType"] == kind
            if kind != "Patient":  # nothing the hospital said was dropped
                assert set(sent_entry["resource"]) - {"id", "meta"} == set(got) - {"id", "meta"}
            if kind in ("Encounter", "Condition", "Observation", "Immunization", "DiagnosticReport", "Procedure"):
                assert (got.get("subject") or got.get("patient"))["reference"] == f"Patient/{card.patient_id}"
        history = lookup.view_patient(card.patient_id)["hospital"]
        coded = {c["code"]["coding"][0]["display"] for c in of_type(sent, "Condition")}
        assert coded <= {c["name"] for c in history["conditions"]}
        kinds = db.session.execute(select(HospitalRecord.kind, func.count()).where(
            HospitalRecord.patient_id == card.patient_id).group_by(HospitalRecord.kind)).all()
        assert dict(kinds)["immunization"] == len(of_type(sent, "Immunization"))
        assert dict(kinds)["encounter"] == len(of_type(sent, "Encounter"))
        found = his.get(f"/fhir/Encounter?patient=Patient/{card.patient_id}&_count=100").get_json()
        assert found["total"] == len(of_type(sent, "Encounter"))
        before = stored()
        again = his.post_bundle(synthea(name, card.number)).get_json()  # a re-export: nothing changes
        assert stored() == before and {e["response"]["status"] for e in again["entry"]} == {"200 OK"}
        assert {e["response"].get("etag") for e in again["entry"][1:]} <= {'W/"1"', 'W/"2"'}


def test_synthea_blood_pressure_reads_systolic_over_diastolic_though_diastolic_comes_first(app, his):
    card = make_card()
    sent = synthea(PATIENTS[0], card.number)
    his.post_bundle(sent)
    readings = [o for o in of_type(sent, "Observation") if o["code"]["coding"][0]["code"] == "85354-9"]
    assert readings and readings[0]["component"][0]["code"]["coding"][0]["code"] == "8462-4"  # diastolic first
    by_code = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in readings[0]["component"]}
    summaries = [r.summary for r in db.session.scalars(select(HospitalRecord).where(
        HospitalRecord.patient_id == card.patient_id, HospitalRecord.kind == "observation"))]
    expected = f"{by_code['8480-6']:g}/{by_code['8462-4']:g} mm[Hg]"
    assert any(expected in s for s in summaries), (expected, [s for s in summaries if "Pressure" in s])


def test_the_panel_says_who_sent_each_synthea_fact(app, his):
    card = make_card()
    sent = synthea(PATIENTS[0], card.number)
    his.post_bundle(sent)
    encounter = of_type(sent, "Encounter")[-1]
    doctor = encounter["participant"][0]["individual"]["display"]
    place = encounter["serviceProvider"]["display"]
    entries = lookup.view_patient(card.patient_id)["hospital"]["entries"]
    assert f"{doctor} · {place}" in [e["sender"] for e in entries if e["kind"] == "encounter"]


def test_abdm_document_bundles_of_six_types_go_in_and_nothing_is_dropped(app, his):
    card = make_card(abha_number=ABHA)
    for name in DOCUMENTS:
        sent = document(name)
        response = post_document(his, (NRCES / name).read_text())  # the file's bytes, as the hospital sends them
        assert response.status_code == 200, (name, response.get_json())
        answer = response.get_json()
        assert len(answer["entry"]) == len(sent["entry"])
        resources = read_back(his, answer)
        served = json.dumps(resources)
        assert '"Practitioner/1"' not in served and '"Organization/1"' not in served  # the sender's ids are not served
        for got in resources[1:]:
            if owner := got.get("subject") or got.get("patient"):
                assert owner["reference"] == f"Patient/{card.patient_id}"
        before = stored()
        again = post_document(his, document(name)).get_json()  # a resend: same resources, same versions, none added
        assert [(e["response"]["location"], e["response"].get("etag")) for e in again["entry"]] == \
            [(e["response"]["location"], e["response"].get("etag")) for e in answer["entry"]]
        assert stored() == before
    history = lookup.view_patient(card.patient_id)["hospital"]
    medicines = {m["name"] for m in history["medications"]}
    for name in DOCUMENTS:
        for rx in of_type(document(name), "MedicationRequest") + of_type(document(name), "MedicationStatement"):
            assert named(rx["medicationCodeableConcept"]) & medicines, rx["medicationCodeableConcept"]
    conditions = {c["name"] for c in history["conditions"]}
    for name in DOCUMENTS:
        for condition in of_type(document(name), "Condition"):
            assert named(condition["code"]) & conditions, condition["code"]
    for kind in CLINICAL:  # every clinical resource of every document is kept, once (the same document twice is one)
        sent = len({says(r) for name in DOCUMENTS for r in of_type(document(name), kind)})
        kept = db.session.scalar(select(func.count()).select_from(HospitalRecord).where(
            HospitalRecord.patient_id == card.patient_id, HospitalRecord.resource_type == kind))
        assert kept == sent, kind
    wellness = [r.summary for r in db.session.scalars(select(HospitalRecord).where(
        HospitalRecord.patient_id == card.patient_id, HospitalRecord.resource_type == "Observation"))]
    bp = next(o for o in of_type(document(DOCUMENTS[3]), "Observation") if o["code"]["coding"][0]["code"] == "85354-9")
    by_code = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in bp["component"]}
    assert any(f"{by_code['8480-6']:g}/{by_code['8462-4']:g}" in s for s in wellness), wellness


def test_an_abdm_bundle_reusing_another_s_identifier_is_stored_not_answered_with_the_first_reply(app, his):
    """NRCeS's OPConsultRecord and ImmunizationRecord examples carry the same Bundle identifier."""
    card = make_card(abha_number=ABHA)
    first, second = document(DOCUMENTS[2]), document(DOCUMENTS[0])
    assert first["identifier"] == second["identifier"]
    post_document(his, first)
    answer = post_document(his, second).get_json()
    assert [e["response"]["location"].split("/")[0] for e in answer["entry"]] == \
        [e["resource"]["resourceType"] for e in second["entry"]]
    medicines = {m["name"] for m in lookup.view_patient(card.patient_id)["hospital"]["medications"]}
    assert "Neomycin 5 microgram/mg cutaneous ointment" in medicines


def test_the_panel_says_which_doctor_and_hospital_stand_behind_an_abdm_prescription(app, his):
    card = make_card(abha_number=ABHA)
    post_document(his, document(DOCUMENTS[0]))
    history = lookup.view_patient(card.patient_id)["hospital"]
    neomycin = next(m for m in history["medications"] if m["name"].startswith("Neomycin"))
    assert neomycin["sources"][0]["sender"] == "Dr. DEF"
    condition = next(e for e in history["entries"] if e["kind"] == "condition")
    assert condition["sender"] == "Dr. DEF · UVW Hospital"  # from the Composition: author and custodian


def test_a_provenance_the_hospital_sends_names_who_stands_behind_the_fact(app, his):
    """A Provenance about the Synthea patient's COVID-19 diagnosis outranks the resource's own fields on the panel."""
    card = make_card()
    sent = synthea(PATIENTS[0], card.number)
    covid = next(e for e in sent["entry"] if e["resource"]["resourceType"] == "Condition"
                 and e["resource"]["code"]["text"] == "COVID-19")
    sent["entry"] += [
        {"fullUrl": "urn:uuid:dr-meera", "resource": {"resourceType": "Practitioner", "name": [{"text": "Dr. Meera Rao"}],
                                                     "identifier": [{"system": "https://doctor.ndhm.gov.in", "value": "71-0000-0000-0001"}]},
         "request": {"method": "POST", "url": "Practitioner"}},
        {"fullUrl": "urn:uuid:prov-1", "resource": {
            "resourceType": "Provenance", "target": [{"reference": covid["fullUrl"]}], "recorded": "2020-10-01T10:00:00+05:30",
            "agent": [{"who": {"reference": "urn:uuid:dr-meera"}}]}, "request": {"method": "POST", "url": "Provenance"}}]
    assert his.post_bundle(sent).status_code == 200
    history = lookup.view_patient(card.patient_id)["hospital"]
    item = next(c for c in history["conditions"] if c["name"] == "COVID-19")
    assert item["sources"][0]["sender"] == "Dr. Meera Rao"

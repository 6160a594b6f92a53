"""ABDM-profile Bundles name their patient as the ABDM profiles do; demographics alone never file a record."""

from __future__ import annotations

import pytest

from crm.platform.extensions import db
from crm.residents import lookup
from crm.residents.abha import services as abha
from tests.factories import make_patient
from tests.fhir.hospital import history_bundle

TYPES = "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code"


def _abdm(bundle: dict, system: str, code: str | None, value: str) -> dict:
    ident = {"system": system, "value": value}
    if code:
        ident["type"] = {"coding": [{"system": TYPES, "code": code}]}
    bundle["entry"][0]["resource"]["identifier"] = [ident]
    return bundle


@pytest.mark.parametrize("system, code, value", [
    ("https://healthid.abdm.gov.in", "ABHAAddress", "asha.devi_91@abdm"),
    ("https://healthid.abdm.gov.in", "ABHA", "91-5555-4444-3333"),
    ("https://healthid.ndhm.gov.in", "ABHA", "91-5555-4444-3333"),
    ("https://healthid.abdm.gov.in", None, "asha.devi_91@abdm"),
    ("https://ndhm.gov.in/id", "ABHA", "asha.devi_91@abdm"),  # typed ABHA but an address, as NRCeS examples send it
])
def test_the_patient_is_found_by_the_identifiers_abdm_bundles_use(app, hospital, system, code, value):
    patient = make_patient()
    abha.link(patient, "91-5555-4444-3333", "asha.devi_91@abdm")
    db.session.commit()
    response = hospital.post_bundle(_abdm(history_bundle(abha="x"), system, code, value))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["entry"][0]["response"]["location"] == f"Patient/{patient.id}"


def test_demographics_alone_are_a_candidate_for_a_person_never_a_match(app, hospital):
    from datetime import date

    patient = make_patient(name="Asha Devi", sex="F", dob=date(1975, 3, 2))
    bundle = _abdm(history_bundle(abha="x"), "https://healthid.abdm.gov.in", "ABHA", "91-0000-0000-0001")
    bundle["entry"][0]["resource"].update(name=[{"text": "Asha Devi"}], gender="female", birthDate="1975-03-02")
    response = hospital.post_bundle(bundle)
    assert response.status_code == 202 and response.get_json()["issue"][0]["severity"] == "information"
    said = response.get_json()["issue"][0]["diagnostics"]
    assert "never files records on demographics alone" in said and "card office confirms" in said
    assert "Patient/" not in said and "Asha" not in said  # who fits is not told to the hospital
    assert lookup.view_patient(patient.id)["hospital"] is None  # on no panel until a person confirms

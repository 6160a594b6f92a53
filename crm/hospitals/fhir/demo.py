"""Demo hospitals: a registered hospital system and the history it sent, so `./run demo` shows both.

The demo hospital's private key is written to the instance folder, so a person can try the API with it
(SMART Backend Services: sign an assertion with it, ask /fhir/auth/token). A second run finds the
client and sends nothing more.
"""

from __future__ import annotations

import os
import random
from datetime import date, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import select

from crm.hospitals.fhir import clients, ingest
from crm.hospitals.fhir import identifiers as ids
from crm.models import HospitalClient, Patient, StaffUser
from crm.platform.extensions import db

NAME = "Guru Teg Bahadur Hospital HIS (demo)"
OFFICER = "interop1"  # the demo's interoperability officer grants the demo hospital its access
KEY_FILE = "demo-hospital-key.pem"
SYSTEM = "https://gtbh.example.in/fhir/sid"
PATIENTS = 40


def seed(rng: random.Random, today: date) -> str:
    """Register the demo hospital (once) and send history for some residents with chronic conditions."""
    client = db.session.scalar(select(HospitalClient).where(HospitalClient.name == NAME))
    key_path = Path(current_app.instance_path) / KEY_FILE
    if client is not None:
        return f"Hospitals: {NAME} is registered (client id {client.client_id}, key {key_path})."
    private = ec.generate_private_key(ec.SECP384R1())
    key_path.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    public = private.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    officer = db.session.scalar(select(StaffUser).where(StaffUser.username == OFFICER))
    client = clients.register(NAME, public, " ".join(clients.PRESETS["send_history"] + clients.PRESETS["read"]), officer)
    scopes = list(client.scopes)
    older = db.session.scalars(select(Patient).where(Patient.birth_year < today.year - 35).order_by(Patient.id)
                               .limit(PATIENTS * 15)).all()  # the demo gives chronic conditions only past 35
    chronic = [p for p in older if p.chronic_conditions]
    sent = 0
    for patient in [p for p in chronic if p.current_card and p.chronic_conditions][:PATIENTS]:
        ingest.transaction(visit(patient, rng, today - timedelta(days=rng.randint(3, 60))), client, scopes)
        sent += 1
    db.session.commit()
    return f"Hospitals: {NAME} (client id {client.client_id}, key {key_path}) sent history for {sent} residents."


def visit(patient: Patient, rng: random.Random, day: date) -> dict:
    """One outpatient visit as a transaction Bundle: the patient's condition, medicine, BP and sugar."""
    visit_id = f"V-{patient.id}"
    stamp = f"{day.isoformat()}T10:30:00+05:30"
    me = {"reference": "urn:uuid:patient"}
    condition = patient.chronic_conditions[0]
    medicine = (patient.current_medications or ["Paracetamol 500 mg"])[0]
    stopped = rng.random() < 0.3  # the hospital stopped a medicine the helpline still lists: a conflict to confirm
    systolic, diastolic = rng.randint(118, 168), rng.randint(76, 102)

    def entry(url: str, resource: dict) -> dict:
        resource["identifier"] = [{"system": f"{SYSTEM}/{resource['resourceType'].lower()}", "value": f"{visit_id}-{url}"}]
        return {"fullUrl": f"urn:uuid:{url}", "resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}}

    loinc = "http://loinc.org"
    mmhg = {"unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
    return {"resourceType": "Bundle", "type": "transaction", "identifier": {"system": f"{SYSTEM}/bundle", "value": visit_id},
            "entry": [
                {"fullUrl": "urn:uuid:patient", "resource": {"resourceType": "Patient", "identifier": [
                    {"system": ids.CARD, "value": patient.current_card.number}]}, "request": {"method": "POST", "url": "Patient"}},
                entry("enc", {"resourceType": "Encounter", "status": "finished",
                              "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                              "type": [{"text": "Medicine OPD"}], "subject": me, "period": {"start": stamp}}),
                entry("cond", {"resourceType": "Condition", "code": {"text": condition}, "subject": me, "recordedDate": day.isoformat(),
                               "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                              "code": "active"}]}}),
                entry("med", {"resourceType": "MedicationStatement", "status": "stopped" if stopped else "active",
                              "medicationCodeableConcept": {"text": medicine}, "subject": me, "effectiveDateTime": day.isoformat()}),
                entry("bp", {"resourceType": "Observation", "status": "final", "subject": me, "effectiveDateTime": stamp,
                             "code": {"coding": [{"system": loinc, "code": "85354-9", "display": "Blood pressure"}]},
                             "component": [{"code": {"coding": [{"system": loinc, "code": "8480-6"}]}, "valueQuantity": {"value": systolic, **mmhg}},
                                           {"code": {"coding": [{"system": loinc, "code": "8462-4"}]}, "valueQuantity": {"value": diastolic, **mmhg}}]}),
                entry("sugar", {"resourceType": "Observation", "status": "final", "subject": me, "effectiveDateTime": stamp,
                                "code": {"coding": [{"system": loinc, "code": "2339-0", "display": "Blood sugar (fasting)"}]},
                                "valueQuantity": {"value": rng.randint(88, 190), "unit": "mg/dL"}}),
            ]}

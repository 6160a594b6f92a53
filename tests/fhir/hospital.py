"""A hospital system as the tests play it: its own key pair, signed assertions, access tokens, FHIR calls."""

from __future__ import annotations

import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from crm.hospitals.fhir import clients
from crm.platform.extensions import db
from tests import factories

TOKEN_URL = "http://sampark.test/fhir/auth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class Hospital:
    """A registered client holding its private key."""

    def __init__(self, http, name="GTB Hospital HIS", scopes=None, alg="ES384", token_url=TOKEN_URL, officer=None):
        self.http, self.alg, self.token_url = http, alg, token_url
        self.private = ec.generate_private_key(ec.SECP384R1()) if alg == "ES384" else rsa.generate_private_key(65537, 2048)
        public_pem = self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        scopes = scopes or " ".join(clients.PRESETS["read"] + clients.PRESETS["send_history"]
                                    + ["system/Communication.read", "system/AuditEvent.read"])
        self.officer = officer or factories.make_staff("interop_officer")  # who grants it access
        self.row = clients.register(name, public_pem, scopes, self.officer)
        db.session.commit()
        self.client_id = self.row.client_id

    def assertion(self, key=None, **claims) -> str:
        """A client assertion signed with this hospital's key (or `key`), claims overridable."""
        now = int(time.time())
        body = {"iss": self.client_id, "sub": self.client_id, "aud": self.token_url, "exp": now + 240, "iat": now,
                "jti": uuid.uuid4().hex}
        body.update(claims)
        return jwt.encode(body, key or self.private, algorithm=self.alg, headers={"kid": "his-1"})

    def ask_token(self, assertion=None, scope=None):
        """The token endpoint's answer."""
        form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion or self.assertion()}
        if scope:
            form["scope"] = scope
        return self.http.post("/fhir/auth/token", data=form)

    def token(self, scope=None) -> str:
        """A fresh access token."""
        response = self.ask_token(scope=scope)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]

    def get(self, path, token=None, **kwargs):
        """GET a FHIR URL with a bearer token."""
        return self.http.get(path, headers={"Authorization": f"Bearer {token or self.token()}"}, **kwargs)

    def post_bundle(self, bundle, token=None):
        """POST a transaction Bundle."""
        return self.http.post("/fhir", data=json.dumps(bundle), headers={
            "Authorization": f"Bearer {token or self.token()}", "Content-Type": "application/fhir+json"})


def history_bundle(card_number=None, abha=None, bundle_id="GTB-2026-0001", medication_status="active",
                   allergy="Penicillin"):
    """A transaction Bundle of one outpatient visit: encounter, diagnosis, allergy, medicine, BP, sugar, report."""
    if card_number:
        ident = {"system": "https://sampark.delhi.gov.in/fhir/sid/health-card", "value": card_number}
    else:
        ident = {"system": "https://healthid.abdm.gov.in", "value": abha}
    subject = {"reference": "urn:uuid:patient-1"}
    enc = {"reference": "urn:uuid:enc-1"}

    def entry(url, resource):
        return {"fullUrl": url, "resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}}

    gtb = "https://gtbh.delhi.gov.in/fhir/sid"
    return {"resourceType": "Bundle", "type": "transaction", "identifier": {"system": gtb + "/bundle", "value": bundle_id},
            "entry": [
                entry("urn:uuid:patient-1", {"resourceType": "Patient", "identifier": [ident]}),
                entry("urn:uuid:enc-1", {"resourceType": "Encounter", "identifier": [{"system": gtb + "/visit", "value": "V-881"}],
                                         "status": "finished", "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                                         "type": [{"text": "Medicine OPD"}], "subject": subject,
                                         "period": {"start": "2026-11-20T10:30:00+05:30"}}),
                entry("urn:uuid:cond-1", {"resourceType": "Condition", "identifier": [{"system": gtb + "/dx", "value": "D-1"}],
                                          "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
                                          "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006", "display": "Type 2 diabetes mellitus"}]},
                                          "subject": subject, "encounter": enc, "recordedDate": "2026-11-20"}),
                entry("urn:uuid:alg-1", {"resourceType": "AllergyIntolerance", "identifier": [{"system": gtb + "/alg", "value": "A-1"}],
                                         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}]},
                                         "criticality": "high", "code": {"text": allergy}, "patient": subject,
                                         "recordedDate": "2026-11-20",
                                         "reaction": [{"manifestation": [{"text": "Hives"}]}]}),
                entry("urn:uuid:med-1", {"resourceType": "MedicationStatement", "identifier": [{"system": gtb + "/med", "value": "M-1"}],
                                         "status": medication_status, "medicationCodeableConcept": {"text": "Metformin 500 mg"},
                                         "subject": subject, "effectiveDateTime": "2026-11-20",
                                         "dosage": [{"text": "one tablet twice a day"}]}),
                entry("urn:uuid:bp-1", {"resourceType": "Observation", "identifier": [{"system": gtb + "/obs", "value": "O-1"}],
                                        "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure"}]},
                                        "subject": subject, "encounter": enc, "effectiveDateTime": "2026-11-20T10:40:00+05:30",
                                        "component": [
                                            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                                             "valueQuantity": {"value": 150, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
                                            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
                                             "valueQuantity": {"value": 95, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}]}),
                entry("urn:uuid:sugar-1", {"resourceType": "Observation", "identifier": [{"system": gtb + "/obs", "value": "O-2"}],
                                           "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0", "display": "Blood sugar (random)"}]},
                                           "subject": subject, "effectiveDateTime": "2026-11-20T10:45:00+05:30",
                                           "valueQuantity": {"value": 212, "unit": "mg/dL"}}),
                entry("urn:uuid:rep-1", {"resourceType": "DiagnosticReport", "identifier": [{"system": gtb + "/rep", "value": "R-1"}],
                                         "status": "final", "code": {"text": "HbA1c"}, "subject": subject,
                                         "effectiveDateTime": "2026-11-19", "conclusion": "HbA1c 8.1%: poorly controlled"}),
            ]}

"""Hospital systems authenticate with their own key (SMART Backend Services) and stay inside their scopes."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fhir.resources.R4B.operationoutcome import OperationOutcome
from sqlalchemy import select

from crm.hospitals.fhir import clients
from crm.models import AuditLog
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests.factories import make_card
from tests.fhir.hospital import Hospital


def refusal(response) -> OperationOutcome:
    """The OperationOutcome of a refused FHIR request (validated)."""
    assert response.content_type.startswith("application/fhir+json")
    return OperationOutcome.model_validate(response.get_json())


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_a_hospital_gets_a_short_lived_token_with_its_own_key(app, http, alg):
    hospital = Hospital(http, alg=alg)
    response = hospital.ask_token()
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "bearer" and body["expires_in"] <= 300
    assert "system/Patient.read" in body["scope"].split()
    assert response.headers["Cache-Control"] == "no-store"
    card = make_card()
    assert hospital.get(f"/fhir/Patient/{card.patient_id}", body["access_token"]).status_code == 200


def test_an_assertion_signed_with_another_key_is_refused(app, http, hospital):
    stranger = ec.generate_private_key(ec.SECP384R1())
    response = hospital.ask_token(hospital.assertion(key=stranger))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "fhir_token_refused")).one()
    assert row.detail["client"] == "GTB Hospital HIS"


def test_an_expired_assertion_is_refused(app, http, hospital):
    now = int(time.time())
    response = hospital.ask_token(hospital.assertion(exp=now - 120, iat=now - 400))
    assert response.status_code == 401
    assert "expired" in response.get_json()["error_description"]


def test_an_assertion_that_lives_longer_than_five_minutes_is_refused(app, http, hospital):
    response = hospital.ask_token(hospital.assertion(exp=int(time.time()) + 3600))
    assert response.status_code == 401
    assert "300 seconds" in response.get_json()["error_description"]


def test_a_replayed_assertion_is_refused(app, http, hospital):
    assertion = hospital.assertion()
    assert hospital.ask_token(assertion).status_code == 200
    again = hospital.ask_token(assertion)
    assert again.status_code == 401
    assert "already used" in again.get_json()["error_description"]


def test_the_audience_must_be_the_token_url(app, http, hospital):
    response = hospital.ask_token(hospital.assertion(aud="https://elsewhere.example/token"))
    assert response.status_code == 401
    assert "aud" in response.get_json()["error_description"]


def test_an_unsigned_or_symmetric_assertion_is_refused(app, http, hospital):
    forged = jwt.encode({"iss": hospital.client_id, "sub": hospital.client_id, "aud": "http://sampark.test/fhir/auth/token",
                         "exp": int(time.time()) + 60, "jti": "x1"}, "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256")
    assert hospital.ask_token(forged).status_code == 401


def test_a_revoked_client_gets_no_token_and_its_tokens_stop_working(app, http, hospital):
    card = make_card()
    token = hospital.token()
    clients.revoke(hospital.row, None)
    db.session.commit()
    assert hospital.ask_token().status_code == 401
    response = hospital.get(f"/fhir/Patient/{card.patient_id}", token)
    assert response.status_code == 401
    assert refusal(response).issue[0].code == "login"


def test_without_a_token_the_api_answers_401_operation_outcome(app, http):
    response = http.get("/fhir/Patient?identifier=x")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert refusal(response).issue[0].code == "login"
    assert http.get("/fhir/Patient/1", headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def test_scopes_are_enforced_per_resource_and_per_read_or_write(app, http):
    reader = Hospital(http, name="Lab reader", scopes="system/Patient.read")
    card = make_card()
    token = reader.token()
    assert reader.get(f"/fhir/Patient/{card.patient_id}", token).status_code == 200
    response = reader.get(f"/fhir/Encounter?patient={card.patient_id}", token)
    assert response.status_code == 403
    assert refusal(response).issue[0].code == "forbidden"
    from tests.fhir.hospital import history_bundle

    assert reader.post_bundle(history_bundle(card.number), token).status_code == 403
    refused = db.session.scalars(select(AuditLog).where(AuditLog.action == "fhir_refused")).all()
    assert {r.detail["client"] for r in refused} == {"Lab reader"}


def test_a_writer_without_the_write_scope_of_one_resource_is_refused_whole(app, http):
    writer = Hospital(http, name="Partial writer", scopes="system/Bundle.write system/Observation.write system/Patient.read")
    card = make_card()
    from tests.fhir.hospital import history_bundle

    response = writer.post_bundle(history_bundle(card.number))
    assert response.status_code == 403
    assert "Encounter" in refusal(response).issue[0].diagnostics


def test_a_client_gets_only_the_scopes_it_asks_for_and_was_given(app, http, hospital):
    body = hospital.ask_token(scope="system/Patient.read system/Observation.read").get_json()
    assert body["scope"] == "system/Patient.read"
    refused = hospital.ask_token(scope="system/Observation.read")
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_scope"


@pytest.mark.parametrize("scopes, resource, letter, allowed", [
    ("system/Patient.read", "Patient", "r", True),
    ("system/Patient.read", "Patient", "s", True),
    ("system/Patient.read", "Patient", "c", False),
    ("system/*.read", "Encounter", "s", True),
    ("system/Patient.rs", "Patient", "r", True),
    ("system/Condition.c", "Condition", "c", True),
    ("system/Condition.c", "Condition", "r", False),
    ("system/Observation.write", "Condition", "c", False),
])
def test_scope_grammar(scopes, resource, letter, allowed):
    assert clients.allows(scopes.split(), resource, letter) is allowed


def test_registration_refuses_private_keys_weak_keys_and_unknown_scopes(app):
    from tests.factories import make_staff

    officer = make_staff("interop_officer")
    private = ec.generate_private_key(ec.SECP384R1())
    from cryptography.hazmat.primitives import serialization

    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    with pytest.raises(Refused) as exc:
        clients.register("X", pem, "system/Patient.read", officer)
    assert exc.value.code == "private_key"
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(Refused) as exc:
        clients.register("X", p256, "system/Patient.read", officer)
    assert "P-384" in exc.value.message
    good = private.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(Refused) as exc:
        clients.register("X", good, "system/Patient.delete-everything", officer)
    assert exc.value.code == "bad_scope"
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(private.public_key(), as_dict=True) | {"kid": "his-1"}
    import json

    client = clients.register("By JWK", json.dumps(jwk), "system/Patient.read", officer)
    assert client.jwk["kid"] == "his-1" and client.jwk["alg"] == "ES384"


def test_the_interop_officer_registers_clients_on_a_page_and_the_admin_can_revoke(app):
    from cryptography.hazmat.primitives import serialization

    from tests.factories import logged_in

    officer, officer_row = logged_in(app, "interop_officer")
    pem = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    response = officer.post("/fhir/admin/clients", data={"name": "LNJP Hospital <HIS>", "public_key": pem, "preset": "send_history"})
    assert response.status_code == 302
    page = officer.get("/fhir/admin/clients").get_data(as_text=True)
    assert "LNJP Hospital &lt;HIS&gt;" in page and "system/Bundle.write" in page
    row = db.session.scalars(select(clients.HospitalClient)).one()
    assert row.created_by_id == officer_row.id
    admin, _ = logged_in(app, "admin")
    assert "Register a hospital system" not in admin.get("/fhir/admin/clients").get_data(as_text=True)
    assert admin.post(f"/fhir/admin/clients/{row.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(clients.HospitalClient, row.id).revoked_at is not None
    operator, _ = logged_in(app, "operator")
    assert operator.get("/fhir/admin/clients").status_code == 403
    bad = officer.post("/fhir/admin/clients", data={"name": "X", "public_key": "not a key", "preset": "read"})
    assert bad.status_code == 422 and "PEM" in bad.get_data(as_text=True)

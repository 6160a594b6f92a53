"""Hospital systems as OAuth 2.0 clients, the SMART Backend Services way.

An interoperability officer (never an administrator: crm.staff.auth.capabilities) registers a client with its
public key (JWK or PEM) and its scopes; the grant is kept on the client and in the audit log under their
name. The hospital asks POST /fhir/auth/token for an access token with `grant_type=client_credentials`,
`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and a JWT it signed
with its private key (RS384 or ES384): iss = sub = its client id, aud = the token URL, exp at most five
minutes ahead, a jti never used before. The access token it gets lives five minutes and carries the
granted scopes; every request checks the client is still registered.

Scopes are SMART's: `system/Patient.read`, `system/Observation.write`, `system/*.read`, and the v2
letters (`system/Patient.rs`, `system/Condition.c`). A requested scope is granted when a registered one covers
it (system/*.read covers system/Observation.read and system/Observation.rs). A transaction Bundle needs
`system/Bundle.write` and the write scope of every resource in it.

Keys (crm.hospitals.fhir.keys): a JWK, a JWK Set or a JWKS URL; the assertion's header names its key (kid), and a
jku header other than the registered URL is refused. A `client_id` sent with the assertion must be its issuer.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from crm.hospitals.fhir import keys
from crm.models import ClientAssertion, Facility, HospitalClient, StaffUser
from crm.models.base import utcnow
from crm.platform import audit
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.security.bounds import db_id
from crm.staff.auth.capabilities import can

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("RS384", "ES384")
ASSERTION_MAX_SECONDS = 300
TOKEN_SECONDS = 300
LEEWAY = 30  # clocks of hospital servers drift a little
RESOURCE_TYPES = ("Patient", "Group", "Practitioner", "Organization", "Location", "Appointment", "Encounter",
                  "Communication", "AuditEvent", "Condition", "AllergyIntolerance", "MedicationStatement",
                  "MedicationRequest", "Observation", "DiagnosticReport", "Procedure", "Immunization", "DocumentReference",
                  "Composition", "PractitionerRole", "Provenance", "Medication", "CarePlan", "CareTeam", "Claim",
                  "ExplanationOfBenefit", "ImagingStudy", "Device", "SupplyDelivery", "MedicationAdministration", "Goal",
                  "ServiceRequest", "Specimen", "FamilyMemberHistory", "Bundle", "ImmunizationRecommendation", "Media", "Binary")
HISTORY_TYPES = ("Encounter", "Condition", "AllergyIntolerance", "MedicationStatement", "MedicationRequest", "Observation",
                 "DiagnosticReport", "Procedure", "Immunization", "DocumentReference", "Composition", "Organization",
                 "Practitioner", "PractitionerRole", "Location", "Provenance", "Medication")
PRESETS = {
    "read": ["system/Patient.read", "system/Group.read", "system/Practitioner.read", "system/Organization.read",
             "system/Location.read", "system/Appointment.read", "system/Encounter.read"],
    "send_history": ["system/Patient.read", "system/Bundle.write"] + [f"system/{t}.write" for t in HISTORY_TYPES],
}
_SCOPE = re.compile(r"system/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)")
MAX_SCOPES = 40


class OAuthError(Exception):
    """A token request refused the OAuth way (RFC 6749 section 5.2): `error` code, description, HTTP status."""

    def __init__(self, error: str, description: str, http_status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.http_status = error, description, http_status


def parse_scopes(text: str) -> list[str]:
    """The scopes in a space-separated string, each checked; Refused 422 naming the first bad one."""
    scopes = [s for s in (text or "").split() if s]
    if len(scopes) > MAX_SCOPES:
        raise Refused("bad_scope", f"At most {MAX_SCOPES} scopes.", 422)
    for scope in scopes:
        found = _SCOPE.fullmatch(scope)
        if not found or not found.group(2) or (found.group(1) != "*" and found.group(1) not in RESOURCE_TYPES):
            raise Refused("bad_scope", f"{scope[:80]} is not a scope this server grants (system/Patient.read, "
                          "system/Observation.write, system/*.read ...).", 422)
    return list(dict.fromkeys(scopes))


def _letters(permission: str) -> set[str]:
    return {"read": {"r", "s"}, "write": {"c", "u", "d"}, "*": set("cruds")}.get(permission, set(permission))


def covered(requested: str, registered: list[str]) -> bool:
    """Whether a requested scope is within what the client is registered for (wildcards and v1/v2 forms alike)."""
    wanted = _SCOPE.fullmatch(requested)
    if not wanted or not wanted.group(2):
        return False
    letters = _letters(wanted.group(2))
    for scope in registered:
        found = _SCOPE.fullmatch(scope)
        if found and found.group(1) in ("*", wanted.group(1)) and letters <= _letters(found.group(2)):
            return True
    return False


def allows(scopes: list[str], resource_type: str, need: str) -> bool:
    """Whether `scopes` let a client do `need` (one of c, r, u, d, s) on `resource_type`."""
    for scope in scopes:
        found = _SCOPE.fullmatch(scope)
        if found and found.group(1) in ("*", resource_type) and need in _letters(found.group(2)):
            return True
    return False


def public_jwk(text: str) -> dict:
    """The public key a hospital gave (JWK JSON or PEM) as a JWK; Refused 422 for a private key or an unusable one."""
    text = (text or "").strip()
    if not text or len(text) > 10_000:
        raise Refused("bad_key", "Paste the hospital system's public key: a JWK (JSON) or a PEM block.", 422)
    if text.startswith("{"):
        try:
            jwk = json.loads(text)
        except ValueError:
            raise Refused("bad_key", "That key is not valid JSON.", 422) from None
        if not isinstance(jwk, dict):
            raise Refused("bad_key", "A JWK is one JSON object.", 422)
        if "d" in jwk:
            raise Refused("private_key", "That is a private key. Keep it at the hospital; register only the public key.", 422)
        try:
            key = jwt.PyJWK(jwk).key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
            raise Refused("bad_key", f"That JWK cannot be used: {exc}", 422) from None
    else:
        if "PRIVATE KEY" in text:
            raise Refused("private_key", "That is a private key. Keep it at the hospital; register only the public key.", 422)
        try:
            key = serialization.load_pem_public_key(text.encode())
        except ValueError:
            raise Refused("bad_key", "That PEM block is not a public key.", 422) from None
        jwk = {}
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise Refused("weak_key", "RSA keys need at least 2048 bits.", 422)
        out = jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True) | {"alg": "RS384"}
    elif isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp384r1":
        out = jwt.algorithms.ECAlgorithm.to_jwk(key, as_dict=True) | {"alg": "ES384"}
    else:
        raise Refused("bad_key", "Use an RSA key (RS384) or an EC key on P-384 (ES384), as SMART Backend Services asks.", 422)
    if jwk.get("kid"):
        out["kid"] = str(jwk["kid"])[:100]
    return out


def registered_keys(text: str) -> tuple[dict, str | None]:
    """(key or key set, JWKS URL or None) from what the officer pasted: a JWK, a JWK Set, a PEM block or a URL."""
    text = (text or "").strip()
    try:
        if keys.is_url(text):
            url = keys.check_url(text)
            return keys.fetch(url), url
        if text.startswith("{") and '"keys"' in text:
            try:
                found = json.loads(text)
            except ValueError:
                raise Refused("bad_key", "That JWK Set is not valid JSON.", 422) from None
            if any(isinstance(k, dict) and "d" in k for k in found.get("keys") or []):
                raise Refused("private_key", "That set holds a private key. Register only the public keys.", 422)
            return {"keys": [public_jwk(json.dumps(k)) for k in keys.usable_set(found)["keys"]]}, None
    except keys.KeyProblem as exc:
        raise Refused("bad_key", str(exc), 422) from None
    return public_jwk(text), None


def register(name: str, key_text: str, scopes_text: str, officer: StaffUser | None, facility=None) -> HospitalClient:
    """A new hospital client granted by `officer` (flushed, audited with the officer); its client id is generated."""
    if officer is None or not officer.active or not can(officer, "grant_hospital_access"):
        raise Refused("forbidden", "Only an interoperability officer gives a hospital system access to records.", 403)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise Refused("bad_name", "Give the hospital system a name (at most 200 characters).", 422)
    scopes = parse_scopes(scopes_text)
    if not scopes:
        raise Refused("bad_scope", "Give the client at least one scope.", 422)
    jwk, url = registered_keys(key_text)
    client = HospitalClient(client_id="hc_" + secrets.token_urlsafe(18), name=name, jwk=jwk, jwks_url=url,
                            scopes=scopes, created_by_id=officer.id, facility_id=_facility(facility))
    db.session.add(client)
    db.session.flush()
    audit.record("fhir_client_register", staff_id=officer.id, client=name,
                 client_id=client.client_id, scopes=scopes, granted_by=officer.id, granted_by_name=officer.username)
    return client


def _facility(value) -> int | None:
    """The hospital the client belongs to (an id from the form), or None; Refused 422 for anything else."""
    if value in (None, ""):
        return None
    try:
        facility = db.session.get(Facility, db_id(value))
    except ValueError:
        facility = None
    if facility is None:
        raise Refused("bad_facility", f"There is no facility {str(value)[:20]}: choose one from the list.", 422)
    return facility.id


def revoke(client: HospitalClient, staff: StaffUser | None) -> HospitalClient:
    """Stop a client at once: its live access tokens stop working on their next request."""
    if client.revoked_at is None:
        client.revoked_at, client.revoked_by_id = utcnow(), staff.id if staff else None
        db.session.flush()
        audit.record("fhir_client_revoke", staff_id=staff.id if staff else None, client=client.name,
                     client_id=client.client_id)
    return client


def token_url() -> str:
    """The audience every client assertion must name."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/fhir/auth/token"


def exchange(form: dict) -> dict:
    """An access token for a valid client assertion (the token endpoint's answer), or OAuthError."""
    if form.get("grant_type") != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Use grant_type=client_credentials.")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise OAuthError("invalid_request", f"Use client_assertion_type={ASSERTION_TYPE}.")
    assertion = form.get("client_assertion") or ""
    if not assertion or len(assertion) > 8000:
        raise OAuthError("invalid_request", "client_assertion is missing or too long.")
    client = _assertion_client(assertion)
    if form.get("client_id") and form["client_id"] != client.client_id:
        _refused(client, "client_id is not the assertion's issuer")
        raise OAuthError("invalid_client", "client_id is not the issuer of the assertion.", 401)
    claims = _verify(assertion, client)
    _remember_jti(client, claims)
    requested = (form.get("scope") or "").split()
    granted = [s for s in requested if covered(s, client.scopes)] if requested else list(client.scopes)
    if not granted:
        audit.record("fhir_token_refused", via="fhir", client=client.name, client_id=client.client_id,
                     code="invalid_scope", keep=True)
        raise OAuthError("invalid_scope", "None of the requested scopes is registered for this client.")
    client.last_token_at = utcnow()
    now = datetime.now(UTC)
    token = jwt.encode({"iss": token_url(), "sub": client.client_id, "scope": " ".join(granted), "iat": now,
                        "exp": now + timedelta(seconds=TOKEN_SECONDS), "jti": secrets.token_urlsafe(12)},
                       _signing_key(), algorithm="HS256")
    audit.record("fhir_token", via="fhir", client=client.name, client_id=client.client_id,
                 scopes=granted, granted_by=client.created_by_id)
    return {"access_token": token, "token_type": "bearer", "expires_in": TOKEN_SECONDS, "scope": " ".join(granted)}


def _assertion_client(assertion: str) -> HospitalClient:
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise OAuthError("invalid_client", "client_assertion is not a JWT.", 401) from None
    issuer = unverified.get("iss")
    if not isinstance(issuer, str) or issuer != unverified.get("sub"):
        raise OAuthError("invalid_client", "The assertion's iss and sub must both be the client id.", 401)
    client = db.session.scalar(select(HospitalClient).where(HospitalClient.client_id == issuer[:64]))
    if client is None or client.revoked_at is not None:
        raise OAuthError("invalid_client", "Unknown or revoked client.", 401)
    return client


def _verify(assertion: str, client: HospitalClient) -> dict:
    try:
        header = jwt.get_unverified_header(assertion)
        try:
            jwk = keys.pick(client, header)
        except keys.KeyProblem as exc:
            raise OAuthError("invalid_client", str(exc), 401) from None
        algorithm = jwk.get("alg") or {"EC": "ES384", "RSA": "RS384"}.get(jwk.get("kty"))
        if header.get("alg") not in ALGORITHMS or header.get("alg") != algorithm:
            raise OAuthError("invalid_client", f"Sign the assertion with {algorithm} (RS384 or ES384).", 401)
        claims = jwt.decode(assertion, jwt.PyJWK(jwk).key, algorithms=[algorithm], audience=token_url(),
                            issuer=client.client_id, leeway=LEEWAY, options={"require": ["exp", "iss", "sub", "aud", "jti"]})
    except OAuthError as exc:
        _refused(client, exc.description)
        raise
    except jwt.ExpiredSignatureError:
        _refused(client, "expired")
        raise OAuthError("invalid_client", "The assertion has expired.", 401) from None
    except jwt.InvalidAudienceError:
        _refused(client, "wrong audience")
        raise OAuthError("invalid_client", f"The assertion's aud must be {token_url()}.", 401) from None
    except jwt.PyJWTError as exc:
        _refused(client, f"invalid: {exc}")
        raise OAuthError("invalid_client", f"The assertion could not be verified with the registered key ({exc}).", 401) from None
    lifetime = claims["exp"] - datetime.now(UTC).timestamp()
    if lifetime > ASSERTION_MAX_SECONDS + LEEWAY:
        _refused(client, "lives too long")
        raise OAuthError("invalid_client", f"An assertion may live at most {ASSERTION_MAX_SECONDS} seconds.", 401)
    if not isinstance(claims["jti"], str) or not 1 <= len(claims["jti"]) <= 200:
        raise OAuthError("invalid_client", "The assertion's jti must be a string of at most 200 characters.", 401)
    return claims


def _remember_jti(client: HospitalClient, claims: dict) -> None:
    """Refuse an assertion id seen before; forget ids whose assertions have expired."""
    now = utcnow()
    db.session.execute(delete(ClientAssertion).where(ClientAssertion.expires_at < now - timedelta(seconds=LEEWAY)))
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    try:
        with db.session.begin_nested():
            db.session.add(ClientAssertion(client_id=client.id, jti=claims["jti"], expires_at=expires))
    except IntegrityError:
        _refused(client, "replayed jti")
        raise OAuthError("invalid_client", "This assertion (its jti) was already used: sign a new one.", 401) from None


def _refused(client: HospitalClient, why: str) -> None:
    audit.record("fhir_token_refused", via="fhir", client=client.name, client_id=client.client_id, reason=why[:200],
                 keep=True)


def _signing_key() -> bytes:
    """Access tokens are signed with a key derived from SECRET_KEY, distinct from the session cookie's."""
    import hashlib

    return hashlib.sha256(b"sampark-fhir-access-token:" + current_app.config["SECRET_KEY"].encode()).digest()


def client_for_token(header: str) -> tuple[HospitalClient, list[str]]:
    """The live client and its granted scopes behind `Authorization: Bearer ...`, or Refused 401."""
    if not header.startswith("Bearer "):
        raise Refused("login", "This API needs an access token: POST a signed client assertion to /fhir/auth/token.", 401)
    token = header[len("Bearer "):].strip()
    try:
        claims = jwt.decode(token, _signing_key(), algorithms=["HS256"], issuer=token_url(),
                            options={"require": ["exp", "sub", "scope"]})
    except jwt.ExpiredSignatureError:
        raise Refused("login", "The access token has expired: ask /fhir/auth/token for a new one.", 401) from None
    except jwt.PyJWTError:
        raise Refused("login", "The access token is not valid.", 401) from None
    client = db.session.scalar(select(HospitalClient).where(HospitalClient.client_id == claims["sub"]))
    if client is None or client.revoked_at is not None:
        raise Refused("login", "This client's registration was revoked.", 401)
    return client, str(claims["scope"]).split()

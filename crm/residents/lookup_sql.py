"""A QR lookup by bearer token on PostgreSQL in one round trip: the token's check, the card, its holder and
household, the `view_patient` audit row and the token's last use, all in one statement.

The API's scan at the desk (POST /api/v1/lookup with a QR) is the hot path. Done the usual way it costs the
token's query, then the card's (crm.residents.lookup), plus the ORM building a token, a staff member, a card, a patient,
a household and its members; here one prebuilt statement returns only the columns the answer shows, and the
answer is built from that row by the same functions as crm.residents.lookup's (crm.residents.lookup.view_of, card_view).

It answers only the usual case: a live token of a role that may read patients, a case that exists (or none),
a card that is not revoked. Anything else (no such token, a wrong role, an unknown case, an unknown or
revoked card) returns None having written nothing but the token's last use, and the request takes the usual
path (crm.staff.auth.access, then crm.residents.lookup), which gives the usual answer and writes the usual audit rows.
Revocation takes effect at once: nothing about a token is remembered between requests. The answer is cut to what
the token's role sees of a patient (crm.staff.auth.patient_view), as every other path's is.
"""

from __future__ import annotations

from datetime import UTC, date
from types import SimpleNamespace

from crm.hospitals.fhir import history as hospital_history
from crm.models import Patient
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.residents.cards import token as card_token
from crm.residents.cards.keys import keyring
from crm.residents.lookup import ENDED, card_view, view_of
from crm.staff.auth import tokens
from crm.staff.auth.patient_view import sections_of, shown_to

CARD = ("number", "version", "status", "reason", "issued_at", "verified_at", "verified_where", "delivered_at",
        "revoked_at", "revoked_reason")
PATIENT = ("id", "registry_id", "name", "name_hi", "sex", "dob", "birth_year", "dob_estimated", "mobile", "address",
           "ward", "preferred_language", "abha_number", "abha_address", "blood_group", "allergies",
           "chronic_conditions", "current_medications", "emergency_contact_name", "emergency_contact_phone", "relation",
           "household_id")
MOMENTS = ("issued_at", "verified_at", "delivered_at", "revoked_at")
ENDED_SQL = ", ".join(f"'{status}'" for status in ENDED)
OTHER_KINDS = ("card_number", "phone", "abha")  # a query naming any of these is the usual path's to refuse
_PRECISION = f"{int(tokens.LAST_USED_PRECISION.total_seconds())} seconds"

# Parameters: token_hash, now, roles (text[]), case_id, number, ip. A revoked card finds no row (its refusal is
# audited by crm.residents.lookup, as a refusal); so do a dead token, a wrong role and an unknown case.
STATEMENT = f"""
WITH bearer AS (
    SELECT t.id, t.staff_id, s.role, t.last_used_at,
           t.revoked_at IS NULL AND s.active
           AND coalesce(t.expires_at, t.created_at + interval '{tokens.DEFAULT_DAYS} days') > %(now)s AS live
    FROM api_token t JOIN staff_user s ON s.id = t.staff_id
    WHERE t.token_hash = %(token_hash)s
), named_case AS (
    SELECT id FROM "case" WHERE id = %(case_id)s::bigint  -- bigint: never an overflow, whatever id comes
), allowed AS (
    SELECT staff_id, (SELECT id FROM named_case) AS case_id FROM bearer
    WHERE live AND role = ANY(%(roles)s) AND (%(case_id)s::bigint IS NULL OR EXISTS (SELECT FROM named_case))
), card AS (
    SELECT c.patient_id, {", ".join(f"c.{name}" for name in CARD)}
    FROM health_card c
    WHERE c.number = %(number)s AND c.status <> 'revoked' AND EXISTS (SELECT FROM allowed)
), seen AS (
    INSERT INTO audit_log (at, staff_id, action, patient_id, case_id, card_number, via, ip, detail)
    SELECT %(now)s, allowed.staff_id, 'view_patient', card.patient_id, allowed.case_id, card.number, 'qr',
           %(ip)s, '{{}}'
    FROM card, allowed
), used AS (
    UPDATE api_token SET last_used_at = %(now)s
    WHERE id = (SELECT id FROM bearer WHERE live AND (last_used_at IS NULL
                                                      OR last_used_at < %(now)s - interval '{_PRECISION}'))
)
SELECT {", ".join(f"card.{name}" for name in CARD)},
       CASE WHEN card.status IN ({ENDED_SQL}) THEN (
           SELECT live.number FROM health_card live
           WHERE live.patient_id = p.id AND live.status NOT IN ({ENDED_SQL})
           ORDER BY live.version DESC LIMIT 1)
       ELSE card.number END AS current_number,
       {", ".join(f"p.{name}" for name in PATIENT)},
       h.code,
       (SELECT json_agg(json_build_object('id', m.id, 'name', m.name, 'name_hi', m.name_hi, 'relation', m.relation,
                                          'sex', m.sex, 'dob', m.dob, 'birth_year', m.birth_year) ORDER BY m.id)
        FROM patient m WHERE m.household_id = h.id) AS members,
       EXISTS (SELECT FROM hospital_record r WHERE r.patient_id = p.id) AS has_hospital_records,
       (SELECT role FROM bearer) AS viewer_role
FROM card JOIN patient p ON p.id = card.patient_id LEFT JOIN household h ON h.id = p.household_id
"""
_CURRENT = len(CARD)  # where current_number sits in the row; the patient's columns follow it


def lookup_by_token(token: str, roles: frozenset[str], query: dict, case_id: int | None,
                    ip: str | None) -> dict | None:
    """The lookup's JSON for `{"qr": ...}` with a bearer `token` of one of `roles`, audited, in one round trip; or
    None, having written nothing, when the usual path must answer (see the module's docstring)."""
    text = query.get("qr")
    token_hash = tokens.hash_of(token)
    if (token_hash is None or not isinstance(text, str) or any(query.get(k) not in (None, "") for k in OTHER_KINDS)
            or not text.strip().startswith(card_token.PREFIX)):
        return None
    try:
        payload = card_token.verify(text.strip(), keyring())
    except card_token.CardTokenError:
        return None  # refused (and audited as a failed lookup) by the usual path, after the token's check
    row = _run_alone({"token_hash": token_hash, "now": utcnow(), "roles": sorted(roles), "case_id": case_id,
                      "number": payload["n"], "ip": ip})
    if row is None:
        return None
    return _view(row)


def _run_alone(params: dict):
    """Run STATEMENT on a pooled connection of its own, in autocommit (the statement is its own transaction), as a
    prepared statement; its row, or None. The request's session is not involved: nothing to begin or commit."""
    pooled = db.engine.raw_connection()  # the pool's checkout (crm.platform.pool's check of the socket)
    try:
        driver = pooled.driver_connection
        driver.autocommit = True
        try:
            with driver.cursor() as cursor:
                return cursor.execute(STATEMENT, params, prepare=True).fetchone()
        finally:
            if not driver.closed:
                driver.autocommit = False  # as the pool lends it to everyone else
    finally:
        pooled.close()  # back to the pool


def _view(row) -> dict:
    card = SimpleNamespace(**dict(zip(CARD, row[:_CURRENT], strict=True)))
    for name in MOMENTS:
        moment = getattr(card, name)
        if moment is not None:
            setattr(card, name, moment.astimezone(UTC))  # as crm.models.base.UTCDateTime reads it
    patient = SimpleNamespace(**dict(zip(PATIENT, row[_CURRENT + 1:_CURRENT + 1 + len(PATIENT)], strict=True)))
    code, members, has_hospital_records, role = row[-4:]
    if code is None:
        household = [patient]
    else:
        household = [SimpleNamespace(**m) for m in members]
        for member in household:
            member.dob = date.fromisoformat(member.dob) if member.dob else None
    # A hospital's history is rare and merged by crm.hospitals.fhir from the ORM's records: read the usual way.
    sees_history = "hospital_history" in sections_of(role)
    hospital = (hospital_history.for_patient(db.session.get(Patient, patient.id))
                if has_hospital_records and sees_history else None)
    # What the token's role sees of the record: the same table as every other path (crm.staff.auth.patient_view).
    return shown_to(view_of(patient, card_view(card, row[_CURRENT]), household, code, hospital), role)

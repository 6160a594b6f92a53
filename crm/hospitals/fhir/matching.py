"""Whose records a hospital's Bundle holds: the resident named by a Sampark card number or ABHA, never a guess.

ABDM-profile Bundles name the ABHA number and the ABHA address with the same system (https://healthid.abdm.gov.in,
or the older healthid.ndhm.gov.in / ndhm.gov.in/id) and tell them apart by the identifier's type (ABHA,
ABHAAddress in ndhm-identifier-type-code) or, as sent in practice, by the value's shape (an address has an @).
Name, sex and birth date never file a record: when they fit a resident, the Bundle is held unfiled for a member of
the card office to confirm or reject (crm.hospitals.fhir.held).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.hospitals.fhir import identifiers as ids
from crm.models import HealthCard, Patient
from crm.platform.errors import Refused
from crm.platform.extensions import db

MATCHING = ("card", "abha_number", "abha_address")
ABDM_SYSTEMS = ("https://healthid.abdm.gov.in", "https://healthid.ndhm.gov.in", "https://ndhm.gov.in/id",
                "https://abha.abdm.gov.in")
ID_TYPES = "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code"
ADDRESS_TYPES = ("ABHAAddress", "PHR", "abha-address")


def token(identifier) -> tuple[str, str] | None:
    """(kind, normalised value) for an Identifier (or None if it names no one Sampark can match)."""
    if not isinstance(identifier, dict) or not identifier.get("value"):
        return None
    system, value = identifier.get("system"), str(identifier["value"]).strip()
    if system in ABDM_SYSTEMS or system == ids.ABHA_ADDRESS:
        types = {c.get("code") for c in ((identifier.get("type") or {}).get("coding") or []) if isinstance(c, dict)}
        kind = "abha_address" if "@" in value or types & set(ADDRESS_TYPES) else "abha_number"
        return ids.patient_identifier(ids.PATIENT_SYSTEMS[kind], value)
    return ids.patient_identifier(system, value)


def from_reference(text: str) -> tuple[str, str] | None:
    """The token in a conditional reference `Patient?identifier=system|value`."""
    system, _, value = text[len("Patient?identifier="):].rpartition("|")
    return token({"system": system or None, "value": value}) if value else None


def resident(found: tuple[str, str] | None) -> int | None:
    """The resident a token names (a revoked card names nobody: Refused 422)."""
    if found is None or found[0] not in MATCHING:
        return None
    kind, value = found
    if kind == "card":
        card = db.session.scalar(select(HealthCard).where(HealthCard.number == value))
        if card is not None and card.status == "revoked":
            raise Refused("card_revoked", f"Card {value} is revoked and identifies nobody.", 422)
        return card.patient.survivor.id if card else None  # a merged record's card names the record kept
    column = Patient.abha_number if kind == "abha_number" else Patient.abha_address
    patient = db.session.scalar(select(Patient).where(column == value).order_by(Patient.id).limit(1))
    return patient.survivor.id if patient else None


def unmatched() -> Refused:
    """The refusal for a Bundle whose identifiers name nobody and whose demographics fit nobody either."""
    return Refused("unknown_patient", "No resident of Sampark matches this Bundle: identify the patient by Sampark "
                   f"card number ({ids.CARD}) or ABHA number / address ({ABDM_SYSTEMS[0]}, type ABHA or ABHAAddress).",
                   422)


def described(patients: list[dict]) -> dict:
    """The Bundle's Patient as the hospital describes it (names, sex, birth date, identifiers), for the person who
    confirms a match; bounded."""
    resource = patients[0] if patients else {}
    names = [n.get("text") or " ".join([*n.get("given", []), n.get("family", "")]).strip()
             for n in resource.get("name") or [] if isinstance(n, dict)]
    shown = [f"{i.get('system') or 'no system'} | {i.get('value')}" for i in resource.get("identifier") or []
             if isinstance(i, dict) and i.get("value")]
    return {"names": [n[:120] for n in names if n][:3], "gender": str(resource.get("gender") or "")[:10],
            "birthDate": str(resource.get("birthDate") or "")[:10], "identifiers": [s[:160] for s in shown[:5]]}


def candidates(patients: list[dict]) -> list[int]:
    """Residents whose name, sex and birth date equal a Patient's in the Bundle (for a person to confirm, never used
    to file on their own)."""
    found: list[int] = []
    for resource in patients:
        names = [n.get("text") or " ".join([*n.get("given", []), n.get("family", "")]).strip()
                 for n in resource.get("name") or [] if isinstance(n, dict)]
        sex = {"male": "M", "female": "F", "other": "O"}.get(resource.get("gender"))
        try:
            born = date.fromisoformat(str(resource.get("birthDate") or ""))
        except ValueError:
            continue
        if not (names and sex):
            continue
        found += db.session.scalars(select(Patient.id).where(
            func.lower(Patient.name).in_([n.lower() for n in names if n][:5]), Patient.sex == sex,
            Patient.dob == born, Patient.merged_into_id.is_(None)).limit(5))
    return list(dict.fromkeys(found))

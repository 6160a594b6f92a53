"""Linking an ABHA number and address to a resident, and finding a resident by them."""

from __future__ import annotations

from sqlalchemy import select

from crm.models import Patient
from crm.platform import audit
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.abha import qr
from crm.residents.abha.number import AbhaError, parse_address, parse_either, parse_number, pretty_number


def link(patient: Patient, number: str | None = None, address: str | None = None) -> Patient:
    """Record the ABHA number and/or address of `patient` (validated; one resident per ABHA), flushed and audited."""
    if not number and not address:
        raise Refused("bad_request", "Give an ABHA number, an ABHA address or both.", 400)
    try:
        digits = parse_number(number) if number else None
        handle = parse_address(address) if address else None
    except AbhaError as exc:
        raise Refused("bad_abha", str(exc), 422) from exc
    for column, value, shown in ((Patient.abha_number, digits, digits and pretty_number(digits)),
                                 (Patient.abha_address, handle, handle)):
        if value is None:
            continue
        other = db.session.scalar(select(Patient).where(column == value, Patient.id != patient.id).limit(1))
        if other is not None:
            raise Refused("abha_taken", f"ABHA {shown} is already linked to another resident (registry {other.registry_id}).", 409)
    before = {"abha_number": patient.abha_number, "abha_address": patient.abha_address}
    if digits:
        patient.abha_number = digits
    if handle:
        patient.abha_address = handle
    db.session.flush()
    audit.record("abha_link", patient_id=patient.id, before=before,
                 after={"abha_number": patient.abha_number, "abha_address": patient.abha_address})
    return patient


def find(text: str) -> Patient | None:
    """The resident linked to an ABHA number or address (typed either way), None if nobody is; AbhaError if malformed."""
    kind, value = parse_either(text)
    return find_parsed(kind, value)


def find_parsed(kind: str, value: str) -> Patient | None:
    """The resident linked to an already parsed ABHA number ('number') or address ('address')."""
    column = Patient.abha_number if kind == "number" else Patient.abha_address
    found = db.session.scalar(select(Patient).where(column == value).order_by(Patient.id).limit(1))
    return found.survivor if found else None  # a merged record's ABHA names the record kept


def find_by_card(card: qr.AbhaCard) -> Patient | None:
    """The resident an ABHA card's QR names: by its number first, then by its address."""
    if card.number and (found := find_parsed("number", card.number)):
        return found
    if card.address:
        return find_parsed("address", card.address)
    return None


def describe(card: qr.AbhaCard) -> str:
    """'Asha Devi, ABHA 91-1234-5678-9012 (asha.devi@abdm)': how the desk is told which card it read."""
    ids = " ".join(p for p in (f"ABHA {pretty_number(card.number)}" if card.number else None,
                               f"({card.address})" if card.address and card.number else card.address) if p)
    return f"{card.name}, {ids}" if card.name else ids

"""Issuing, reissuing, revoking cards and recording their verification and delivery."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.models import HealthCard, Patient, StaffUser
from crm.models.base import utcnow
from crm.platform import audit
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from crm.residents.cards import token as card_token
from crm.residents.cards.keys import keyring

LIVE = ("issued", "verified", "delivered")


def get_card(number: str) -> HealthCard:
    """The card with this number (check digit verified first), or Refused 404/422."""
    try:
        digits = card_number.parse(number)
    except card_number.CardNumberError as exc:
        raise Refused(exc.code, exc.message, 422) from exc
    card = db.session.scalar(select(HealthCard).where(HealthCard.number == digits))
    if card is None:
        raise Refused("not_found", f"No card {card_number.pretty(digits)} was ever issued.", 404)
    return card


def ensure_printable(card: HealthCard) -> HealthCard:
    """Only a live card is printed: a superseded or revoked one would put an invalid card in someone's hands."""
    if card.status in LIVE:
        return card
    if card.status == "superseded":
        current = card.patient.current_card
        hint = f" Print the current card {card_number.pretty(current.number)} instead." if current else ""
        raise Refused("not_printable", f"Card {card_number.pretty(card.number)} was replaced and is not printed.{hint}", 409)
    raise Refused("not_printable", f"Card {card_number.pretty(card.number)} is revoked ({card.revoked_reason}) "
                    "and is never printed.", 409)


def issue(patient: Patient, staff: StaffUser | None = None, reason: str = "original") -> HealthCard:
    """Issue a first card to `patient`; refused if they hold a live one (use reissue) or were merged into another."""
    if patient.merged_into_id is not None:
        raise Refused("merged", f"{patient.name} ({patient.registry_id}) was merged into another record: "
                      "the card belongs on the record kept.", 409)
    if patient.current_card is not None:
        raise Refused(
            "has_card", f"{patient.name} already holds card {card_number.pretty(patient.current_card.number)}; "
            "reissue it for a revised or duplicate card."
        )
    card = _new_card(patient, 1 + _max_version(patient), reason, staff)
    audit.record("card_issue", patient_id=patient.id, card_number=card.number, staff_id=_id(staff), reason=reason)
    db.session.flush()
    return card


def issue_missing(staff: StaffUser | None = None, batch: int = 500, progress=None, job_id: int | None = None) -> int:
    """Issue a card to every resident without a live card (as bulk issue `job_id`); returns how many were issued."""
    issued = 0
    live = select(HealthCard.patient_id).where(HealthCard.status.in_(LIVE))
    while True:
        patients = db.session.scalars(
            select(Patient).where(Patient.id.not_in(live), Patient.merged_into_id.is_(None))  # a merged record holds none
            .order_by(Patient.id).limit(batch)
        ).all()
        if not patients:
            return issued
        for patient in patients:
            card = _new_card(patient, 1 + _max_version(patient), "original", staff)
            card.issue_job_id = job_id
            audit.record("card_issue", patient_id=patient.id, card_number=card.number, staff_id=_id(staff), reason="original")
        db.session.commit()
        issued += len(patients)
        if progress:
            progress(len(patients))


def reissue(number: str, reason: str, staff: StaffUser | None = None) -> HealthCard:
    """Replace the live card `number` with a new version; every older card becomes superseded."""
    if reason not in ("revised", "duplicate"):
        raise Refused(
            "bad_reason", "A reissue is either 'revised' (details changed) or 'duplicate' (lost or damaged).", 422
        )
    old = get_card(number)
    if old.status not in LIVE:
        current = old.patient.current_card
        hint = f" The current card is {card_number.pretty(current.number)}." if current else ""
        raise Refused(
            "not_live", f"Card {card_number.pretty(old.number)} is {old.status}; only a live card is reissued.{hint}"
        )
    patient = old.patient
    now = utcnow()
    live = select(HealthCard).where(HealthCard.patient_id == patient.id, HealthCard.status.in_(LIVE))
    for card in db.session.scalars(live).all():
        card.status, card.superseded_at = "superseded", now
    db.session.flush()  # frees the one-live-card index before the new card goes in
    new = _new_card(patient, 1 + _max_version(patient), reason, staff)
    older = select(HealthCard).where(HealthCard.patient_id == patient.id, HealthCard.id != new.id)
    for card in db.session.scalars(older):
        card.superseded_by = new
    audit.record(
        "card_reissue", patient_id=patient.id, card_number=new.number, staff_id=_id(staff), reason=reason,
        replaces=old.number,
    )
    db.session.flush()
    return new


def revoke(number: str, reason: str, staff: StaffUser | None = None) -> HealthCard:
    """Revoke a card (issued in error, fraudulent, or the holder deceased)."""
    if not reason.strip():
        raise Refused("reason_required", "Say why the card is revoked.", 422)
    card = get_card(number)
    if card.status == "revoked":
        raise Refused("already_revoked", f"Card {card_number.pretty(card.number)} was already revoked.")
    card.status, card.revoked_at, card.revoked_reason = "revoked", utcnow(), reason.strip()[:300]
    audit.record("card_revoke", patient_id=card.patient_id, card_number=card.number, staff_id=_id(staff), reason=reason)
    db.session.flush()
    return card


def record_verification(number: str, staff: StaffUser, where: str) -> HealthCard:
    """Door-to-door check: the holder was seen with the card, by `staff`, at `where`."""
    if not where.strip():
        raise Refused("where_required", "Say where the card was verified (address or facility).", 422)
    card = get_card(number)
    if card.status != "issued":
        raise Refused(
            "not_issued", f"Card {card_number.pretty(card.number)} is {card.status}; only an issued card is verified."
        )
    card.status, card.verified_at, card.verified_by_id = "verified", utcnow(), staff.id
    card.verified_where = where.strip()[:300]
    audit.record("card_verify", patient_id=card.patient_id, card_number=card.number, staff_id=staff.id, where=where)
    db.session.flush()
    return card


def record_delivery(number: str, staff: StaffUser, note: str = "") -> HealthCard:
    """The verified card was handed to its holder."""
    card = get_card(number)
    if card.status != "verified":
        raise Refused(
            "not_verified", f"Card {card_number.pretty(card.number)} is {card.status}; verify it before delivery."
        )
    card.status, card.delivered_at, card.delivered_by_id = "delivered", utcnow(), staff.id
    card.delivered_note = note.strip()[:300] or None
    audit.record("card_deliver", patient_id=card.patient_id, card_number=card.number, staff_id=staff.id)
    from crm.residents.card_office import requests  # a request that asked for this card is done (requests imports us)

    requests.card_delivered(card)
    db.session.flush()
    return card


def supersede_for_merge(card: HealthCard, by: HealthCard, staff: StaffUser | None = None) -> dict:
    """A duplicate record's live card gives way to the surviving record's card; returns what it was."""
    before = {"id": card.id, "status": card.status, "superseded_at": card.superseded_at.isoformat()
              if card.superseded_at else None, "superseded_by_id": card.superseded_by_id}
    if card.status in LIVE:
        card.status, card.superseded_at = "superseded", utcnow()
    card.superseded_by_id = by.id
    audit.record("card_supersede_merge", patient_id=card.patient_id, card_number=card.number, staff_id=_id(staff),
                 by=by.number)
    db.session.flush()
    return before


def restore_after_unmerge(card: HealthCard, before: dict, staff: StaffUser | None = None) -> HealthCard:
    """Put a card back exactly as `supersede_for_merge` found it (the merge was undone)."""
    from datetime import datetime

    card.status = before["status"]
    card.superseded_at = datetime.fromisoformat(before["superseded_at"]) if before["superseded_at"] else None
    card.superseded_by_id = before["superseded_by_id"]
    audit.record("card_restore_unmerge", patient_id=card.patient_id, card_number=card.number, staff_id=_id(staff),
                 status=card.status)
    db.session.flush()
    return card


def payload_for(patient: Patient, number: str, version: int, issued_on) -> dict:
    """What the QR carries: enough for an offline reader to match the holder, nothing clinical."""
    return {
        "n": number,
        "v": version,
        "d": issued_on.isoformat(),
        "nm": patient.name,
        "y": patient.birth_year,
        "s": patient.sex,
        "h": patient.household.code if patient.household else None,
    }


def _new_card(patient: Patient, version: int, reason: str, staff: StaffUser | None) -> HealthCard:
    number = _unused_number()
    now = utcnow()
    ring = keyring()
    qr = card_token.sign(payload_for(patient, number, version, now.date()), ring)
    card = HealthCard(
        number=number, patient=patient, version=version, reason=reason, status="issued", qr_token=qr,
        key_id=ring.kids[0], issued_at=now, issued_by_id=_id(staff),
    )
    db.session.add(card)
    db.session.flush()
    return card


def _unused_number() -> str:
    while True:
        candidate = card_number.new_number()
        if db.session.scalar(select(HealthCard.id).where(HealthCard.number == candidate)) is None:
            return candidate


def _max_version(patient: Patient) -> int:
    return db.session.scalar(select(func.max(HealthCard.version)).where(HealthCard.patient_id == patient.id)) or 0


def _id(staff: StaffUser | None) -> int | None:
    return staff.id if staff is not None else None

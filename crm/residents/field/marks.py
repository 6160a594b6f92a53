"""Marks from the field: each one recorded once (the phone's id makes a resend harmless), applied to the
card through the card lifecycle (crm/residents/cards/operations.py), and refused ones kept as conflicts the
verifier and the card office can see."""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from datetime import datetime, timedelta

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.models import FieldMark, HealthCard, StaffUser
from crm.models.base import iso, local, utcnow
from crm.models.field import OUTCOMES
from crm.platform import audit
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from crm.residents.cards import operations as cards
from crm.residents.cards import token as card_token
from crm.residents.cards.keys import keyring
from crm.residents.field.worklist import wards_of

CLIENT_ID = re.compile(r"[A-Za-z0-9-]{8,40}")
MAX_NOTE = 500
MAX_PHOTO_BYTES = 400_000  # the phone sends ~1000 px JPEG, 60-200 kB; anything far bigger is not that
MAX_PHOTO_SIDE = 2000
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
OLDEST = timedelta(days=30)  # a phone kept offline longer than this is not trusted for the date


def _text(data: dict, name: str, limit: int) -> str:
    value = data.get(name) or ""
    if not isinstance(value, str):
        raise Refused("bad_field", f"{name} must be text.", 422)
    return value.strip()[:limit]


def _float(data: dict, name: str, low: float, high: float) -> float | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise Refused("bad_location", f"{name} must be a number between {low} and {high}.", 422)
    return float(value)


def _recorded_at(value, now: datetime) -> datetime:
    """The phone's time of the mark, if believable; the server's otherwise."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return now
    if moment.tzinfo is None or not now - OLDEST <= moment <= now + timedelta(minutes=10):
        return now
    return moment


def photo_from_data_url(value) -> tuple[bytes, str] | None:
    """(bytes, mime type) of the acknowledgement photo sent as a data: URL, checked and bounded."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.startswith("data:image/") or ";base64," not in value[:40]:
        raise Refused("bad_photo", "The photo must be a JPEG, PNG or WebP picture.", 422)
    encoded = value.split(",", 1)[1]
    if len(encoded) > MAX_PHOTO_BYTES * 4 // 3 + 4:
        raise Refused("photo_too_big", f"The photo is over {MAX_PHOTO_BYTES // 1000} kB; take it again.", 413)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise Refused("bad_photo", "The photo did not arrive whole; take it again.", 422) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError, OSError,
            ValueError, SyntaxError):
        raise Refused("bad_photo", "That is not a picture we can read.", 422) from None
    if kind not in PHOTO_FORMATS or max(image.size) > MAX_PHOTO_SIDE:
        raise Refused("bad_photo", f"The photo must be a JPEG, PNG or WebP of at most {MAX_PHOTO_SIDE} px.", 422)
    return data, PHOTO_FORMATS[kind]


def _card_for(data: dict) -> tuple[str, str, str | None]:
    """(card number, how it was read, problem with the QR) from a mark's card_number and optional qr."""
    qr = data.get("qr")
    problem = None
    number = data.get("card_number")
    if qr:
        if not isinstance(qr, str):
            raise Refused("bad_field", "qr must be text.", 422)
        try:
            payload = card_token.verify(qr, keyring())
            if number and card_number.parse(str(number)) != payload["n"]:
                problem = "The QR belongs to another card than the number recorded."
            number = payload["n"]
        except card_token.CardTokenError as exc:
            problem = f"QR not accepted: {exc.message}"
        except card_number.CardNumberError:
            problem = "The number recorded does not match the QR."
    if not number:
        raise Refused("card_required", "A mark needs the card number or the card's QR.", 422)
    try:
        digits = card_number.parse(str(number))
    except card_number.CardNumberError as exc:
        raise Refused(exc.code, exc.message, 422) from exc
    return digits, "qr" if qr and problem is None else "manual", problem


def _where(card: HealthCard, mark: FieldMark) -> str:
    place = card.patient.household.address if card.patient.household else card.patient.address
    if mark.latitude is not None and mark.longitude is not None:
        accuracy = f" ±{mark.accuracy_m:.0f} m" if mark.accuracy_m is not None else ""
        return f"{place} · GPS {mark.latitude:.5f},{mark.longitude:.5f}{accuracy}"[:300]
    return f"{place} · no GPS fix"[:300]


def _apply(card: HealthCard | None, mark: FieldMark, staff: StaffUser, problem: str | None) -> tuple[str, str | None]:
    """Change the card as the mark says; (result, conflict message)."""
    if problem:
        return "conflict", problem
    if not on_worklist(card, staff):
        # One answer for a card outside the verifier's wards and a number never issued: a verifier learns nothing
        # of a card they do not visit (its ward, its status, or even that it exists); the card office sees the mark.
        return "conflict", f"Card {card_number.pretty(mark.card_number)} is not in your wards; it was not changed."
    pretty = card_number.pretty(card.number)
    if card.status == "revoked":
        return "conflict", f"Card {pretty} was revoked ({card.revoked_reason}): do not deliver it, take it back."
    if card.status == "superseded":
        return "conflict", f"Card {pretty} was replaced by a newer card: do not deliver it, take it back."
    if mark.outcome in ("not_found", "moved"):
        return "recorded", None
    if mark.outcome == "verified" and card.status != "issued":
        return "conflict", f"Card {pretty} was already {card.status}; nothing changed."
    if mark.outcome == "delivered" and card.status == "delivered":
        return "conflict", f"Card {pretty} was already delivered; nothing changed."
    where = _where(card, mark)
    if card.status == "issued":  # seen at the door: verification comes first, even when handed over at once
        cards.record_verification(card.number, staff, where)
    if mark.outcome == "delivered":
        cards.record_delivery(card.number, staff, mark.note or where)
    return "applied", None


def on_worklist(card: HealthCard | None, staff: StaffUser) -> bool:
    """Whether `card` is one this verifier may mark and be told about (its holder lives in one of their wards)."""
    return card is not None and card.patient.ward in wards_of(staff)


def record(data: dict, staff: StaffUser) -> tuple[FieldMark, bool]:
    """Record one mark from the phone; (mark, created). A mark seen before is answered as it was, unchanged."""
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        raise Refused("bad_client_id", "Each mark needs the id the phone gave it (8-40 letters, digits, dashes).", 422)
    known = _known(client_id, staff)
    if known is not None:
        return known, False
    outcome = data.get("outcome")
    if outcome not in OUTCOMES:
        raise Refused("bad_outcome", f"outcome must be one of {', '.join(OUTCOMES)}.", 422)
    number, via, problem = _card_for(data)
    photo = photo_from_data_url(data.get("photo"))
    now = utcnow()
    # Locked and re-read: two marks of one card arriving at once are applied one after the other.
    card = db.session.scalar(select(HealthCard).where(HealthCard.number == number).with_for_update()
                             .execution_options(populate_existing=True))
    mark = FieldMark(
        client_id=client_id, staff_id=staff.id, card_id=card.id if card else None, card_number=number,
        patient_id=card.patient_id if card else None, ward=card.patient.ward if card else "",
        outcome=outcome, via=via, note=_text(data, "note", MAX_NOTE),
        latitude=_float(data, "latitude", -90, 90), longitude=_float(data, "longitude", -180, 180),
        accuracy_m=_float(data, "accuracy", 0, 100_000), recorded_at=_recorded_at(data.get("recorded_at"), now),
        received_at=now, photo=photo[0] if photo else None, photo_type=photo[1] if photo else None, result="recorded",
    )
    try:
        with db.session.begin_nested():
            try:
                with db.session.begin_nested():
                    mark.result, mark.conflict = _apply(card, mark, staff, problem)
            except Refused as refused:  # the card changed between the checks and the lifecycle call
                mark.result, mark.conflict = "conflict", refused.message[:300]
            db.session.add(mark)
            db.session.flush()
    except IntegrityError:  # the same mark arrived twice at once; the other request recorded it
        known = _known(client_id, staff)
        if known is None:
            raise
        return known, False
    audit.record("field_mark", patient_id=mark.patient_id, card_number=number, staff_id=staff.id,
                 outcome=outcome, result=mark.result, client_id=client_id, mark_id=mark.id, via=via,
                 photo=photo is not None)
    return mark, True


def _known(client_id: str, staff: StaffUser) -> FieldMark | None:
    known = db.session.scalar(select(FieldMark).where(FieldMark.client_id == client_id))
    if known is not None and known.staff_id != staff.id:
        raise Refused("not_yours", "That mark id was sent by another verifier.", 409)
    return known


def answer(mark: FieldMark, created: bool) -> dict:
    """What the phone is told about a mark (and shows to the verifier)."""
    card = db.session.get(HealthCard, mark.card_id) if mark.card_id else None
    staff = db.session.get(StaffUser, mark.staff_id)
    return {
        "client_id": mark.client_id, "mark_id": mark.id, "created": created, "outcome": mark.outcome,
        "result": mark.result, "conflict": mark.conflict, "card_number": mark.card_number,
        "card_status": card.status if on_worklist(card, staff) else None, "recorded_at": iso(mark.recorded_at),
        "received_at": iso(mark.received_at),
    }


def label(mark: FieldMark) -> str:
    """The mark's time in Delhi, for tables."""
    return local(mark.recorded_at).strftime("%d %b %H:%M")

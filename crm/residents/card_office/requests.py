"""Requests for a revised or duplicate card: filed by a resident (portal) or at the desk, worked by the card
office from one worklist, each change texted to the resident.

submitted -> in_progress (the card office took it) -> reissued (a new card version, older ones superseded)
-> delivered (the new card reached its holder); or rejected with the reason. The card itself keeps its own
lifecycle (issued, verified, delivered) in crm.residents.cards.operations; a request only follows it.

A household member may ask for a child's card as for their own. Another adult's card is theirs: the holder is
texted when it is asked for and when it is decided, and the card office confirms with the holder before the old
card is superseded (reissue refuses until then; who confirmed is kept and audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from crm.models import CardRequest, FieldAssignment, HealthCard, Patient, StaffUser
from crm.models.base import local, utcnow
from crm.models.citizen import CARD_REQUEST_KINDS
from crm.platform import audit, outbox, sms_templates
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.sms_templates import LANGUAGES as TEXT_LANGUAGES  # Delhi's four
from crm.residents.cards import number as card_number
from crm.residents.cards import operations as cards

OPEN = ("submitted", "in_progress")
DUPLICATE_WHY = ("lost", "damaged")
MAX_DETAIL = 500
WORKLIST_SIZE = 200
WAITING = ("submitted", "in_progress", "reissued")  # the new card is not in the holder's hands yet


@dataclass(frozen=True)
class Collection:
    """Where a new card reaches its holder: `home` (the ward's field verifier brings it) or `card_office`."""

    way: str
    ward: str | None


def expected_days() -> int:
    """How many days the card office gives itself for a revised or duplicate card (setting CARD_REQUEST_DAYS)."""
    return current_app.config["CARD_REQUEST_DAYS"]


def expected_by(request: CardRequest) -> date | None:
    """The Delhi date by which the new card should be in the holder's hands; None once delivered or turned down."""
    if request.status not in WAITING:
        return None
    return local(request.created_at).date() + timedelta(days=expected_days())


def collection(patient: Patient) -> Collection:
    """How the new card will reach `patient`, as the card office works: a ward with a field verifier gets its cards
    at the door (they are on the verifier's worklist); any other ward collects them at the card office."""
    walked = patient.ward and db.session.scalar(select(FieldAssignment.id).where(FieldAssignment.ward == patient.ward))
    return Collection("home" if walked else "card_office", patient.ward)


def submit(patient: Patient, kind: str, detail: str, phone: str | None, language: str = "hi",
           channel: str = "portal", for_another_adult: bool = False) -> CardRequest:
    """File a request for `patient`'s live card; one open request per card at a time. `for_another_adult`: asked
    by an adult of the household who is not the holder (the holder is told, and must agree before the reissue)."""
    if kind not in CARD_REQUEST_KINDS:
        raise Refused("bad_kind", _("Choose a revised card or a duplicate card."), 422)
    detail = " ".join(str(detail or "").split())[:MAX_DETAIL]
    if kind == "revised" and len(detail) < 3:
        raise Refused("detail_required", _("Please say what is wrong on the card."), 422)
    if kind == "duplicate" and detail not in DUPLICATE_WHY:
        raise Refused("detail_required", _("Please say whether the card was lost or damaged."), 422)
    card = patient.current_card
    if card is None:
        raise Refused("no_card", _("There is no card to replace yet."), 409)
    pending = db.session.scalar(select(CardRequest).where(CardRequest.card_id == card.id,
                                                          CardRequest.status.in_(OPEN)))
    if pending is not None:
        raise Refused("already_requested", _("A request for this card is already open: %(ref)s.", ref=pending.reference),
                      409)
    request = CardRequest(patient=patient, card=card, kind=kind, detail=detail, phone=phone, channel=channel,
                          language=language if language in TEXT_LANGUAGES else "hi", status="submitted",
                          for_another_adult=for_another_adult)
    db.session.add(request)
    db.session.flush()
    audit.record("card_request", patient_id=patient.id, card_number=card.number, via=channel, kind=kind,
                 request=request.id, for_another_adult=for_another_adult)
    _tell(request)
    return request


def worklist(status: str | None = None) -> list[CardRequest]:
    """The card office's worklist: open requests first (oldest first), then the rest (newest first)."""
    query = select(CardRequest)
    if status:
        query = query.where(CardRequest.status == status)
    rows = db.session.scalars(query.order_by(CardRequest.id.desc()).limit(WORKLIST_SIZE)).all()
    return sorted((r for r in rows if r.status in OPEN), key=lambda r: r.id) + [r for r in rows if r.status not in OPEN]


def take(request: CardRequest, staff: StaffUser) -> CardRequest:
    """The card office starts on a request."""
    _expect(request, ("submitted",))
    request.status, request.handled_by_id = "in_progress", staff.id
    audit.record("card_request_taken", patient_id=request.patient_id, staff_id=staff.id, request=request.id)
    _tell(request)
    return request


def reissue(request: CardRequest, staff: StaffUser, holder_confirmed: bool = False) -> CardRequest:
    """Reissue the card as asked: a new version; every older card of the holder is superseded. Another adult's
    card only once `holder_confirmed`: the card office has checked with the holder that they want it."""
    _expect(request, OPEN)
    current = request.patient.current_card
    if current is None:
        raise Refused("no_card", "The resident has no live card to reissue.", 409)
    if request.for_another_adult and request.holder_confirmed_by_id is None:
        if not holder_confirmed:
            raise Refused("holder_not_confirmed", f"{request.patient.name}'s card was asked for by another adult of "
                          "the household: confirm with the card holder that they want it, then tick that they did.",
                          409)
        request.holder_confirmed_by_id, request.holder_confirmed_at = staff.id, utcnow()
        audit.record("card_request_holder_confirmed", patient_id=request.patient_id, staff_id=staff.id,
                     request=request.id)
    new = cards.reissue(current.number, request.kind, staff)
    request.status, request.handled_by_id, request.new_card_id = "reissued", staff.id, new.id
    _tell(request)
    return request


def reject(request: CardRequest, staff: StaffUser, note: str) -> CardRequest:
    """Turn a request down, saying why (the resident is told)."""
    _expect(request, OPEN)
    note = " ".join(str(note or "").split())[:300]
    if len(note) < 3:
        raise Refused("note_required", "Say why the request is turned down; the resident is told.", 422)
    request.status, request.handled_by_id, request.note = "rejected", staff.id, note
    audit.record("card_request_rejected", patient_id=request.patient_id, staff_id=staff.id, request=request.id)
    _tell(request)
    return request


def card_delivered(card: HealthCard) -> None:
    """A card was handed over: a request that produced it is done (called by crm.residents.cards.operations)."""
    for request in db.session.scalars(select(CardRequest).where(CardRequest.new_card_id == card.id,
                                                                CardRequest.status == "reissued")):
        request.status = "delivered"
        _tell(request)


def of_patients(patient_ids: list[int], limit: int = 50) -> list[CardRequest]:
    """The requests of these residents, newest first."""
    if not patient_ids:
        return []
    return list(db.session.scalars(select(CardRequest).where(CardRequest.patient_id.in_(patient_ids))
                                   .order_by(CardRequest.id.desc()).limit(limit)))


def status_label(status: str) -> str:
    """The status in the citizen's language."""
    return {"submitted": _("Received"), "in_progress": _("Being processed"), "reissued": _("New card issued"),
            "rejected": _("Not accepted"), "delivered": _("New card delivered")}.get(status, status)


def kind_label(kind: str) -> str:
    """Revised or duplicate, in the citizen's language."""
    return {"revised": _("Revised card"), "duplicate": _("Duplicate card")}.get(kind, kind)


def _expect(request: CardRequest, states: tuple[str, ...]) -> None:
    if request.status not in states:
        raise Refused("request_state", f"Request {request.reference} is {request.status}.", 409)


def _tell(request: CardRequest) -> None:
    holder_text = text_for_holder(request)
    if holder_text:
        outbox.queue_sms(request.patient.mobile, holder_text, kind="card_request")
    if request.phone:
        outbox.queue_sms(request.phone, text_for(request), kind="card_request")


def text_for(request: CardRequest) -> str:
    """The asker's text for the request's present status: a registered text in their language."""
    return _render("card", request, sms_templates.script_for(request.language))


def text_for_holder(request: CardRequest) -> str | None:
    """Another adult's card: its holder hears of the request and of its outcome on their own mobile (else None)."""
    holder = request.patient
    if not request.for_another_adult or not holder.mobile or holder.mobile == request.phone:
        return None
    if request.status not in ("submitted", "reissued", "rejected"):
        return None
    return _render("card_holder", request, sms_templates.script_for(holder.preferred_language))


def _render(prefix: str, request: CardRequest, language: str) -> str:
    with force_locale("hi" if language == "hinglish" else language):
        kind = kind_label(request.kind).lower()
    number = card_number.pretty(request.new_card.number) if request.new_card else "-"
    return sms_templates.render(f"{prefix}_{request.status}", language, ref=request.reference, kind=kind, number=number)

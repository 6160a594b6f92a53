"""A staff member's phone legs: the truth about who is on a call, whatever their screen shows.

A staff leg (Call.purpose 'staff') is up from the moment the app asks Twilio to ring the person until Twilio reports
it ended (a status callback, or the sweep in telephony.reconcile asking Twilio). While any leg of theirs is up a
person is on a call: their presence reads on call, they are offered nothing, and they can answer no other call.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from crm.cases import timeline
from crm.models import Call, Case, StaffUser
from crm.models.base import utcnow
from crm.models.telephony import CALL_ENDED
from crm.platform import phone
from crm.platform.errors import Refused
from crm.platform.extensions import db

MAX_LEGS = 20  # nobody holds more; a bound on what a desk reads
# What becomes of a person's leg when their part of a case ends: "end" the call for everyone on it, "leave" it
# (hang up their own leg; the caller stays with whoever else is on it), or "keep" it up (they go on talking).
CHOICES = ("end", "leave", "keep")


def _up():
    return (Call.purpose == "staff", Call.ended_at.is_(None), Call.status.not_in(sorted(CALL_ENDED)))


def none_up(staff_id):
    """SQL: the staff member `staff_id` (a column or a bound parameter) has no leg up; a claim's statement carries it,
    so a second call is refused in the same round trip as the claim itself."""
    return ~exists().where(Call.staff_id == staff_id, *_up())


def live_legs(staff_id: int) -> list[Call]:
    """This person's legs that are up (ringing or connected), oldest first."""
    return list(db.session.scalars(select(Call).where(Call.staff_id == staff_id, *_up()).order_by(Call.id)
                                   .limit(MAX_LEGS)))


def staff_on_legs(staff_ids: list[int] | None = None) -> set[int]:
    """Of `staff_ids` (everyone if None), those with a leg up."""
    query = select(Call.staff_id).where(Call.staff_id.is_not(None), *_up()).distinct()
    if staff_ids is not None:
        query = query.where(Call.staff_id.in_(staff_ids))
    return set(db.session.scalars(query))


def someone_on(case_id: int) -> bool:
    """Whether any staff leg of this case is up (someone is on the phone with its caller)."""
    return db.session.scalar(select(Call.id).where(Call.case_id == case_id, *_up()).limit(1)) is not None


def ensure_free(staff: StaffUser) -> None:
    """Refuse (409) a second call while a leg of this person is up: end or leave the first."""
    legs = live_legs(staff.id)
    if legs:
        case = db.session.get(Case, legs[0].case_id) if legs[0].case_id else None
        where = f" on {case.reference}" if case is not None else ""
        raise Refused("still_on_call", f"You are still connected to a call{where}: end or leave it first.", 409)


def as_json(legs: list[Call]) -> list[dict]:
    """The legs for a desk: which case, its reference, the leg's status (no phone numbers)."""
    return [{"case_id": leg.case_id, "reference": f"SMP-{leg.case_id:05d}" if leg.case_id else None,
             "status": leg.status, "connected": leg.answered_at is not None} for leg in legs]


def choice(value, allowed: tuple[str, ...], default: str) -> str:
    """A desk's word for the leg (one of `allowed`; `default` when it said none)."""
    if value in (None, ""):
        return default
    if value not in allowed:
        raise Refused("bad_call_choice", f"call must be one of {', '.join(allowed)}.", 422)
    return str(value)


def settle(case: Case, staff: StaffUser, what: str, why: str) -> str:
    """End, leave or keep `staff`'s legs of `case` (see CHOICES), said on the timeline with `why` (resolved,
    escalated, ready, logout). Returns what was done: the choice, 'none' (no leg of theirs on this case) or
    'failed' (the phone system did not answer: the leg stays up and the sweep settles it with the provider)."""
    mine = [leg for leg in live_legs(staff.id) if leg.case_id == case.id]
    if not mine:
        return "none"
    if what == "keep":
        timeline.add_event(case, "kept_call", staff_id=staff.id, why=why)
        return "keep"
    try:
        # A leg still ringing is in no conference yet: without one, the leg itself is hung up.
        if not (what == "end" and phone.system().end_call(case, staff)):
            phone.system().leave(case, staff)
    except phone.PhoneFailed:
        return "failed"
    # Twilio took the hang-up (its answer already says completed): the legs are down now, not when the status
    # callback comes (it changes nothing then: a leg's status only moves forward).
    now = utcnow()
    for leg in mine:
        leg.status, leg.ended_at = "completed", leg.ended_at or now
    db.session.flush()
    timeline.add_event(case, "call_settled", staff_id=staff.id, how=what, why=why)
    return what


def others_on(case_id: int, staff_id: int) -> bool:
    """Whether a leg of someone other than `staff_id` is up on this case (the caller is not alone without them)."""
    return db.session.scalar(select(Call.id).where(Call.case_id == case_id, Call.staff_id != staff_id, *_up())
                             .limit(1)) is not None

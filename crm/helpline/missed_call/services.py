"""A missed call: open (or find) the caller's call-back in the tier-1 line and tell them when to expect it.

The call-back is a voice case that waits in tier 1 like any caller who pressed 1 for a call-back:
its place is the time of the missed call (queued_at), so it is answered in turn, and when an
operator takes it the phone system calls the citizen back (telephony.connect). Calling again while
that call-back waits changes nothing and texts nothing: the first place stands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from crm.cases import lifecycle, timeline
from crm.cases.queue import PRIORITY_ORDER, TIER1
from crm.cases.status import WAITING, Status
from crm.helpline import presence
from crm.models import Call, Case, Message
from crm.platform import outbox, sms_templates, turns
from crm.platform.extensions import db
from crm.platform.phones import can_receive_sms, masked

MINUTES_PER_CALLER = 4  # a tier-1 call's usual handling time, for the estimate only
LIVE = (Status.QUEUED, Status.CALLBACK, Status.IN_PROGRESS)


@dataclass(frozen=True)
class MissedCall:
    """What a missed call led to: the case, whether it is new (a repeat changes nothing), and the SMS."""

    case: Case | None
    new: bool
    message: Message | None


def record(call_sid: str, caller: str, to: str, at: datetime) -> MissedCall:
    """Act on a missed call once per CallSid: a call-back in its place in tier 1 and one SMS (none to a landline)."""
    if not caller.startswith("+"):
        return MissedCall(None, False, None)  # withheld: nobody to call back
    # Calls from one number (and Twilio's copies of one call) take turns, so the look for a waiting call-back
    # below sees the one a call a moment earlier opened: eight calls at once are one call-back and one SMS.
    turns.wait_for("missed_call", caller)
    seen = db.session.scalar(select(Call).where(Call.sid == call_sid))
    if seen is not None:
        return MissedCall(seen.case, False, None)  # Twilio repeated the webhook
    waiting = db.session.scalar(select(Case).where(
        Case.caller_phone == caller, Case.channel == "voice", Case.queue == TIER1, Case.status.in_(LIVE))
        .order_by(Case.id).limit(1))
    if waiting is not None:
        _leg(call_sid, waiting, caller, to)
        timeline.add_event(waiting, "missed_call_again", number=masked(caller))
        return MissedCall(waiting, False, None)
    case = lifecycle.open_case("voice", caller, status=Status.IVR)
    case.queued_at = at  # the place in the line is the time of the missed call
    lifecycle.enter_queue(case, TIER1)
    timeline.add_event(case, "missed_call", number=masked(caller))
    lifecycle.request_callback(case)
    _leg(call_sid, case, caller, to)
    if not can_receive_sms(caller):
        return MissedCall(case, True, None)  # a landline: the call-back is its answer (no SMS reaches it)
    text = sms_text(case, expected_minutes(case))
    return MissedCall(case, True, outbox.queue_sms(caller, text, case=case, kind="missed_call"))


def _leg(call_sid: str, case: Case, caller: str, to: str) -> Call:
    now = case.updated_at
    call = Call(sid=call_sid, case=case, purpose="missed_call", direction="inbound", from_number=caller,
                to_number=to, status="busy", started_at=now, ended_at=now, duration=0, last_heard_at=now)
    db.session.add(call)
    db.session.flush()
    return call


def position(case: Case) -> int:
    """The case's place in the tier-1 line (1 = next), by the order operators take cases."""
    ahead = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.queue == TIER1, Case.status.in_(WAITING), Case.id != case.id,
        (PRIORITY_ORDER < case.priority)  # the queue's one order (crm.cases.queue.QUEUE_ORDER): P1 < P2 < P3 < P4
        | ((PRIORITY_ORDER == case.priority)
           & ((Case.queued_at < case.queued_at) | ((Case.queued_at == case.queued_at) & (Case.id < case.id))))))
    return (ahead or 0) + 1


def expected_minutes(case: Case) -> int:
    """When to expect the call: callers ahead times a usual call, shared by the operators at work, in 5-minute steps."""
    counts = presence.counts()
    working = max(1, counts.get("available", 0) + counts.get("on_call", 0) + counts.get("wrap_up", 0))
    raw = position(case) * MINUTES_PER_CALLER / working
    return max(5, 5 * math.ceil(raw / 5))


def sms_text(case: Case, minutes: int) -> str:
    """The registered text (one SMS part) in the caller's known language, else Hindi, Delhi's first language."""
    return sms_templates.render("callback_scheduled", case.language or "hi", ref=case.reference, minutes=minutes)

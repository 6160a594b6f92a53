"""After a claim: bring the caller and the staff member together in the case's conference."""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioRestException

from crm.cases import timeline
from crm.extensions import db
from crm.models import Case, StaffUser
from telephony import calls, gateway

log = logging.getLogger(__name__)


def connect(case: Case, staff: StaffUser) -> str:
    """Dequeue the waiting caller (or call them back) and ring the staff member.

    Returns 'connecting', 'calling_back', 'gone' (the caller hung up before the claim landed) or
    'sms' (nothing to dial).
    """
    if case.channel != "voice":
        return "sms"
    call = gateway.waiting_call(case)
    try:
        if call is not None:
            # Still on the line: out of the queue now, or (not in Twilio's queue yet) at its next wait request.
            gateway.dequeue_to_conference(case)
            outcome = "connecting"
        else:
            gateway.call_back(case)
            outcome = "calling_back"
        gateway.ring_staff(case, staff)
    except TwilioRestException as exc:
        if exc.status == 404 and call is not None:
            # The caller hung up between the queue refresh and the claim: nothing to connect.
            calls.abandon(case, None)
            timeline.add_event(case, "claim_too_late", staff_id=staff.id)
            case.assigned_to_id = None
            db.session.commit()
            return "gone"
        log.exception("could not connect case %s", case.id)
        timeline.add_event(case, "connect_failed", staff_id=staff.id, error=str(exc.msg)[:200])
        db.session.commit()
        raise
    timeline.add_event(case, "connecting", staff_id=staff.id, how=outcome)
    db.session.commit()
    return outcome

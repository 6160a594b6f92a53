"""After a claim: bring the caller and the staff member together in the case's conference."""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioRestException

from crm.cases import lifecycle, timeline
from crm.models import Case, StaffUser
from telephony import gateway

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
            lifecycle.caller_gone_before_answer(case, staff)
            return "gone"
        raise
    timeline.add_event(case, "connecting", staff_id=staff.id, how=outcome)
    return outcome

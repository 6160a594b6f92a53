"""Call controls on a case's conference: hold and resume the caller, mute a staff leg, end the call.

All through the real twilio Client (Conference Participant update), so the emulator plays exactly what
Twilio would; the conference is found by its name, case-<id>.
"""

from __future__ import annotations

from twilio.base.exceptions import TwilioRestException

from crm.cases import timeline
from crm.helpline.live import events
from crm.models import Call, Case, StaffUser
from crm.platform.errors import Refused
from telephony import calls, gateway, monitor


def conference_sid(case: Case) -> str | None:
    """The sid of the case's conference while it is in progress (one definition: telephony.monitor)."""
    return monitor.live_conference_sid(case)


def staff_leg(case: Case, staff: StaffUser) -> Call | None:
    """This staff member's live leg of the case's call."""
    return next((c for c in reversed(case.calls)
                 if c.purpose == "staff" and c.staff_id == staff.id and c.ended_at is None), None)


def hold_caller(case: Case, staff: StaffUser, on: bool) -> bool:
    """Put the caller on hold (they hear hold music) or take them off it; False if there is no call."""
    held = {"hold_url": gateway.public_url("telephony.hold", case=case.id), "hold_method": "POST"} if on else {}
    changed = _update(case, calls.citizen_leg(case), hold=on, **held)
    if changed:
        timeline.add_event(case, "caller_held" if on else "caller_resumed", staff_id=staff.id)
        events.case_changed(case)
    return changed


def mute(case: Case, staff: StaffUser, on: bool) -> bool:
    """Mute or unmute this staff member's own leg; False if they are not on the call."""
    changed = _update(case, staff_leg(case, staff), muted=on)
    if changed:
        timeline.add_event(case, "staff_muted" if on else "staff_unmuted", staff_id=staff.id)
        events.case_changed(case)
    return changed


def _update(case: Case, leg: Call | None, **changes) -> bool:
    """Conference Participant update of one leg of the case's conference; False without leg or conference."""
    sid = conference_sid(case) if leg is not None else None
    if sid is None:
        return False
    try:
        gateway.client().conferences(sid).participants(leg.sid).update(**changes)
    except TwilioRestException as exc:
        if exc.status != 404:
            raise
        raise Refused("not_in_conference_yet", "That line is still being connected: try again in a moment.",
                      409) from exc
    return True


def end_call(case: Case, staff: StaffUser) -> bool:
    """End the case's call for everyone in it; False if there is none."""
    sid = conference_sid(case) if any(c.ended_at is None for c in case.calls) else None
    if sid is None:
        return False
    gateway.client().conferences(sid).update(status="completed")
    timeline.add_event(case, "call_ended_by_staff", staff_id=staff.id)
    events.case_changed(case)
    return True

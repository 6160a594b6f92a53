"""A supervisor on a live call: listen (muted), whisper (coaching the agent), barge (heard by everyone).

Twilio's conference participants do it: the supervisor's phone or browser is added to the case's
conference with Muted, or with Coaching and CallSidToCoach (only the coached agent hears the coach).
"""

from __future__ import annotations

from flask import current_app

from crm.models import Call, Case, StaffUser
from crm.platform.extensions import db
from telephony import gateway
from telephony.voice import conference_name

MODES = ("listen", "whisper", "barge")
LEG_EVENTS = ["initiated", "ringing", "answered", "completed"]


def label(staff: StaffUser) -> str:
    """How the supervisor's leg is named in the conference (to update or remove it later)."""
    return f"supervisor-{staff.id}"


def live_conference_sid(case: Case) -> str | None:
    """The sid of the case's conference while it is in progress."""
    found = gateway.client().conferences.list(friendly_name=conference_name(case), status="in-progress", limit=1)
    return found[0].sid if found else None


def _mode_fields(mode: str, agent_sid: str | None) -> dict:
    return {"muted": mode == "listen", "coaching": mode == "whisper",
            "call_sid_to_coach": agent_sid if mode == "whisper" else None}


def join(case: Case, conference_sid: str, supervisor: StaffUser, mode: str, agent_sid: str | None) -> Call:
    """Ring the supervisor into the conference in `mode`; returns their call leg (flushed)."""
    fields = {k: v for k, v in _mode_fields(mode, agent_sid).items() if v is not None}
    to = supervisor.desk_phone or f"client:staff-{supervisor.id}"
    created = gateway.client().conferences(conference_sid).participants.create(
        from_=current_app.config["TWILIO_PHONE_NUMBER"], to=to, label=label(supervisor), beep="false",
        start_conference_on_enter=False, end_conference_on_exit=False,
        status_callback=gateway.public_url("telephony.status"), status_callback_event=LEG_EVENTS,
        status_callback_method="POST", **fields, **gateway.byoc())
    call = Call(sid=created.call_sid, case=case, purpose="monitor", direction="outbound", to_number=to,
                staff_id=supervisor.id, from_number=current_app.config["TWILIO_PHONE_NUMBER"], status="queued")
    db.session.add(call)
    db.session.flush()
    return call


def change(conference_sid: str, supervisor: StaffUser, mode: str, agent_sid: str | None) -> None:
    """Switch a supervisor already in the conference to another mode."""
    fields = _mode_fields(mode, agent_sid)
    if fields["call_sid_to_coach"] is None:
        fields.pop("call_sid_to_coach")
    gateway.client().conferences(conference_sid).participants(label(supervisor)).update(**fields)


def leave(conference_sid: str, supervisor: StaffUser) -> None:
    """Take the supervisor out of the conference (the call goes on without them)."""
    gateway.client().conferences(conference_sid).participants(label(supervisor)).delete()

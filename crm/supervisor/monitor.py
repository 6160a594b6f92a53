"""Listen, whisper, barge: who may monitor which call, and the timeline and audit entries it leaves.

The telephony is in telephony/monitor.py; this decides. Each start, change of mode and end is a case
event (not a status change), and listening to a patient's call is audited like reading their record.
"""

from __future__ import annotations

from twilio.base.exceptions import TwilioRestException

from crm import audit, cases
from crm.models import Call, Case, StaffUser
from telephony import monitor as phone

MODES = phone.MODES
LIVE = ("in_progress", "with_doctor")


class MonitorError(ValueError):
    """A monitoring request that cannot be done now; `code`, `message` and the HTTP `status`."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def agent_leg(case: Case) -> Call | None:
    """The call leg of whoever works the case now (the doctor once accepted, else the operator)."""
    agent_id = case.doctor_id if case.status == "with_doctor" else case.assigned_to_id
    legs = [c for c in case.calls if c.purpose == "staff" and c.staff_id == agent_id and c.ended_at is None]
    return legs[-1] if legs else None


def my_leg(case: Case, supervisor: StaffUser) -> Call | None:
    """The supervisor's own monitoring leg on this case, unless it ended or they left it (the leg's
    completed status callback may still be on its way)."""
    mine = [e for e in case.events if e.kind == "monitoring" and e.staff_id == supervisor.id]
    if not mine or mine[-1].detail.get("action") == "ended":
        return None
    legs = [c for c in case.calls if c.purpose == "monitor" and c.staff_id == supervisor.id and c.ended_at is None]
    return legs[-1] if legs else None


def start(case: Case, supervisor: StaffUser, mode: str) -> dict:
    """Join the case's live call in `mode`, or switch mode if already on it (flushed; the view commits)."""
    if mode not in MODES:
        raise MonitorError("bad_mode", f"Mode must be one of {', '.join(MODES)}.", 422)
    if case.channel != "voice" or case.status not in LIVE:
        raise MonitorError("no_live_call", f"Case {case.reference} has no call in progress.")
    agent = agent_leg(case)
    if agent is None:
        raise MonitorError("no_agent", f"Nobody is on the call of {case.reference} yet.")
    try:
        conference = phone.live_conference_sid(case)
        if conference is None:
            raise MonitorError("no_live_call", f"The call of {case.reference} has ended.")
        mine = my_leg(case, supervisor)
        if mine is None:
            mine = phone.join(case, conference, supervisor, mode, agent.sid)
            action = "started"
        else:
            phone.change(conference, supervisor, mode, agent.sid)
            action = "changed"
    except TwilioRestException as exc:
        raise MonitorError("telephony", f"Twilio refused: {exc.msg}", 502) from exc
    cases.add_event(case, "monitoring", staff_id=supervisor.id, mode=mode, action=action, agent=agent.staff_id)
    audit.record("monitor_call", case_id=case.id, patient_id=case.patient_id, via=mode, staff_id=supervisor.id)
    return {"case_id": case.id, "reference": case.reference, "mode": mode, "action": action,
            "call_sid": mine.sid, "agent": agent.staff_id}


def stop(case: Case, supervisor: StaffUser) -> dict:
    """Leave the case's call (flushed; the view commits)."""
    mine = my_leg(case, supervisor)
    if mine is None:
        raise MonitorError("not_monitoring", f"You are not on the call of {case.reference}.")
    try:
        conference = phone.live_conference_sid(case)
        if conference is not None:
            phone.leave(conference, supervisor)
    except TwilioRestException as exc:
        if exc.status != 404:  # already gone from the conference: nothing to undo
            raise MonitorError("telephony", f"Twilio refused: {exc.msg}", 502) from exc
    cases.add_event(case, "monitoring", staff_id=supervisor.id, action="ended")
    return {"case_id": case.id, "reference": case.reference, "action": "ended"}

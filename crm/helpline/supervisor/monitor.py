"""Listen, whisper, barge: who may monitor which call, and the timeline and audit entries it leaves.

The telephony is in telephony/monitor.py; this decides. Each start, change of mode and end is a case
event (not a status change), and listening to a patient's call is audited like reading their record.
"""

from __future__ import annotations

from sqlalchemy import select

from crm.cases import timeline
from crm.cases.status import TAKEN, Status
from crm.helpline.live import events
from crm.models import Call, Case, StaffUser
from crm.platform import audit, phone
from crm.platform.errors import Refused
from crm.platform.extensions import db

MODES = ("listen", "whisper", "barge")


def agent_leg(case: Case) -> Call | None:
    """The call leg of whoever works the case now (the doctor once accepted, else the operator)."""
    agent_id = case.doctor_id if case.status == Status.WITH_DOCTOR else case.assigned_to_id
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


def listeners(case: Case) -> list[dict]:
    """The supervisors on this case's call now and how (listen, whisper, barge): what the agent is told."""
    latest: dict[int, dict] = {}
    for event in case.events:
        if event.kind == "monitoring" and event.staff_id:
            latest[event.staff_id] = event.detail or {}
    live = {c.staff_id for c in case.calls if c.purpose == "monitor" and c.ended_at is None}
    on = {staff_id: detail["mode"] for staff_id, detail in latest.items()
          if detail.get("action") != "ended" and detail.get("mode") in MODES and staff_id in live}
    if not on:
        return []
    names = dict(db.session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(on))).all())
    return [{"name": names.get(staff_id, "A supervisor"), "mode": mode} for staff_id, mode in sorted(on.items())]


def start(case: Case, supervisor: StaffUser, mode: str) -> dict:
    """Join the case's live call in `mode`, or switch mode if already on it (flushed; the view commits)."""
    if mode not in MODES:
        raise Refused("bad_mode", f"Mode must be one of {', '.join(MODES)}.", 422)
    if case.channel != "voice" or case.status not in TAKEN:
        raise Refused("no_live_call", f"Case {case.reference} has no call in progress.")
    agent = agent_leg(case)
    if agent is None:
        raise Refused("no_agent", f"Nobody is on the call of {case.reference} yet.")
    mine = my_leg(case, supervisor)
    try:
        joined = phone.system().monitor(case, supervisor, mode, agent.sid, joined=mine is not None)
    except phone.PhoneFailed as exc:
        raise Refused("telephony", exc.message, 502) from exc
    if joined is None:
        raise Refused("no_live_call", f"The call of {case.reference} has ended.")
    action = "changed" if mine is not None else "started"
    call_sid = mine.sid if mine is not None else joined
    timeline.add_event(case, "monitoring", staff_id=supervisor.id, mode=mode, action=action, agent=agent.staff_id)
    events.case_changed(case, "case.monitoring")
    audit.record("monitor_call", case_id=case.id, patient_id=case.patient_id, via=mode, staff_id=supervisor.id)
    return {"case_id": case.id, "reference": case.reference, "mode": mode, "action": action,
            "call_sid": call_sid, "agent": agent.staff_id}


def stop(case: Case, supervisor: StaffUser) -> dict:
    """Leave the case's call (flushed; the view commits)."""
    if my_leg(case, supervisor) is None:
        raise Refused("not_monitoring", f"You are not on the call of {case.reference}.")
    try:
        phone.system().stop_monitoring(case, supervisor)
    except phone.PhoneFailed as exc:
        raise Refused("telephony", exc.message, 502) from exc
    timeline.add_event(case, "monitoring", staff_id=supervisor.id, action="ended")
    return {"case_id": case.id, "reference": case.reference, "action": "ended"}

"""Conference events: who joined and left a case's call, kept on its timeline."""

from __future__ import annotations

from sqlalchemy import select

from crm.cases import timeline
from crm.helpline.live import events
from crm.models import Call, Case, CaseEvent
from crm.platform.extensions import db


def record(case_id: int | None, params: dict) -> None:
    """Write a conference event once (Twilio may repeat it)."""
    case = db.session.get(Case, case_id or 0)
    kind = params.get("StatusCallbackEvent", "")
    if case is None or not kind:
        return
    sequence = params.get("SequenceNumber")
    conference_sid = params.get("ConferenceSid")
    seen = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                       CaseEvent.kind == "conference")).all()
    if any(e.detail.get("sid") == conference_sid and e.detail.get("sequence") == sequence for e in seen):
        return
    leg = db.session.scalar(select(Call).where(Call.sid == params.get("CallSid", "")))
    timeline.add_event(case, "conference", event=kind.replace("participant-", ""), sid=conference_sid,
                    sequence=sequence, leg=leg.purpose if leg else None,
                    staff_id=leg.staff_id if leg else None)
    events.case_changed(case, "case.updated")

"""Triaged messages on case timelines, recorded the way crm/helpline/messages/inbound.py records an inbound SMS."""

from __future__ import annotations

from crm.cases import timeline
from crm.models import Case, Message
from crm.platform.extensions import db
from triage import classify


def triaged_sms(text: str, phone: str = "+919811100001") -> Case:
    """A case opened by an SMS that triage read; its sms_in event carries priority and rule ids."""
    result = classify(text)
    case = Case(channel="sms", status="queued", caller_phone=phone, priority=result.priority, language="hi")
    db.session.add(case)
    db.session.flush()
    message = Message(case=case, direction="inbound", from_number=phone, to_number="+911100000000", body=text,
                      status="received")  # fmt: skip
    db.session.add(message)
    db.session.flush()
    timeline.add_event(case, "sms_in", message_id=message.id, priority=result.priority,
                    rules=[m.rule_id for m in result.matched])  # fmt: skip
    db.session.commit()
    return case


def staff_raised(case: Case, staff_id: int, priority: str) -> None:
    """An operator's assessment that made the case more urgent than triage said."""
    timeline.add_event(case, "assessed", staff_id=staff_id, reason="on the phone", red_flags=[])
    case.priority = priority
    db.session.commit()

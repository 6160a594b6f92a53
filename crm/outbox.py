"""Outbound SMS: a pending Message row now, the send job after the commit.

Any part of the app can text a citizen through here without knowing how sending works; the job
(`telephony.jobs.send_message`, named by path) sends it exactly once and respects opt-outs.
"""

from __future__ import annotations

from flask import current_app

from crm.cases import timeline
from crm.extensions import db
from crm.jobs import enqueue
from crm.models import Case, Message

SEND_JOB = "telephony.jobs.send_message"


def segments(text: str) -> int:
    """SMS parts of `text` (UCS-2 as soon as one character is outside GSM-7)."""
    from telephony.sms_text import segments as count  # the Twilio edge knows the alphabet

    return count(text)


def queue_sms(to: str, body: str, case: Case | None = None, kind: str = "reply", staff_id: int | None = None) -> Message:
    """Add a pending outbound SMS (flushed); it is sent after the caller commits and calls flush()."""
    message = Message(case=case, direction="outbound", kind=kind, from_number=current_app.config["TWILIO_PHONE_NUMBER"],
                      to_number=to, body=body, status="pending", staff_id=staff_id, segments=segments(body))
    db.session.add(message)
    db.session.flush()
    if case is not None:
        timeline.add_event(case, "sms_out", staff_id=staff_id, message_id=message.id, purpose=kind)
    db.session.info.setdefault("sampark_send", []).append(message.id)
    return message


def flush() -> None:
    """Enqueue the send jobs of the messages queued in this (committed) session."""
    for message_id in db.session.info.pop("sampark_send", []):
        enqueue(SEND_JOB, message_id, job_id=f"sms-{message_id}")

"""Outbound SMS: a pending Message row now, the send job once the unit of work commits.

Any part of the app can text a citizen through here without knowing how sending works; the job
(`telephony.jobs.send_message`, named by path) sends it exactly once and respects opt-outs. A
rolled-back request queues nothing.
"""

from __future__ import annotations

from flask import current_app

from crm import unit_of_work
from crm.cases import timeline
from crm.extensions import db
from crm.jobs import enqueue_after_answer
from crm.models import Case, Message
from crm.sms_parts import segments

SEND_JOB = "telephony.jobs.send_message"
PENDING = "sampark_send"


def queue_sms(to: str, body: str, case: Case | None = None, kind: str = "reply", staff_id: int | None = None,
              channel: str = "sms", content_sid: str | None = None, content_variables: dict | None = None) -> Message:
    """Add a pending outbound SMS or WhatsApp message (flushed); its send job is queued after the commit.

    A WhatsApp template message carries its ContentSid and variables; `body` is then what it renders to.
    """
    sender = current_app.config["TWILIO_WHATSAPP_NUMBER" if channel == "whatsapp" else "TWILIO_PHONE_NUMBER"]
    message = Message(case=case, direction="outbound", kind=kind, from_number=sender, to_number=to, body=body,
                      status="pending", staff_id=staff_id, segments=segments(body), channel=channel,
                      content_sid=content_sid, content_variables=content_variables)
    db.session.add(message)
    db.session.flush()
    if case is not None:
        detail = {"channel": channel} if channel != "sms" else {}
        timeline.add_event(case, "sms_out", staff_id=staff_id, message_id=message.id, purpose=kind, **detail)
    send_after_commit([message.id])
    return message


def send_after_commit(message_ids: list[int]) -> None:
    """Queue the send jobs of these messages once the current unit of work commits."""
    session = db.session()
    pending = session.info.get(PENDING)
    if pending is None:
        pending = session.info[PENDING] = []
        unit_of_work.after_commit(session, lambda: _enqueue(session.info.pop(PENDING, [])))
    pending.extend(message_ids)


def job_id(message_id: int) -> str:
    """The id of the send job of this message (one job per message)."""
    return f"sms-{message_id}"


def _enqueue(message_ids: list[int]) -> None:
    # No job of these ids waits: each message was written by this unit of work, or the sweep that queues a lost one
    # has just asked. A copy queued by a race anyway sends nothing twice (telephony.messages.claim_for_sending).
    for message_id in message_ids:
        enqueue_after_answer(SEND_JOB, message_id, job_id=job_id(message_id))

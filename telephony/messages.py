"""SMS: inbound texts join or open a case, triage reads them, replies go out exactly once."""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from crm import outbox
from crm.cases import lifecycle, timeline
from crm.cases.lifecycle import TIER1
from crm.cases.status import OPEN, Status
from crm.extensions import db
from crm.live import events
from crm.models import Case, Message, OptOut
from crm.models.base import utcnow
from crm.models.telephony import MESSAGE_STATUS_RANK
from telephony import calls, sms_text
from triage import classify

log = logging.getLogger(__name__)

OPT_OUT_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
OPT_IN_WORDS = {"start", "unstop"}
PRIORITY_RANK = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}


def inbound(params: dict, helpline: str) -> Message | None:
    """Store an inbound SMS once and act on it; None if Twilio already delivered this MessageSid."""
    # No look for the MessageSid first: storing it (ON CONFLICT DO NOTHING) is the check, and a repeat rolls back.
    sid = params.get("MessageSid", "")
    sender = calls.caller_number(params.get("From", ""))
    body = params.get("Body", "")
    keyword = body.strip().lower()
    if params.get("OptOutType") == "STOP" or keyword in OPT_OUT_WORDS:
        return _store(sid, sender, helpline, body, None, _opt_out(sender, keyword or "stop"))
    if params.get("OptOutType") == "START" or keyword in OPT_IN_WORDS:
        _opt_in(sender)
        return _store(sid, sender, helpline, body, None, _open_case_of(sender))
    result = classify(body)
    case = _open_case_of(sender)
    new_case = case is None
    if new_case:
        case = lifecycle.open_case("sms", sender, status=Status.QUEUED,
                                   language="en" if result.language == "en" else "hi")
    message = _store(sid, sender, helpline, body, result.language, case)
    if message is None:
        return None  # a concurrent copy of this MessageSid won; its case and reply stand, ours rolled back
    message.segments = calls.param_int(params.get("NumSegments")) or sms_text.segments(body)
    timeline.add_event(case, "sms_in", message_id=message.id, priority=result.priority,
                       rules=[m.rule_id for m in result.matched])
    if new_case or PRIORITY_RANK[result.priority] < PRIORITY_RANK.get(case.priority, 4):
        case.priority = result.priority
        case.specialty = result.specialty or case.specialty
    if result.priority == "P1" and case.queue != calls.EMERGENCY:
        lifecycle.declare_emergency(case, via="sms")
        case.callback_requested_at = case.callback_requested_at or utcnow()  # a doctor calls them
        queue_reply(case, sms_text.reply("emergency", result.language, ref=case.reference), "advice")
    elif new_case:
        lifecycle.enter_queue(case, TIER1)
        queue_reply(case, sms_text.reply("ack", result.language, ref=case.reference), "ack")
    events.case_changed(case, "case.message")
    return message


def _open_case_of(sender: str) -> Case | None:
    query = (select(Case).where(Case.channel == "sms", Case.caller_phone == sender, Case.status.in_(OPEN))
             .order_by(Case.id.desc()).limit(1))
    return db.session.scalar(query)


def _store(sid: str, sender: str, helpline: str, body: str, language: str | None, case: Case | None) -> Message | None:
    """Insert the message once per MessageSid (INSERT ... ON CONFLICT DO NOTHING); None, and the unit of work
    rolled back, if Twilio's copy arrived twice at once and the other request stored it."""
    insert = (sqlite_insert if db.engine.dialect.name == "sqlite" else pg_insert)(Message)
    message = db.session.scalars(insert.values(
        sid=sid, case_id=case.id if case else None, direction="inbound", kind="reply", from_number=sender,
        to_number=helpline, body=body, language=language, status="received", segments=sms_text.segments(body),
        created_at=utcnow(), updated_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["sid"]).returning(Message)).one_or_none()
    if message is None:
        db.session.rollback()  # a repeat: whatever this copy began (a new case) is the first copy's to keep
        return None
    if case is not None:
        events.case_changed(case, "case.message")
    return message


def _opt_out(sender: str, keyword: str) -> Case | None:
    if db.session.scalar(select(OptOut).where(OptOut.phone == sender)) is None:
        db.session.add(OptOut(phone=sender, keyword=keyword[:20]))
    case = _open_case_of(sender)
    if case is not None:
        timeline.add_event(case, "opted_out", keyword=keyword[:20])
    return case


def _opt_in(sender: str) -> None:
    row = db.session.scalar(select(OptOut).where(OptOut.phone == sender))
    if row is not None:
        db.session.delete(row)


def is_opted_out(phone: str) -> bool:
    """Whether `phone` asked us to stop texting."""
    return db.session.scalar(select(OptOut.id).where(OptOut.phone == phone)) is not None


def queue_reply(case: Case, body: str, kind: str = "reply", staff_id: int | None = None) -> Message:
    """An outbound SMS to the case's caller, sent by a job after the commit."""
    return outbox.queue_sms(case.caller_phone, body, case=case, kind=kind, staff_id=staff_id)


def update_status(params: dict) -> Message | None:
    """A delivery status callback: applied only if it moves the message forward."""
    message = db.session.scalar(select(Message).where(Message.sid == params.get("MessageSid", "")))
    status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    if message is None or status not in MESSAGE_STATUS_RANK:
        return None
    if MESSAGE_STATUS_RANK[status] <= MESSAGE_STATUS_RANK.get(message.status, -1):
        return None
    message.status = status
    if params.get("ErrorCode"):
        message.error_code = str(params["ErrorCode"])[:10]
    if message.case is not None:
        events.case_changed(message.case, "case.message")
    return message


def claim_for_sending(message_id: int) -> Message | None:
    """Move a message from pending to sending in one conditional UPDATE: only one sender ever wins."""
    now = utcnow()
    won = db.session.execute(
        update(Message).where(Message.id == message_id, Message.status == "pending")
        .values(status="sending", sending_since=now, updated_at=now).returning(Message.id)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    return db.session.get(Message, won, populate_existing=True) if won else None

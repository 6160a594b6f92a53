"""SMS and WhatsApp: inbound messages join or open a case, triage reads them, replies go out exactly once.

Twilio delivers WhatsApp to the same webhook with `whatsapp:+91...` addresses. The number is
normalised like any caller's (the same person as their SMS and calls); the channel is kept on the
case and each message, and replies go back the way the citizen wrote.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from crm.cases import lifecycle, timeline
from crm.cases.lifecycle import TIER1
from crm.cases.status import OPEN, Status
from crm.citizens.facilities import answer as facility_answer
from crm.citizens.facilities import question as facility_question
from crm.citizens.grievances import keyword as grievance_keyword
from crm.citizens.grievances import services as grievances
from crm.helpline.live import events
from crm.models import Case, Message, OptOut
from crm.models.base import utcnow
from crm.models.telephony import MESSAGE_STATUS_RANK
from crm.platform import outbox, turns
from crm.platform.extensions import db
from crm.platform.security import bounds
from telephony import calls, sms_at_once, sms_text
from triage import classify

log = logging.getLogger(__name__)

OPT_OUT_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
OPT_IN_WORDS = {"start", "unstop"}
PRIORITY_RANK = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}
WHATSAPP_PREFIX = "whatsapp:"
MEDIA_ONLY = "[A photo, voice note or file was sent; Sampark does not open attachments. Ask them to write or call.]"
# Twilio's error codes the desk should read in words.
KNOWN_ERRORS = {
    "63016": "WhatsApp refused it: outside the 24-hour window only an approved template may be sent.",
    "21610": "The citizen texted STOP.",
}


def channel_of(address: str) -> tuple[str, str]:
    """('whatsapp', '+91...') for a `whatsapp:+91...` address, else ('sms', address)."""
    if address.lower().startswith(WHATSAPP_PREFIX):
        return "whatsapp", address[len(WHATSAPP_PREFIX):]
    return "sms", address


def inbound(params: dict, helpline: str) -> Message | None:
    """Store an inbound SMS or WhatsApp message once and act on it; None if Twilio already delivered this MessageSid."""
    # No look for the MessageSid first: storing it (ON CONFLICT DO NOTHING) is the check, and a repeat rolls back.
    sid = params.get("MessageSid", "")
    channel, address = channel_of(params.get("From", ""))
    if channel == "whatsapp":
        helpline = current_app.config["TWILIO_WHATSAPP_NUMBER"]
    sender = calls.caller_number(address)
    body = params.get("Body", "")
    if not body.strip() and calls.param_int(params.get("NumMedia")):
        body = MEDIA_ONLY  # a photo or voice note (common on WhatsApp): the desk is told, the media is not fetched
    keyword = body.strip().lower()
    if params.get("OptOutType") == "STOP" or keyword in OPT_OUT_WORDS:
        return _store(sid, sender, helpline, body, None, _opt_out(sender, keyword or "stop"), channel)
    if params.get("OptOutType") == "START" or keyword in OPT_IN_WORDS:
        _opt_in(sender)
        return _store(sid, sender, helpline, body, None, _open_case_of(sender, channel), channel)
    result = classify(body)
    if (filed := grievance_keyword.parse(body)) is not None:  # "SHIKAYAT ...": a grievance, not a case
        grievances.from_sms(sender, filed)
        # A complaint that also tells of an emergency (P1, or P2 by a rule or the symptom floor) is triaged too;
        # the model alone, trained on callers' health messages, is not trusted on complaints about services.
        urgent = result.priority == "P1" or (result.priority == "P2" and result.layer != "model")
        if not urgent:
            return _store(sid, sender, helpline, body, None, None, channel)
    question = facility_question.read(body) if _routine(result) else None
    segments = calls.param_int(params.get("NumSegments")) or sms_text.segments(body)
    if question is None and sms_at_once.available():
        done = sms_at_once.inbound(sid, sender, helpline, body, channel, segments, result)
        if done is not sms_at_once.ORM:
            return done
    turns.wait_for(sms_at_once.TURN, sender)  # as the one-statement path does: texts sent at once are one case
    case = _open_case_of(sender, channel)
    if question is not None and question.bare and (result.priority == "P4" or result.layer == "model"):
        return _answer_facility_question(sid, sender, helpline, body, result.language, case, channel, question)
    new_case = case is None
    if new_case:
        case = lifecycle.open_case(channel, sender, status=Status.QUEUED,
                                   language="en" if result.language == "en" else "hi")
    message = _store(sid, sender, helpline, body, result.language, case, channel)
    if message is None:
        return None  # a concurrent copy of this MessageSid won; its case and reply stand, ours rolled back
    message.segments = segments
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
    if question is not None:  # a question with more beside it: the answer now, and the case for a person
        queue_reply(case, facility_answer.text_for(question, utcnow(), channel), "facilities")
    events.case_changed(case, "case.message")
    return message


def _routine(result) -> bool:
    """No red flag: P3/P4, or a P2 that only the statistical second opinion guessed (no rule or floor fired).
    A question about clinics that mentions a danger sign is a case for a person, not an automatic answer."""
    return result.priority in ("P3", "P4") or (result.priority == "P2" and result.layer == "model")


def _answer_facility_question(sid: str, sender: str, helpline: str, body: str, language: str, case: Case | None,
                              channel: str, question) -> Message | None:
    """A bare "where is the nearest clinic": answered at once from the finder (asking for a pincode if none
    was given); no case is opened for it, but an open conversation keeps both messages in its thread."""
    message = _store(sid, sender, helpline, body, language, case, channel)
    if message is None:
        return None
    answer = facility_answer.text_for(question, utcnow(), channel)
    if case is not None:
        timeline.add_event(case, "sms_in", message_id=message.id, priority="P4", rules=[], facility_question=True)
        queue_reply(case, answer, "facilities")
    else:
        outbox.queue_sms(sender, answer, kind="facilities", channel=channel)
    return message


def _open_case_of(sender: str, channel: str = "sms") -> Case | None:
    query = (select(Case).where(Case.channel == channel, Case.caller_phone == sender, Case.status.in_(OPEN))
             .order_by(Case.id.desc()).limit(1))
    return db.session.scalar(query)


def _store(sid: str, sender: str, helpline: str, body: str, language: str | None, case: Case | None,
           channel: str = "sms") -> Message | None:
    """Insert the message once per MessageSid (INSERT ... ON CONFLICT DO NOTHING); None, and the unit of work
    rolled back, if Twilio's copy arrived twice at once and the other request stored it."""
    message = db.session.scalars(_insert(Message).values(
        sid=sid, case_id=case.id if case else None, direction="inbound", kind="reply", from_number=sender,
        to_number=helpline, body=body, language=language, status="received", segments=sms_text.segments(body),
        created_at=utcnow(), updated_at=utcnow(), channel=channel,
    ).on_conflict_do_nothing(index_elements=["sid"]).returning(Message)).one_or_none()
    if message is None:
        db.session.rollback()  # a repeat: whatever this copy began (a new case) is the first copy's to keep
        return None
    if case is not None:
        events.case_changed(case, "case.message")
    return message


def _insert(model):
    """An INSERT that can say ON CONFLICT DO NOTHING, in the database's own dialect."""
    return (sqlite_insert if db.engine.dialect.name == "sqlite" else pg_insert)(model)


def _opt_out(sender: str, keyword: str) -> Case | None:
    # ON CONFLICT DO NOTHING: STOP sent twice at once is one opt-out (a look first let both insert, one failing).
    db.session.execute(_insert(OptOut).values(phone=sender, keyword=keyword[:bounds.OPT_OUT_KEYWORD], opted_out_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["phone"]))
    case = _open_case_of(sender)
    if case is not None:
        timeline.add_event(case, "opted_out", keyword=keyword[:bounds.OPT_OUT_KEYWORD])
    return case


def _opt_in(sender: str) -> None:
    row = db.session.scalar(select(OptOut).where(OptOut.phone == sender))
    if row is not None:
        db.session.delete(row)


def is_opted_out(phone: str) -> bool:
    """Whether `phone` asked us to stop texting."""
    return db.session.scalar(select(OptOut.id).where(OptOut.phone == phone)) is not None


def queue_reply(case: Case, body: str, kind: str = "reply", staff_id: int | None = None) -> Message:
    """An outbound message to the case's caller on the case's channel (SMS or WhatsApp), sent by a job after the commit."""
    channel = "whatsapp" if case.channel == "whatsapp" else "sms"
    return outbox.queue_sms(case.caller_phone, body, case=case, kind=kind, staff_id=staff_id, channel=channel)


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
        message.error_code = str(params["ErrorCode"])[:bounds.ERROR_CODE]
        message.error_message = KNOWN_ERRORS.get(message.error_code, message.error_message)
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

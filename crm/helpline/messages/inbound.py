"""A citizen's inbound text (SMS or WhatsApp), whichever provider delivered it: what it is and what follows.

A provider's edge (telephony/sms.py for Twilio) checks the signature, parses its request into an `InboundText`
and calls `receive` once; the answer says what was done, and the edge renders its provider's reply to the
webhook. Every decision is here: an opt-out or opt-in, a grievance ("SHIKAYAT ..."), a bare question about
clinics answered from the facility finder, or the common case, a text that joins the sender's open case or
opens one (crm.cases.texts: one statement; a caller on a call texts into that call's case), an emergency declared
on a case already open only when nobody is with the caller (else the one with them is told), and which reply
goes back. Replies leave as send jobs through the outbox (crm.platform.outbox), exactly once, after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from crm.cases import legs, lifecycle, queue, texts, timeline
from crm.cases.status import OPEN, Status
from crm.citizens.facilities import answer as facility_answer
from crm.citizens.facilities import question as facility_question
from crm.citizens.grievances import keyword as grievance_keyword
from crm.citizens.grievances import services as grievances
from crm.helpline.live import events
from crm.helpline.messages import replies
from crm.models import Case, Message, OptOut
from crm.models.base import utcnow
from crm.platform import outbox, turns, unit_of_work
from crm.platform.extensions import db
from crm.platform.security import bounds
from crm.platform.sms_parts import segments as count_segments
from triage import classify

OPT_OUT_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
OPT_IN_WORDS = {"start", "unstop"}
CHANNELS = ("sms", "whatsapp")
MEDIA_ONLY = "[A photo, voice note or file was sent; Sampark does not open attachments. Ask them to write or call.]"


@dataclass(frozen=True)
class InboundText:
    """A text as the provider's edge parsed it: plain values, no provider's names."""

    provider_id: str  # the provider's id of this message (Twilio's MessageSid): a repeat carries the same
    sender: str  # the citizen's number as crm keeps numbers (+91...)
    helpline: str  # the number it was sent to (the SMS number, or the WhatsApp sender)
    body: str
    channel: str = "sms"  # 'sms' or 'whatsapp': replies go back the way the citizen wrote
    segments: int | None = None  # parts the provider counted, if it says (else counted here)
    attachments: int = 0  # photos, voice notes or files (never fetched)
    opt_out: str | None = None  # 'stop' or 'start' when the provider itself handled an opt-out keyword


@dataclass(frozen=True)
class Received:
    """What `receive` did: `repeat` when this provider id was already stored (nothing done again)."""

    repeat: bool
    message_id: int | None = None
    case_id: int | None = None


REPEAT = Received(repeat=True)


def receive(inbound: InboundText) -> Received:
    """Store an inbound text once per provider id and act on it; the unit of work commits (replies after it)."""
    if inbound.channel not in CHANNELS:
        raise ValueError(f"unknown channel {inbound.channel!r}")
    body = inbound.body
    if not body.strip() and inbound.attachments:
        body = MEDIA_ONLY  # a photo or voice note (common on WhatsApp): the desk is told, the media is not fetched
    keyword = body.strip().lower()
    if inbound.opt_out == "stop" or keyword in OPT_OUT_WORDS:
        return _store(inbound, body, None, _opt_out(inbound.sender, keyword or "stop"))
    if inbound.opt_out == "start" or keyword in OPT_IN_WORDS:
        _opt_in(inbound.sender)
        return _store(inbound, body, None, open_case_of(inbound.sender, inbound.channel))
    result = classify(body)
    if (filed := grievance_keyword.parse(body)) is not None:  # "SHIKAYAT ...": a grievance, not a case
        grievances.from_sms(inbound.sender, filed, inbound.channel)
        # A complaint that also tells of an emergency (P1, or P2 by a rule or the symptom floor) is triaged too;
        # the model alone, trained on callers' health messages, is not trusted on complaints about services.
        urgent = result.priority == "P1" or (result.priority == "P2" and result.layer != "model")
        if not urgent:
            return _store(inbound, body, None, None)
    question = facility_question.read(body) if _routine(result) else None
    if question is not None and question.bare and (result.priority == "P4" or result.layer == "model"):
        return _answer_facility_question(inbound, body, result.language, question)
    return _join_or_open(inbound, body, result, question)


def unstored_reply(body: str) -> str:
    """What a text the helpline could not store (its database away) is answered with, by the provider at once:
    a red flag gets the emergency advice now. Needs no database."""
    result = classify(body)
    return replies.reply("emergency_now" if result.priority == "P1" else "unstored", result.language)


def _someone_with(case: Case) -> bool:
    """A doctor has the case, or an operator holding it is on the phone with the caller. (An operator answering texts
    is not: a red flag in a text conversation goes to the doctors, as it always has.)"""
    return case.status == Status.WITH_DOCTOR or (case.status == Status.IN_PROGRESS and legs.someone_on(case.id))


def _routine(result) -> bool:
    """No red flag: P3/P4, or a P2 that only the statistical second opinion guessed (no rule or floor fired).
    A question about clinics that mentions a danger sign is a case for a person, not an automatic answer."""
    return result.priority in ("P3", "P4") or (result.priority == "P2" and result.layer == "model")


def _join_or_open(inbound: InboundText, body: str, result, question) -> Received:
    """The common text: crm.cases.texts' one statement, alone when nothing follows it in this unit of work."""
    text = texts.Text(
        provider_id=inbound.provider_id, sender=inbound.sender, helpline=inbound.helpline, body=body,
        channel=inbound.channel, segments=inbound.segments or count_segments(body), script=result.language,
        priority=result.priority, specialty=result.specialty, rules=tuple(m.rule_id for m in result.matched),
        why=result.explanation())
    emergency = result.priority == "P1"
    reply = texts.Reply("advice" if emergency else "ack",
                        replies.reply("emergency" if emergency else "ack", result.language, ref=texts.REFERENCE),
                        outbox.sender_for(inbound.channel))
    taken = texts.take(text, reply, alone=question is None)
    if taken.path == "blocked":  # an emergency for a case open outside the emergency queue: declared below
        taken = texts.take(text, reply, alone=False)
    if taken.path == "repeat":
        db.session.rollback()  # a repeat wrote nothing; whatever this unit began is the first copy's to keep
        return REPEAT
    if taken.reply_id is not None:
        outbox.send_after_commit([taken.reply_id])
    case = taken.case
    if emergency and taken.path == "joined" and _someone_with(case):
        # Someone is with the caller (a doctor, an operator on the phone with them): they are told, nothing rings again.
        case = db.session.get(Case, case.id, populate_existing=True)
        timeline.add_event(case, "red_flag_text", message_id=taken.message_id,
                           staff_id=case.doctor_id or case.assigned_to_id)
        events.case_changed(case, "case.red_flag_text")
    elif emergency and taken.path == "joined" and case.queue != queue.EMERGENCY:
        case = db.session.get(Case, case.id, populate_existing=True)
        lifecycle.declare_emergency(case, via="sms")
        case.callback_requested_at = case.callback_requested_at or utcnow()  # a doctor calls them
        queue_reply(case, replies.reply("emergency", result.language, ref=case.reference), "advice")
    if question is not None:  # a question with more beside it: the answer now, and the case for a person
        case = db.session.get(Case, case.id, populate_existing=True)
        queue_reply(case, facility_answer.text_for(question, utcnow(), inbound.channel), "facilities")
    return Received(False, taken.message_id, case.id)


def _answer_facility_question(inbound: InboundText, body: str, language: str, question) -> Received:
    """A bare "where is the nearest clinic": answered at once from the finder (asking for a pincode if none
    was given); no case is opened for it, but an open conversation keeps both messages in its thread."""
    turns.wait_for(texts.TURN, inbound.sender)  # texts from one number take turns (crm.cases.texts)
    case = open_case_of(inbound.sender, inbound.channel)
    received = _store(inbound, body, language, case)
    if received.repeat:
        return received
    answer = facility_answer.text_for(question, utcnow(), inbound.channel)
    if case is not None:
        timeline.add_event(case, "sms_in", message_id=received.message_id, priority="P4", rules=[],
                           facility_question=True)
        queue_reply(case, answer, "facilities")
    else:
        outbox.queue_sms(inbound.sender, answer, kind="facilities", channel=inbound.channel)
    return received


def open_case_of(sender: str, channel: str = "sms") -> Case | None:
    """The sender's newest open case on this channel or a call, if any (one conversation per person)."""
    query = (select(Case).where(Case.channel.in_((channel, "voice")), Case.caller_phone == sender, Case.status.in_(OPEN))
             .order_by(Case.id.desc()).limit(1))
    return db.session.scalar(query)


def _store(inbound: InboundText, body: str, language: str | None, case: Case | None) -> Received:
    """Keep the message once per provider id, as every inbound text is kept (crm.cases.texts.STORE); a repeat, and
    the unit of work rolled back, if the provider's copy arrived twice at once and the other request stored it."""
    stored = unit_of_work.run_in(texts.STORE, {
        "sid": inbound.provider_id, "case_id": case.id if case else None, "channel": inbound.channel,
        "sender": inbound.sender, "helpline": inbound.helpline, "body": body, "script": language,
        "segments": inbound.segments or count_segments(body), "now": utcnow()}).first()
    if stored is None:
        db.session.rollback()  # a repeat: whatever this copy began (an opt-out) is the first copy's to keep
        return REPEAT
    if case is not None:
        events.case_changed(case, "case.message")
    return Received(False, stored.id, case.id if case else None)


def _opt_out(sender: str, keyword: str) -> Case | None:
    # ON CONFLICT DO NOTHING: STOP sent twice at once is one opt-out (a look first let both insert, one failing).
    db.session.execute(insert(OptOut).values(phone=sender, keyword=keyword[:bounds.OPT_OUT_KEYWORD],
                                             opted_out_at=utcnow()).on_conflict_do_nothing(index_elements=["phone"]))
    case = open_case_of(sender)
    if case is not None:
        timeline.add_event(case, "opted_out", keyword=keyword[:bounds.OPT_OUT_KEYWORD])
    return case


def _opt_in(sender: str) -> None:
    row = db.session.scalar(select(OptOut).where(OptOut.phone == sender))
    if row is not None:
        db.session.delete(row)


def queue_reply(case: Case, body: str, kind: str = "reply", staff_id: int | None = None) -> Message:
    """An outbound message to the case's caller on the case's channel (SMS or WhatsApp), sent by a job after the commit."""
    channel = "whatsapp" if case.channel == "whatsapp" else "sms"
    return outbox.queue_sms(case.caller_phone, body, case=case, kind=kind, staff_id=staff_id, channel=channel)

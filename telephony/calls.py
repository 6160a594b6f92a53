"""Voice calls: opening the case, the IVR choices, the queue, and Twilio's status callbacks.

Twilio may repeat any webhook and may deliver status callbacks out of order: every function here
is idempotent and state only moves forward.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from sqlalchemy import ColumnElement, Integer, String, bindparam, false, func, insert, literal, select, update
from sqlalchemy import case as case_when
from sqlalchemy.orm import joinedload

from crm.cases import lifecycle, timeline
from crm.cases.lifecycle import EMERGENCY, TIER1
from crm.cases.status import ENDED, TAKEN, Status
from crm.helpline.live import events
from crm.models import Call, Case, CaseEvent, HealthCard
from crm.models.base import UTCDateTime, utcnow
from crm.models.telephony import CALL_STATUS_RANK
from crm.platform import audit, phones, unit_of_work
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from triage import classify

__all__ = [
    "EMERGENCY",
    "TAKEN",
    "TIER1",
    "answer_incoming",
    "call_status",
    "choose",
    "citizen_leg",
    "enter_card",
    "enter_queue",
    "find",
    "hear",
    "incoming",
    "is_live",
    "note_waiting",
    "observe",
    "promise_callback",
    "queue_result",
    "request_callback",
    "status_callback",
    "waiting",
]
MAX_CARD_ATTEMPTS = 2


def param_int(value, default: int = 0) -> int:
    """A whole number from a webhook parameter; anything else (Twilio never sends it) is the default."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else default


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
UNKNOWN_CALLER = "unknown"


def caller_number(raw: str) -> str:
    """The caller's phone number in E.164, or "unknown" for a caller id that is no phone number.

    Twilio gives a phone caller id in E.164: such a string comes back as it is either way (formatted again if it is
    valid, as given if not), so it is not parsed (phonenumbers costs a tenth of an incoming call's CPU). A SIP URI
    whose user part is a number (sip:+919810000001@trunk) is that number. A withheld id ("anonymous"), a browser
    client ("client:agent42") or a SIP user by name ("sip:alice.kumar@pbx.example.in") is an unknown caller: the
    case keeps no number to call or text back, and the raw id never meets the phone columns (crm.platform.security.bounds.PHONE)."""
    if _E164.fullmatch(raw or ""):
        return raw
    text = raw or ""
    if text[:7].lower() == "client:":
        return UNKNOWN_CALLER
    if text[:4].lower() in ("sip:", "tel:"):
        text = text[4:].split("@", 1)[0].split(";", 1)[0]
    try:
        return phones.normalize(text)
    except phones.PhoneError:
        return UNKNOWN_CALLER


def incoming(params: dict) -> tuple[Call, Case]:
    """The citizen's call arrived: one Call and one Case per CallSid, however often Twilio says so."""
    sid = params["CallSid"]
    call = find(sid)
    if call is not None:
        return call, call.case
    caller = caller_number(params.get("From", ""))
    case = lifecycle.open_case("voice", caller, status=Status.IVR)
    call = Call(sid=sid, case=case, direction="inbound", purpose="citizen", from_number=caller,
                to_number=params.get("To", ""), status=_first_status(params), last_heard_at=utcnow())
    db.session.add(call)
    return call, case


def _first_status(params: dict) -> str:
    """The new leg's status: Twilio's, if it is one of its call statuses (a word it never sends is not kept)."""
    status = params.get("CallStatus", "")
    return status if status in CALL_STATUS_RANK else "ringing"


def answer_incoming(params: dict) -> Case:
    """The incoming-call webhook's work: on PostgreSQL one statement (crm.cases.lifecycle.open_call), else
    incoming() through the ORM. The case returned may be a detached copy: read it, do not change it."""
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        opened = lifecycle.open_call(params["CallSid"], caller_number(params.get("From", "")),
                                     params.get("To", ""), _first_status(params))
        if opened is not None:
            return opened[0]
    return incoming(params)[1]


def find(sid: str) -> Call | None:
    """The call leg `sid` with its case, in one query."""
    return db.session.scalar(select(Call).where(Call.sid == sid).options(joinedload(Call.case)))


def citizen_leg(case: Case) -> Call | None:
    """The citizen's leg that is still connected, in a queue or in the conference (the latest one)."""
    for call in reversed(case.calls):
        if call.purpose in ("citizen", "callback") and call.ended_at is None and CALL_STATUS_RANK.get(call.status, 0) < 4:
            return call
    return None


def is_live(case: Case) -> bool:
    """Whether the IVR may still act on this case (a replayed request for a finished call may not)."""
    return case.status not in ENDED


def known_language(case: Case) -> str | None:
    """The language of a recognised caller, to greet them in it."""
    return case.language if case.patient_id else None


def choose(case: Case, digits: str) -> str:
    """Apply the menu key: 'hi', 'en', 'emergency' or 'invalid'."""
    if digits == "9":
        lifecycle.declare_emergency(case, via="ivr")
        return "emergency"
    if digits in ("1", "2"):
        if case.status != Status.IVR:  # a repeated or late request: the caller chose already
            return case.language
        case.language = "hi" if digits == "1" else "en"
        timeline.add_event(case, "language", language=case.language)
        return case.language
    return "invalid"


def hear(case: Case, speech: str) -> str:
    """The caller said what is wrong instead of pressing a key: triage reads it ('emergency', 'hi', 'en')."""
    if case.status != Status.IVR:  # a repeated or late request: it was heard already
        return case.language
    result = classify(speech)
    case.language = "en" if result.language == "en" else "hi"
    timeline.add_event(case, "speech", text=speech[:500], priority=result.priority,
                    rules=[m.rule_id for m in result.matched])
    if result.priority == "P1":
        lifecycle.declare_emergency(case, via="speech")
        return "emergency"
    if result.priority < case.priority:
        case.priority, case.specialty = result.priority, result.specialty or case.specialty
    return case.language


def enter_card(case: Case, call: Call, digits: str) -> str:
    """Keypad card number: 'skip', 'ok', 'retry' (check digit), 'unknown' or 'revoked' (never identifies)."""
    digits = (digits or "").strip()
    if not digits:
        return "skip"
    call.card_attempts += 1
    try:
        number = card_number.parse(digits)
    except card_number.CardNumberError:
        timeline.add_event(case, "card_rejected", attempt=call.card_attempts)
        return "retry" if call.card_attempts < MAX_CARD_ATTEMPTS else "unknown"
    card = db.session.scalar(select(HealthCard).where(HealthCard.number == number))
    if card is None:
        timeline.add_event(case, "card_unknown", card=card_number.masked(number))
        return "unknown"
    if card.status == "revoked":  # a revoked card identifies nobody: the caller waits unidentified
        timeline.add_event(case, "card_revoked", card=card_number.masked(number))
        audit.record("card_refused", case_id=case.id, patient_id=card.patient_id, card_number=card.number, via="ivr",
                     code="card_revoked")
        return "revoked"
    case.patient_id = card.patient_id
    timeline.add_event(case, "card_entered", card=card_number.masked(number), status=card.status)
    return "ok"


def enter_queue(case: Case, queue: str) -> bool:
    """Into `queue` from the menu; False if the case is already past the IVR (a repeated request)."""
    if case.status != Status.IVR or case.queue == EMERGENCY:
        return False
    lifecycle.enter_queue(case, queue)
    return True


class Waiting(NamedTuple):
    """What the wait music needs to know about a waiting caller's case."""

    case_id: int
    status: str
    queue: str | None
    language: str
    position: int


def _rank_of(column) -> ColumnElement:
    return case_when(*((column == status, rank) for status, rank in CALL_STATUS_RANK.items()), else_=-1)


def waiting(params: dict) -> Waiting | None:
    """A wait request: note the queue and position on the call leg; None for an unknown or finished call.

    On PostgreSQL one UPDATE ... FROM the case ... RETURNING that commits as it runs (the most frequent
    webhook: one every few seconds per waiting caller); elsewhere the ORM does the same."""
    if db.engine.dialect.name != "postgresql" or db.session().in_transaction():
        return _waiting_orm(params)
    status = params.get("CallStatus", "")
    rank = CALL_STATUS_RANK.get(status, -1)
    statement = _waiting_statement(0 <= rank < 4, status == "in-progress")
    row = unit_of_work.run_alone(statement, {
        "p_sid": params.get("CallSid", ""), "p_queue_sid": params.get("QueueSid") or None,
        "p_position": _position(params), "p_now": utcnow(), "p_status": status, "p_rank": rank}).first()
    return Waiting(*row) if row is not None else None


@functools.cache
def _waiting_statement(forwardable: bool, answering: bool):
    """waiting()'s UPDATE, built once per shape (building and keying it each time cost more than running it)."""
    now = bindparam("p_now", type_=UTCDateTime())
    forward = _rank_of(Call.status) < bindparam("p_rank", type_=Integer()) if forwardable else false()
    answered = forward & Call.answered_at.is_(None) if answering else false()  # as observe() decides
    return (
        update(Call)
        .where(Call.sid == bindparam("p_sid", type_=String()), Case.id == Call.case_id, Case.status.not_in(ENDED))
        .values(queue_sid=func.coalesce(bindparam("p_queue_sid", type_=String()), Call.queue_sid),
                queue_name=Case.queue, queue_position=bindparam("p_position", type_=Integer()),
                queued_at=func.coalesce(Call.queued_at, now), last_heard_at=now,
                status=case_when((forward, bindparam("p_status", type_=String())), else_=Call.status),
                answered_at=case_when((answered, now), else_=Call.answered_at))
        .returning(Case.id, Case.status, Case.queue, Case.language, Call.queue_position)
        .execution_options(synchronize_session=False)
    )


def _waiting_orm(params: dict) -> Waiting | None:
    call = find(params.get("CallSid", ""))
    if call is None:
        return None
    observe(call, params.get("CallStatus", ""))
    case = call.case
    if case is None or not is_live(case):
        return None
    position = note_waiting(call, params)
    return Waiting(case.id, case.status, case.queue, case.language, position)


def _position(params: dict) -> int:
    return max(param_int(params.get("QueuePosition"), 1), 1)


def note_waiting(call: Call, params: dict) -> int:
    """Remember the queue Twilio put the caller in (needed to dequeue them); returns the position."""
    call.queue_sid = params.get("QueueSid") or call.queue_sid
    call.queue_name = call.case.queue if call.case else call.queue_name
    position = _position(params)
    if call.queued_at is None:
        call.queued_at = utcnow()
    call.queue_position = position
    return position


def expected_minutes(params: dict, position: int) -> int:
    """A plain estimate: Twilio's average wait when it has one, else two minutes a caller ahead."""
    average = param_int(params.get("AvgQueueTime"))
    return max(1, round((average * position) / 60)) if average else 2 * position


def request_callback(case: Case) -> bool:
    """The caller asked to be called back; the case keeps its queued_at, so its place."""
    return lifecycle.request_callback(case)


def promise_callback(case: Case) -> bool:
    """Twilio's fallback told the caller we will call back: on the call-back list (see lifecycle.promise_callback)."""
    return lifecycle.promise_callback(case)


def queue_result(call: Call, params: dict) -> None:
    """Twilio's verdict on the caller's time in the queue (recorded once)."""
    if call.queue_result is not None:
        return
    result = params.get("QueueResult", "")
    call.queue_result = result
    call.queue_seconds = param_int(params.get("QueueTime"))
    case = call.case
    timeline.add_event(case, "queue_result", result=result, seconds=call.queue_seconds)
    if result in ("hangup", "error", "system-error", "queue-full"):
        if case.status in TAKEN:
            timeline.add_event(case, "caller_gone", seconds_waited=call.queue_seconds)
        else:
            lifecycle.abandon(case, call.queue_seconds)
    events.case_changed(case)


def observe(call: Call, status: str) -> None:
    """A webhook mentioned the call's status: take it if it moves the call forward (not to the end:
    only a status callback ends a call, with its duration)."""
    call.last_heard_at = utcnow()
    if CALL_STATUS_RANK.get(status, -1) > CALL_STATUS_RANK.get(call.status, -1) and CALL_STATUS_RANK[status] < 4:
        call.status = status
        if status == "in-progress" and call.answered_at is None:
            call.answered_at = utcnow()


def status_callback(params: dict) -> None:
    """The status callback webhook's work: on PostgreSQL one statement, else call_status() through the ORM."""
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        _status_at_once(params)
    else:
        call_status(params)


SUMMARY = ("id", "status", "priority", "channel", "language", "queue", "specialty", "caller_phone", "patient_id",
           "queued_at", "callback_requested_at", "assigned_to_id", "doctor_id", "alarm_level")


def _status_at_once(params: dict) -> None:
    """call_status() as one data-modifying CTE that commits as it runs: the leg moves forward (or nothing happens),
    an ended leg is logged on the timeline, a citizen's ended leg abandons a case still in the menu or a queue."""
    status, now = params.get("CallStatus", ""), utcnow()
    if status not in CALL_STATUS_RANK:
        return
    rank, sequence = CALL_STATUS_RANK[status], param_int(params.get("SequenceNumber"), -1)
    ended = rank == 4
    duration = (param_int(params.get("CallDuration")) or None) if ended else None
    statement = _status_statement(ended, sequence >= 0, status == "in-progress")
    params = {"p_sid": params.get("CallSid", ""), "p_status": status, "p_rank": rank, "p_sequence": sequence,
              "p_duration": duration, "p_now": now}
    row = unit_of_work.run_alone(statement, params).first()
    if row is None:
        return
    fields = {name: getattr(row, name) for name in SUMMARY}
    if row.abandoned:  # the row was read before the statement's own UPDATE: the copy shows what it wrote
        fields |= {"status": Status.ABANDONED, "abandoned_at": now}
    case = Case(**fields)
    if row.abandoned:
        events.case_changed(case, "case.abandoned")
    events.case_changed(case)  # the desks show the call's state from its legs


@functools.cache
def _status_statement(ended: bool, sequenced: bool, answering: bool):
    """_status_at_once()'s statement, built once per shape."""
    now, status = bindparam("p_now", type_=UTCDateTime()), bindparam("p_status", type_=String())
    duration = bindparam("p_duration", type_=Integer())
    values = {"status": status, "last_heard_at": now}
    if answering:
        values["answered_at"] = case_when((Call.answered_at.is_(None), now), else_=Call.answered_at)
    condition = [Call.sid == bindparam("p_sid", type_=String()), _rank_of(Call.status) < bindparam("p_rank", type_=Integer())]
    if sequenced:
        values["last_sequence"] = bindparam("p_sequence", type_=Integer())
        condition.append(Call.last_sequence < bindparam("p_sequence", type_=Integer()))
    if ended:
        values |= {"ended_at": now, "duration": duration}
    moved = update(Call).where(*condition).values(**values).returning(Call.case_id, Call.purpose).cte("moved")
    parts, gone = [], None
    if ended:
        logged = insert(CaseEvent).from_select(
            ["case_id", "at", "kind", "detail"],
            select(moved.c.case_id, now, literal("call_ended"),
                   func.json_build_object("leg", moved.c.purpose, "status", status, "duration", duration))
            .where(moved.c.case_id.is_not(None))).returning(CaseEvent.case_id).cte("logged")
        gone = lifecycle.abandon_at_once(select(moved.c.case_id).where(moved.c.purpose.in_(("citizen", "callback"))),
                                         now).cte("gone")
        told = insert(CaseEvent).from_select(
            ["case_id", "at", "kind", "detail"],
            # Joined to what `logged` returned, so 'call_ended' is written (and numbered) first, as the ORM orders them.
            select(gone.c.id, now, literal("abandoned"), func.json_build_object())
            .select_from(gone.join(logged, logged.c.case_id == gone.c.id))).cte("told")
        parts = [logged, gone, told]
    columns = [getattr(Case, name) for name in SUMMARY]
    abandoned = select(gone.c.id).scalar_subquery().is_not(None) if gone is not None else false()
    statement = select(*columns, abandoned.label("abandoned")).where(Case.id.in_(select(moved.c.case_id)))
    for part in parts:  # every CTE runs, referenced or not; naming them keeps the statement explicit
        statement = statement.add_cte(part)
    return statement


def call_status(params: dict) -> Call | None:
    """Apply a status callback if it moves the call forward; ignore repeats and stale ones."""
    call = find(params.get("CallSid", ""))
    status = params.get("CallStatus", "")
    if call is None or status not in CALL_STATUS_RANK:
        return None
    sequence = param_int(params.get("SequenceNumber"), -1)
    sequence = None if sequence < 0 else sequence
    if CALL_STATUS_RANK[status] <= CALL_STATUS_RANK.get(call.status, -1) or (
        sequence is not None and sequence <= call.last_sequence
    ):
        return None
    call.status = status
    if sequence is not None:
        call.last_sequence = sequence
    call.last_heard_at = utcnow()
    if status == "in-progress" and call.answered_at is None:
        call.answered_at = utcnow()
    if CALL_STATUS_RANK[status] == 4:
        call.ended_at = utcnow()
        call.duration = param_int(params.get("CallDuration")) or None
        _call_ended(call, status)
    if call.case is not None:
        events.case_changed(call.case)  # the desks show the call's state from its legs
    return call


def _call_ended(call: Call, status: str) -> None:
    case = call.case
    if case is None:
        return
    timeline.add_event(case, "call_ended", leg=call.purpose, status=status, duration=call.duration)
    if call.purpose in ("citizen", "callback"):
        lifecycle.abandon(case, None)

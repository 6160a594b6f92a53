"""A citizen's call, step by step: open, the menu, the card number, the wait, the queue's verdict, the leg's status.

Every step is written once, here, as one statement (crm.cases.voice_sql), and decides what the caller's keys and
words mean (which queue, an emergency, a call-back); telephony only parses Twilio's request and renders the answer.
Twilio may repeat any webhook and may deliver status callbacks out of order: every step is idempotent, the case's
state follows the transition table and the leg's status only moves forward.

A step that starts its unit of work runs alone, committed by the database as it runs (one round trip); inside an
open transaction (a fallback, a sweep, a test) the same statement runs in it (crm.platform.unit_of_work.run decides).
The case a step returns is the statement's row of it (`CaseSummary`'s columns, crm.models.case.SUMMARY_COLUMNS): what
was written, read-only, not an ORM object (building one cost a webhook more than its answer).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, NamedTuple

from crm.cases import languages, lifecycle, timeline, voice_sql
from crm.cases.status import ENDED, TRANSITIONS, Status
from crm.helpline.live import events
from crm.models import Call, Case
from crm.models.base import utcnow
from crm.models.telephony import CALL_ENDS, CALL_STATUS_RANK, call_rank
from crm.platform import unit_of_work
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from triage import classify

EMERGENCY_KEY = "9"
LANGUAGE_KEYS = {"1": "hi", "2": "en", "3": "pa", "4": "ur"}  # the menu, in the Act's order
CALLBACK_KEY = "1"
MAX_CARD_ATTEMPTS = 2
SILENCES = 2  # menu prompts without an answer before the caller is taken as having chosen
GONE = ("hangup", "error", "system-error", "queue-full")  # queue results that mean the caller is no longer waiting
# A case as a step's statement returned it (or, for a new call, as it was opened): what the answer and the live event
# read (crm.helpline.live.events reads a case's id, status, queue, priority and staff).
CaseSummary = namedtuple("CaseSummary", voice_sql.SUMMARY)


class Step(NamedTuple):
    """A step's result: the case as it now is and what the caller chose or got.

    `outcome`: menu 'hi', 'en', 'pa', 'ur', 'emergency', 'invalid' or 'again' (nothing chosen yet); card 'skip', 'ok', 'retry',
    'unknown', 'revoked' or 'late'; wait choice 'callback' or 'waiting'.
    """

    case: Any  # a CaseSummary, or the statement's row with those columns
    outcome: str
    position: int | None = None


class Waiting(NamedTuple):
    """What the wait music needs to know about a waiting caller's case."""

    case_id: int
    status: str
    queue: str | None
    language: str
    position: int


def run(statement, params: dict):
    """A step's statement and its one row (or None), alone or in the open unit of work (crm.platform.unit_of_work.run)."""
    return unit_of_work.run(statement, params).first()


def _leg(sid: str, call_status: str) -> dict:
    rank = call_rank(call_status)
    return {"sid": sid, "now": utcnow(), "status": call_status, "rank": rank, "forward": 0 <= rank < CALL_ENDS,
            "answering": call_status == "in-progress"}


def _copy(row, kind: str | None = None):
    """The case as the statement returned it (its row has the SUMMARY columns), announced as `kind` if given."""
    if kind:
        events.case_changed(row, kind)
    return row


def open_call(sid: str, caller: str, called: str, call_status: str) -> CaseSummary:
    """The citizen's call arrived: one leg and one case per CallSid, however often Twilio says so."""
    params = {"sid": sid, "caller": caller, "called": called, "now": utcnow(),
              "call_status": call_status if call_status in CALL_STATUS_RANK else "ringing"}
    row = run(voice_sql.OPEN, params)
    if row is None:  # a racing copy of this CallSid stored it first: its case, now visible
        row = run(voice_sql.OPEN, params)
    case = CaseSummary(id=row.id, status=Status.IVR, priority="P4", channel="voice", language=row.language, queue=None,
                       specialty=None, caller_phone=caller, patient_id=row.patient_id, queued_at=None,
                       callback_requested_at=None, assigned_to_id=None, doctor_id=None, alarm_level=0)
    if row.opened:
        events.case_changed(case, "case.opened")
    return case


def heard(sid: str, call_status: str) -> None:
    """A webhook told where the leg is (the fallback's): it moves forward, never to an end."""
    run(voice_sql.HEARD, _leg(sid, call_status))


def menu(sid: str, call_status: str, digits: str, speech: str, silences: int) -> Step | None:
    """The language / emergency key, or what the caller said; None when the call is unknown or its case has ended.

    A known caller who chose waits in tier 1; the emergency key, or words triage reads as one, go to the doctors."""
    language, choice = LANGUAGE_KEYS.get(digits), None
    if digits == EMERGENCY_KEY or (speech and not digits):
        choice = _heard(sid, digits, speech)  # None (no live case): the statement below only notes the leg
    proceeds = choice not in (None, "emergency") or bool(language) or (not digits and silences >= SILENCES)
    row = run(voice_sql.menu(), _leg(sid, call_status) | {"language": language, "proceeds": proceeds})
    if row is None:
        return None
    case = _copy(row, "case.queued" if row.enters else None)
    if choice:
        return Step(case, choice)
    if language:
        return Step(case, language)
    return Step(case, "invalid" if digits else "again" if silences < SILENCES else case.language)


def _heard(sid: str, digits: str, speech: str) -> str | None:
    """The emergency key or speech, on the loaded case: 'emergency' or the caller's language (None: no live case)."""
    call = db.session.query(Call).filter_by(sid=sid).one_or_none()
    case = call.case if call else None
    if case is None or case.status in ENDED:
        return None
    if digits == EMERGENCY_KEY:
        lifecycle.declare_emergency(case, via="ivr")
        return "emergency"
    return hear(case, speech)


def hear(case: Case, speech: str) -> str:
    """The caller said what is wrong instead of pressing a key: triage reads it ('emergency' or their language).

    The language of what they said becomes the case's: a caller greeted in Hindi who answers in Urdu is
    answered in Urdu from then on."""
    if case.status != Status.IVR:  # a repeated or late request: it was heard already
        return case.language
    result = classify(speech)
    case.language = languages.of_triage(result.language)
    timeline.add_event(case, "speech", text=speech[:500], priority=result.priority,
                       rules=[m.rule_id for m in result.matched], triage=result.explanation())
    if result.priority == "P1":
        lifecycle.declare_emergency(case, via="speech")
        return "emergency"
    if result.priority < case.priority:
        case.priority, case.specialty = result.priority, result.specialty or case.specialty
    return case.language


def card(sid: str, call_status: str, typed: str, ip: str | None) -> Step | None:
    """The keypad card number (or # alone to skip); then tier 1, unless the caller may try again."""
    typed = (typed or "").strip()
    try:
        number = card_number.parse(typed) if typed else None
    except card_number.CardNumberError:
        number = None
    row = run(voice_sql.card(), _leg(sid, call_status) | {
        "typed": bool(typed), "number": number, "max_attempts": MAX_CARD_ATTEMPTS, "ip": ip,
        "masked": card_number.masked(number) if number else None})
    if row is None:
        return None
    return Step(_copy(row, "case.queued" if row.enters else None), row.card_outcome)


def waiting(sid: str, call_status: str, queue_sid: str | None, position: int) -> Waiting | None:
    """A wait request: note the queue and position on the leg; None for an unknown or finished call."""
    row = run(voice_sql.waiting(), _leg(sid, call_status) | {"queue_sid": queue_sid or None, "position": position})
    return Waiting(*row) if row is not None else None


def wait_choice(sid: str, call_status: str, digits: str) -> Step | None:
    """A key pressed while waiting: 1 books a call-back that keeps the caller's place."""
    booking = digits == CALLBACK_KEY
    row = run(voice_sql.wait_choice(), _leg(sid, call_status) | {"booking": booking})
    if row is None:
        return None
    return Step(_copy(row, "case.callback" if row.books else None), "callback" if booking else "waiting",
                row.position)


def queue_result(sid: str, call_status: str, result: str, seconds: int):
    """Twilio's verdict on the caller's time in the queue, recorded once; the case even if it has ended."""
    row = run(voice_sql.queue_result(), _leg(sid, call_status) | {"result": result, "seconds": seconds,
                                                                  "gone": result in GONE})
    if row is None:
        return None
    case = _copy(row, "case.abandoned" if row.abandons else None)
    if row.first:
        events.case_changed(case)
    return case


def call_status(sid: str, status: str, sequence: int | None, duration: int | None) -> None:
    """A status callback: the leg moves forward (repeats and stale ones change nothing); a citizen's ended leg
    abandons a case still in the menu or a queue."""
    if status not in CALL_STATUS_RANK:
        return
    now, rank = utcnow(), call_rank(status)
    ended = rank >= CALL_ENDS
    statement = voice_sql.status_moved(ended, sequence is not None, status == "in-progress")
    row = run(statement, {"sid": sid, "status": status, "rank": rank, "sequence": sequence,
                          "duration": duration if ended else None, "now": now})
    if row is None:
        return
    case = row
    if row.abandoned:  # the row was read before the statement's own UPDATE: the copy shows what it wrote
        case = row._replace(status=TRANSITIONS["abandon"].target)
        events.case_changed(case, "case.abandoned")
    events.case_changed(case)  # the desks show the call's state from its legs


def abandon(case: Case) -> bool:
    """The caller is gone before anyone answered (a sweep asked Twilio): abandoned, if still in the menu or a queue."""
    if run(voice_sql.ABANDON, {"case_id": case.id, "now": utcnow()}) is None:
        return False
    events.case_changed(case, "case.abandoned")
    return True

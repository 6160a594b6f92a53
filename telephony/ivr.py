"""The IVR's steps after the greeting: the menu key, the card number, a key pressed while waiting, the queue result.

Each step takes the webhook's fields and returns what the answer needs. On PostgreSQL the common branches are one
statement each that commits as it runs (telephony.ivr_at_once); the emergency key and speech, which ring doctors,
stay on the ORM path, as do SQLite and a step called inside a transaction already open. Both paths write the same
rows and announce the same live events (tests/telephony/test_ivr_at_once.py holds them equal).
"""

from __future__ import annotations

from typing import NamedTuple

from flask import has_request_context, request

from crm.cases.status import Status
from crm.helpline.live import events
from crm.models import Call, Case
from crm.models.base import utcnow
from crm.models.telephony import CALL_STATUS_RANK
from crm.platform import unit_of_work
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from telephony import calls, ivr_at_once
from telephony.calls import EMERGENCY, MAX_CARD_ATTEMPTS, TIER1, param_int

GONE = ("hangup", "error", "system-error", "queue-full")  # queue results that mean the caller is no longer waiting


class Step(NamedTuple):
    """A step's result: the case as it now is and what the caller chose or got.

    On PostgreSQL `case` is a detached copy holding what was written: read it, do not change it.
    `outcome`: menu 'hi', 'en', 'emergency', 'invalid' or 'again' (nothing pressed yet); card as
    telephony.calls.enter_card names it; wait choice 'callback' or 'waiting'.
    """

    case: Case
    outcome: str
    position: int | None = None


def at_once() -> bool:
    """Whether this step may be one statement: PostgreSQL, and nothing else written yet in this unit of work."""
    return db.engine.dialect.name == "postgresql" and not db.session().in_transaction()


def menu(form: dict, noinput: int) -> Step | None:
    """The language / emergency key (or speech); None when the call is unknown or its case has ended."""
    digits, speech = form.get("Digits", ""), form.get("SpeechResult", "").strip()
    # The emergency key and speech (triage may hear a red flag) raise the doctors' alarm: the ORM path, where
    # declaring an emergency is defined once (crm.cases.lifecycle.declare_emergency).
    if digits == "9" or (speech and not digits) or not at_once():
        return _menu_orm(form, digits, speech, noinput)
    language = {"1": "hi", "2": "en"}.get(digits)
    row = _run(ivr_at_once.menu(), form, language=language, proceeds=bool(language) or (not digits and noinput >= 2))
    if row is None:
        return None
    case = _announce(row, "case.queued" if row.enters else None)
    if language:
        return Step(case, language)
    return Step(case, "invalid" if digits else "again" if noinput < 2 else case.language)


def _menu_orm(form: dict, digits: str, speech: str, noinput: int) -> Step | None:
    _call, case = _live_call_and_case(form)
    if case is None:
        return None
    if not digits and not speech and noinput < 2:
        return Step(case, "again")
    if speech and not digits:
        choice = calls.hear(case, speech)
    else:
        choice = calls.choose(case, digits) if digits else (case.language or "hi")
    if choice not in ("invalid", "emergency") and case.queue != EMERGENCY and case.patient_id:
        calls.enter_queue(case, TIER1)
    return Step(case, choice)


def card(form: dict) -> Step | None:
    """The keypad card number (or # alone to skip); then tier 1, unless the caller may try again."""
    if not at_once():
        call, case = _live_call_and_case(form)
        if case is None:
            return None
        if case.status != Status.IVR:  # a repeated or late request: the caller is past the card prompt
            return Step(case, "late")
        outcome = calls.enter_card(case, call, form.get("Digits", ""))
        if outcome != "retry":
            calls.enter_queue(case, TIER1)
        return Step(case, outcome)
    typed = (form.get("Digits", "") or "").strip()
    try:
        number = card_number.parse(typed) if typed else None
    except card_number.CardNumberError:
        number = None
    row = _run(ivr_at_once.card(), form, typed=bool(typed), number=number, max_attempts=MAX_CARD_ATTEMPTS,
               masked=card_number.masked(number) if number else None,
               ip=request.remote_addr if has_request_context() else None)
    if row is None:
        return None
    return Step(_announce(row, "case.queued" if row.enters else None), row.card_outcome)


def wait_choice(form: dict) -> Step | None:
    """A key pressed while waiting: 1 books a call-back that keeps the caller's place."""
    booking = form.get("Digits") == "1"
    if not at_once():
        call, case = _live_call_and_case(form)
        if case is None:
            return None
        if booking:
            calls.request_callback(case)
        return Step(case, "callback" if booking else "waiting", call.queue_position)
    row = _run(ivr_at_once.wait_choice(), form, booking=booking)
    if row is None:
        return None
    return Step(_announce(row, "case.callback" if row.books else None), "callback" if booking else "waiting",
                row.position)


def queue_result(form: dict) -> Case | None:
    """Twilio's verdict on the caller's time in the queue, recorded once; the case even if it has ended."""
    if not at_once():
        call = calls.find(form.get("CallSid", ""))
        if call is None:
            return None
        calls.observe(call, form.get("CallStatus", ""))
        calls.queue_result(call, form)
        return call.case
    result = form.get("QueueResult", "")
    row = _run(ivr_at_once.queue_result(), form, result=result, seconds=param_int(form.get("QueueTime")),
               gone=result in GONE)
    if row is None:
        return None
    case = _announce(row, "case.abandoned" if row.abandons else None)
    if row.first:
        events.case_changed(case)
    return case


def _live_call_and_case(form: dict) -> tuple[Call | None, Case | None]:
    call = calls.find(form.get("CallSid", ""))
    if call is not None:
        calls.observe(call, form.get("CallStatus", ""))
    case = call.case if call else None
    return call, case if case is not None and calls.is_live(case) else None


def _run(statement, form: dict, **values):
    status = form.get("CallStatus", "")
    rank = CALL_STATUS_RANK.get(status, -1)
    params = {"sid": form.get("CallSid", ""), "now": utcnow(), "status": status, "rank": rank,
              "forward": 0 <= rank < 4, "answering": status == "in-progress", **values}
    return unit_of_work.run_alone(statement, params).first()


def _announce(row, kind: str | None) -> Case:
    case = Case(**{name: getattr(row, name) for name in calls.SUMMARY})
    if kind:
        events.case_changed(case, kind)
    return case

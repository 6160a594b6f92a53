"""Voice calls as the telephony edge reads them: Twilio's numbers and caller ids, the legs a case has.

Each step of a call (open, menu, card, wait, queue result, status) is written once in crm.cases.voice.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.cases import lifecycle
from crm.cases.status import ENDED, TAKEN
from crm.models import Call, Case
from crm.models.telephony import CALL_ENDED
from crm.platform import phones
from crm.platform.extensions import db

__all__ = ["TAKEN", "citizen_leg", "find", "is_live", "promise_callback"]


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


def find(sid: str) -> Call | None:
    """The call leg `sid` with its case, in one query."""
    return db.session.scalar(select(Call).where(Call.sid == sid).options(joinedload(Call.case)))


def citizen_leg(case: Case) -> Call | None:
    """The citizen's leg that is still connected, in a queue or in the conference (the latest one)."""
    for call in reversed(case.calls):
        if call.purpose in ("citizen", "callback") and call.ended_at is None and call.status not in CALL_ENDED:
            return call
    return None


def is_live(case: Case) -> bool:
    """Whether the IVR may still act on this case (a replayed request for a finished call may not)."""
    return case.status not in ENDED


def known_language(case: Case) -> str | None:
    """The language of a recognised caller, to greet them in it."""
    return case.language if case.patient_id else None


def expected_minutes(params: dict, position: int) -> int:
    """A plain estimate: Twilio's average wait when it has one, else two minutes a caller ahead."""
    average = param_int(params.get("AvgQueueTime"))
    return max(1, round((average * position) / 60)) if average else 2 * position


def promise_callback(case: Case) -> bool:
    """Twilio's fallback told the caller we will call back: on the call-back list (see lifecycle.promise_callback)."""
    return lifecycle.promise_callback(case)

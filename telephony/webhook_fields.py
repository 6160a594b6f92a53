"""What a Twilio webhook may carry: every field bounded and shaped at the edge, before anything is stored.

Twilio's own values are short and regular (sids are two letters and 32 hex digits, statuses are words,
digits are keypad characters). Anything else, even signed, is refused with a 400 that names the field;
nothing is stored. A field sent twice is refused too, so no view can read one copy and sign-check another.
A field kept in a column is bounded by that column's width (crm.platform.security.bounds, which the models read too).
NUL and other control characters are refused before this, for every request (crm.platform.security.inputs), except in the
caller's own words (WORDS): a text or speech is never lost for a stray control character, which becomes a space.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from crm.platform.security import bounds, inputs

MAX_FIELDS = 100
MAX_OTHER = 2000  # any field not named below (Twilio adds fields over time; they must stay small)
SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
# E.164, a withheld id ("anonymous", "+266696687"), a browser leg "client:staff-7", a SIP URI
# "sip:alice.kumar@pbx.example.in" or "whatsapp:+91...": as wide as the call and message columns that keep them.
ADDRESS = re.compile(r"[A-Za-z0-9+:._@-]*")
WORD = re.compile(r"[A-Za-z_-]*")
DIGITS = re.compile(r"[0-9*#w]*")
COUNT = re.compile(r"[0-9]*")

RULES: dict[str, tuple[re.Pattern | None, int]] = {
    **{name: (SID, bounds.SID) for name in ("CallSid", "MessageSid", "SmsSid", "SmsMessageSid", "AccountSid",
                                            "QueueSid", "ConferenceSid", "ParentCallSid", "MessagingServiceSid")},
    **{name: (ADDRESS, bounds.ADDRESS) for name in ("From", "To", "Caller", "Called")},
    **{name: (WORD, bounds.STATUS_WORD) for name in ("CallStatus", "QueueResult", "MessageStatus", "SmsStatus",
                                                     "Direction", "StatusCallbackEvent", "OptOutType")},
    **{name: (COUNT, 10) for name in ("SequenceNumber", "QueuePosition", "QueueTime", "AvgQueueTime",
                                      "CurrentQueueSize", "CallDuration", "Duration", "NumSegments", "NumMedia")},
    "ErrorCode": (COUNT, bounds.ERROR_CODE),
    "Digits": (DIGITS, 40),  # read, never kept as it came: a card number, a menu key
    "Body": (None, 1600),  # Twilio's longest message (kept as text)
    "SpeechResult": (None, 1000),  # kept on the timeline cut to 500
    "ErrorMessage": (None, 500),  # read, never kept (the desk reads the known codes in words)
}


WORDS = ("Body", "SpeechResult")  # what the caller said or typed: kept, its control characters made spaces


def cleaned(form: MultiDict) -> MultiDict:
    """`form` with the control characters of the caller's words made spaces (PostgreSQL keeps no NUL); `form`
    itself when they hold none (nearly always: copying it cost a webhook more than checking)."""
    if not any(inputs.CONTROL.search(value) for name in WORDS for value in form.getlist(name)):
        return form
    return ImmutableMultiDict([(name, inputs.without_control(value) if name in WORDS else value)
                               for name, value in form.items(multi=True)])


def problem(form: MultiDict) -> str | None:
    """Why this webhook's fields are refused (naming the field), or None if they are all in shape."""
    if len(form) > MAX_FIELDS:
        return f"Too many fields (at most {MAX_FIELDS})."
    for name, values in form.lists():
        if len(values) > 1:
            return f"Field {name[:40]!r} was sent more than once."
        if len(name) > 64:
            return "A field name is too long."
        pattern, longest = RULES.get(name, (None, MAX_OTHER))
        value = values[0]
        if len(value) > longest:
            return f"Field {name!r} is longer than {longest} characters."
        if pattern is not None and value and not pattern.fullmatch(value):
            return f"Field {name!r} is not in Twilio's format."
    return None

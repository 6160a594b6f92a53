"""What comes from outside, bounded before it reaches the database: numbers, and the widths of the text columns.

Python integers have no size, database ids do: the id columns are INTEGER, and on PostgreSQL SQLAlchemy casts a
bound id to INTEGER, so 2**31 in a query raises "integer out of range" deep in the driver (a 500). Every id from
outside goes through `db_id` (or the bounded <int:...> converter); every page size through `page_size`.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id column
MAX_DIGITS = 19  # digits a number from outside may have before it is read at all

# Column widths. The models' String(...) and the edges' field bounds (telephony/webhook_fields.py) both read
# these, so a value the edge lets in always fits where it is kept: PostgreSQL refuses a row wider than its
# column, which would be a 500 after the edge had accepted the value.
PHONE = 20  # a phone number kept on a case, appointment or grievance: E.164 (at most 16) or "unknown"
# An address as Twilio sends it in From / To: E.164, "client:<identity>" (Twilio allows identities of 121
# characters), a SIP URI "sip:alice.kumar@pbx.example.in", "whatsapp:+91...". Kept as given on call and message rows.
ADDRESS = 128
SID = 40  # a provider's id for a call, message, queue or template (Twilio's are 34 characters)
STATUS_WORD = 30  # a status or result word (Twilio's longest: "redirected-from-bridged", "partially_delivered")
ERROR_CODE = 10  # a provider's error code, digits
ERROR_MESSAGE = 300  # a provider's error in words, as the desk reads it
OPT_OUT_KEYWORD = 20  # the word a citizen texted to stop messages (STOP, UNSUBSCRIBE, ...)


class BoundedIntConverter(IntegerConverter):
    """Flask's <int:...> with an upper bound: a path id past the id columns' range is a 404, not a driver overflow."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


def db_id(value) -> int:
    """A positive database id from text or JSON, or ValueError (usable as `request.args.get(..., type=db_id)`)."""
    if isinstance(value, bool):
        raise ValueError("not an id")  # noqa: TRY004 (Flask type= callables signal with ValueError)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= MAX_DIGITS:
        number = int(value.strip())
    else:
        raise ValueError("not an id")
    if not 1 <= number <= MAX_ID:
        raise ValueError("id out of range")
    return number


def optional_id(value) -> int | None:
    """`db_id(value)`, or None when the value is missing, empty or not an id."""
    if value in (None, ""):
        return None
    try:
        return db_id(value)
    except ValueError:
        return None


def bounded_int(value, low: int, high: int) -> int:
    """A whole number from text or JSON within [low, high], or ValueError."""
    if isinstance(value, bool):
        raise ValueError("not a number")  # noqa: TRY004 (as above)
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > MAX_DIGITS + 1:
            raise ValueError("not a number")
        value = int(text)
    if not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"not between {low} and {high}")
    return value


def page_size(value, default: int, maximum: int) -> int:
    """A list's page size from `?limit=`: missing or not a number gives `default`; clamped to 1..maximum."""
    try:
        return max(1, min(bounded_int(value, -MAX_ID, MAX_ID), maximum))
    except ValueError:
        return default

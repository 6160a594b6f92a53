"""Indian mobile numbers: parse to E.164 and mask for display."""

from __future__ import annotations

import phonenumbers


class PhoneError(ValueError):
    """Not a phone number we can dial; the message says why."""


def normalize(raw: str, region: str = "IN") -> str:
    """Parse `raw` (10 digits, 0-prefixed, +91, spaces, dashes) into E.164, or raise PhoneError."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("No phone number given.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(f"{text!r} is not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"{text!r} is not a valid phone number for {region}.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def masked(e164: str | None) -> str | None:
    """'+919812345678' -> '+91 XXXXXX5678': enough for staff to confirm, not to copy."""
    if not e164:
        return None
    if e164.startswith("+91") and len(e164) == 13:
        return "+91 XXXXXX" + e164[-4:]
    return e164[:3] + " " + "X" * max(len(e164) - 7, 0) + e164[-4:]

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


TEXTABLE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def can_receive_sms(e164: str) -> bool:
    """Whether a text can reach `e164`: a mobile (or a number the plan does not tell from one); a landline, a
    toll-free or premium number, or no valid number cannot (Twilio refuses an SMS to a landline: 21614)."""
    try:
        number = phonenumbers.parse(e164 or "", None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in TEXTABLE


def display(e164: str | None) -> str:
    """A number as people read it, grouped the international way: '+91 11 2884 3470' for a Delhi landline."""
    try:
        number = phonenumbers.parse(e164 or "", None)
    except phonenumbers.NumberParseException:
        return e164 or ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

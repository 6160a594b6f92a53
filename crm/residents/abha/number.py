"""ABHA numbers (14 digits, printed xx-xxxx-xxxx-xxxx) and ABHA addresses (name@abdm, name@sbx).

ABDM publishes no check digit for the ABHA number (FACTS.md: "do not invent one"), so a number is
valid when it has exactly 14 digits, grouped as printed or not at all. An ABHA address is, by ABDM's rule, a user
name of 8 to 18 letters and digits with at most one dot and at most one underscore, neither first nor last, then
@abdm (production), @sbx (the ABDM sandbox) or the older @ndhm; it is compared in lower case.
"""

from __future__ import annotations

import re

DIGITS = 14
MAX_INPUT = 100  # anything longer is not an ABHA number or address, whatever it contains
DOMAINS = ("abdm", "sbx", "ndhm")
_GROUPED = re.compile(r"(\d{2})[- ](\d{4})[- ](\d{4})[- ](\d{4})")
_ADDRESS = re.compile(r"([a-z0-9][a-z0-9._]*[a-z0-9])@([a-z]+)")
USER_MIN, USER_MAX = 8, 18


class AbhaError(ValueError):
    """Text that is not an ABHA number or address, with a message for the desk."""


def parse_number(text: str) -> str:
    """The 14 digits of an ABHA number typed plain or as xx-xxxx-xxxx-xxxx, or AbhaError."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        raise AbhaError("An ABHA number has 14 digits, printed as xx-xxxx-xxxx-xxxx.")
    value = text.strip()
    if value.isascii() and value.isdigit() and len(value) == DIGITS:
        return value
    grouped = _GROUPED.fullmatch(value) if value.isascii() else None
    if grouped:
        return "".join(grouped.groups())
    digits = sum(ch.isdigit() for ch in value)
    if value.isascii() and value.replace("-", "").replace(" ", "").isdigit():
        raise AbhaError(f"An ABHA number has 14 digits; this has {digits}.")
    raise AbhaError("An ABHA number has 14 digits, printed as xx-xxxx-xxxx-xxxx.")


def pretty_number(digits: str) -> str:
    """14 digits as printed on the ABHA card: 91-1234-5678-9012."""
    return f"{digits[:2]}-{digits[2:6]}-{digits[6:10]}-{digits[10:]}"


def parse_address(text: str) -> str:
    """An ABHA address in lower case (asha.devi@abdm), or AbhaError."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        raise AbhaError("An ABHA address looks like name@abdm.")
    value = text.strip().lower()
    found = _ADDRESS.fullmatch(value) if value.isascii() else None
    if not found:
        raise AbhaError("An ABHA address looks like name@abdm: letters and digits, at most one dot and one underscore.")
    user, domain = found.groups()
    if user.count(".") > 1 or user.count("_") > 1:
        raise AbhaError("An ABHA address has at most one dot and at most one underscore before the @.")
    if domain not in DOMAINS:
        raise AbhaError(f"An ABHA address ends in @{' or @'.join(DOMAINS[:2])}; @{domain} is not an ABHA domain.")
    if not USER_MIN <= len(user) <= USER_MAX:
        raise AbhaError(f"The name before @ in an ABHA address has {USER_MIN} to {USER_MAX} characters.")
    return value


def parse_either(text: str) -> tuple[str, str]:
    """('number', digits) or ('address', address) for what was typed in one ABHA field, or AbhaError."""
    if isinstance(text, str) and "@" in text:
        return "address", parse_address(text)
    return "number", parse_number(text)

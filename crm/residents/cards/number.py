"""Health card numbers: 12 digits, the last a Verhoeff check digit.

Verhoeff (rather than Luhn) because it catches every single-digit typo and every swap of
two neighbouring digits, the two mistakes people make reading a number over the phone or
typing it on a keypad, so a bad number is refused before any lookup.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Protocol

LENGTH = 12

# Multiplication in the dihedral group D5, digits 0-4 being rotations and 5-9 reflections.
# Built from the group law instead of typed in, so there is no 100-cell table to mistype.
_D = [
    [
        (j + k) % 5 if j < 5 and k < 5
        else 5 + (j + k - 5) % 5 if j < 5
        else 5 + (j - 5 - k) % 5 if k < 5
        else (j - k) % 5
        for k in range(10)
    ]
    for j in range(10)
]
# Position permutation: p[i] is the i-th power of Verhoeff's permutation (1 5 7 6 2 8 3 0 9 4).
_P1 = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
_P = [list(range(10))]
for _ in range(7):
    _P.append([_P1[x] for x in _P[-1]])
# Inverse of each element of D5: rotations invert to the opposite rotation, reflections to themselves.
_INV = [(5 - j) % 5 if j < 5 else j for j in range(10)]

# Characters people put between digit groups when writing a number down.
_SEPARATORS = frozenset(" -.\u2010\u2011\u2012\u2013\u2014\u2212\u00a0\u202f\t")


class CardNumberError(ValueError):
    """A card number that cannot be accepted, with a code for programs and a message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Chooser(Protocol):
    def choice(self, seq: str) -> str: ...


def _checksum(digits: str, offset: int) -> int:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + offset) % 8][int(ch)]]
    return c


def check_digit(body: str) -> str:
    """Return the Verhoeff check digit for a string of ASCII digits (an 11-digit card body)."""
    if not body.isascii() or not body.isdigit():
        raise ValueError("check_digit needs ASCII digits only")
    return str(_INV[_checksum(body, 1)])


def is_valid(number: str) -> bool:
    """Tell whether `number` is exactly 12 ASCII digits, not starting with 0, whose check digit fits."""
    return (
        len(number) == LENGTH
        and number.isascii()
        and number.isdigit()
        and number[0] != "0"
        and _checksum(number, 0) == 0
    )


def parse(text: str) -> str:
    """Clean up a typed or scanned card number to 12 plain digits, or raise CardNumberError."""
    digits: list[str] = []
    other = False
    for ch in text.strip():
        if ch in _SEPARATORS:
            continue
        if ch.isdecimal():
            # Any script's decimal digits (Devanagari ०-९, fullwidth, ...) mean the same number.
            digits.append(str(unicodedata.decimal(ch)))
        else:
            other = True
    found = len(digits)
    if other:
        raise CardNumberError(
            "malformed",
            f"A card number is {LENGTH} digits and nothing else; this has {found} "
            f"digit{'s' if found != 1 else ''} and some letters or symbols.",
        )
    if found != LENGTH:
        what = "no digits" if found == 0 else f"{found} digit{'s' if found != 1 else ''}"
        raise CardNumberError(
            "malformed", f"A card number has {LENGTH} digits; this has {what}."
        )
    number = "".join(digits)
    if not is_valid(number):
        raise CardNumberError(
            "check_digit",
            f"The card number {pretty(number)} does not check out: "
            "a digit is probably mistyped.",
        )
    return number


def new_number(rng: _Chooser = secrets) -> str:  # type: ignore[assignment]
    """Make a random valid card number; the first digit is never 0 so keypads and spreadsheets keep it."""
    body = rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(LENGTH - 2))
    return body + check_digit(body)


def pretty(number: str) -> str:
    """Format 12 digits in the 4-4-4 groups printed on the card: "1234 5678 9012"."""
    if len(number) != LENGTH or not number.isdigit():
        raise ValueError("pretty needs 12 digits")
    return f"{number[:4]} {number[4:8]} {number[8:]}"


def masked(number: str) -> str:
    """Hide all but the last four digits, for socket events and logs: "XXXX XXXX 9012"."""
    if len(number) != LENGTH or not number.isdigit():
        raise ValueError("masked needs 12 digits")
    return f"XXXX XXXX {number[8:]}"

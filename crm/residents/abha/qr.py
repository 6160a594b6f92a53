"""The QR printed on an ABHA card: a small JSON object.

ABDM's card QR carries fields such as `hidn` (the ABHA number, hyphenated), `hid` (the ABHA address),
`name`, `gender` (M/F/O), `dob` (d/m/yyyy, or dd-mm-yyyy on some prints), `mobile`, `address`,
`distlgd` and `statelgd`. It is not signed, so it only tells the desk which ABHA to look for: the
resident is whoever that ABHA is linked to here. Parsing is bounded and every malformed payload gets
a message a person can act on. Only the number and address decide a scan: the fields shown beside them (name,
gender, date of birth, mobile) are display-only, and one that cannot be read is left blank, never a failed scan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from crm.residents.abha.number import AbhaError, parse_address, parse_number

MAX_PAYLOAD = 2000  # ABDM's payload is ~300 characters; a QR holds at most ~3 kB
MAX_FIELD = 300
SHOWN = ("hidn", "hid", "name", "gender", "dob", "mobile")


@dataclass(frozen=True)
class AbhaCard:
    """What an ABHA card's QR says (number and/or address, and the holder as printed)."""

    number: str | None
    address: str | None
    name: str | None
    gender: str | None
    dob: date | None
    birth_year: int | None
    mobile: str | None


def looks_like_abha(text: str) -> bool:
    """Whether scanned text is an ABHA card's JSON rather than a Sampark card token."""
    return isinstance(text, str) and text.lstrip().startswith("{")


def parse(text: str) -> AbhaCard:
    """The ABHA card behind a scanned QR payload, or AbhaError saying what is wrong with it."""
    if not isinstance(text, str) or len(text) > MAX_PAYLOAD:
        raise AbhaError("This QR is too long to be an ABHA card.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise AbhaError("This QR is not an ABHA card: its text is not readable JSON.") from None
    if not isinstance(data, dict):
        raise AbhaError("This QR is not an ABHA card: it holds no ABHA fields.")
    fields = {k: _text(data.get(k)) if k in ("hidn", "hid") else _shown(data.get(k)) for k in SHOWN}
    if not fields["hidn"] and not fields["hid"]:
        raise AbhaError("This QR has no ABHA number (hidn) or ABHA address (hid).")
    number = parse_number(fields["hidn"]) if fields["hidn"] else None
    address = parse_address(fields["hid"]) if fields["hid"] else None
    dob, year = _dob(fields["dob"])
    gender = (fields["gender"] or "").upper()[:1] or None
    return AbhaCard(number=number, address=address, name=fields["name"], gender=gender if gender in ("M", "F", "O") else None,
                    dob=dob, birth_year=year, mobile=fields["mobile"])


def _shown(value) -> str | None:
    """A display-only field: its text, or None when it holds something else (never an error)."""
    try:
        return _text(value)
    except AbhaError:
        return None


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise AbhaError("This QR is not an ABHA card: a field holds something other than text.")
    text = str(value).strip()
    if len(text) > MAX_FIELD:
        raise AbhaError("This QR is not an ABHA card: a field is too long.")
    return text or None


def _dob(text: str | None) -> tuple[date | None, int | None]:
    """ABDM prints d/m/yyyy; some cards dd-mm-yyyy or ISO yyyy-mm-dd; a bare year is kept as a year; else blank."""
    if not text:
        return None, None
    parts = text.replace("-", "/").split("/")
    try:
        if len(parts) == 3:
            first, month, last = (int(p) for p in parts)
            year, day = (first, last) if len(parts[0]) == 4 else (last, first)
            return date(year, month, day), year
        if len(parts) == 1 and len(parts[0]) == 4:
            return None, int(parts[0])
    except ValueError:
        pass
    return None, None  # only displayed: an unreadable date leaves the field blank, the scan still finds the ABHA

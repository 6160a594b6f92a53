"""Reading registry rows: validation of one CSV row into a Resident, or a reason a clerk can act on."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

import phonenumbers
from stdnum.in_ import epic as epic_number

from crm.platform import phones

REQUIRED_COLUMNS = (
    "registry_id", "epic", "name", "name_hi", "dob", "age", "sex", "mobile", "household_id", "address", "ward",
    "relation",
)
SEX_WORDS = {"m": "M", "male": "M", "f": "F", "female": "F", "o": "O", "other": "O", "t": "O"}
RELATION_WORDS = {"head": "self", "wife": "spouse", "husband": "spouse"}
REGISTRY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_-]{0,39}$")
# The shapes nearly every registry row has, checked without the general parsers (4x faster, same answers:
# tests/test_registry_fast.py compares them with phonenumbers and python-stdnum).
PLAIN_MOBILE = re.compile(r"(?:\+91|0)?([1-9][0-9]{9})", re.ASCII)  # after dropping spaces and dashes
PLAIN_EPIC = re.compile(r"[A-Z]{3}[0-9]{7}", re.ASCII)
NUMBER_KINDS = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
                "fixed_line", "mobile")


def _indian_ten_digit_patterns() -> tuple[re.Pattern, re.Pattern]:
    """phonenumbers' own metadata for India as two regexes: a 10-digit number is valid when it matches
    the general pattern and the pattern of some kind of number (what `is_valid_number` decides)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("IN")
    kinds = [getattr(meta, name) for name in NUMBER_KINDS]
    patterns = [d.national_number_pattern for d in kinds
                if d is not None and d.national_number_pattern and (not d.possible_length or 10 in d.possible_length)]
    return re.compile(meta.general_desc.national_number_pattern), re.compile("|".join(f"(?:{p})" for p in patterns))


IN_GENERAL, IN_KINDS = _indian_ten_digit_patterns()


class RegistryFileError(ValueError):
    """The file as a whole cannot be imported (wrong header, not CSV)."""


class RowError(ValueError):
    """One row is rejected; the message is written to the rejects file."""


@dataclass
class Resident:
    """One validated registry row."""

    registry_id: str
    epic: str | None
    epic_valid: bool | None
    name: str
    name_hi: str | None
    dob: date | None
    birth_year: int | None
    dob_estimated: bool
    sex: str
    mobile: str | None
    household_code: str
    address: str
    ward: str
    relation: str


def parse_row(row: dict[str, str], today: date | None = None) -> Resident:
    """Validate one CSV row into a Resident or raise RowError with a reason a clerk can act on."""
    return Resident(*parse_values([row.get(k) or "" for k in REQUIRED_COLUMNS], today or date.today()))


def parse_values(values: Sequence[str], today: date) -> tuple:
    """parse_row on a row's values in REQUIRED_COLUMNS order: the Resident's fields as a tuple, in its order.

    The import runs this on every row (in worker processes for a large file), so it builds no dict or object.
    """
    registry_id, epic, name, name_hi, dob, age, sex, mobile, household, address, ward, relation = [
        v.strip() for v in values
    ]
    if not registry_id:
        raise RowError("registry_id is empty")
    if not REGISTRY_ID.match(registry_id):
        raise RowError(f"registry_id {registry_id!r} has characters other than letters, digits, / _ -")
    name = " ".join(name.split())
    if not name:
        raise RowError("name is empty")
    sex_code = SEX_WORDS.get(sex.lower())
    if sex_code is None:
        raise RowError(f"sex {sex!r} is not M, F or O")
    dob, birth_year, estimated = _birth(dob, age, today)
    mobile = _mobile(mobile) if mobile else None
    if not household:
        raise RowError("household_id is empty")
    epic, epic_valid = _epic(epic)
    relation = relation.lower().replace(" ", "_").replace("-", "_") or "self"
    return (
        registry_id, epic, epic_valid, name[:200], " ".join(name_hi.split())[:200] or None, dob, birth_year,
        estimated, sex_code, mobile, household[:40], address[:400], ward[:80],
        RELATION_WORDS.get(relation, relation)[:30],
    )


def column_picker(header: list[str]) -> Callable[[list[str]], list[str]]:
    """A function from a CSV row's values to the REQUIRED_COLUMNS values, as `dict(zip(header, values))` reads
    them (a repeated column: its last copy; a short row: empty strings), without building the dict."""
    width = len(header)
    positions = [max(i for i, h in enumerate(header) if h == c) for c in REQUIRED_COLUMNS]

    def pick(values: list[str]) -> list[str]:
        if len(values) >= width:
            return [values[i] for i in positions]
        row = dict(zip(header, values, strict=False))
        return [row.get(c) or "" for c in REQUIRED_COLUMNS]

    return pick


def _birth(dob_text: str, age_text: str, today: date) -> tuple[date | None, int | None, bool]:
    if dob_text:
        try:
            dob = date.fromisoformat(dob_text)
        except ValueError as exc:
            raise RowError(f"dob {dob_text!r} is not a date as YYYY-MM-DD") from exc
        if dob > today:
            raise RowError(f"dob {dob_text} is in the future")
        if dob.year < today.year - 125:
            raise RowError(f"dob {dob_text} is more than 125 years ago")
        return dob, dob.year, False
    if not age_text:
        raise RowError("both dob and age are empty")
    if not age_text.isdigit() or int(age_text) > 125:
        raise RowError(f"age {age_text!r} is not a whole number of years from 0 to 125")
    return None, today.year - int(age_text), True


def _mobile(text: str) -> str:
    plain = PLAIN_MOBILE.fullmatch(text.replace(" ", "").replace("-", ""))
    if plain and IN_GENERAL.fullmatch(digits := plain.group(1)) and IN_KINDS.fullmatch(digits):
        return "+91" + digits
    try:
        return phones.normalize(text)
    except phones.PhoneError as exc:
        raise RowError(f"mobile: {exc}") from exc


def _epic(text: str) -> tuple[str | None, bool | None]:
    """Soft check: older voter ids deviate from the format, so keep them and mark them."""
    if not text:
        return None, None
    if PLAIN_EPIC.fullmatch(text):
        return text, _luhn(text[3:])
    compact = epic_number.compact(text)
    return compact[:20], epic_number.is_valid(compact)


def _luhn(digits: str) -> bool:
    """The Luhn check over ASCII digits (python-stdnum's luhn.is_valid, without its generality): every second
    digit from the right doubled (less 9 when over 9), which for one digit is a translation table."""
    return sum(map(int, digits[::-2] + digits[-2::-2].translate(LUHN_DOUBLED))) % 10 == 0


LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each non-blank row; raises RegistryFileError for a wrong header."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from rows_of(handle, path.name)


def rows_of(handle: TextIO, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """read_rows over an open text file, so the caller can watch how far into the file it is."""
    reader = csv.reader(handle)
    header = read_header(reader, name)
    for values in reader:
        if "".join(values).strip():  # blank lines and rows of empty fields are skipped
            yield reader.line_num, dict(zip(header, values, strict=False))


def read_header(reader: Iterator[list[str]], name: str) -> list[str]:
    """The header row, lower-cased; raises RegistryFileError when a required column is missing."""
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RegistryFileError(
            f"{name} is missing the column(s) {', '.join(missing)}; the header must include "
            + ",".join(REQUIRED_COLUMNS)
        )
    return header

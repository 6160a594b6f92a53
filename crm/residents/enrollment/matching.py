"""Is this the same person? Names compared after folding the ways Hindi names are romanised, dates of
birth compared allowing one slip of the keys or a few days, a shared mobile counted for, a different mobile never
against.

Pure functions: `score(a, b)` is symmetric and gives 1.0 for a record compared with itself; `candidates`
scores only the registry rows of its blocks (crm.residents.enrollment.blocks: the folded name's namesakes nearest
the date of birth, the same mobile, the same ward and date of birth), a few hundred rows at most however many
namesakes a name has among 20 million (bench/bench_candidates.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import event

from crm.models import Patient
from crm.platform.extensions import db
from crm.residents.enrollment import blocks

THRESHOLD = 0.72  # shown to the registrar as a likely duplicate from here up
NEAR_DAYS = 30  # dates of birth this close count for a match even when more than one slip of the keys apart
# Whole-word spellings of the same name, mapped to one form (romanised Hindi/Urdu as registries write it).
WORD_VARIANTS = {
    "mohd": "mohammad", "md": "mohammad", "mohd.": "mohammad", "mohammed": "mohammad", "muhammad": "mohammad",
    "mohamad": "mohammad", "muhammed": "mohammad", "mohamed": "mohammad", "mohmmad": "mohammad",
    "kr": "kumar", "kumaar": "kumar", "kumari": "kumari", "smt": "", "shri": "", "sri": "", "km": "kumari",
    "devi": "devi", "dvi": "devi", "lal": "lal", "laal": "lal", "chand": "chand", "chandra": "chandra",
    "sk": "shaikh", "shaik": "shaikh", "sheikh": "shaikh", "shekh": "shaikh",
}
# Spelling habits inside words: long vowels written doubled, w/v, ph/f, z/j, sh/s, aspirated consonants.
LETTER_FOLDS = (
    ("ksh", "x"), ("aa", "a"), ("ee", "i"), ("ii", "i"), ("oo", "u"), ("uu", "u"), ("ou", "u"), ("w", "v"), ("ph", "f"),
    ("z", "j"), ("sh", "s"), ("kh", "k"), ("gh", "g"), ("th", "t"), ("dh", "d"), ("bh", "b"), ("q", "k"),
    ("ck", "k"), ("y", "i"),
)


@dataclass(frozen=True)
class Person:
    """What the matcher compares."""

    name: str
    dob: date | None = None
    birth_year: int | None = None
    sex: str | None = None
    mobile: str | None = None
    ward: str | None = None

    @classmethod
    def of(cls, patient: Patient) -> Person:
        """The matcher's view of a patient row."""
        return cls(patient.name, patient.dob, patient.birth_year or (patient.dob.year if patient.dob else None),
                   patient.sex, patient.mobile, patient.ward)


@dataclass(frozen=True)
class Match:
    """A candidate and why it scored as it did."""

    patient_id: int
    score: float
    reasons: tuple[str, ...]


def fold_word(word: str) -> str:
    """One romanised word in a canonical spelling."""
    word = WORD_VARIANTS.get(word, word)
    for old, new in LETTER_FOLDS:
        word = word.replace(old, new)
    word = re.sub(r"(.)\1+", r"\1", word)  # doubled letters: Kumaar, Mohammad
    if len(word) > 3 and word.endswith("a"):
        word = word[:-1]  # Sharma/Sharm, Rekha/Rekh: the final schwa comes and goes
    return word


@lru_cache(maxsize=65536)
def name_key(name: str) -> tuple[str, ...]:
    """The folded words of a name, sorted (order varies: Khan Imran / Imran Khan)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [fold_word(w) for w in re.split(r"[^a-z]+", text) if w]
    return tuple(sorted(w for w in words if w))


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _similar(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return 1.0 - _levenshtein(a, b) / max(len(a), len(b))


def _best_pairing(small: tuple[str, ...], big: tuple[str, ...]) -> float:
    """Each word of the shorter name matched to its best word in the longer; missing words cost a little."""
    if not small:
        return 0.0
    total = sum(max(_similar(w, v) for v in big) for w in small)
    return total / len(small) * (0.85 + 0.15 * len(small) / len(big))


@lru_cache(maxsize=65536)
def name_similarity(a: str, b: str) -> float:
    """0..1, symmetric: the better of whole-name and word-by-word comparison of the folded names."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 1.0 if ka == kb else 0.0
    whole = _similar(" ".join(ka), " ".join(kb))
    small, big = (ka, kb) if (len(ka), ka) <= (len(kb), kb) else (kb, ka)
    return round(max(whole, _best_pairing(small, big)), 6)


def _slip(a: str, b: str) -> str | None:
    """How two dates' digits (YYYYMMDD) may be one date mistyped: one digit slipped, two neighbouring digits of the
    year, month or day swapped (21 for 12, 1957 for 1975), or day and month swapped; None if neither."""
    differ = [i for i in range(8) if a[i] != b[i]]
    if len(differ) == 1:
        return "date of birth one digit apart"
    if a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
        return "day and month swapped"
    if (len(differ) == 2 and differ[1] == differ[0] + 1 and differ[0] not in (3, 5)  # not across two fields
            and a[differ[0]] == b[differ[1]] and a[differ[1]] == b[differ[0]]):
        return "two digits of the date of birth swapped"
    return None


def dob_similarity(a: Person, b: Person) -> tuple[float, str | None]:
    """0..1 and a reason: same date, one slip of the keys (`_slip`), dates within NEAR_DAYS (the nearer the more
    alike), same or next birth year."""
    if a.dob and b.dob:
        if a.dob == b.dob:
            return 1.0, "same date of birth"
        slip = _slip(a.dob.strftime("%Y%m%d"), b.dob.strftime("%Y%m%d"))
        if slip:
            return 0.8, slip
        days = abs((a.dob - b.dob).days)
        if days <= NEAR_DAYS:  # from just under a slip down to the same birth year's 0.6, across a new year too
            return round(0.8 - 0.2 * days / NEAR_DAYS, 4), f"dates of birth {days} days apart"
    ya, yb = a.birth_year, b.birth_year
    if ya and yb:
        if ya == yb:
            return 0.6, "same birth year"
        if abs(ya - yb) == 1:
            return 0.35, "birth year one apart"
        return 0.0, None
    return 0.5, None  # unknown: neither for nor against


def slipped_dates(dob: date) -> list[date]:
    """Every real date that one slip of the keys makes of `dob` (`_slip`), born within the last 130 years."""
    digits = dob.strftime("%Y%m%d")
    texts = {digits[:i] + d + digits[i + 1:] for i in range(8) for d in "0123456789"}
    texts |= {digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:] for i in range(7)}
    texts.add(digits[:4] + digits[6:] + digits[4:6])
    first = date.today().year - 130
    found = []
    for text in sorted(texts):
        try:
            other = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            continue
        if other.year >= first and _slip(digits, text):
            found.append(other)
    return found


NOT_DIGIT = re.compile(r"\D")


def _digits(phone: str | None) -> str:
    return NOT_DIGIT.sub("", phone or "")[-10:]


def score(a: Person, b: Person) -> tuple[float, tuple[str, ...]]:
    """How likely `a` and `b` are one person, 0..1, with the reasons; symmetric in a and b."""
    name = name_similarity(a.name, b.name)
    dob, dob_reason = dob_similarity(a, b)
    reasons = [f"name {round(name * 100)}% alike"]
    if dob_reason:
        reasons.append(dob_reason)
    total = 0.6 * name + 0.3 * dob
    mobile = _digits(a.mobile)
    if mobile and mobile == _digits(b.mobile):
        total += 0.1
        reasons.append("same mobile")
    elif a.ward and a.ward == b.ward:
        total += 0.05
        reasons.append("same ward")
    if a.sex and b.sex and a.sex != b.sex:
        total -= 0.3
        reasons.append("different sex")
    return round(max(0.0, min(1.0, total)), 4), tuple(reasons)


def fold_name(name: str | None) -> str:
    """The key stored in patient.name_fold and blocked on: the folded words without their vowels, sorted (the
    vowels are where romanised spellings of one name differ most: Jyoti/Jyooti, Gopal/Goopal, Sunita/Suneeta)."""
    return " ".join(sorted(re.sub("[aeiou]", "", word) or word for word in name_key(name or "")))[:200]


@event.listens_for(Patient, "before_insert")
@event.listens_for(Patient, "before_update")
def _keep_name_fold(mapper, connection, patient: Patient) -> None:
    """Keep patient.name_fold in step with the name on every ORM write (bulk paths set it themselves)."""
    patient.name_fold = fold_name(patient.name)


def candidates(person: Person, exclude: int | None = None, limit: int = 10) -> list[Match]:
    """Likely duplicates of `person` among live records, best first: the rows of its blocks (one statement,
    crm.residents.enrollment.blocks), each scored."""
    digits = _digits(person.mobile)
    statement, params = blocks.read(fold_name(person.name), person.dob, person.birth_year, person.ward,
                                    ["+91" + digits, digits, "0" + digits] if digits else [],
                                    slipped_dates(person.dob) if person.dob else [])
    rows: dict[int, Person] = {}
    for row in db.session.execute(statement, params):
        if row.id not in rows and row.id != exclude:
            rows[row.id] = Person(row.name, row.dob, row.birth_year or (row.dob.year if row.dob else None),
                                  row.sex, row.mobile, row.ward)
    found = []
    for row_id, other in rows.items():
        value, reasons = score(person, other)
        if value >= THRESHOLD:
            found.append(Match(row_id, value, reasons))
    return sorted(found, key=lambda m: (-m.score, m.patient_id))[:limit]

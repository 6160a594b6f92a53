"""Is this the same person? Names compared after folding the ways Hindi names are romanised, dates of
birth compared allowing one typo, a shared mobile counted for, a different mobile never against.

Pure functions: `score(a, b)` is symmetric and gives 1.0 for a record compared with itself; `candidates`
blocks the registry on indexed keys (the folded name with birth year ±1 in any ward; the same mobile; the same
ward and date of birth) before scoring, so it reads at most a few thousand rows of 20 million
(bench/bench_scale.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import and_, event, select

from crm.models import Patient
from crm.platform.extensions import db

THRESHOLD = 0.72  # shown to the registrar as a likely duplicate from here up
BLOCK_LIMIT = 1000  # rows read per block at most
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


def dob_similarity(a: Person, b: Person) -> tuple[float, str | None]:
    """0..1 and a reason: same date, one slipped digit or swapped day/month, same or next birth year."""
    if a.dob and b.dob:
        if a.dob == b.dob:
            return 1.0, "same date of birth"
        sa, sb = a.dob.strftime("%Y%m%d"), b.dob.strftime("%Y%m%d")
        if sum(x != y for x, y in zip(sa, sb, strict=True)) == 1:
            return 0.8, "date of birth one digit apart"
        if (a.dob.year, a.dob.month, a.dob.day) == (b.dob.year, b.dob.day, b.dob.month):
            return 0.8, "day and month swapped"
    ya, yb = a.birth_year, b.birth_year
    if ya and yb:
        if ya == yb:
            return 0.6, "same birth year"
        if abs(ya - yb) == 1:
            return 0.35, "birth year one apart"
        return 0.0, None
    return 0.5, None  # unknown: neither for nor against


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")[-10:]


def score(a: Person, b: Person) -> tuple[float, tuple[str, ...]]:
    """How likely `a` and `b` are one person, 0..1, with the reasons; symmetric in a and b."""
    name = name_similarity(a.name, b.name)
    dob, dob_reason = dob_similarity(a, b)
    reasons = [f"name {round(name * 100)}% alike"]
    if dob_reason:
        reasons.append(dob_reason)
    total = 0.6 * name + 0.3 * dob
    if _digits(a.mobile) and _digits(a.mobile) == _digits(b.mobile):
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


COLUMNS = (Patient.id, Patient.name, Patient.dob, Patient.birth_year, Patient.sex, Patient.mobile, Patient.ward)


def _blocks(person: Person) -> list:
    """Each block an indexed condition: the folded name born the same year, then a year either side (any ward:
    moved house, or respelt), the same mobile, and the same ward with the same date of birth (a word dropped, added
    or mistyped)."""
    year = person.birth_year or (person.dob.year if person.dob else None)
    folded, digits = fold_name(person.name), _digits(person.mobile)
    blocks = []
    if folded and year:  # the same birth year first: a common name's block may hold more than BLOCK_LIMIT
        blocks.append(and_(Patient.name_fold == folded, Patient.birth_year == year))
        blocks.append(and_(Patient.name_fold == folded, Patient.birth_year.in_((year - 1, year + 1))))
    elif folded:
        blocks.append(Patient.name_fold == folded)
    if digits:
        blocks.append(Patient.mobile.in_(("+91" + digits, digits, "0" + digits)))
    if person.ward and person.dob:
        blocks.append(and_(Patient.ward == person.ward, Patient.dob == person.dob))
    return blocks


def candidates(person: Person, exclude: int | None = None, limit: int = 10) -> list[Match]:
    """Likely duplicates of `person` among live records, best first (blocking, then scoring)."""
    rows: dict[int, Person] = {}
    for block in _blocks(person):  # each block read on its own, so a big ward cannot crowd out the same mobile
        for row in db.session.execute(
                select(*COLUMNS).where(block, Patient.merged_into_id.is_(None)).limit(BLOCK_LIMIT)):
            if row.id not in rows:
                rows[row.id] = Person(row.name, row.dob, row.birth_year or (row.dob.year if row.dob else None),
                                      row.sex, row.mobile, row.ward)
    found = []
    for row_id, other in rows.items():
        if row_id == exclude:
            continue
        value, reasons = score(person, other)
        if value >= THRESHOLD:
            found.append(Match(row_id, value, reasons))
    return sorted(found, key=lambda m: (-m.score, m.patient_id))[:limit]

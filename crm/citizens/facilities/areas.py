"""Wards and pincodes of Delhi with their centroids (areas.csv, versioned with the code).

A place a citizen names is a pincode or a ward. Its centroid is where distances are measured from:
the ward's own point, or for a pincode the middle of its wards. A pincode not in the file but with
facilities on record is placed at the middle of those facilities.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

AREAS_FILE = Path(__file__).with_name("areas.csv")
# Anything but letters (with their vowel signs) and digits of Devanagari, Gurmukhi and the Urdu script, and the
# dandas and the Urdu full stop, comma and question mark, which those scripts end sentences and clauses with.
PUNCTUATION = re.compile(r"[^\w\u0900-\u0963\u0966-\u097f\u0a00-\u0a7f\u0610-\u061a\u064b-\u065f\u0670]+|[\u0964\u0965"
                         r"\u060c\u061b\u061f\u06d4]+")


@dataclass(frozen=True)
class Place:
    """Where to measure from: a ward or a pincode, named in both languages."""

    kind: str  # "ward", "pincode" or "here" (the citizen's own position, from their browser)
    code: str  # the ward's name, the 6-digit pincode, or "lat,lon" rounded
    name: str
    name_hi: str
    lat: float
    lon: float


def fold(text: str) -> str:
    """Text as compared: NFC, no nukta, chandrabindu as anusvara, lower case, no punctuation, single spaces."""
    text = unicodedata.normalize("NFC", text or "").replace("\u093c", "").replace("\u0901", "\u0902")
    return " ".join(PUNCTUATION.sub(" ", text.lower()).split())


@cache
def _rows() -> tuple[dict, ...]:
    with AREAS_FILE.open(encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


@cache
def wards() -> tuple[Place, ...]:
    """Every ward in the file."""
    return tuple(Place("ward", r["ward"], r["ward"], r["ward_hi"], float(r["lat"]), float(r["lon"])) for r in _rows())


@cache
def pincodes() -> dict[str, Place]:
    """Pincode -> its place (the middle of its wards)."""
    grouped: dict[str, list[dict]] = {}
    for row in _rows():
        grouped.setdefault(row["pincode"], []).append(row)
    places = {}
    for code, rows in grouped.items():
        lat = sum(float(r["lat"]) for r in rows) / len(rows)
        lon = sum(float(r["lon"]) for r in rows) / len(rows)
        name = " / ".join(r["ward"] for r in rows)
        name_hi = " / ".join(r["ward_hi"] for r in rows)
        places[code] = Place("pincode", code, f"{code} ({name})", f"{code} ({name_hi})", lat, lon)
    return places


def pincode_of(ward: str) -> str | None:
    """The pincode of the ward named exactly `ward` in the file."""
    return next((row["pincode"] for row in _rows() if row["ward"] == ward), None)


def ward_named(text: str) -> Place | None:
    """The ward whose English or Hindi name `text` is (case, nukta and spacing do not matter)."""
    wanted = fold(text)
    return next((w for w in wards() if wanted in (fold(w.name), fold(w.name_hi))), None)


def ward_in(text: str) -> Place | None:
    """The ward named somewhere inside `text` (the longest name wins: "Rohini Sector 16" over "Rohini")."""
    folded = f" {fold(text)} "
    found = [w for w in wards() for name in (fold(w.name), fold(w.name_hi))
             if f" {name} " in folded or (not name.isascii() and name in folded)]
    return max(found, key=lambda w: len(w.name), default=None)


# A ward's name written in Gurmukhi or the Urdu script comes back from transliteration (triage.scripts) close to its
# Hindi name, not equal: Urdu writes no short vowels, ی and و stand for vowels or consonants, ں for a nasal. Names
# are compared by their consonants: vowels, vowel signs, nasals before a consonant, य and व and doubled letters
# dropped, श ष as स, ण as न. A skeleton shorter than four letters ("Rohini": रहन, also "to live") is not trusted.
_NOT_CONSONANTS = re.compile(r"[\u0900-\u0903\u0904-\u0914\u093c-\u094d\u0960-\u0963यव]")
_NASAL_BEFORE_CONSONANT = re.compile(r"[नम](?=[\u0915-\u0939])")
_DOUBLED = re.compile(r"(.)\1+")
SKELETON_SHORTEST = 4


def skeleton(text: str) -> str:
    """The consonants of a Devanagari name, as its Gurmukhi and Urdu spellings transliterated back also give them."""
    words = fold(text).translate(str.maketrans("शषण", "ससन")).split()
    bare = (_NOT_CONSONANTS.sub("", w) for w in words)
    return " ".join(_DOUBLED.sub(r"\1", _NASAL_BEFORE_CONSONANT.sub("", w)) for w in bare if w)


def ward_in_transliterated(devanagari: str) -> Place | None:
    """The ward named in a text transliterated to Devanagari from Gurmukhi or Urdu, compared by skeleton."""
    words = skeleton(devanagari).split()
    # Urdu often writes a name's parts apart ("سیلم پور", Seelampur): up to three words are read together.
    runs = {skeleton("".join(words[i:i + n])) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
    found = [w for w in wards() if len(name := skeleton(fold(w.name_hi).replace(" ", ""))) >= SKELETON_SHORTEST
             and name in runs]
    return max(found, key=lambda w: len(w.name), default=None)


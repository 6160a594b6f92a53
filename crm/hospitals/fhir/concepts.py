"""What a clinical item is, whoever says it: the keys two sources share for one allergy or medicine.

A coded concept is known by each of its codings (system|code: SNOMED CT, RxNorm, or the hospital's own system);
text is known by its words once the form words are set aside ("Allergy to", "Tab.", "500 mg", "Oral Tablet"),
so "Allergy to penicillin" and "Penicillin", or "Tab. Metformin 500 mg" and "metformin", are one item, while
"Tab. Amlodipine 5 mg" and "Tab. Metformin 500 mg" stay two, and so do "Diabetes mellitus type 1" and "type 2".
Keys are compared as sets: two items are one when they share any key, never because they share a first word,
and never when both are coded in one system with different codes.
"""

from __future__ import annotations

import re

# Words that say how a thing is given or that it is an allergy, not what it is.
FORM_WORDS = frozenset([
    "allergy", "allergic", "allergies", "intolerance", "to", "h/o", "history", "of", "known", "tab", "tabs",
    "tablet", "tablets", "cap", "caps", "capsule", "capsules", "inj", "injection", "injectable", "syp", "syr",
    "syrup", "susp", "suspension", "oral", "solution", "sol", "drops", "drop", "cream", "ointment", "gel",
    "inhaler", "inhalation", "spray", "patch", "topical", "extended", "release", "er", "sr", "xr", "cr", "dr",
    "delayed", "film", "coated", "chewable", "disintegrating", "hr"
])
UNITS = r"(mg|mcg|µg|ug|g|gm|kg|ml|l|iu|unit|units|meq|%|mg/ml|mg/5ml|actuat|hr)"
_STRENGTH = re.compile(rf"\b\d+(?:[.,]\d+)?\s*{UNITS}?(?:/\s*\d*(?:[.,]\d+)?\s*{UNITS}?)?(?![\w])", re.IGNORECASE)
UNITS_WORDS = frozenset({"mg", "mcg", "ug", "g", "gm", "ml", "iu", "unit", "units", "meq", "actuat"})
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
# A number that names the kind of thing, not a dose: "type 1" and "type 2" diabetes are two conditions.
_KIND_NUMBER = re.compile(r"\b(type|grade|stage|class|phase)\s*-?\s*(\d)\b", re.IGNORECASE)
_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def text_key(text: str) -> str:
    """The words that name the thing: 'Allergy to Penicillin' -> 'penicillin', 'Tab. Metformin 500mg' -> 'metformin'."""
    named = _KIND_NUMBER.sub(lambda m: f"{m.group(1)}-{_DIGIT_WORDS[int(m.group(2))]}", (text or "").lower())
    plain = _STRENGTH.sub(" ", named)
    words = [w for w in _WORD.findall(plain) if w not in FORM_WORDS and w not in UNITS_WORDS]
    if words:
        return " ".join(words)
    return " ".join((text or "").lower().split())


def keys(concept, text: str = "") -> set[str]:
    """Every key of a CodeableConcept (each system|code, its text's and displays' words), plus those of `text`."""
    found = set()
    if isinstance(concept, dict):
        for coding in concept.get("coding") or []:
            if isinstance(coding, dict) and coding.get("code"):
                found.add(f"{coding.get('system') or ''}|{coding['code']}".lower())
                if coding.get("display"):
                    found.add("text:" + text_key(str(coding["display"])))
        if concept.get("text"):
            found.add("text:" + text_key(str(concept["text"])))
    if text:
        found.add("text:" + text_key(text))
    found.discard("text:")
    return found


def codes_differ(one: set[str], other: set[str]) -> bool:
    """Whether two sets of keys code their concept in one system with different codes (two different things)."""
    def by_system(keys_: set[str]) -> dict[str, set[str]]:
        systems: dict[str, set[str]] = {}
        for key in keys_:
            if not key.startswith("text:") and "|" in key:
                system, _, code = key.rpartition("|")
                systems.setdefault(system, set()).add(code)
        return systems
    mine, theirs = by_system(one), by_system(other)
    return any(not (mine[s] & theirs[s]) for s in mine.keys() & theirs.keys())


def item_concept(resource: dict):
    """The CodeableConcept that says what an allergy, medicine or condition is about."""
    kind = resource.get("resourceType")
    if kind in ("MedicationStatement", "MedicationRequest"):
        if isinstance(resource.get("medicationCodeableConcept"), dict):
            return resource["medicationCodeableConcept"]
        reference = resource.get("medicationReference")
        return {"text": reference.get("display")} if isinstance(reference, dict) and reference.get("display") else None
    return resource.get("code")


LOINC = "http://loinc.org"
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"


def component(resource: dict, code: str) -> dict | None:
    """The component of an Observation coded `code` in LOINC, wherever it is in the list."""
    for part in resource.get("component") or []:
        if isinstance(part, dict):
            for coding in (part.get("code") or {}).get("coding") or []:
                if isinstance(coding, dict) and coding.get("code") == code and coding.get("system") in (LOINC, None):
                    return part
    return None

"""The scripts a message is written in, and the step that brings Gurmukhi, Urdu and Bengali into Devanagari.

Triage reads Devanagari, Latin, and, through this step, Punjabi in Gurmukhi, Urdu in its Perso-Arabic
script and Bengali: each run of those letters is transliterated to Devanagari by aksharamukha (a
maintained library) before the words are folded. The phrases of triage/phrases.toml are written in
their own scripts and go through the same step, so a match only needs the step to be consistent, not
a perfect reading (Urdu writes few vowels: "سینے" becomes "सयने" in rules and messages alike).

Any other script (Tamil, Gujarati, Chinese...), or a letter the step could not map, is one no rule reads: `unread_scripts` names it, and
triage never leaves such a message below P2 without a person who reads it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Script -> aksharamukha's name for the language's use of it (Perso-Arabic letters are read as Urdu).
TRANSLITERATED = {"Gurmukhi": "Gurmukhi", "Bengali": "Bengali", "Arabic": "Arab-Ur"}
READ = frozenset({"Latin", "Devanagari"})  # after transliteration; a letter it could not map stays unread
# Runs of one script's letters and the spaces between them (one library call per run, not per word).
_RUNS = {
    "Gurmukhi": re.compile("[\u0a01-\u0a75]+(?:\\s+[\u0a01-\u0a75]+)*"),
    "Bengali": re.compile("[\u0981-\u09fe]+(?:\\s+[\u0981-\u09fe]+)*"),
    # Arabic letters and marks, not its punctuation (، ؛ ؟ ۔) nor its digits: those become boundaries and digits.
    "Arabic": re.compile(
        "[\u0621-\u065f\u0670-\u06d3\u06d5-\u06ef\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufeff]+"
        "(?:\\s+[\u0621-\u065f\u0670-\u06d3\u06d5-\u06ef\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufeff]+)*"
    ),
}
# Urdu as typed on Arabic or Persian keyboards: one letter for each sound, no short-vowel marks
# (people rarely write them, and a word must read the same with and without them).
_URDU_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Farsi yeh
        "\u0649": "\u06cc",  # alef maksura -> yeh
        "\u0643": "\u06a9",  # Arabic kaf -> keheh
        "\u0647": "\u06c1",  # Arabic heh -> heh goal (final and medial h of Urdu)
        "\u06c0": "\u06c1\u0654",
        "\u0640": None,  # tatweel
        # short-vowel marks (fathatan .. sukun), Quranic and honorific signs, superscript alef: not letters
        **dict.fromkeys([*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE)], None),
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Urdu digits ۰-۹
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        "\u060c": ",",  # Arabic comma
        "\u061b": ";",
        "\u061f": "?",
        "\u06d4": ".",  # Urdu full stop
    }
)
_DIGITS = str.maketrans({**{chr(0x0A66 + d): str(d) for d in range(10)}, **{chr(0x09E6 + d): str(d) for d in range(10)}})


# The first word of a Unicode letter's name that names a script people write messages in; a letter
# named otherwise (MICRO SIGN, MODIFIER LETTER..., FEMININE ORDINAL INDICATOR) is no script's.
_SCRIPTS = frozenset(
    [
        "LATIN", "DEVANAGARI", "GURMUKHI", "ARABIC", "BENGALI", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM",
        "GUJARATI", "ORIYA", "SINHALA", "TIBETAN", "NEPALI", "OL", "SANTALI", "MEETEI", "LEPCHA", "LIMBU",
        "THAI", "LAO", "MYANMAR", "KHMER", "GEORGIAN", "ARMENIAN", "HEBREW", "SYRIAC", "THAANA", "ETHIOPIC",
        "CYRILLIC", "GREEK", "HANGUL", "HIRAGANA", "KATAKANA", "CJK", "MONGOLIAN", "CHEROKEE"
    ]
)


@lru_cache(maxsize=8192)  # a message's letters are few and repeat: five lookups each, every text, otherwise
def script_of(char: str) -> str | None:
    """The script of one letter ("Latin", "Devanagari", "Arabic", "Tamil"...), None for digits, emoji, symbols."""
    if not unicodedata.category(char).startswith(("L", "M")):
        return None
    first = unicodedata.name(char, "").split(" ")[0]
    if first not in _SCRIPTS:
        return None
    if first == "OL":
        return "Ol Chiki"
    if first in ("CJK", "HIRAGANA", "KATAKANA"):
        return "Chinese/Japanese"
    return first.capitalize()


def scripts_of(text: str) -> set[str]:
    """Every script with a letter in text."""
    return {s for s in map(script_of, set(text)) if s}


def unread_scripts(text: str) -> list[str]:
    """The scripts of text that triage cannot read, sorted (empty when it reads all of it).

    Read: Latin, Devanagari, and what transliteration brought into Devanagari. A letter it left (a
    Sindhi or Pashto letter in Arabic script, Assamese in Bengali script) names its script here.
    """
    return sorted(scripts_of(to_devanagari(unicodedata.normalize("NFKC", text))) - READ)


# Runs transliterated ahead, many in one library call (`warm`): the rules' and the lexicon's phrases, read at import.
_WARM: dict[tuple[str, str], str] = {}


@lru_cache(maxsize=4096)
def _transliterate(script: str, run: str) -> str:
    if (found := _WARM.get((script, run))) is not None:
        return found
    from aksharamukha import transliterate  # imported on first need: a message in Latin or Devanagari never pays

    return transliterate.process(TRANSLITERATED[script], "Devanagari", run)


def warm(texts) -> int:
    """Transliterate ahead every run of `texts` (already NFKC and case-folded, as to_devanagari gets them), one
    library call per script for all of them: the 1,600 runs of the rules' and lexicon's phrases cost a process 1.5 s
    of CPU at start one call each (each worker, web process and test server pays it), a tenth of that together. A
    line break parts the runs: none of them holds one, and the library reads across none. Returns the runs warmed."""
    runs: dict[str, set[str]] = {script: set() for script in _RUNS}
    for text in texts:
        if not text.isascii():
            for script, pattern in _RUNS.items():
                for run in pattern.findall(_prepared(text)):  # the run, and each of its words (a phrase is read
                    runs[script].update((run, *run.split()))  # both whole and word by word)
    warmed = 0
    for script, found in runs.items():
        todo = sorted(run for run in found if (script, run) not in _WARM and "\n" not in run)
        if not todo:
            continue
        from aksharamukha import transliterate

        done = transliterate.process(TRANSLITERATED[script], "Devanagari", "\n".join(todo)).split("\n")
        if len(done) == len(todo):  # (otherwise each is read on its own when first met)
            _WARM.update(zip(((script, run) for run in todo), done, strict=True))
            warmed += len(todo)
    return warmed


def _prepared(text: str) -> str:
    return text.translate(_URDU_FOLD).translate(_DIGITS)


def to_devanagari(text: str) -> str:
    """Text with its Gurmukhi, Urdu and Bengali runs in Devanagari (other scripts as they were)."""
    if text.isascii():
        return text
    text = _prepared(text)
    for script, pattern in _RUNS.items():
        if pattern.search(text):
            text = pattern.sub(lambda m, s=script: _transliterate(s, m.group()), text)
    return text


# The language a message's own script tells (romanised text says nothing: the rules' reading decides).
_LANGUAGE_OF_SCRIPT = {"Devanagari": "hi", "Gurmukhi": "pa", "Arabic": "ur", "Bengali": "bn"}


def language_of(text: str) -> str | None:
    """'hi', 'pa', 'ur' or 'bn' by the script most of text's Indic letters are in; None without any."""
    counts: dict[str, int] = {}
    for char in text:
        if (language := _LANGUAGE_OF_SCRIPT.get(script_of(char) or "")) is not None:
            counts[language] = counts.get(language, 0) + 1
    return max(counts, key=lambda lang: (counts[lang], lang == "hi")) if counts else None

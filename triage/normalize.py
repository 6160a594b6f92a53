"""Text normalisation for triage: one spelling per word in English, Devanagari and romanised Hindi.

Gurmukhi, Urdu and Bengali are first transliterated to Devanagari (triage/scripts.py), so Punjabi,
Urdu and Bengali words fold like Hindi ones and the phrases of triage/phrases.toml can match them.

Both the rules' phrases and the citizen's message go through the same functions, so a folding rule
only has to be consistent, not linguistically perfect: "seene" and "sine" both become "sine".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from triage import scripts
from triage.scripts import to_devanagari

SENTENCE = "."
CLAUSE = ","
BOUNDARIES = frozenset({SENTENCE, CLAUSE})

# Zero-width characters (ZWJ/ZWNJ from Indic keyboards, BOM, soft hyphen) split words if kept.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Emoji that NFKC would turn into punctuation (‼ -> !!): emphasis, not the end of a sentence.
_INVISIBLE.update(dict.fromkeys(map(ord, "\u203c\u2049"), " "))

_DEVANAGARI_FOLD = str.maketrans(
    {
        "\u093c": None,  # nukta: क़ ख़ ग़ ज़ ड़ ढ़ फ़ are typed with and without it
        "\u0929": "\u0928",  # ऩ -> न (precomposed nukta forms that NFC keeps)
        "\u0931": "\u0930",  # ऱ -> र
        "\u0934": "\u0933",  # ऴ -> ळ
        "\u0901": "\u0902",  # chandrabindu -> anusvara: साँस / सांस
        "\u0949": "\u093e",  # ॉ -> ा: डॉक्टर / डाक्टर
        "\u0911": "\u0906",  # ऑ -> आ: ऑपरेशन / आपरेशन
        **{chr(0x0966 + d): str(d) for d in range(10)},  # Devanagari digits: १०४ -> 104
    }
)
# A nasal consonant + virama before a stop of any class is written as anusvara too: हिन्दी / हिंदी.
_HALF_NASAL = re.compile(
    "[\u0919\u091e\u0923\u0928\u092e]\u094d(?=[\u0915-\u0918\u091a-\u091d\u091f-\u0922\u0924-\u0927\u092a-\u092d])"
)
_APOSTROPHE = re.compile(r"(?<=\w)['\u2019\u2018`](?=\w)")  # can't -> cant, not "can t"
_SENTENCE_END = re.compile(r"[!?\u0964\u0965\n\r]+|\.(?!\d)")  # keep decimals: 102.5
_CLAUSE_END = re.compile(r"[,;:]+")
# A word: letters/digits of any script plus Devanagari signs (vowel signs are not \w), no dandas.
_TOKEN = re.compile(r"\d+\.\d+|(?:[^\W_]|[\u0900-\u0963\u0966-\u097f])+|[.,]")

# Romanised Hindi has no fixed spelling. Each step maps spellings people use to one form.
_LATIN_STEPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("ph", "f"),  # phir / fir, phool / fool
        ("w", "v"),  # dawai / davai, swas / svas
        ("z", "j"),  # zeher / jeher, tez / tej
        ("q", "k"),
        ("chch", "ch"),  # bachcha / bacha
        ("ee", "i"),  # seene / sine, theek / thik
        ("oo", "u"),  # khoon / khun
        (r"([a-z])\1+", r"\1"),  # doubled letters: bukhaar, chakkar, bachhe, saans
        (r"^(..+[aeiou])h$", r"\1"),  # trailing h after a vowel: nahh, yeh / ye, muh / mu
    )
)
# Whole-word variants that the steps above cannot reach, all mapped to one spelling.
ALIASES: dict[str, str] = {
    **dict.fromkeys(("he", "h", "hae", "hain", "hein", "hy"), "hai"),
    **dict.fromkeys(("nahin", "nhi", "nhin", "nahim"), "nahi"),
    **dict.fromkeys(("bohot", "bahot", "bhot", "bohat", "bahout"), "bahut"),
    **dict.fromkeys(("sas", "svas", "shvas", "svans", "sanss"), "sans"),
    **dict.fromkeys(("jehar", "jeher", "jaher", "jahr", "jehr"), "jahar"),
    **dict.fromkeys(("darad", "dardh", "drd"), "dard"),
    **dict.fromkeys(("rha", "rhi", "rhe"), "raha"),
    **dict.fromkeys(("gya", "gyi", "gai", "gye"), "gaya"),
    "mein": "me",
    "sina": "sine",  # seena / seene: same word, two cases
    "munh": "mu",
    "khasi": "khansi",
    "ulty": "ulti",
    "taklf": "taklif",
}
# Devanagari words commonly typed without their final nasal sign.
DEVANAGARI_ALIASES: dict[str, str] = {"नही": "नहीं", "नहि": "नहीं", "मे": "में"}


class Token(NamedTuple):
    """One word of a message: as written (lower-cased) and in its folded form."""

    text: str
    norm: str


def _unicode_folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).casefold()


def warm(texts) -> int:
    """Transliterate ahead, together, the Gurmukhi, Urdu and Bengali of many texts about to be tokenized (a rules or
    lexicon file's phrases): see triage.scripts.warm."""
    return scripts.warm(_unicode_folded(text) for text in texts)


def canonical_unicode(text: str) -> str:
    """Fold Unicode-level differences: invisible characters, compatibility forms, case, script, nukta."""
    text = to_devanagari(_unicode_folded(text))
    text = unicodedata.normalize("NFKC", text).translate(_DEVANAGARI_FOLD)
    return _HALF_NASAL.sub("\u0902", text)


@lru_cache(maxsize=16384)
def fold_word(word: str) -> str:
    """Fold one lower-case word to its canonical spelling (fixed point of the steps, then aliases)."""
    if not word.isascii():
        return DEVANAGARI_ALIASES.get(word, word)
    previous = None
    while previous != word:  # repeat: one step can expose another (e.g. "pph" -> "ph" -> "f")
        previous = word
        for pattern, replacement in _LATIN_STEPS:
            word = pattern.sub(replacement, word)
    return ALIASES.get(word, word)


def tokenize(text: str) -> list[Token]:
    """Split text into words and boundary marks ("." ends a sentence, "," a clause)."""
    text = _APOSTROPHE.sub("", canonical_unicode(text))
    text = _CLAUSE_END.sub(" , ", _SENTENCE_END.sub(" . ", text))
    tokens: list[Token] = []
    for word in _TOKEN.findall(text):
        if word in BOUNDARIES:
            if not tokens:
                continue  # nothing to separate yet
            if tokens[-1].norm in BOUNDARIES:
                if word == SENTENCE:  # ". ," or ", ." -> the stronger boundary
                    tokens[-1] = Token(SENTENCE, SENTENCE)
                continue
            tokens.append(Token(word, word))
        else:
            tokens.append(Token(word, fold_word(word)))
    while tokens and tokens[-1].norm in BOUNDARIES:
        tokens.pop()
    return tokens


def normalize(text: str) -> str:
    """Return the canonical form of text: folded words and boundary marks joined by spaces."""
    return " ".join(token.norm for token in tokenize(text))

"""Normalisation: one spelling per word, so rules and messages meet."""

from __future__ import annotations

import pytest

from triage.normalize import normalize


@pytest.mark.parametrize(
    "variants",
    [
        ("क़ब्ज़", "कब्ज"),  # nukta
        ("ज़हर", "जहर"),
        ("पेड़", "पेड"),
        ("साँस", "सांस"),  # chandrabindu
        ("हिन्दी", "हिंदी"),  # half nasal
        ("डॉक्टर", "डाक्टर"),
        ("सी\u200dने", "सीने"),  # zero-width joiner inside a word
        ("seene", "sine", "seena", "sina", "SEENE"),
        ("saans", "sans", "saas", "swas"),
        ("bukhaar", "bukhar"),
        ("nahi", "nahin", "nhi", "NAHI"),
        ("hai", "he", "h", "hain"),
        ("khoon", "khun"),
        ("zeher", "jeher", "jahar", "zehar"),
        ("phir", "fir"),
        ("dawai", "davai"),
        ("bachcha", "bacha", "bachha", "baccha"),
        ("bahut", "bohot", "bahot", "bhot"),
        ("chakkar", "chakar"),
    ],
)
def test_spelling_variants_fold_to_one_form(variants: tuple[str, ...]) -> None:
    assert len({normalize(v) for v in variants}) == 1, [normalize(v) for v in variants]


def test_normalize_strips_emoji_punctuation_and_spaces_but_keeps_sentence_marks() -> None:
    assert normalize("  Papa   ko 😭😭 SEENE me dard!!!  ") == "papa ko sine me dard"
    assert normalize("no fever. chest pain, sweating") == "no fever . chest pain , sveating"
    assert normalize("can't breathe") == "cant breathe"


def test_normalize_keeps_decimals_and_reads_devanagari_digits() -> None:
    assert normalize("बुखार १०२.५") == "बुखार 102.5"


def test_the_phrases_transliterated_together_at_import_read_as_each_alone():
    """triage.scripts.warm sends the rules' and lexicon's Gurmukhi, Urdu and Bengali to the library in one call per
    script, parted by line breaks: each run must come back as the library reads it on its own."""
    from aksharamukha import transliterate

    from triage import scripts

    assert len(scripts._WARM) > 1000  # every phrase's runs and words, from the rules, phrases and lexicon files
    by_script = {script: [(run, done) for (s, run), done in scripts._WARM.items() if s == script]
                 for script in scripts.TRANSLITERATED}
    assert all(by_script.values())
    for script, pairs in by_script.items():
        for run, done in pairs:
            assert done == transliterate.process(scripts.TRANSLITERATED[script], "Devanagari", run), (script, run)

"""Punjabi, Urdu and Bengali in triage (issue 27): read through transliteration, and scripts nobody reads.

corpus_languages.tsv holds phrasings in each language (its script and romanised), mixed-script
messages and messages in scripts no rule reads; it is not the model's training corpus.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage import classify, reader_needed
from triage.metrics import read_labelled
from triage.rules import LANGUAGE_KEYS, PHRASES_PATH, RULESET
from triage.scripts import language_of, to_devanagari, unread_scripts

CORPUS = read_labelled(Path(__file__).with_name("corpus_languages.tsv"))
ORDER = ("P1", "P2", "P3", "P4")


def _row_id(row: dict[str, str]) -> str:
    return f"{row['script']}:{row['text'][:30]}"


def test_corpus_speaks_each_language_at_every_priority() -> None:
    scripts = Counter(row["script"] for row in CORPUS)
    assert all(scripts[s] >= 8 for s in ("pa", "pa_latin", "ur", "ur_latin", "bn")), scripts
    for script in ("pa", "ur", "bn"):
        assert {r["expected_priority"] for r in CORPUS if r["script"] == script} == set(ORDER), script


@pytest.mark.parametrize("row", [r for r in CORPUS if r["expected_priority"] == "P1"], ids=_row_id)
def test_every_emergency_in_punjabi_urdu_or_bengali_is_p1_by_a_rule(row: dict[str, str]) -> None:
    result = classify(row["text"])
    assert result.priority == "P1", result
    assert result.layer == "rule", result  # a rule that names the red flag, not the model's guess
    if row["expected_specialty"]:
        assert result.specialty == row["expected_specialty"]


@pytest.mark.parametrize("row", [r for r in CORPUS if r["expected_priority"] != "P1"], ids=_row_id)
def test_no_urgent_message_is_given_less_and_no_symptom_is_routine(row: dict[str, str]) -> None:
    got = ORDER.index(classify(row["text"]).priority)
    expected = ORDER.index(row["expected_priority"])
    if expected < 3:
        assert got <= expected, row
    else:  # routine: the model may still ask for a look (reported, not failed); never an emergency
        assert got >= 1, row


@pytest.mark.parametrize("row", [r for r in CORPUS if r["script"] in ("pa", "ur", "bn", "hi")], ids=_row_id)
def test_the_language_is_told_by_the_script_most_of_the_message_is_in(row: dict[str, str]) -> None:
    assert classify(row["text"]).language == row["script"]


def test_romanised_punjabi_and_urdu_are_read_as_romanised_hindi() -> None:
    assert classify("mainu saah nahi aa reha").language == "hinglish"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("என் அப்பாவுக்கு நெஞ்சு வலி", "Tamil"),
        ("મારા પપ્પાને છાતીમાં દુખાવો", "Gujarati"),
        ("我父亲胸口痛", "Chinese/Japanese"),
        ("appointment chahiye ಧನ್ಯವಾದ", "Kannada"),
    ],
)
def test_a_script_no_rule_reads_goes_to_a_person_at_p2_marked_for_a_reader(text: str, script: str) -> None:
    result = classify(text)
    assert result.priority == "P2"
    assert result.layer == "script"
    assert result.matched[0].rule_id == f"needs_reader:{script}"
    assert result.matched[0].phrase == reader_needed(result.matched[0].rule_id) == f"needs a reader of {script}"


def test_an_emergency_beside_an_unread_script_stays_p1() -> None:
    result = classify("papa ko seene me dard, நெஞ்சு வலி")
    assert result.priority == "P1"
    assert result.specialty == "cardiology"


def test_a_denied_red_flag_in_urdu_bengali_and_punjabi_is_p3_not_p1() -> None:
    for text in ("سینے میں درد نہیں ہے", "বুকে ব্যথা নেই", "ਛਾਤੀ ਵਿੱਚ ਦਰਦ ਨਹੀਂ ਹੈ"):
        result = classify(text)
        assert result.priority == "P3", text
        assert [m.rule_id for m in result.negated] == ["chest_pain"], text


def test_urdu_read_the_same_with_or_without_vowel_marks_and_from_an_arabic_keyboard() -> None:
    plain = to_devanagari("سینے میں درد")
    assert to_devanagari("سِینے مِیں دَرد") == plain
    assert to_devanagari("سينے ميں درد") == plain  # Arabic yeh typed for Farsi yeh


def test_digits_of_every_script_read_as_digits() -> None:
    assert "104" in to_devanagari("ਬੁਖਾਰ ੧੦੪").split()[-1]
    assert to_devanagari("بخار ۱۰۴").split()[-1] == "104"
    assert to_devanagari("জ্বর ১০৪").split()[-1] == "104"


def test_every_phrase_of_phrases_toml_matches_as_a_message_to_its_rule() -> None:
    """A phrase transliterated on its own reads as it does inside a message (one run of words at a time)."""
    import tomllib

    data = tomllib.loads(PHRASES_PATH.read_text(encoding="utf-8"))
    by_id = {rule.id: rule for rule in RULESET.rules}
    for rule_id, languages in data.items():
        assert set(languages) <= set(LANGUAGE_KEYS)
        for text in (t for key in LANGUAGE_KEYS for t in languages.get(key, ())):
            message = text.replace("*", "")
            words = {m.rule_id for m in (*classify(message).matched, *classify(message).negated)}
            if by_id[rule_id].requires:  # a rule that needs a context: give it one
                words = {m.rule_id for m in classify(f"{message} pregnant baby").matched}
            assert rule_id in words, (rule_id, text)


@given(st.text(max_size=80))
def test_any_text_is_classified_and_an_unread_script_is_never_below_p2(text: str) -> None:
    result = classify(text)
    assert result.priority in ORDER
    if unread_scripts(text):
        assert result.priority in ("P1", "P2")


def _letters(first: int, last: int) -> list[str]:
    return [chr(c) for c in range(first, last + 1) if unicodedata.category(chr(c)) in ("Lo", "Mn", "Mc")]


URDU_ALPHABET = list("ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیےآئۓؤ") + ["\u064e", "\u0650", "\u064f"]
GURMUKHI = [c for c in _letters(0x0A01, 0x0A5E) if c not in "\u0a51\u0a71"]
BENGALI = [c for c in _letters(0x0981, 0x09E3) if c != "\u09d7"]


@given(st.lists(st.sampled_from(URDU_ALPHABET) | st.sampled_from(GURMUKHI) | st.sampled_from(BENGALI) | st.just(" "),
                max_size=30).map("".join))
def test_transliteration_reads_every_letter_of_urdu_gurmukhi_and_bengali(text: str) -> None:
    assert unread_scripts(text) == [], (text, to_devanagari(text))
    assert language_of(text) in (None, "pa", "ur", "bn")


def test_a_letter_outside_urdu_is_sent_to_a_reader() -> None:
    assert unread_scripts("ڄ") == ["Arabic"]  # a Sindhi letter
    assert classify("ڄ ڄ").priority == "P2"


@pytest.mark.parametrize(
    "text", ["ਸਿਰ ਦਰਦ ਹੈ", "ਕੱਲ੍ਹ ਤੋਂ ਉਲਟੀਆਂ", "سر میں درد ہے", "پیٹ خراب ہے دست لگے ہیں", "মাথা ব্যথা", "গায়ে চুলকানি"]
)
def test_a_symptom_no_rule_names_in_punjabi_urdu_or_bengali_is_never_routine(text: str) -> None:
    assert classify(text).priority in ("P1", "P2", "P3")

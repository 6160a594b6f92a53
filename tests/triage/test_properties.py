"""Properties of triage that must hold for any message, checked with generated input."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.triage.test_classify import CORPUS, EMERGENCIES
from triage import classify
from triage.normalize import normalize

PRIORITIES = ("P1", "P2", "P3", "P4")
# Words people put around a message; none is a negator, so none may change its meaning.
FILLERS = ("please", "plz", "sir", "madam", "hello", "help", "jaldi", "ji", "bhaiya", "urgent", "कृपया", "जी", "सर")
EMOJI = ("😭", "🙏", "🚑", "❤️", "😢", "‼️")
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff")


def _noisy(text: str, rng: random.Random) -> str:
    """Case changes, emoji and repeated spaces between words, zero-width characters, fillers, end marks."""
    words = []
    for word in text.split():
        word = "".join(c.upper() if rng.random() < 0.3 else c.lower() if rng.random() < 0.3 else c for c in word)
        if rng.random() < 0.3:  # Indic keyboards scatter these, even inside words
            cut = rng.randrange(len(word) + 1)
            word = word[:cut] + rng.choice(ZERO_WIDTH) + word[cut:]
        words.append(word)
        if rng.random() < 0.2:
            words.append(rng.choice(EMOJI))
    before = [rng.choice(FILLERS) for _ in range(rng.randrange(3))]
    after = [rng.choice(FILLERS) for _ in range(rng.randrange(3))]
    spaces = " " * rng.randint(1, 4)
    ending = rng.choice(("", "!!!", "??", "...", " 🙏🙏", "."))
    return spaces.join(before + words + after) + ending


@settings(max_examples=400)
@given(row=st.sampled_from(EMERGENCIES), rng=st.randoms(use_true_random=False))
def test_noise_never_lowers_an_emergency(row: dict[str, str], rng: random.Random) -> None:
    noisy = _noisy(row["text"], rng)
    assert classify(noisy).priority == "P1", noisy


@settings(max_examples=200)
@given(row=st.sampled_from(CORPUS), rng=st.randoms(use_true_random=False))
def test_noise_never_lowers_any_message(row: dict[str, str], rng: random.Random) -> None:
    noisy = _noisy(row["text"], rng)
    assert PRIORITIES.index(classify(noisy).priority) <= PRIORITIES.index(classify(row["text"]).priority), noisy


@settings(max_examples=500)
@given(st.text())
def test_classify_accepts_any_text(text: str) -> None:
    result = classify(text)
    assert result.priority in PRIORITIES
    assert result.language in ("en", "hi", "hinglish", "pa", "ur", "bn")
    assert result.specialty is None or isinstance(result.specialty, str)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("abcdehiklmnoprstuvwyz .,!?'क़ज़ड़ँंसीनेदर्\u093c\u094d\u200d१०")))
def test_classify_accepts_text_made_of_the_tricky_characters(text: str) -> None:
    assert classify(text).priority in PRIORITIES


@settings(max_examples=500)
@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200)
@given(row=st.sampled_from(CORPUS), rng=st.randoms(use_true_random=False))
def test_normalize_is_idempotent_on_noisy_messages(row: dict[str, str], rng: random.Random) -> None:
    once = normalize(_noisy(row["text"], rng))
    assert normalize(once) == once


ROUTINE_TEXTS = [row["text"] for row in CORPUS if row["expected_priority"] == "P4"]
SYMPTOMS = (
    "pain", "bleeding", "swelling", "fever", "vomiting", "numbness", "dizzy", "rash", "burnt", "fits",
    "dard", "khoon", "sujan", "bukhar", "ulti", "chakkar", "khujli", "behosh", "दर्द", "खून", "सूजन",
    "बुखार", "उल्टी", "चक्कर", "बेहोश", "achanak", "अचानक", "suddenly",
)  # fmt: skip


@settings(max_examples=300)
@given(routine=st.sampled_from(ROUTINE_TEXTS), symptom=st.sampled_from(SYMPTOMS), rng=st.randoms(use_true_random=False))
def test_the_floor_never_gives_p4_to_symptom_text(routine: str, symptom: str, rng: random.Random) -> None:
    text = f"{routine}, {symptom}" if rng.random() < 0.5 else f"{symptom}. {routine}"
    assert classify(text).priority != "P4", text

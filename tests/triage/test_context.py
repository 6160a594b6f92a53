"""The context layer: an alarming word told of the past, of a plan or inside a request is not an emergency by
itself; anything happening now still is. It may only lower P1 to P2, and it says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.triage.test_classify import CORPUS
from triage import classify
from triage.metrics import read_labelled

DEV = read_labelled(Path(__file__).with_name("context_dev.tsv"))

# The residents' own messages of issue 28: every one routine, every one P1 before the context layer.
ISSUE_28 = [
    "my grandfather had a heart attack two years ago and I need his old hospital records for a claim",
    "pichhle saal papa ko heart attack aaya tha, unki file ki copy kaise milegi",
    "snake bite ki dawai village clinic ke stock ke liye kaha milegi, sirf jaankari",
    "suicide prevention training for college teachers, whom to contact in Delhi govt",
    "ambulance ka number chahiye, dadi ko next week dialysis ke liye le jana hai, stable hain",
    "mere bhai ne do saal pehle zeher kha liya tha, ab theek hai, counselling ke liye appointment chahiye",
]


@pytest.mark.parametrize("text", ISSUE_28)
def test_a_routine_message_with_an_alarming_word_rings_no_doctor_and_says_why(text: str) -> None:
    assert classify(text, context_layer=False).priority == "P1"
    result = classify(text)
    assert (result.priority, result.layer, result.lowered_from) == ("P2", "context", "P1")
    assert result.raised_by in ("rule", "model")
    why = result.matched[0]
    assert why.layer == "context" and why.rule_id.startswith("context_") and why.words
    assert "not an emergency by itself" in why.phrase
    assert any(m.layer == result.raised_by for m in result.matched[1:])  # the layer that raised it is still shown


@pytest.mark.parametrize(
    "text",
    [
        "last year he had a stroke and now his face has dropped again",
        "pichhle saal stroke hua tha, aaj subah se phir bol nahi pa rahe",
        "पिछले साल स्ट्रोक हुआ था और अब फिर से चेहरा टेढ़ा हो गया है",
        "ambulance ka number do jaldi, papa behosh ho gaye",
        "he is not breathing, what is the ambulance number",
        "my son was bitten by a snake, where can I get antivenom",
        "need ambulance numbers, my husband is having chest pain right now",
    ],
)
def test_anything_happening_now_stays_an_emergency_whatever_else_the_message_says(text: str) -> None:
    assert classify(text).priority == "P1"


def test_every_emergency_of_the_corpus_and_the_dev_set_in_a_script_triage_reads_stays_p1() -> None:
    readable = {"en", "hi", "hinglish", "ur-latn"}
    rows = [r for r in CORPUS if r["expected_priority"] == "P1"]
    rows += [r for r in DEV if r["expected_priority"] == "P1" and r["script"] in readable]
    lowered = [r["text"] for r in rows if classify(r["text"]).priority != "P1"]
    assert not lowered


@settings(max_examples=150, deadline=None)
@given(row=st.sampled_from(CORPUS + DEV))
def test_the_context_layer_only_ever_lowers_an_emergency_to_urgent(row: dict[str, str]) -> None:
    without, final = classify(row["text"], context_layer=False), classify(row["text"])
    if final.layer == "context":
        assert (without.priority, final.priority) == ("P1", "P2")
        assert final.matched[1:] == without.matched
    else:
        assert final == without


CUES = ["last year", "do saal pehle", "तीन साल पहले", "next week", "ab thik hai", "stable", "records chahiye",
        "sirf jaankari", "training", "list of numbers", "shikayat karni hai"]
NOW = ["now", "abhi", "again", "aaj", "phir se", "अभी", "आज"]


@settings(max_examples=150, deadline=None)
@given(row=st.sampled_from([r for r in CORPUS if r["expected_priority"] == "P1"]),
       cue=st.sampled_from(CUES), now=st.sampled_from(NOW), before=st.booleans())
def test_a_word_of_now_keeps_the_context_layer_out_whatever_context_is_added(
    row: dict[str, str], cue: str, now: str, before: bool
) -> None:
    text = f"{cue} {row['text']} {now}" if before else f"{row['text']}, {cue} {now}"
    assert classify(text) == classify(text, context_layer=False)


def test_a_p1_from_a_layer_the_context_layer_does_not_know_of_stays() -> None:
    from triage import context
    from triage.engine import Match, Triage
    from triage.normalize import tokenize

    tokens = tokenize("last year, need the records")
    raised = Triage("P1", None, (Match("future_layer_P1", "a new layer", ("records",), layer="future"),), "en")
    assert context.lower(tokens, raised) is raised

"""The symptom floor: a symptom the rules cannot name is reviewed soon, never routed as routine."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage import classify
from triage.floor import LEXICON_PATH, load
from triage.safety import FLOOR_PHRASE


@pytest.mark.parametrize(
    "text",
    [
        "my leg feels strange since the morning",
        "my eye feels strange today",
        "पैर में अजीब सा लग रहा है",
        "papa ke haath me kuch ajeeb ho raha hai",
        "achanak ajeeb lag raha hai",
        "अचानक से अजीब लग रहा है",
        "my mother's chest feels odd",
    ],
)
def test_a_symptom_no_rule_names_is_reviewed_soon(text: str) -> None:
    result = classify(text, model=None)  # the floor itself; the model may raise further
    assert result.priority == "P3"
    assert result.layer == "floor"
    assert result.matched[0].phrase == FLOOR_PHRASE
    assert result.matched[0].layer == "floor" and result.matched[0].words
    assert result.rules_priority == "P4"


@pytest.mark.parametrize(
    "text",
    [
        "what are the visiting hours of the burns ward",
        "burns ward me milne ka time kya hai",
        "बर्न वार्ड में मिलने का समय क्या है",
        "when will my heart report be ready",
        "is the eye OPD open on saturday",
        "dil ke doctor kab baithte hai",
        "where do I collect my chest x ray report",
        "आंखों के डॉक्टर से मिलना है",
        "is the blood bank open on sunday",
    ],
)
def test_a_service_question_that_names_a_body_part_or_ward_stays_routine(text: str) -> None:
    result = classify(text)
    assert result.priority == "P4", result
    assert result.layer == "rule"


@pytest.mark.parametrize(
    "text",
    [
        "need an appointment, cough since a week",
        "card banvana hai, pair me sujan bhi hai",
        "रिपोर्ट चाहिए, पेट में दर्द भी है",
    ],
)
def test_a_symptom_beside_a_routine_request_is_not_routine(text: str) -> None:
    assert classify(text).priority in ("P1", "P2", "P3")


@pytest.mark.parametrize(
    "text",
    [
        "my son is bleeding doctor please come",
        "burns ward, my child is burnt and screaming",
        "heart doctor chahiye, seene me dard",
    ],
)
def test_a_service_name_never_hides_a_red_flag_beside_it(text: str) -> None:
    assert classify(text).priority in ("P1", "P2")


@pytest.mark.parametrize(
    "text", ["hello sir", "my card number is 1234 5678 9012", "I'll come tomorrow", "ok thank you"]
)
def test_words_that_only_look_like_symptoms_stay_routine(text: str) -> None:
    assert classify(text).priority == "P4"


def test_the_floor_never_lowers_what_the_rules_said() -> None:
    result = classify("papa ko seene me dard, visiting hours kya hai")
    assert (result.priority, result.layer) == ("P1", "rule")


def test_a_malformed_lexicon_fails_loudly(tmp_path: Path) -> None:
    bad = tmp_path / "lexicon.toml"
    bad.write_text(LEXICON_PATH.read_text(encoding="utf-8").replace('"pain*"', '"p*"', 1), encoding="utf-8")
    with pytest.raises(ValueError, match="stem"):
        load(bad)

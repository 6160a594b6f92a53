"""Triage of citizen messages: the labelled corpus first, then one behaviour per test."""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from triage import RULES_VERSION, Triage, classify
from triage.rules import RULESET

CORPUS_PATH = Path(__file__).with_name("corpus.tsv")
SCRIPTS = ("en", "hi", "hinglish")
PRIORITIES = ("P1", "P2", "P3", "P4")
ROUTINE_PRECISION_FLOOR = 0.9


def load_corpus() -> list[dict[str, str]]:
    """The labelled messages: text, expected_priority, expected_specialty (may be empty), script."""
    with CORPUS_PATH.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


CORPUS = load_corpus()
EMERGENCIES = [row for row in CORPUS if row["expected_priority"] == "P1"]


def corpus_report(rows: list[dict[str, str]]) -> dict:
    """Confusion counts and the figures we promise: emergency recall, routine precision."""
    confusion: Counter[tuple[str, str]] = Counter()
    by_script: Counter[tuple[str, bool]] = Counter()
    specialty_hits = specialty_total = language_hits = 0
    for row in rows:
        result = classify(row["text"])
        confusion[row["expected_priority"], result.priority] += 1
        by_script[row["script"], result.priority == row["expected_priority"]] += 1
        language_hits += result.language == row["script"]
        if row["expected_specialty"]:
            specialty_total += 1
            specialty_hits += result.specialty == row["expected_specialty"]

    def recall(p: str) -> float:
        return confusion[p, p] / max(1, sum(confusion[p, q] for q in PRIORITIES))

    def precision(p: str) -> float:
        return confusion[p, p] / max(1, sum(confusion[q, p] for q in PRIORITIES))

    return {
        "confusion": confusion,
        "recall": {p: recall(p) for p in PRIORITIES},
        "precision": {p: precision(p) for p in PRIORITIES},
        "accuracy": sum(confusion[p, p] for p in PRIORITIES) / len(rows),
        "by_script": {s: by_script[s, True] / max(1, by_script[s, True] + by_script[s, False]) for s in SCRIPTS},
        "specialty": specialty_hits / max(1, specialty_total),
        "language": language_hits / len(rows),
    }


def format_report(report: dict) -> str:
    """The report as a small table (printed by the test; run pytest -s to see it)."""
    lines = ["expected \\ got   " + "  ".join(f"{p:>4}" for p in PRIORITIES) + "  recall  precision"]
    for p in PRIORITIES:
        cells = "  ".join(f"{report['confusion'][p, q]:>4}" for q in PRIORITIES)
        lines.append(f"{p:<16} {cells}  {report['recall'][p]:>6.1%}  {report['precision'][p]:>9.1%}")
    lines.append(
        f"accuracy {report['accuracy']:.1%}; by script "
        + ", ".join(f"{s} {v:.1%}" for s, v in report["by_script"].items())
    )
    lines.append(f"specialty agreement {report['specialty']:.1%}; language detection {report['language']:.1%}")
    return "\n".join(lines)


# --- the corpus ---------------------------------------------------------------------------------


def test_corpus_is_large_and_well_formed() -> None:
    scripts = Counter(row["script"] for row in CORPUS)
    assert len(CORPUS) >= 330
    assert all(scripts[s] >= 110 for s in SCRIPTS), scripts
    assert len(EMERGENCIES) >= 120
    assert all(row["expected_priority"] in PRIORITIES for row in CORPUS)
    specialties = {r.specialty for r in RULESET.rules} | {"paediatrics", "obstetrics"}
    assert {row["expected_specialty"] for row in CORPUS} - {""} <= specialties
    assert len({row["text"] for row in CORPUS}) == len(CORPUS), "duplicate messages"


@pytest.mark.parametrize("row", EMERGENCIES, ids=lambda row: row["text"][:40])
def test_every_emergency_in_the_corpus_is_p1(row: dict[str, str]) -> None:
    result = classify(row["text"])
    assert result.priority == "P1", result


def test_corpus_report_emergency_recall_and_routine_precision() -> None:
    report = corpus_report(CORPUS)
    print("\n" + format_report(report))
    assert report["recall"]["P1"] == 1.0
    assert report["precision"]["P4"] >= ROUTINE_PRECISION_FLOOR
    assert report["accuracy"] >= 0.9
    assert report["specialty"] >= 0.85
    assert report["language"] >= 0.95


# --- negation and past references ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["no chest pain", "chest pain nahi hai", "सीने में दर्द नहीं", "denies chest pain", "seene me dard bilkul nahi hai"],
)
def test_a_denied_red_flag_is_not_an_emergency_but_still_gets_a_look(text: str) -> None:
    result = classify(text)
    assert result.priority == "P3"
    assert [m.rule_id for m in result.negated] == ["chest_pain"]


@pytest.mark.parametrize(
    "text",
    [
        "had a heart attack last year",
        "pichle saal heart attack hua tha",
        "दो साल पहले दिल का दौरा पड़ा था",
        "history of stroke",
    ],
)
def test_a_past_red_flag_is_history_not_an_emergency(text: str) -> None:
    result = classify(text)
    assert result.priority == "P3"
    assert result.past


@pytest.mark.parametrize(
    "text",
    [
        "not breathing",
        "he is not breathing",
        "saans nahi le raha",
        "सांस नहीं ले रहा",
        "no, he is unconscious",
        "no fever but chest pain",
        "No. He has chest pain now",
        "chest pain nahi ja raha",
        "seene ka dard kam nahi ho raha",
        "had a heart attack last year and now chest pain again",
        "pichle saal attack aaya tha, aaj phir seene me dard",
        "chest pain since last month",
        "no chest pain but cant breathe",
    ],
)
def test_a_current_emergency_is_never_explained_away(text: str) -> None:
    assert classify(text).priority == "P1"


# --- typos --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "severe chset pain",
        "mom is unconcious",
        "breathng problem",
        "he is having a siezure",
        "papa behos ho gaye",
        "bache ko bukhr aur jhtke",
    ],
)
def test_small_typos_still_find_the_emergency(text: str) -> None:
    assert classify(text).priority == "P1"


@pytest.mark.parametrize(
    "text",
    [
        "I am doing fine now",
        "I never had any problem, need my report",
        "could you send the injection schedule",
        "since when is the opd open",
    ],
)
def test_correct_words_are_not_taken_for_typos_of_red_flags(text: str) -> None:
    assert classify(text).priority == "P4"


# --- language, specialty, defaults --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("my father fell and is not waking up", "en"),
        ("papa ko seene me dard ho raha hai", "hinglish"),
        ("माँ बेहोश हो गई हैं", "hi"),
        ("पापा को chest pain हो रहा है", "hi"),
        ("help me please", "en"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert classify(text).language == language


@pytest.mark.parametrize(
    ("text", "specialty"),
    [
        ("papa ko seene me dard", "cardiology"),
        ("my wife is pregnant and bleeding", "obstetrics"),
        ("pregnant sister has fits", "obstetrics"),
        ("bachhe ko jhatke aa rahe hai", "paediatrics"),
        ("child swallowed rat poison", "paediatrics"),
        ("child fell from the roof", "general_surgery"),  # trauma stays with the surgeons
        ("baby burnt by hot water", "burns"),
        ("lips swelling after peanuts, hard to breathe", "general_medicine"),  # the cause, anaphylaxis
        ("need appointment for diabetes checkup", None),
    ],
)
def test_specialty_suggestion(text: str, specialty: str | None) -> None:
    assert classify(text).specialty == specialty


@pytest.mark.parametrize("text", ["", "   ", "hello", "नमस्ते", "ok ji", "😀", "card kho gaya naya card chahiye"])
def test_greetings_and_admin_are_routine(text: str) -> None:
    assert classify(text).priority == "P4"


@pytest.mark.parametrize(
    "text",
    [
        "dard",
        "pain since yesterday",
        "दर्द है",
        "tabiyat kharab hai",
        "I am pregnant",
    ],
)
def test_unrecognised_complaints_get_a_look_soon(text: str) -> None:
    assert classify(text).priority == "P3"


@pytest.mark.parametrize("text", ["میرے والد بے ہوش ہیں", "আমার বাবা অজ্ঞান", "ਮੇਰੇ ਪਿਤਾ ਬੇਹੋਸ਼ ਹਨ"])
def test_an_unconscious_father_in_urdu_bengali_or_gurmukhi_is_an_emergency(text: str) -> None:
    """These were P3 ("a script we cannot read") until issue 27 taught triage to read them."""
    result = classify(text)
    assert (result.priority, result.specialty) == ("P1", "general_medicine")


def test_the_words_that_fired_are_shown_to_the_operator() -> None:
    result = classify("Papa ko SEENE me bahut dard ho raha hai")
    assert result.matched[0].rule_id == "chest_pain"
    assert result.matched[0].words == ("seene", "dard")
    assert result.rules_version == RULES_VERSION


def test_a_longer_phrase_overrides_the_red_flag_inside_it() -> None:
    assert classify("food poisoning since last night").priority == "P3"
    assert classify("blood test report chahiye").priority == "P4"


@pytest.mark.parametrize(
    "text",
    ["pregnant hai aur pet me bahut dard", "I am pregnant with a severe headache", "गर्भवती है, सिर में बहुत तेज दर्द"],
)
def test_pregnancy_escalates_what_would_otherwise_be_urgent(text: str) -> None:
    result = classify(text)
    assert (result.priority, result.specialty) == ("P1", "obstetrics")


def test_triage_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        classify("hello").priority = "P1"  # type: ignore[misc]
    assert isinstance(classify("hello"), Triage)


# --- the kinds of phrasing issue 12 found missed ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("her right arm and leg suddenly went weak", "stroke"),
        ("since lunch his left side is not working", "stroke"),
        ("nani ka baya haath achanak kaam karna band kar diya", "stroke"),
        ("दादी का एक तरफ का हाथ पैर काम नहीं कर रहा", "stroke"),
        ("bhaiya keh raha hai ab jeena nahi hai mujhe", "suicidal"),
        ("mujhe jeene ka mann nahi karta ab", "suicidal"),
        ("he said he can't go on and wrote a suicide note", "suicidal"),
        ("my toddler got scalded with hot tea", "child_burn"),
        ("bachi pe garam tel gir gaya", "child_burn"),
        ("बच्चे पर गर्म दूध गिर गया", "child_burn"),
        ("bahu ka paani gir gaya aur koi gaadi nahi hai", "labour_stranded"),
        ("she is in labour and we have no vehicle", "labour_stranded"),
        ("my little one drank bleach", "poisoning"),
        ("bete ne floor cleaner pi liya", "poisoning"),
        ("बच्चे ने हार्पिक पी लिया", "poisoning"),
        ("सड़क हादसे में भाई के सिर में गहरी चोट", "road_accident"),
        ("bike takra gaya truck se, sir me gehri chot", "road_accident"),
    ],
)
def test_the_missed_kinds_of_emergency_are_found(text: str, rule: str) -> None:
    result = classify(text)
    assert result.priority == "P1", result
    assert rule in [m.rule_id for m in result.matched]

"""The triage rules: rules.toml loaded, checked and compiled into phrases ready for matching."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from triage.normalize import BOUNDARIES, tokenize, warm

RULES_PATH = Path(__file__).with_name("rules.toml")
# The priority scale, defined once here (triage sets it; the case, its queues and the API read it from here).
PRIORITIES = ("P1", "P2", "P3", "P4")
RED_FLAGS = PRIORITIES[:2]  # the checklist's flags: emergency and urgent
STEM = "*"  # "lag*" in a phrase matches lag, laga, lagi, lage: Hindi verbs inflect at the end
PHRASE_KEYS = ("phrases_en", "phrases_hi", "phrases_hinglish")
PHRASES_PATH = Path(__file__).with_name("phrases.toml")  # Punjabi, Urdu and Bengali phrases by rule id
LANGUAGE_KEYS = ("pa", "pa_latin", "ur", "ur_latin", "bn")


@dataclass(frozen=True)
class Rule:
    """One rule (or modifier, which has no priority) of rules.toml."""

    id: str
    priority: str | None
    specialty: str | None
    order: int
    text: dict[str, str]
    requires: str | None = None
    checklist: bool = True
    overrides: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Phrase:
    """A compiled phrase: folded words without stopwords; ordered if it contains a negator."""

    rule: Rule
    text: str
    words: tuple[str, ...]
    ordered: bool


@dataclass(frozen=True)
class Ruleset:
    """Everything classify() needs from rules.toml, folded the way messages are folded."""

    version: str
    rules: tuple[Rule, ...]
    phrases: tuple[Phrase, ...]
    max_gap: int
    ordered_gap: int
    known_words: frozenset[str]
    not_inflections: frozenset[str]
    negate_before: frozenset[str]
    negate_after: frozenset[str]
    fillers: frozenset[str]
    continuing: frozenset[str]
    past_markers: tuple[tuple[str, ...], ...]
    past_cancel: frozenset[str]
    conjunctions: frozenset[str]
    hinglish: frozenset[str]
    checklist_order: tuple[str, ...] = ()
    novelty: tuple[tuple[str, ...], ...] = ()


def fold_words(words: list[str]) -> frozenset[str]:
    """Fold a word list from the rules the same way message words are folded."""
    return frozenset(t.norm for w in words for t in tokenize(w))


def _phrase_words(text: str, stopwords: frozenset[str]) -> tuple[str, ...]:
    words: list[str] = []
    for part in text.split():
        folded = [t.norm for t in tokenize(part.rstrip(STEM)) if t.norm not in stopwords | BOUNDARIES]
        if part.endswith(STEM):
            if len(folded) != 1 or len(folded[0]) < 2:
                raise ValueError(f"phrase {text!r}: {part!r} must be one stem of two or more letters")
            folded[0] += STEM
        words.extend(folded)
    return tuple(words)


def _more_phrases(path: Path | None, rule_ids: set[str]) -> dict[str, list[str]]:
    """phrases.toml: each rule id's phrases in Punjabi, Urdu and Bengali (their scripts and romanised)."""
    if path is None:
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    if unknown := set(data) - rule_ids:
        raise ValueError(f"{path.name} names unknown rules {sorted(unknown)}")
    more: dict[str, list[str]] = {}
    for rule_id, by_language in data.items():
        if odd := set(by_language) - set(LANGUAGE_KEYS):
            raise ValueError(f"{path.name} [{rule_id}]: unknown keys {sorted(odd)}, expected {LANGUAGE_KEYS}")
        more[rule_id] = [text for key in LANGUAGE_KEYS for text in by_language.get(key, ())]
    return more


def strings_of(data) -> list[str]:
    """Every string in a parsed TOML file (its tables' and arrays' values, at any depth)."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        data = data.values()
    elif not isinstance(data, list | tuple):
        return []
    return [text for value in data for text in strings_of(value)]


def load(path: Path = RULES_PATH, more: Path | None = None) -> Ruleset:
    """Read, check and compile a rules file (and its phrases in more languages); raise ValueError on a
    mistake a reviewer could miss."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    more_phrases = _more_phrases(more, {e["id"] for e in data["modifier"] + data["rule"]})
    warm([*strings_of(data), *strings_of(more_phrases)])  # their Gurmukhi, Urdu and Bengali in one go
    matching, negation, past = data["matching"], data["negation"], data["past"]
    stopwords = fold_words(matching["phrase_stopwords"])
    negators = fold_words(negation["before"] + negation["after"])
    rules: list[Rule] = []
    phrases: list[Phrase] = []
    entries = [(e, True) for e in data["modifier"]] + [(e, False) for e in data["rule"]]
    for order, (entry, is_modifier) in enumerate(entries):
        rule = Rule(
            id=entry["id"],
            priority=None if is_modifier else entry["priority"],
            specialty=entry.get("specialty"),
            order=order,
            text={k: v for k, v in entry.items() if k.startswith(("label_", "question_"))},
            requires=entry.get("requires"),
            checklist=entry.get("checklist", True),
            overrides=frozenset(entry.get("overrides", ())),
        )
        if rule.priority not in (None, *PRIORITIES):
            raise ValueError(f"rule {rule.id}: priority {rule.priority!r} is not one of {PRIORITIES}")
        if any(r.id == rule.id for r in rules):
            raise ValueError(f"rule {rule.id} is defined twice")
        if not is_modifier and not all(
            f"{k}_{lang}" in rule.text for k in ("label", "question") for lang in ("en", "hi")
        ):
            raise ValueError(f"rule {rule.id}: needs label_en, label_hi, question_en, question_hi")
        rules.append(rule)
        for text in [t for key in PHRASE_KEYS for t in entry.get(key, ())] + more_phrases.get(rule.id, []):
            words = _phrase_words(text, stopwords)
            if not words:
                raise ValueError(f"rule {rule.id}: phrase {text!r} has no words left")
            phrases.append(Phrase(rule, text, words, any(w in negators for w in words)))
    modifier_ids = {r.id for r in rules if r.priority is None}
    checklist_order = tuple(data.get("checklist", {}).get("order", ()))
    if unknown := set(checklist_order) - {r.id for r in rules}:
        raise ValueError(f"checklist order names unknown rules {sorted(unknown)}")
    for rule in rules:
        if rule.requires and rule.requires not in modifier_ids:
            raise ValueError(f"rule {rule.id}: requires unknown modifier {rule.requires!r}")
    return Ruleset(
        version=data["version"],
        rules=tuple(rules),
        phrases=tuple(phrases),
        max_gap=matching["max_gap"],
        ordered_gap=matching["ordered_gap"],
        known_words=fold_words(matching["known_words"]),
        not_inflections=fold_words(matching["not_inflections"]),
        negate_before=fold_words(negation["before"]),
        negate_after=fold_words(negation["after"]),
        fillers=fold_words(negation["fillers"]),
        continuing=fold_words(negation["continuing"]),
        past_markers=tuple(tuple(t.norm for t in tokenize(m)) for m in past["markers"]),
        past_cancel=fold_words(past["cancel"]),
        conjunctions=fold_words(past["conjunctions"]),
        hinglish=frozenset(data["language"]["hinglish"]),
        checklist_order=checklist_order,
        novelty=tuple(tuple(t.norm for t in tokenize(m)) for m in past.get("novelty", ())),
    )


RULESET = load(RULES_PATH, PHRASES_PATH)
RULES_VERSION: str = RULESET.version


def rank(rule: Rule) -> tuple[int, int]:
    """Sort key: higher priority first, then the order of the rules file (modifiers rank as P4)."""
    return PRIORITIES.index(rule.priority or PRIORITIES[-1]), rule.order


def checklist(lang: str = "en") -> list[dict]:
    """The P1/P2 red-flag rules as the operator's assessment checklist, in 'en' or 'hi'."""
    if lang not in ("en", "hi"):
        raise ValueError(f"checklist language must be 'en' or 'hi', not {lang!r}")
    order = RULESET.checklist_order

    def asked(rule: Rule) -> tuple[int, int, int]:
        position = order.index(rule.id) if rule.id in order else len(order)
        return rank(rule)[0], position, rule.order

    flagged = sorted((r for r in RULESET.rules if r.priority in RED_FLAGS and r.checklist), key=asked)
    return [
        {
            "id": r.id,
            "label": r.text[f"label_{lang}"],
            "question": r.text[f"question_{lang}"],
            "priority": r.priority,
            "specialty": r.specialty,
        }
        for r in flagged
    ]

"""classify(): the rules, then the symptom floor, then the model's second opinion; each may only raise."""

from __future__ import annotations

import dataclasses

from triage.engine import Match, Triage, classify_tokens
from triage.floor import service_names, symptom_words
from triage.normalize import tokenize

ROUTINE, REVIEW = "P4", "P3"
FLOOR_ID, FLOOR_PHRASE = "unclassified_symptom", "unclassified symptom: review"


def classify(text: str) -> Triage:
    """Triage one message: priority P1..P4, a suggested specialty, and which layer said so and why."""
    tokens = tokenize(text or "")
    named = service_names(tokens)
    result = classify_tokens(tokens, named)
    if result.priority == ROUTINE:
        routine_rule = any(m.rule_id for m in result.matched)
        if words := symptom_words(tokens, named, service_context=routine_rule):
            result = _raised(result, REVIEW, Match(FLOOR_ID, FLOOR_PHRASE, words, layer="floor"))
    return result


def _raised(result: Triage, priority: str, why: Match) -> Triage:
    """The result at a higher priority, saying which layer raised it and what the rules had said."""
    return dataclasses.replace(
        result,
        priority=priority,
        matched=(why, *result.matched),
        layer=why.layer,
        rules_priority=result.rules_priority or result.priority,
    )

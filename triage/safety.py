"""classify(): the rules, the symptom floor and the model's second opinion, each of which may only raise; then
the context layer, which may only lower an emergency to urgent when it is told of the past, a plan or a request.

Last, a message with words in a script no rule reads (triage.scripts: not Latin, Devanagari, Gurmukhi,
Urdu or Bengali) is never left below P2: it is raised to P2, layer "script", "needs a reader of Tamil".
"""

from __future__ import annotations

import dataclasses

from triage import context
from triage.engine import Match, Triage, classify_tokens
from triage.floor import service_names, symptom_words
from triage.model import MODEL, Model
from triage.normalize import BOUNDARIES, Token, tokenize
from triage.rules import PRIORITIES, RULESET
from triage.scripts import language_of, unread_scripts

ROUTINE, REVIEW = "P4", "P3"
_NEGATORS = RULESET.negate_before | RULESET.negate_after
FLOOR_ID, FLOOR_PHRASE = "unclassified_symptom", "unclassified symptom: review"
READER_ID, READER_PRIORITY = "needs_reader", "P2"  # a script no rule reads: a person who reads it, today


def reader_needed(rule_id: str) -> str | None:
    """'needs a reader of Tamil' for the match id the script step gave ('needs_reader:Tamil'), else None."""
    prefix, _, scripts = rule_id.partition(":")
    return f"needs a reader of {scripts.replace(',', ', ')}" if prefix == READER_ID and scripts else None


def classify(text: str, model: Model | None = MODEL, context_layer: bool = True) -> Triage:
    """Triage one message: priority P1..P4, a suggested specialty, and which layer said so and why.

    `context_layer=False` leaves out the last layer (for measuring what it changes, never in the case flow).
    """
    tokens = tokenize(text or "")
    result = raised(tokens, model)
    if context_layer:
        result = context.lower(tokens, result)
    if (unread := unread_scripts(text or "")) and PRIORITIES.index(result.priority) > PRIORITIES.index(READER_PRIORITY):
        why = Match(f"{READER_ID}:{','.join(unread)}", f"needs a reader of {', '.join(unread)}", tuple(unread),
                    layer="script")
        result = _raised(result, READER_PRIORITY, why)
    if (language := language_of(text or "")) is not None:  # Punjabi, Urdu, Bengali: read through Devanagari
        result = dataclasses.replace(result, language=language)
    return result


def raised(tokens: list[Token], model: Model | None = MODEL) -> Triage:
    """The three layers that may only raise (rules, symptom floor, model) on a message's words; the context layer also
    reads a part of a message through them."""
    named = service_names(tokens)
    result = classify_tokens(tokens, named)
    if result.priority == ROUTINE:
        routine_rule = any(m.rule_id for m in result.matched)
        if words := symptom_words(tokens, named, service_context=routine_rule):
            result = _raised(result, REVIEW, Match(FLOOR_ID, FLOOR_PHRASE, words, layer="floor"))
    if model is not None and result.priority != "P1":
        suggested, probability = model.suggest(model_view(tokens, result, named), result.priority)
        if suggested and PRIORITIES.index(suggested) < PRIORITIES.index(result.priority):
            why = Match(
                f"model_{suggested}", f"model: {suggested} (p={probability:.2f})", _words(tokens), layer="model"
            )
            result = _raised(result, suggested, why)
    return result


def model_view(tokens: list[Token], result: Triage, named: set[int]) -> list[Token]:
    """The words the model reads: not service names ("blood bank"), nor a red flag the rules found
    denied or past, nor its negator.

    "no chest pain" and "heart attack last year" are the rules' judgement (P3, a human looks);
    the model weighs whatever else the message says.
    """
    spoken_for = {word for match in (*result.negated, *result.past) for word in match.words}
    drop = _NEGATORS if spoken_for else frozenset()
    return [t for i, t in enumerate(tokens) if i not in named and t.text not in spoken_for and t.norm not in drop]


def _words(tokens: list[Token]) -> tuple[str, ...]:
    """The message's words, for the operator to read beside the model's opinion (it has no phrase)."""
    return tuple(t.text for t in tokens if t.norm not in BOUNDARIES)[:12]


def _raised(result: Triage, priority: str, why: Match) -> Triage:
    """The result at a higher priority, saying which layer raised it and what the rules had said."""
    return dataclasses.replace(
        result,
        priority=priority,
        matched=(why, *result.matched),
        layer=why.layer,
        rules_priority=result.rules_priority or result.priority,
    )

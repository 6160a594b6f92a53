"""The context layer: an emergency word told of the past, of a plan, or inside a request is not an emergency by itself.

It runs last, after the rules, the symptom floor and the model, and it may only lower P1 to P2, never
further: a message it misreads still reaches a doctor today. It lowers only when every reason for the
P1 is covered by context:

- a P1 rule's phrase sits in a clause with a word of time (past, planned, stable) or a request that
  names no one it could be happening to ("my son", "papa", "I"), and no present-tense state ("is",
  "hai", "raha", "gaya"; a habitual "hota hai" is a question); a plea ("ambulance", "emergency") needs
  a word of time anywhere in the message or such a request in its clause; a topic (training, awareness,
  a poster, research) in a clause that names no one makes its verbs not a patient's state;
- the model's P1 needs a word of time in the message, or such a request and no present-tense state
  and no person anywhere;

and nothing in the message says it is happening now ("now", "again", "abhi", "aaj", "phir", ...), unless
that word belongs to a word of context (the "ab" of "ab thik hai"). The words are data: `[context]` in
lexicon.toml, hashed with the rules' version.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib

from triage.engine import Match, Triage
from triage.floor import LEXICON_PATH, _word_set
from triage.normalize import BOUNDARIES, Token
from triage.rules import RULESET

EMERGENCY, URGENT = "P1", "P2"
LAYER = "context"
TIME_KINDS = ("past", "planned", "stable")
KINDS = (*TIME_KINDS, "request")
LABELS = {
    "past": "an event in the past",
    "planned": "something planned",
    "stable": "the patient is stable",
    "request": "a request for information, records or a service",
}
_P1_RULES = {rule.id for rule in RULESET.rules if rule.priority == EMERGENCY}

with LEXICON_PATH.open("rb") as _fh:
    _DATA = tomllib.load(_fh)["context"]
_CUES = {kind: _word_set(_DATA[kind]) for kind in KINDS}
_NOW = _word_set(_DATA["now"])
_PRESENT = _word_set(_DATA["present"])
_PERSONS = _word_set(_DATA["persons"])
_TOPIC = _word_set(_DATA["topic"])
_YEAR = re.compile(r"(19|20)\d\d")  # "a heart attack in 2019": an event in the past
_HABITUAL = tuple(_word_set(_DATA["habitual_endings"]).words)
PLEA_RULES = frozenset(_DATA["plea_rules"])


def lower(tokens: list[Token], result: Triage) -> Triage:
    """The result, lowered from P1 to P2 when context covers every reason for the P1; otherwise unchanged."""
    if result.priority != EMERGENCY:
        return result
    norms = [t.norm for t in tokens]
    cues = {kind: _CUES[kind].positions(norms) for kind in KINDS}
    cues["past"] |= {i for i, norm in enumerate(norms) if _YEAR.fullmatch(norm)}
    cues["request"] |= (topics := _TOPIC.positions(norms))
    covered = set().union(*cues.values())
    steady = {i - k for i in cues["stable"] for k in (1, 2)}  # "ab" in "ab sehatmand hain", "now" in "now stable"
    if not covered or _NOW.positions(norms) - covered - steady:
        return result
    clause = _clauses(norms)
    present = {i for i in _PRESENT.positions(norms) - covered if not (i and norms[i - 1].endswith(_HABITUAL))}
    timed = any(cues[kind] for kind in TIME_KINDS)
    time_clauses = {clause[i] for kind in TIME_KINDS for i in cues[kind]}
    persons = {clause[i] for i in _PERSONS.positions(norms)}
    request_clauses = {clause[i] for i in cues["request"]} - persons  # a request about no one in particular
    cue_clauses = time_clauses | request_clauses
    present_clauses = {clause[i] for i in present} - ({clause[i] for i in topics} - persons)
    for match in result.matched:
        if match.layer == "model" and match.rule_id == "model_P1":
            if not (timed or (request_clauses and not present_clauses and not persons)):
                return result
        elif match.layer not in ("rule", "floor", "model"):  # a layer this one does not know of: its P1 stays
            return result
        elif match.layer == "rule" and match.rule_id in _P1_RULES:  # (the floor raises to P3 at most)
            where = {clause[i] for i, t in enumerate(tokens) if t.text in match.words}
            if not where or where & present_clauses:  # a phrase not placed is never explained away
                return result
            if match.rule_id in PLEA_RULES:
                if not (timed or where <= request_clauses):
                    return result
            elif not where <= cue_clauses:
                return result
    kinds = [kind for kind in KINDS if cues[kind]]
    why = Match(
        f"context_{kinds[0]}",
        "context: " + "; ".join(LABELS[k] for k in kinds) + " - not an emergency by itself (P1 to P2)",
        tuple(tokens[i].text for i in sorted(covered))[:12],
        layer=LAYER,
    )
    return dataclasses.replace(
        result, priority=URGENT, matched=(why, *result.matched), layer=LAYER,
        lowered_from=EMERGENCY, raised_by=result.layer,
        rules_priority=result.rules_priority or result.priority,
    )  # fmt: skip


def _clauses(norms: list[str]) -> list[int]:
    """Clause number per word: a comma or a full stop starts a new clause."""
    numbers, current = [], 0
    for norm in norms:
        current += norm in BOUNDARIES
        numbers.append(current)
    return numbers

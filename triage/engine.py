"""Red-flag triage of free text (SMS, IVR speech, operator notes) by the rules in rules.toml."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from triage.floor import service_names
from triage.normalize import BOUNDARIES, Token, tokenize
from triage.rules import PRIORITIES, RED_FLAGS, RULES_VERSION, RULESET, STEM, Phrase, Rule, rank

ATTENTION = "P3"  # a denied or past red flag, or an at-risk patient alone: a human looks soon
ROUTINE = "P4"
_YEAR = re.compile(r"(19|20)\d\d")  # "had a stroke in 2019"
_DEVANAGARI = re.compile("[\u0900-\u097f]")
_OTHER_SCRIPT = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f\u0900-\u097f]")  # Urdu, Bengali, Gurmukhi...
_R = RULESET
_BY_ID = {rule.id: rule for rule in _R.rules}


@dataclass(frozen=True)
class Match:
    """Why a priority was given: a rule's phrase, the floor or the model, and the words behind it."""

    rule_id: str
    phrase: str
    words: tuple[str, ...]
    layer: str = "rule"  # "rule", "floor" (unclassified symptom) or "model" (statistical opinion)


@dataclass(frozen=True)
class Triage:
    """The outcome of classify(): priority, suggested specialty, and why."""

    priority: str
    specialty: str | None
    matched: tuple[Match, ...]
    language: str
    negated: tuple[Match, ...] = ()
    past: tuple[Match, ...] = ()
    rules_version: str = RULES_VERSION
    layer: str = "rule"  # the layer that set the priority: "rule", "floor", "model" or "context" (lowered)
    rules_priority: str | None = None  # what the rules alone said, when another layer raised it
    lowered_from: str | None = None  # the priority before the context layer lowered it (only ever "P1")
    raised_by: str | None = None  # the layer that had raised it to that priority, when it was lowered

    def explanation(self) -> dict:
        """What a case records of this decision: the layer that set it, what raised it and what lowered it, the rules."""
        why = {"layer": self.layer, "rules_version": self.rules_version, "rules_priority": self.rules_priority}
        if self.lowered_from:
            lowered = self.matched[0]
            why |= {"lowered_from": self.lowered_from, "raised_by": self.raised_by,
                    "raised_with": [m.rule_id for m in self.matched[1:] if m.layer == self.raised_by][:5],
                    "lowered_by": lowered.phrase, "lowered_words": list(lowered.words)}
        return why


_BY_WORD: dict[str, list[int]] = {}  # folded rule word (or "stem*") -> phrases containing it
for _index, _phrase in enumerate(_R.phrases):
    for _word in set(_phrase.words):
        _BY_WORD.setdefault(_word, []).append(_index)
# Each phrase is looked up under its rarest word only: every word must be present anyway, and
# "dard" or "pain" alone would otherwise make dozens of phrases candidates in every message.
_BY_KEY: dict[str, list[int]] = {}
for _index, _phrase in enumerate(_R.phrases):
    _BY_KEY.setdefault(min(_phrase.words, key=lambda w: len(_BY_WORD[w])), []).append(_index)
_PAST_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _marker in _R.past_markers:
    _PAST_BY_FIRST.setdefault(_marker[0], []).append(_marker)
_NOVELTY_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _marker in _R.novelty:
    _NOVELTY_BY_FIRST.setdefault(_marker[0], []).append(_marker)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _neighbourhood(word: str) -> set[str]:
    """The word and its 1-deletions (2-deletions too when long): the keys of the typo index."""
    near = {word} | _deletions(word)
    if len(word) >= 8:
        near |= {d2 for d1 in _deletions(word) for d2 in _deletions(d1)}
    return near


# Symmetric-deletion index: two words within the edit budget share a key, so a typo costs a few
# dict look-ups instead of a distance computation against every word of the rules.
_TYPO_INDEX: dict[str, set[str]] = {}
for _word in _BY_WORD:
    if len(_word) >= 4 and not _word.isdigit() and not _word.endswith(STEM):
        for _key in _neighbourhood(_word):
            _TYPO_INDEX.setdefault(_key, set()).add(_word)


def _edit_budget(a: str, b: str) -> int:
    shorter, longer = sorted((len(a), len(b)))
    return 2 if shorter >= 8 else 1 if shorter >= 4 and longer >= 5 else 0


def _within(a: str, b: str, budget: int) -> bool:
    """Optimal-string-alignment distance(a, b) <= budget, stopping as soon as it cannot be."""
    if abs(len(a) - len(b)) > budget:
        return False
    before, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > budget:
            return False
        before, previous = previous, current
    return previous[-1] <= budget


@lru_cache(maxsize=16384)
def rule_words(word: str) -> tuple[str, ...]:
    """The rule words a message word stands for: itself, its plural/singular, a stem, or a typo."""
    exact = {w for w in (word, word + "s", word[:-1] if word.endswith("s") else "") if w in _BY_WORD}
    if len(word) < 4:
        exact &= {word}  # "fit" must not become "fits"
    if word in _R.not_inflections:  # "father" is not "phat*" (burst), "shots" not "shot": an English word, itself only
        return tuple(sorted(exact & {word}))
    stems = {word[:k] + STEM for k in range(2, len(word) + 1) if word[:k] + STEM in _BY_WORD}
    if exact or len(word) < 4 or word.isdigit() or word in _R.known_words:
        return tuple(sorted(exact | stems))  # a correctly spelt word means itself, not its neighbours
    candidates = set().union(*(_TYPO_INDEX.get(key, ()) for key in _neighbourhood(word)))
    # The first letter is rarely mistyped; requiring it keeps "never" from meaning "fever".
    typos = {c for c in candidates if c[0] == word[0] and _within(word, c, _edit_budget(word, c))}
    return tuple(sorted(stems | typos))


@dataclass(frozen=True)
class _Found:
    phrase: Phrase
    positions: tuple[int, ...]


def _window(positions: list[int], start: int, width: int) -> list[int]:
    """The (ascending) positions within `width` of start: a slice found by bisection, not a scan."""
    return positions[bisect.bisect_right(positions, start - width) : bisect.bisect_left(positions, start + width)]


def _placements(phrase: Phrase, hits: dict[str, list[int]], clause: list[int]) -> Iterator[tuple[int, ...]]:
    """Yield position tuples where the phrase's words occur close together in one clause."""
    first, rest = phrase.words[0], phrase.words[1:]
    width = len(phrase.words) + _R.max_gap
    for start in hits[first]:
        if phrase.ordered:  # negator phrases keep their word order: "not breathing"
            paths = [[start]]
            for word in rest:
                paths = [
                    path + [p]
                    for path in paths
                    for p in hits[word]
                    if path[-1] < p <= path[-1] + 1 + _R.ordered_gap and clause[p] == clause[start]
                ]
            if paths:
                yield tuple(paths[0])
            continue
        near = [
            sorted(
                (p for p in _window(hits[w], start, width) if clause[p] == clause[start]),
                key=lambda p: abs(p - start),
            )[:8]
            for w in rest
        ]
        for combo in itertools.product(*near):
            spot = (start, *combo)
            if len(set(spot)) == len(spot) and max(spot) - min(spot) < width:
                yield tuple(sorted(spot))
                break


def _find(tokens: list[Token], named: set[int]) -> list[_Found]:
    hits: dict[str, list[int]] = {}
    clause, current = [], 0
    for i, token in enumerate(tokens):
        if token.norm in BOUNDARIES:
            current += 1
        clause.append(current)
        for word in () if token.norm in BOUNDARIES or i in named else rule_words(token.norm):
            hits.setdefault(word, []).append(i)
    found = []
    for index in sorted(index for word in hits for index in _BY_KEY.get(word, ())):
        phrase = _R.phrases[index]
        if all(word in hits for word in phrase.words):
            found.extend(_Found(phrase, spot) for spot in _placements(phrase, hits, clause))
    return found


def rule_positions(tokens: list[Token], named: set[int]) -> dict[str, set[int]]:
    """Every word position where each rule's phrases were found, every placement (a match keeps only its first)."""
    positions: dict[str, set[int]] = {}
    for found in _find(tokens, named):
        positions.setdefault(found.phrase.rule.id, set()).update(found.positions)
    return positions


_NEGATORS = frozenset(_R.negate_before) | frozenset(_R.negate_after)


def _scopes(tokens: list[Token]) -> list[int]:
    """Scope id per token: negation and past reach only within a clause, up to a conjunction."""
    scopes, current = [], 0
    for token in tokens:
        if token.norm in BOUNDARIES or token.norm in _R.conjunctions:
            current += 1
        scopes.append(current)
    return scopes


def _novelty(tokens: list[Token], scopes: list[int]) -> set[int]:
    """Positions of "never before" words ("pehle kabhi nahi", "like never"): they say a symptom is new."""
    words, at = [t.norm for t in tokens], set()
    for i, word in enumerate(words):
        for marker in _NOVELTY_BY_FIRST.get(word, ()):
            if tuple(words[i : i + len(marker)]) == marker and scopes[i + len(marker) - 1] == scopes[i]:
                at.update(range(i, i + len(marker)))
    return at


def novel_positions(tokens: list[Token]) -> set[int]:
    """Positions of "never before" words in a message: its symptom is new, so current (the context layer reads it as now)."""
    return _novelty(tokens, _scopes(tokens))


def _negated(tokens: list[Token], scopes: list[int], found: _Found, novel: set[int] = frozenset()) -> bool:
    """A negator right before or right after the phrase, skipping at most two fillers (not a "never before")."""
    start, end = found.positions[0], found.positions[-1]
    for step, negators, edge in ((-1, _R.negate_before, start), (1, _R.negate_after, end)):
        i, skipped = edge + step, 0
        while 0 <= i < len(tokens) and scopes[i] == scopes[edge] and i not in novel:
            word = tokens[i].norm
            if word in negators:
                after = tokens[i + 1].norm if i + 1 < len(tokens) else ""
                return step < 0 or after not in _R.continuing  # "dard nahi ja raha" goes on
            if word not in _R.fillers or skipped == 2:
                break
            i, skipped = i + step, skipped + 1
    return False


def _past_scopes(tokens: list[Token], scopes: list[int], novel: set[int] = frozenset()) -> set[int]:
    """Scopes that speak of months or years ago (never hours or days) and not also of now or "never before"."""
    said, cancelled = set(), {scopes[i] for i in novel}
    words = [t.norm for t in tokens]
    for i, word in enumerate(words):
        if word in _R.past_cancel:
            cancelled.add(scopes[i])
        elif _YEAR.fullmatch(word) or any(
            tuple(words[i : i + len(m)]) == m and scopes[i + len(m) - 1] == scopes[i]
            for m in _PAST_BY_FIRST.get(word, ())
        ):
            said.add(scopes[i])
    return said - cancelled


def detect_language(tokens: list[Token]) -> str:
    """'hi' if any Devanagari, 'hinglish' if romanised-Hindi function words, else 'en'."""
    if any(_DEVANAGARI.search(t.text) for t in tokens):
        return "hi"
    return "hinglish" if any(t.text in _R.hinglish for t in tokens) else "en"


def _as_match(tokens: list[Token], found: _Found) -> Match:
    return Match(found.phrase.rule.id, found.phrase.text, tuple(tokens[p].text for p in found.positions))


def _silences(longer: _Found, longer_rank: tuple[int, int], shorter: _Found, shorter_rank: tuple[int, int]) -> bool:
    """A longer phrase overrides a shorter one inside it ("food poisoning" is not "poisoning").

    On the very same words the higher-ranked rule speaks for them. A rule that needs a context
    ("pregnancy") escalates generic words, so only an admin phrase ("blood test") silences it.
    """
    a, b = set(longer.positions), set(shorter.positions)
    if a == b:
        return longer_rank < shorter_rank
    if not b < a:
        return False
    return not shorter.phrase.rule.requires or longer.phrase.rule.priority == ROUTINE


def _resolve(found: list[_Found], status: list[str]) -> tuple[dict[str, dict[str, _Found]], set[str]]:
    """Apply modifiers and longest-match; return the first match per rule by status, and active modifiers."""
    active = {
        f.phrase.rule.id
        for f, s in zip(found, status, strict=True)
        if f.phrase.rule.priority is None and s == "current"
    }
    kept = [i for i, f in enumerate(found) if f.phrase.rule.requires in (None, *active)]
    ranks = {i: rank(found[i].phrase.rule) for i in kept}
    covering: dict[int, list[int]] = {}  # position -> the matches holding it
    for j in kept:
        for p in found[j].positions:
            covering.setdefault(p, []).append(j)
    # Only a match holding every word of another can silence it, so only those holding its first word are
    # compared: a message repeating its words ("seene dard" 200 times) stays linear, not quadratic.
    kept = [
        i for i in kept
        if not any(_silences(found[j], ranks[j], found[i], ranks[i]) for j in covering[found[i].positions[0]])
    ]  # fmt: skip
    by_status: dict[str, dict[str, _Found]] = {"current": {}, "negated": {}, "past": {}}
    for i in kept:
        by_status[status[i]].setdefault(found[i].phrase.rule.id, found[i])
    for f, s in zip(found, status, strict=True):
        if f.phrase.rule.id in active and s == "current":  # shown even if a longer phrase used the words
            by_status["current"].setdefault(f.phrase.rule.id, f)
    for rule_id in by_status["current"]:
        by_status["negated"].pop(rule_id, None)
        by_status["past"].pop(rule_id, None)
    for rule_id in by_status["negated"]:
        by_status["past"].pop(rule_id, None)
    return by_status, active


def classify(text: str) -> Triage:
    """The rules layer alone on one message (triage.classify adds the floor and the model)."""
    tokens = tokenize(text or "")
    return classify_tokens(tokens, service_names(tokens))


def classify_tokens(tokens: list[Token], named: set[int]) -> Triage:
    """The rules on a tokenized message, ignoring the words at `named` (service names like "burns ward")."""
    scopes = _scopes(tokens)
    novel = _novelty(tokens, scopes)
    past_scopes = _past_scopes(tokens, scopes, novel)
    # A phrase may not borrow the "nahi" of a "pehle kabhi nahi" (never before): "ambulance ... kabhi nahi" is a plea
    # for an ambulance about something new, not "no ambulance".
    found = [f for f in _find(tokens, named)
             if not any(i in novel and tokens[i].norm in _NEGATORS for i in f.positions)]
    status = [
        "negated"
        if not f.phrase.ordered and _negated(tokens, scopes, f, novel)
        else "past"
        if scopes[f.positions[0]] in past_scopes
        else "current"
        for f in found
    ]
    by_status, active = _resolve(found, status)
    current, negated, past = by_status["current"], by_status["negated"], by_status["past"]
    rules = sorted((_BY_ID[r] for r in current if _BY_ID[r].priority), key=rank)
    discounted = sorted((_BY_ID[r] for r in (*negated, *past) if _BY_ID[r].priority in RED_FLAGS), key=rank)
    modifiers: list[Rule] = sorted((_BY_ID[r] for r in active), key=rank)
    top = rules[0] if rules else None
    if top and (not discounted or rank(top)[0] <= PRIORITIES.index(ATTENTION)):
        priority, specialty = top.priority, top.specialty
    elif discounted:  # a denied or past red flag still gets a human look
        priority, specialty = ATTENTION, discounted[0].specialty
    else:  # a pregnant woman or a child with a complaint we cannot read
        priority, specialty = (ATTENTION if modifiers else ROUTINE), None
    if (priority or ROUTINE) == ROUTINE and any(_OTHER_SCRIPT.search(t.text) for t in tokens):
        priority = ATTENTION  # a part in a script we cannot read gets a human look, whatever routine the rest asks
    for modifier in modifiers:
        if (specialty or "none") in modifier.overrides:
            specialty = modifier.specialty
            break
    return Triage(
        priority=priority or ROUTINE,
        specialty=specialty,
        matched=tuple(_as_match(tokens, current[r.id]) for r in (*rules, *modifiers)),
        language=detect_language(tokens),
        negated=tuple(_as_match(tokens, f) for f in negated.values()),
        past=tuple(_as_match(tokens, f) for f in past.values()),
    )

"""The symptom floor: text that speaks of a symptom is never routine, whatever the rules missed."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from triage.normalize import BOUNDARIES, Token, tokenize, warm
from triage.rules import strings_of

LEXICON_PATH = Path(__file__).with_name("lexicon.toml")
STEM = "*"
SCRIPTS = ("en", "hi", "hinglish", "pa", "ur", "bn")  # pa, ur, bn: [symptom] only so far


@dataclass(frozen=True)
class _WordSet:
    """Folded words, stems (prefixes) and runs of several words, matched against a message."""

    words: frozenset[str]
    stems: tuple[str, ...]
    runs: tuple[tuple[str, ...], ...]
    # The runs by their first word: a message word that starts none is passed over at once (a context set has
    # dozens of runs; trying each at every position was most of an emergency text's triage).
    starts: dict[str, tuple[tuple[str, ...], ...]] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        starts: dict[str, list] = {}
        for run in self.runs:
            starts.setdefault(run[0], []).append(run)
        object.__setattr__(self, "starts", {first: tuple(runs) for first, runs in starts.items()})

    def positions(self, norms: list[str]) -> set[int]:
        """Indexes of the message words this set speaks for."""
        found = {i for i, w in enumerate(norms) if w in self.words or w.startswith(self.stems)}
        starts = self.starts
        for i, word in enumerate(norms):
            for run in starts.get(word, ()):
                if tuple(norms[i : i + len(run)]) == run:
                    found.update(range(i, i + len(run)))
        return found


def _word_set(entries: list[str]) -> _WordSet:
    words, stems, runs = set(), [], []
    for entry in entries:
        folded = [t.norm for t in tokenize(entry.rstrip(STEM)) if t.norm not in BOUNDARIES]
        if entry.endswith(STEM):
            if len(folded) != 1 or len(folded[0]) < 3:
                raise ValueError(f"lexicon stem {entry!r} must be one word of three or more letters")
            stems.append(folded[0])
        elif len(folded) == 1:
            words.add(folded[0])
        elif folded:
            runs.append(tuple(folded))
    return _WordSet(frozenset(words), tuple(stems), tuple(runs))


@dataclass(frozen=True)
class Lexicon:
    """The lexicon.toml word sets, folded the way messages are folded."""

    symptom: _WordSet
    body_part: _WordSet
    severity: _WordSet
    suddenness: _WordSet
    service: _WordSet
    department: frozenset[str]
    particles: frozenset[str]
    naming: frozenset[str]
    courtesy: frozenset[str] = frozenset()


def load(path: Path = LEXICON_PATH) -> Lexicon:
    """Read and fold the lexicon; raise ValueError on a malformed entry."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    warm(strings_of(data))  # its Gurmukhi, Urdu and Bengali in one go (the context layer's words too)

    def of(section: str) -> _WordSet:
        return _word_set([w for script in SCRIPTS for w in data[section].get(script, ())])

    dept = data["department"]
    return Lexicon(
        symptom=of("symptom"),
        body_part=of("body_part"),
        severity=of("severity"),
        suddenness=of("suddenness"),
        service=of("service"),
        department=frozenset(_word_set(dept["words"]).words),
        particles=frozenset(_word_set(dept["particles"]).words),
        naming=frozenset(_word_set(dept["naming"]).words),
        courtesy=frozenset(_word_set(data["courtesy"]["words"]).words),
    )


LEXICON = load()


def service_names(tokens: list[Token]) -> set[int]:
    """Positions of words that name a service, not a complaint: "burns" in "burns ward"."""
    norms = [t.norm for t in tokens]
    named = set()
    for i, word in enumerate(norms):
        if word not in LEXICON.naming:
            continue
        j = i + 1
        while j < len(norms) and j <= i + 2 and norms[j] in LEXICON.particles:
            j += 1
        if j < len(norms) and norms[j] in LEXICON.department:
            named.add(i)
    return named


def symptom_words(tokens: list[Token], named: set[int], service_context: bool) -> tuple[str, ...]:
    """The message's words that speak of a symptom (empty if none), leaving out service names.

    A symptom word counts on its own. A body part counts with a severity or suddenness word, or
    when the message is not a question about services ("my chest", but not "chest x ray report").
    """
    norms = [t.norm for t in tokens]
    usable = lambda found: sorted(found - named)
    symptom = usable(LEXICON.symptom.positions(norms) | LEXICON.suddenness.positions(norms))
    if symptom:
        return tuple(tokens[i].text for i in symptom)
    body = usable(LEXICON.body_part.positions(norms))
    if not body:
        return ()
    intensity = usable(LEXICON.severity.positions(norms))
    if intensity or not (service_context or LEXICON.service.positions(norms)):
        return tuple(tokens[i].text for i in sorted(body + intensity))
    return ()

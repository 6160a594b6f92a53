"""The model layer: a character n-gram logistic regression, read from model.json, no scikit-learn needed."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from triage.floor import LEXICON
from triage.normalize import BOUNDARIES, Token

MODEL_PATH = Path(__file__).with_name("model.json")
CHAR_SIZES = (2, 3, 4)


def features(tokens: list[Token]) -> dict[str, float]:
    """Binary word and character n-gram features of folded words, courtesy words left out.

    Characters are taken inside each word padded with spaces (" dard ", so "d" at a word's start
    differs from one inside it), which copes with spelling variants; whole words and word pairs
    carry the phrasing. Features are not scaled by the message's length, so words of politeness or
    haste (left out anyway) cannot dilute the evidence of the others.
    """
    words = [t.norm for t in tokens if t.norm not in BOUNDARIES and t.norm not in LEXICON.courtesy]
    found: set[str] = {f"b:{a} {b}" for a, b in itertools.pairwise(words)}
    for word in words:
        found.update(_word_grams(word))
    return dict.fromkeys(found, 1.0)


@lru_cache(maxsize=16384)
def _word_grams(word: str) -> frozenset[str]:
    """The word itself and its character n-grams, padded with spaces (cached: words repeat)."""
    padded = f" {word} "
    grams = {padded[i : i + n] for n in CHAR_SIZES for i in range(max(1, len(padded) - n + 1))}
    return frozenset({f"w:{word}", *grams})


@dataclass(frozen=True)
class Opinion:
    """One binary logistic regression: weights per feature, bias and the raising threshold."""

    bias: float
    threshold: float
    weights: dict[str, float]
    over_urgent: float | None = None  # the threshold when the rules already said P2 (urgent)

    def probability(self, feats: dict[str, float]) -> float:
        """The probability that the message belongs to the class; 0 when its words give no evidence for it.

        A message of unknown or neutral words would otherwise get the prior (the bias) alone.
        """
        get = self.weights.get
        evidence = sum([get(f, 0.0) * x for f, x in feats.items()])  # a list: no generator resumed per feature
        if evidence <= 0:
            return 0.0
        return 1 / (1 + math.exp(-max(-60.0, min(60.0, self.bias + evidence))))


@dataclass(frozen=True)
class Model:
    """The shipped model: an emergency (P1) opinion and an urgent (P1 or P2) opinion."""

    version: str
    emergency: Opinion
    urgent: Opinion

    def suggest(self, tokens: list[Token], current: str = "P4") -> tuple[str | None, float]:
        """The priority the model would raise a message at `current` to ("P1", "P2" or None), and its probability.

        The rules named an urgent condition in a P2 message and judged it not an emergency: the model
        needs more confidence to overrule that (`over_urgent`) than to raise a P3 or P4 one.
        """
        feats = features(tokens)
        p1 = self.emergency.probability(feats)
        needed = (
            self.emergency.over_urgent if current == "P2" and self.emergency.over_urgent else self.emergency.threshold
        )
        if p1 >= needed:
            return "P1", p1
        p2 = self.urgent.probability(feats)
        return ("P2", p2) if p2 >= self.urgent.threshold else (None, max(p1, p2))


def load(path: Path = MODEL_PATH) -> Model | None:
    """Read model.json; None if it is missing (the rules and the floor still work)."""
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))

    def opinion(key: str, column: int) -> Opinion:
        weights = {f: w[column] for f, w in data["weights"].items() if w[column]}
        over = data[key].get("over_urgent")
        return Opinion(float(data[key]["bias"]), float(data[key]["threshold"]), weights, over)

    return Model(data["version"], opinion("emergency", 0), opinion("urgent", 1))


MODEL = load()

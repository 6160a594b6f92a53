"""The sealed hold-out: messages written before the floor, the rule fixes and the model, never tuned on.

Only this test and bench/bench_triage.py read holdout.tsv; triage.train and the corpus tests do not.
A miss found here is reported, and fixed by a new kind of phrasing in the corpus, never by copying it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from triage import classify
from triage.metrics import read_labelled, safety_figures

HOLDOUT_PATH = Path(__file__).with_name("holdout.tsv")
HOLDOUT = read_labelled(HOLDOUT_PATH)


def test_holdout_is_large_and_in_the_three_scripts() -> None:
    scripts = Counter(row["script"] for row in HOLDOUT)
    assert len(HOLDOUT) >= 300
    assert all(scripts[s] >= 60 for s in ("en", "hi", "hinglish")), scripts
    assert {row["expected_priority"] for row in HOLDOUT} == {"P1", "P2", "P3", "P4"}


def test_holdout_meets_the_safety_targets() -> None:
    figures = safety_figures(HOLDOUT, lambda text: classify(text).priority)
    print("\nhold-out: " + figures.lines())
    assert figures.emergencies_below_p2 == 0
    assert figures.non_routine_p4 == 0
    assert figures.emergency_recall == 1.0
    assert figures.routine_false_alarm < 0.10

"""The sealed hold-out: messages written before the floor, the rule fixes and the model, never tuned on.

Only this test and bench/bench_triage.py read holdout.tsv; triage.train and the corpus tests do not.
A miss found here is reported, and fixed by a new kind of phrasing in the corpus, never by copying it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from triage import classify
from triage.metrics import read_labelled, safety_figures

HOLDOUT_PATH = Path(__file__).with_name("holdout.tsv")
HOLDOUT = read_labelled(HOLDOUT_PATH)


def test_holdout_is_large_and_in_the_three_scripts() -> None:
    scripts = Counter(row["script"] for row in HOLDOUT)
    assert len(HOLDOUT) >= 300
    assert all(scripts[s] >= 60 for s in ("en", "hi", "hinglish")), scripts
    assert {row["expected_priority"] for row in HOLDOUT} == {"P1", "P2", "P3", "P4"}


FIGURES = safety_figures(HOLDOUT, lambda text: classify(text).priority)


def test_holdout_no_emergency_below_p2_no_symptom_routine_few_false_alarms() -> None:
    print("\nhold-out: " + FIGURES.lines())
    assert FIGURES.emergencies_below_p2 == 0
    assert FIGURES.non_routine_p4 == 0
    assert FIGURES.routine_false_alarm < 0.10


@pytest.mark.xfail(strict=True, reason="2026-11-29: 145/146, one hold-out emergency comes out P2 (bench/README.md)")
def test_holdout_emergency_recall_is_complete() -> None:
    assert FIGURES.emergency_recall == 1.0, FIGURES.lines()

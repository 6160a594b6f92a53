"""The sealed hold-out: messages written before the floor, the rule fixes and the model, never tuned on.

Only this test and bench/bench_triage.py read holdout.tsv; triage.train and the corpus tests do not.
A miss found here is reported, and fixed by a new kind of phrasing in the corpus, never by copying it.

How it has been used (so its figures are read for what they are worth):
- 2026-11-29 (rules 2026.11.2): 145/146. The one miss (P2) was read, once, to learn its KIND: a sudden
  "never like this before" headache in romanised Hindi. Rules 2026.11.3 then added thunderclap-headache
  phrases in the three scripts, made "never before" phrasings current (they had been read as history),
  and 51 new corpus rows of that kind, written fresh (none copied from here); the model was retrained.
  After that: 146/146. The hold-out has now been looked at, so this is no longer a blind figure:
  a hold-out written by someone else is the next honest test (triage/README.md, Known limits).
- The over-triaged messages were counted by layer only, their texts not read, and nothing was tuned on them.
  A second corpus addition (a relative "unwell" with nothing more said, P3) came from the operator-suggestion
  browser test, not from here; it was kept on its out-of-fold training figures, and this file was run only
  after that decision (it gave 146/146, P2-P4 given P1 12/174 instead of 14/174; nothing was changed after).
  Then stroke phrases for sudden confusion ("ajeeb baatein", "बहकी बातें"), found when that retrain lowered a
  test message of the suggestion API, with 9 corpus rows; the figures above did not change.
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


FIGURES = safety_figures(HOLDOUT, lambda text: classify(text).priority)


def test_holdout_no_emergency_below_p2_no_symptom_routine_few_false_alarms() -> None:
    print("\nhold-out: " + FIGURES.lines())
    assert FIGURES.emergencies_below_p2 == 0
    assert FIGURES.non_routine_p4 == 0
    assert FIGURES.routine_false_alarm < 0.10


def test_holdout_emergency_recall_is_complete() -> None:
    assert FIGURES.emergency_recall == 1.0, FIGURES.lines()

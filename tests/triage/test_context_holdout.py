"""The sealed hold-out of issue 28: routine messages with alarming words, in every language the helpline takes.

context_holdout.tsv was written for the purpose (400 routine messages, 50 per language and script, and 48
emergencies told beside the past or a request), committed before it was first run, and is read only by this
test: the context layer's words were built on context_dev.tsv. Only this test reads it.

How it has been used (so its figures are read for what they are worth):
- Run 1 (the layer as first built on the dev set): routine raised to P1 en 12/50, hi 15/50, hinglish 15/50,
  pa-latn 20/50, ur-latn 20/50 (without the layer: 33, 32, 33, 39, 38); emergencies 30/30 P1 where triage reads.
- The dev set then grew by new messages of general kinds (years and months, deaths, posters and volunteering,
  "is stable", habitual questions, romanised Punjabi and Urdu); the hold-out's own messages were never printed
  or read, only the per-language counts. Runs 2 and 3: 54/400 raised to P1 (13.5%), emergencies unchanged.
- Run 4, after a third round of dev rows (being under control, at home, awareness camps and programmes): 49/400
  (12.2%: en 6, hi 7, hinglish 8, pa-latn 11, ur-latn 17), emergencies unchanged. Tuning stopped there.
  Its author also wrote the dev set and the layer, so it is independent of the layer's words, not of its author.
- Gurmukhi, Urdu script and Bengali are not read by triage on this branch (P3 "unreadable": a human looks soon);
  their routine messages are never P1 and their emergencies are P3. Issue 27 (transliteration) will change both.
- Run 5 (rules 2026.12.3, Punjabi coverage written from the phrases people use, without reading this file): the
  one Gurmukhi emergency missed at 2026.12.2 is P1 (pa 6/6); routine raised to P1 87/400 (ur 16, bn 7).

context_holdout_2.tsv, the second sealed hold-out (same columns): 50 routine messages with alarming words and 6
emergencies told beside the past or a request, per language, written on 2026-12-07 by the session that then tuned
the layer, BEFORE that tuning, from situations residents write (past events told with each language's marks of the
past, requests for records, rates, timings, training, numbers, information, plans, stable patients, grievances
about past services, hypothetical and third-party mentions). English has 50 situations of its own; the other seven
languages tell one other set of 50 situations, each in its own words (so their figures can be compared). It was
committed before it was first run, and only its per-language counts have been looked at since.
- Run 1 (rules 2026.12.3, before the tuning): routine raised to P1 170/400 (42.5%: en 16, hi 23, hinglish 22, pa 23,
  pa-latn 26, ur 24, ur-latn 20, bn 16); emergencies 48/48 P1. The first hold-out said 87/400 at the same rules:
  a hold-out the layer's words had been tuned beside reads better than a fresh one.
  Its author wrote the dev rows tuned on afterwards: they are new situations, not its messages, but of the same kinds.
  During the tuning one run of tests/triage printed both hold-outs' counts once (115/400 here, 82/400 on the first);
  nothing was changed because of them, and no message of either file was read.
- Run 2 (rules 2026.12.4, after the tuning on the dev set): 99/400 (24.8%: en 14, hi 15, hinglish 13, pa 13, pa-latn 14,
  ur 11, ur-latn 9, bn 10); emergencies 48/48 P1. The first hold-out at the same rules: 63/400 (15.8%: en 6, hi 7,
  hinglish 7, pa 8, pa-latn 10, ur 9, ur-latn 11, bn 5), emergencies 48/48. The 10% target is met only by bn on the
  first; each language above it is a strict expected failure with its figure (ABOVE_TARGET).
- Run 3 (the same version, after one more round of dev rows: English "had", "no one is ill"): 98/400 (en 13, the
  rest unchanged); the first hold-out unchanged at 63/400; emergencies 96/96 P1. Tuning stopped there.
- Helper "triage2" (same version 2026.12.4, still unsigned) ran this test twice, both times after tuning on new dev rows
  only (a written work's subject, "emergency contact", English "-ed" beside a word of the past, the "now" of a request),
  never on either hold-out's messages, which it did not open.
  Run 4 (first hold-out's 6th): with "and" splitting every clause, as first written: 70/400 on the first (en 9, hi 8,
  hinglish 8, pa 8, pa-latn 10, ur 10, ur-latn 12, bn 5) and 101/400 on the second (en 16, hi 15, hinglish 13, pa 13,
  pa-latn 14, ur 10, ur-latn 9, bn 10); emergencies 96/96 P1. Worse on both, and before it a property test had found
  a safety defect in the layer of run 3: a topic's clause reached across "and" and a present verb beside a red flag
  was read as the topic's ("awareness camp me ek aurat ko daura pad raha hai", "awareness camp chal raha hai aur ek
  aadmi behosh ho gaya hai" were lowered to P2). What changed before run 5: "and" splits only a topic's reach, and a
  present verb is the topic's only when nearer the topic than any red flag (dev rows and property test first).
  Run 5 (the last of this helper): the first 63/400 (en 6, hi 7, hinglish 7, pa 8, pa-latn 10, ur 9, ur-latn 11, bn 5:
  unchanged from run 3), the second 102/400 (en 13, hi 16, hinglish 13, pa 14, pa-latn 14, ur 13, ur-latn 9, bn 10:
  hi +1, pa +1, ur +2 from run 3); emergencies 96/96 P1, none below P2. The ratchet of the second was raised for
  hi, pa and ur: the price of closing the safety defect above (a real emergency at a camp now rings), recorded
  here rather than hidden; no language newly meets the 10% target.
- Helper "triage" (rules 2026.12.5, PENDING), session of 2026-12-07 afternoon: tuned on context_dev.tsv (72 new rows of its
  own, written before the change) and context_dev_2.tsv (written by another helper who read neither the rules nor any
  hold-out; merged from h/devset), never on either hold-out, which it did not open. Structure, not phrases: "last" + any
  word, an emergency told as a time ("after his stroke", "ke baad") or naming a service ("snake bite ward"), question
  words and "upon it happening" in a clause naming no one, the "now" of a stable patient, of a wish or of "till now",
  a subjunctive "if"; and a safety fix (a verb going on or a symptom told in the present keeps P1 wherever the P1
  phrase sits). Run 6 (this helper's first): the first 58/400 (14.5%: en 5, hi 7, hinglish 6, pa 8, pa-latn 10, ur 9,
  ur-latn 8, bn 5), the second 85/400 (21.2%: en 13, hi 13, hinglish 9, pa 11, pa-latn 12, ur 11, ur-latn 7, bn 9);
  emergencies 96/96 P1, none below P2. No language is worse than at run 5; en and bn meet the 10% target on the first.
  Between runs 6 and 7 only dev rows were read (context_dev_2.tsv complete: a "now" set against a named past, Punjabi
  and Bengali stable words, services named after an emergency word, a death told with its verb, a writer's verb).
  Run 7 (this helper's second and last): the first 51/400 (12.8%: en 5, hi 7, hinglish 5, pa 8, pa-latn 8, ur 8,
  ur-latn 8, bn 2), the second 82/400 (20.5%: en 13, hi 13, hinglish 8, pa 11, pa-latn 11, ur 11, ur-latn 7, bn 8);
  emergencies 96/96 P1, none below P2. en, hinglish and bn meet the 10% target on the first; no language does on the
  second, whose fresh messages still read worse than the first's.
  After run 7 (no further run: this helper's two were used) a sweep of the suite's present emergencies joined to each new
  structure, in every order and without punctuation, found lowerings this branch had introduced (a bare trailing "ab"
  read as a contrast, the model's emergency beside a "now" with words the lexicon does not know, "ab nahi" as a word of
  stability, "achanak" before one, a question word beside another symptom). They were closed; each fix can only keep
  a P1, so a hold-out figure can only have risen since run 7 (on the dev sets: context_dev_2 165 -> 187 of 560,
  context_dev 18 -> 19 of 443). RECORDED_P1 is still run 7's: the next run shows whether a fix cost a hold-out message.
- Helper "triage2" tried a model retrained with both dev sets (not shipped: it lost a dev emergency and raised plain
  messages to P1). Its first test run loaded this module by mistake (--deselect still imports it) and printed the
  counts for that rejected model, 41/400 and 66/400; no message was opened and nothing was decided by them.
- Run 8 (lead, merge of session 12, rules 2026.12.5 with the fixes after run 7): the first 58/400 (14.5%: en 5, hi 7,
  hinglish 6, pa 8, pa-latn 10, ur 9, ur-latn 8, bn 5), the second 87/400 (21.8%: en 13, hi 13, hinglish 9, pa 12,
  pa-latn 13, ur 12, ur-latn 7, bn 8); emergencies 96/96 P1, none below P2. The fixes after run 7 cost 7 and 5
  messages: the price of keeping present emergencies P1 (see above). RECORDED_P1 is run 8's.

context_holdout_3.tsv, the third sealed hold-out (same columns, 50 routine and 6 emergencies per language), was written
on 2026-12-07 (committed 14:58 UTC) by a helper who read neither the rules, the lexicon, the dev sets nor the other
hold-outs, and is read by no one who tunes triage: only its per-language counts are printed (by this test and, for the
lead, by a count with the same logic). It is the blindest of the three.
- Run 1 (rules 2026.12.4, main before session 12's tuning): routine raised to P1 187/400 (46.8%: en 18, hi 21,
  hinglish 31, pa 25, pa-latn 25, ur 24, ur-latn 25, bn 18); emergencies 48/48 P1.
- Run 2 (rules 2026.12.5, the tuning on context_dev_2.tsv, which another helper wrote from the same brief without
  reading either): 167/400 (41.8%: en 18, hi 16, hinglish 31, pa 25, pa-latn 20, ur 21, ur-latn 24, bn 12);
  emergencies 48/48 P1, none below P2. The first two hold-outs (14.5%, 21.8%) flatter the layer: their counts have
  been seen many times while it was tuned. On messages nobody tuned beside, about two in five routine messages with
  an alarming word still ring every doctor: issue 28's target is far from met.
- Run 3 (lead, merge of session 13: rules 2026.12.6, h/ctx's word of now attached to its clause, tuned on the three
  dev sets, context_dev_3.tsv written blind by another helper; and the lead's stem exceptions, 'sir, my father'):
  157/400 (39.2%: en 16, hi 16, hinglish 32, pa 19, pa-latn 20, ur 18, ur-latn 24, bn 12); emergencies 48/48 P1, none
  below P2. The same run: the first 50/400 (12.5%: en 5, hi 6, hinglish 6, pa 8, pa-latn 7, ur 7, ur-latn 7, bn 4),
  the second 83/400 (20.8%: en 12, hi 14, hinglish 9, pa 10, pa-latn 12, ur 11, ur-latn 7, bn 8). Two languages are one
  message worse (the second's hi 13 -> 14, this one's hinglish 31 -> 32); which message was not looked at. bn meets the
  10% target on the first; en is at it.
- Run 9 (lead, session 14, rules 2026.12.7 PENDING: h/triage tuned on context_dev_4.tsv, which it wrote before tuning;
  h/triage2 on context_dev_5.tsv, written blind by another helper; a lead safety fix for symptoms told after an event):
  the first 46/400 (11.5%: en 5, hi 5, hinglish 6, pa 8, pa-latn 7, ur 5, ur-latn 7, bn 3), the second 78/400 (19.5%:
  en 12, hi 14, hinglish 8, pa 10, pa-latn 12, ur 10, ur-latn 6, bn 6), the third 151/400 (37.8%: en 15, hi 16,
  hinglish 31, pa 20, pa-latn 19, ur 17, ur-latn 23, bn 10); emergencies 48/48 P1 on each, none below P2. On the
  fresh dev sets the same rules went 140 -> 85 of 433 and 138 -> 131 of 427: rules tuned on a set their author wrote
  carried over to the blind hold-outs at a tenth of their effect. The first hold-out's hi and ur now meet the 10%
  target; the third's pa is one message worse (19 -> 20; which one was not looked at).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from triage import classify
from triage.metrics import read_labelled

HOLDOUTS = {name: read_labelled(Path(__file__).with_name(f"{name}.tsv")) for name in ("context_holdout", "context_holdout_2", "context_holdout_3")}
LANGUAGES = ("en", "hi", "hinglish", "pa", "pa-latn", "ur", "ur-latn", "bn")
READ = LANGUAGES  # since issue 27 triage reads Gurmukhi, Urdu and Bengali too (triage/scripts.py)
TARGET = 0.10  # issue 28: at most 10% of routine messages with alarming words raised to P1
# The figures of the last run, as a ratchet: a change may lower them, never raise them.
# (hi 7 -> 9 and ur-latn 17 -> 18 when issue 27's phrases in Punjabi and Urdu came in; pa, ur and bn first measured then;
# ur 19 -> 16 and bn 8 -> 7 at rules 2026.12.3, with past markers and conjunctions in Punjabi, Urdu and Bengali;
# 87 -> 63 and, on the second hold-out, 170 -> 98 at rules 2026.12.4: past verbs, "if", every placement of a rule;
# second hold-out hi 15 -> 16, pa 13 -> 14, ur 11 -> 13 when a topic stopped covering a present verb beside a red flag,
# a safety fix: see run 5 above; 63 -> 58 -> 51 and 102 -> 85 -> 82 at rules 2026.12.5, runs 6 and 7; 51 -> 58 and
# 82 -> 87 at run 8, the safety fixes after run 7; the third hold-out first recorded at its run 2; all three at rules
# 2026.12.6, the third's run 3: 58 -> 50, 87 -> 83, 167 -> 157, with the second's hi and the third's hinglish one worse;
# at 2026.12.7, run 9 in the docstring: 50 -> 46, 83 -> 78, 157 -> 151, with the third's pa one worse)
RECORDED_P1 = {
    "context_holdout": {"en": 5, "hi": 5, "hinglish": 6, "pa": 8, "pa-latn": 7, "ur": 5, "ur-latn": 7, "bn": 3},
    "context_holdout_2": {"en": 12, "hi": 14, "hinglish": 8, "pa": 10, "pa-latn": 12, "ur": 10, "ur-latn": 6, "bn": 6},
    "context_holdout_3": {"en": 15, "hi": 16, "hinglish": 31, "pa": 20, "pa-latn": 19, "ur": 17, "ur-latn": 23, "bn": 10},
}
# A missed emergency the suite knows of, by hold-out and language: each is a defect to fix from the dev set, never
# from the hold-out. (The Gurmukhi emergency that reached only P2 at 2026.12.2 is P1 since 2026.12.3: found fixed
# by its strict xfail passing.)
KNOWN_MISSED: dict[tuple[str, str], str] = {}
CASES = [(name, lang) for name in HOLDOUTS for lang in LANGUAGES]


def _figures(rows: list[dict[str, str]]) -> dict[str, Counter]:
    per: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        got, counts = classify(row["text"]).priority, per[row["script"]]
        if row["expected_priority"] == "P1":
            counts["emergencies"] += 1
            counts["emergencies_p1"] += got == "P1"
            counts["emergencies_below_p2"] += got in ("P3", "P4")
            counts["emergencies_below_p3"] += got == "P4"
        else:
            counts["routine"] += 1
            counts["routine_p1"] += got == "P1"
    return per


FIGURES = {name: _figures(rows) for name, rows in HOLDOUTS.items()}


def lines() -> list[str]:
    """Per hold-out, one line per language: routine raised to P1 and emergency recall, as every run prints them."""
    out = []
    for name, figures in FIGURES.items():
        out.append(f"{name}.tsv:")
        for lang in LANGUAGES:
            f = figures[lang]
            out.append(
                f"  {lang:8} routine raised to P1: {f['routine_p1']}/{f['routine']} ({f['routine_p1'] / max(1, f['routine']):.0%}); "
                f"emergency recall {f['emergencies_p1']}/{f['emergencies']}; emergencies below P2: {f['emergencies_below_p2']}"
                + ("" if lang in READ else " (script not read yet: P3, a human looks)")
                + (f" KNOWN DEFECT: {KNOWN_MISSED[(name, lang)]}" if (name, lang) in KNOWN_MISSED else "")
            )
        total = sum(figures[lang]["routine_p1"] for lang in LANGUAGES), sum(figures[lang]["routine"] for lang in LANGUAGES)
        out.append(f"  all      routine raised to P1: {total[0]}/{total[1]} ({total[0] / max(1, total[1]):.1%})")
    return out


MIN_EMERGENCIES = {"context_holdout": 5, "context_holdout_2": 6, "context_holdout_3": 6}  # per language
# The languages where a hold-out is still above the 10% target, with the figure: a strict expected failure each, so a
# language that meets it shows as XPASS (a failure) until it is taken off this list.
ABOVE_TARGET: dict[tuple[str, str], str] = {
    (name, lang): f"above issue 28's 10% target: {n}/50 raised to P1 at the last run"
    for name, recorded in RECORDED_P1.items() for lang, n in recorded.items() if n > TARGET * 50
}


def _marked(cases: list[tuple[str, str]], known: dict[tuple[str, str], str]) -> list:
    return [pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason=known[case])) if case in known
            else pytest.param(*case) for case in cases]


@pytest.mark.parametrize("name", HOLDOUTS)
def test_the_hold_out_has_400_routine_messages_and_emergencies_in_every_language(name: str) -> None:
    counts = Counter((row["script"], row["expected_priority"] == "P1") for row in HOLDOUTS[name])
    assert sum(n for (lang, emergency), n in counts.items() if not emergency) >= 400
    assert all(counts[(lang, False)] >= 50 and counts[(lang, True)] >= MIN_EMERGENCIES[name] for lang in LANGUAGES), counts
    assert {row["script"] for row in HOLDOUTS[name]} == set(LANGUAGES)


@pytest.mark.parametrize(("name", "lang"), _marked([c for c in CASES if c[1] in READ], KNOWN_MISSED))
def test_every_emergency_stays_p1_in_each_language_triage_reads(name: str, lang: str) -> None:
    f = FIGURES[name][lang]
    assert (f["emergencies_p1"], f["emergencies_below_p2"]) == (f["emergencies"], 0), "\n".join(lines())


@pytest.mark.parametrize(("name", "lang"), CASES)
def test_no_emergency_is_left_routine_in_any_language(name: str, lang: str) -> None:
    assert FIGURES[name][lang]["emergencies_below_p3"] == 0


@pytest.mark.parametrize(("name", "lang"), CASES)
def test_routine_raised_to_p1_is_no_worse_than_recorded(name: str, lang: str) -> None:
    assert FIGURES[name][lang]["routine_p1"] <= RECORDED_P1[name][lang], "\n".join(lines())


@pytest.mark.parametrize(("name", "lang"), _marked([c for c in CASES if c[1] in READ], ABOVE_TARGET))
def test_at_most_a_tenth_of_routine_messages_rings_every_doctor(name: str, lang: str) -> None:
    f = FIGURES[name][lang]
    assert f["routine_p1"] <= TARGET * f["routine"], "\n".join(lines())

"""Train the model layer from the labelled corpus: `python -m triage.train` rewrites triage/model.json.

Needs scikit-learn (requirements-dev.txt); classify() at run time does not. Reads only the training
corpus (tests/triage/corpus.tsv and corpus_callers.tsv), never the sealed hold-out. The thresholds
are chosen on out-of-fold probabilities of the whole layered classifier (rules, floor, model): the
lowest, so the most sensitive, at which routine messages raised to its level, and all messages
below its level raised to it, stay within BUDGETS on the training folds. Recall is what the budget buys; both are
written into model.json under "chosen".

Issue 28's dev sets (context_dev.tsv, context_dev_2.tsv) were tried as training data on 2026-12-07 (h/triage2) and
REJECTED; the shipped model is still the corpus-only one of 2026.11.3. `python -m triage.train --estimate` (see
estimate()) halves context_dev_2 per script and priority, trains on the corpus, context_dev and one half, and runs the
whole classifier on the other half. Routine (P3/P4) raised to P1, today's model -> trained with the dev rows:
  second half 96/280 -> 74/280 (by the model 32 -> 10), emergencies 48/48 -> 48/48;
    bn 8->7, en 8->6, hi 13->8, hinglish 14->13, pa 12->10, pa-latn 13->7, ur 13->10, ur-latn 15->13 (of 34-36 each)
  first half 91/280 -> 64/280 (by the model 30 -> 3), emergencies 48/48 -> 48/48;
    bn 7->6, en 9->7, hi 10->9, hinglish 11->9, pa 18->11, pa-latn 16->7, ur 7->5, ur-latn 13->10 (of 34-36 each)
The split said it helps; the model trained on all of them (`--with-dev`, BUDGETS counted on the corpus rows only,
urgent opinion from the corpus only; thresholds P1 0.225 -> 0.125) failed 21 tests of tests/triage and
tests/clinical_safety: it LOST an emergency ("2019 ch adhrang hoya si, hun sah ukhdeya": P1 -> P2; a past named, then
a present "hun" emergency the model alone heard, at any threshold up to 0.4), and raised plain messages to P1 ("I'll
come tomorrow", "I am pregnant", an Urdu lost card; corpus_languages.tsv, not trained on: 0/30 -> 6/30 non-emergencies
raised to P1). Its figure on context_dev_2 as a whole (training data then, so not blind): 187/560 -> 126/560 (by the
model 62 -> 1). Weighting the dev rows 0.3 (sample_weight, a one-off experiment not kept) lost the same emergency and
still raised "I'll come tomorrow" to P1. A split of one dev set measures only messages of that set's kind: run the safety tests on any
candidate before believing it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from triage.engine import classify_tokens
from triage.floor import service_names
from triage.metrics import read_labelled
from triage.model import MODEL_PATH, features
from triage.normalize import Token, tokenize
from triage.rules import PRIORITIES, RULES_VERSION
from triage.safety import REVIEW, ROUTINE, model_view, symptom_words

ROOT = Path(__file__).resolve().parents[1]
CORPUS_FILES = (ROOT / "tests/triage/corpus.tsv", ROOT / "tests/triage/corpus_callers.tsv")
# Issue 28's dev sets: routine messages with alarming words (and emergencies told beside them), read freely. Never the
# hold-outs (context_holdout*.tsv, holdout*.tsv): those measure what this trains. Not in the shipped model: see
# estimate() and `--with-dev` for why (a model trained with them lost an emergency).
DEV_FILES = (ROOT / "tests/triage/context_dev.tsv", ROOT / "tests/triage/context_dev_2.tsv")
BUDGETED = {path.name for path in CORPUS_FILES}  # the rows BUDGETS are shares of (see train())
# Budgets on the training folds, per opinion: (routine messages raised to its level, all messages
# below its level raised to it). Issue 12 allows routine->P1 under 10% (8% leaves a margin); trauma
# triage practice accepts over-triage of 25-35% to keep under-triage under 5%: we allow 25% to P1.
BUDGETS = {"P1": (0.08, 0.25), "P2": (0.15, 0.35)}
# Urgent (P2) messages raised to P1 ring every doctor: at most a third of them (alarm fatigue is a risk too).
URGENT_TO_EMERGENCY_BUDGET = 0.33
C, FOLDS, PRUNE, SEED = 2.0, 5, 0.05, 12  # C: best out-of-fold recall of C in 0.5, 1, 2, 8, 32
VERBOSE = False
GRID = [round(0.025 * i, 3) for i in range(1, 38)]


def layered_without_model(text: str) -> tuple[str, list[Token]]:
    """The priority the rules and the floor give (as classify() computes it) and the words the model reads."""
    tokens = tokenize(text)
    named = service_names(tokens)
    result = classify_tokens(tokens, named)
    priority = result.priority
    if priority == ROUTINE and symptom_words(tokens, named, any(m.rule_id for m in result.matched)):
        priority = REVIEW
    return priority, model_view(tokens, result, named)


def _fit(x, y):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(x, y)


def _out_of_fold(x, y):
    """Out-of-fold probabilities as the model layer uses them: zero where the words give no evidence."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y)
    out = np.zeros(len(y))
    for fit_rows, test_rows in StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED).split(x, y):
        model = _fit(x[fit_rows], y[fit_rows])
        evidence = x[test_rows] @ model.coef_[0]
        probability = 1 / (1 + np.exp(-(evidence + model.intercept_[0])))
        out[test_rows] = np.where(evidence > 0, probability, 0.0)
    return out


def _choose(threshold_grid, expected, base, probabilities, raised_to: str) -> tuple[float, dict]:
    """The lowest threshold (so the highest recall) whose out-of-fold false alarms stay within BUDGETS."""
    rank = PRIORITIES.index
    wanted = [i for i, e in enumerate(expected) if rank(e) <= rank(raised_to)]
    routine = [i for i, e in enumerate(expected) if e == "P4"]
    below = [i for i, e in enumerate(expected) if rank(e) > rank(raised_to)]
    routine_budget, over_budget = BUDGETS[raised_to]
    for t in threshold_grid:
        final = [
            raised_to if p >= t and rank(raised_to) < rank(b) else b for b, p in zip(base, probabilities, strict=True)
        ]
        recall = sum(rank(final[i]) <= rank(raised_to) for i in wanted) / len(wanted)
        alarms = sum(rank(final[i]) <= rank(raised_to) for i in routine) / len(routine)
        over = sum(rank(final[i]) <= rank(raised_to) for i in below) / len(below)
        figures = {"threshold": t, "out_of_fold_recall": round(recall, 4), "out_of_fold_routine_raised": round(alarms, 4),
                   "out_of_fold_over_triage": round(over, 4), "budgets": [routine_budget, over_budget]}  # fmt: skip
        if VERBOSE:
            print(raised_to, figures)
        if alarms < routine_budget and over < over_budget:
            return t, figures
    raise ValueError(f"no threshold keeps the false alarms of {raised_to} within {BUDGETS[raised_to]}")


def _over_urgent(threshold: float, expected, base, probabilities) -> dict:
    """The lowest threshold, at least `threshold`, raising at most the budgeted share of urgent messages to P1."""
    urgent = [i for i, e in enumerate(expected) if e == "P2"]
    emergencies = [i for i, e in enumerate(expected) if e == "P1"]
    for t in [g for g in GRID if g >= threshold] + [1.0]:
        needed = [t if b == "P2" else threshold for b in base]
        final = ["P1" if p >= n else b for b, p, n in zip(base, probabilities, needed, strict=True)]
        raised = sum(final[i] == "P1" for i in urgent) / len(urgent)
        if raised < URGENT_TO_EMERGENCY_BUDGET:
            recall = sum(final[i] == "P1" for i in emergencies) / len(emergencies)
            return {"over_urgent": t, "out_of_fold_urgent_raised": round(raised, 4),
                    "out_of_fold_recall_with_over_urgent": round(recall, 4),
                    "urgent_budget": URGENT_TO_EMERGENCY_BUDGET}  # fmt: skip
    raise ValueError("no threshold keeps urgent messages raised to P1 within budget")


def _weights(model, vectorizer) -> dict[str, float]:
    names = vectorizer.get_feature_names_out()
    return {str(n): round(float(w), 3) for n, w in zip(names, model.coef_[0], strict=True) if abs(w) >= PRUNE}


def training_rows(files: tuple[Path, ...] = CORPUS_FILES) -> list[dict[str, str]]:
    """The labelled rows of `files`, each with the name of its file under "file"."""
    return [row | {"file": path.name} for path in files for row in read_labelled(path)]


def train(version: str, files: tuple[Path, ...] = CORPUS_FILES, rows: list[dict[str, str]] | None = None) -> dict:
    """Fit both opinions on the rows of `files` (or `rows`), choose their thresholds, return model.json's content."""
    from sklearn.feature_extraction import DictVectorizer

    rows = training_rows(files) if rows is None else rows
    texts = [row["text"] for row in rows]
    expected = [row["expected_priority"] for row in rows]
    layered = [layered_without_model(t) for t in texts]
    base = [priority for priority, _ in layered]
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([features(view) for _, view in layered])
    out = {"version": version, "trained_on": _provenance(files, rows)}
    weights: dict[str, dict[str, float]] = {}
    # The budgets are shares of the corpus (the helpline's mix of messages, issue 12). The dev sets are routine
    # messages chosen for their alarming words, most of which the rules raise before the model reads them: counted in
    # the same share they would make every threshold fail. They teach the emergency opinion (emergency now or not, the
    # one distinction they label); the split estimate (estimate()) measures what they teach. They hold no urgent (P2)
    # message, so they teach the urgent opinion nothing of urgency: it learns from the corpus alone.
    budgeted = [i for i, row in enumerate(rows) if row.get("file") in BUDGETED]
    in_budget = set(budgeted)
    for key, top, learn in (("emergency", "P1", list(range(len(rows)))), ("urgent", "P2", budgeted)):
        y = [PRIORITIES.index(expected[i]) <= PRIORITIES.index(top) for i in learn]
        probabilities = _out_of_fold(x[learn], y)
        counted = [k for k, i in enumerate(learn) if i in in_budget]

        def corpus(values, counted=counted):
            return [values[k] for k in counted]

        seen_expected, seen_base = [expected[i] for i in learn], [base[i] for i in learn]
        threshold, figures = _choose(GRID, corpus(seen_expected), corpus(seen_base), corpus(probabilities), top)
        model = _fit(x[learn], y)
        out[key] = {"bias": round(float(model.intercept_[0]), 4), "threshold": threshold, "chosen": figures}
        weights[key] = _weights(model, vectorizer)
        if key == "emergency":  # the urgent threshold is chosen with the emergency opinion already applied
            over = _over_urgent(threshold, corpus(seen_expected), corpus(seen_base), corpus(probabilities))
            out[key]["over_urgent"], out[key]["chosen"] = over["over_urgent"], figures | over
            needed = [over["over_urgent"] if b == "P2" else threshold for b in base]
            base = ["P1" if p >= t else b for b, p, t in zip(base, probabilities, needed, strict=True)]
    # One table, [emergency, urgent] per feature: the two opinions share most features.
    out["weights"] = {f: [weights["emergency"].get(f, 0), weights["urgent"].get(f, 0)]
                      for f in sorted(weights["emergency"].keys() | weights["urgent"].keys())}  # fmt: skip
    return out


def _provenance(files: tuple[Path, ...], rows: list[dict[str, str]]) -> dict:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return {"files": [str(p.relative_to(ROOT)) for p in files], "messages": len(rows),
            "sha256": digest.hexdigest(), "command": "python -m triage.train"}  # fmt: skip


def estimate(against: Path = MODEL_PATH, held: Path = DEV_FILES[-1]) -> list[str]:
    """Generalisation to dev messages the model has not seen, without retraining on what it is measured on.

    `held` (context_dev_2.tsv) is split in two halves by row, stratified per script and priority (seed SEED); a model
    is trained on every other training file and one half, and the whole classifier (rules, floor, model, context) is
    run on the other half, then the other way round. Each line gives, per script, routine (P3/P4) messages raised to
    P1 (of which by the model) and emergencies kept P1, with the model at `against` and with the one trained here.
    """
    import tempfile

    from sklearn.model_selection import train_test_split

    from triage.model import load
    from triage.safety import classify

    others = training_rows(tuple(p for p in CORPUS_FILES + DEV_FILES if p != held))
    rows = training_rows((held,))
    strata = [f"{r['script']}:{r['expected_priority']}" for r in rows]
    first, second = train_test_split(list(range(len(rows))), test_size=0.5, stratify=strata, random_state=SEED)
    today, lines = load(against), []
    for fit_half, test_half, name in ((first, second, "second half"), (second, first, "first half")):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.json"
            fitted = train(
                "estimate", rows=others + [rows[i] for i in fit_half]
            )  # a temporary model: its provenance unread
            path.write_text(json.dumps(fitted), encoding="utf-8")
            trained = load(path)
        for label, model in (("today's model", today), ("trained with the other half", trained)):
            counts: dict[str, list[int]] = {}
            for i in test_half:
                row, result = rows[i], classify(rows[i]["text"], model=model)
                c = counts.setdefault(row["script"], [0, 0, 0, 0, 0])  # routine, raised, by model, emergencies, kept
                if row["expected_priority"] == "P1":
                    c[3], c[4] = c[3] + 1, c[4] + (result.priority == "P1")
                else:
                    c[0], c[1] = c[0] + 1, c[1] + (result.priority == "P1")
                    c[2] += result.priority == "P1" and result.layer == "model"
            total = [sum(c[k] for c in counts.values()) for k in range(5)]
            per = ", ".join(f"{s} {c[1]}/{c[0]} ({c[2]}) P1 {c[4]}/{c[3]}" for s, c in sorted(counts.items()))
            lines.append(
                f"{held.name} {name}, {label}: routine raised to P1 {total[1]}/{total[0]} (by the model "
                f"{total[2]}), emergencies P1 {total[4]}/{total[3]}; {per}"
            )
            print(lines[-1], flush=True)
    return lines


def main() -> None:
    """Train and write triage/model.json (sorted keys, so a retrain on the same corpus is byte-identical)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=RULES_VERSION)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--verbose", action="store_true", help="print the figures at every threshold tried")
    parser.add_argument(
        "--estimate",
        action="store_true",
        help="print the split estimate on context_dev_2.tsv (see estimate()); writes nothing",
    )
    parser.add_argument("--against", type=Path, default=MODEL_PATH, help="the model --estimate compares with")
    parser.add_argument(
        "--with-dev",
        action="store_true",
        help="train on the dev sets too (the rejected model of the docstring; not for shipping)",
    )
    args = parser.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    if args.estimate:
        estimate(args.against)
        return
    data = train(args.version, CORPUS_FILES + DEV_FILES if args.with_dev else CORPUS_FILES)
    args.out.write_text(
        json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    for key in ("emergency", "urgent"):
        print(key, json.dumps(data[key]["chosen"]))
    print(
        f"{len(data['weights'])} features; wrote {args.out} ({args.out.stat().st_size // 1024} KiB) from {data['trained_on']['messages']} messages"
    )


if __name__ == "__main__":
    main()

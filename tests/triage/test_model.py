"""The model layer: a second opinion that may raise a priority, never lower it, and says so."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.triage.test_classify import CORPUS
from triage import classify
from triage.model import MODEL, MODEL_PATH, Model, Opinion, features
from triage.normalize import tokenize
from triage.rules import PRIORITIES
from triage.train import CORPUS_FILES

WEIGHTS = st.floats(min_value=-50, max_value=50, allow_nan=False)


@settings(max_examples=200)
@given(row=st.sampled_from(CORPUS), weight=WEIGHTS, bias=WEIGHTS, threshold=st.floats(0.0, 1.0))
def test_the_model_never_lowers_a_priority(row: dict[str, str], weight: float, bias: float, threshold: float) -> None:
    feats = features(tokenize(row["text"]))
    opinion = Opinion(bias, threshold, dict.fromkeys(feats, weight))
    without = classify(row["text"], model=None).priority
    with_model = classify(row["text"], model=Model("test", opinion, opinion)).priority
    assert PRIORITIES.index(with_model) <= PRIORITIES.index(without)


def test_a_raise_by_the_model_is_shown_as_the_models() -> None:
    text = "papa ke haath me kuch ajeeb ho raha hai"
    assert classify(text, model=None).priority == "P3"
    result = classify(text)
    assert (result.priority, result.layer, result.rules_priority) == ("P1", "model", "P4")
    assert [m.layer for m in result.matched] == ["model", "floor"]  # every layer that raised it, last first
    assert result.matched[0].layer == "model" and result.matched[0].rule_id == "model_P1"
    assert result.matched[0].phrase.startswith("model: P1 (p=")


@pytest.mark.parametrize("text", ["no chest pain", "had a heart attack last year", "is the blood bank open on sunday"])
def test_the_model_does_not_second_guess_what_the_rules_denied_or_named(text: str) -> None:
    assert classify(text).layer == "rule"


def test_the_shipped_model_was_trained_on_the_current_corpus_and_never_on_the_holdout() -> None:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in CORPUS_FILES)).hexdigest()
    assert data["trained_on"]["sha256"] == digest, "corpus changed: run python -m triage.train"
    assert not any("holdout" in path.name for path in CORPUS_FILES)
    assert MODEL is not None and 0 < MODEL.emergency.threshold < 1 and 0 < MODEL.urgent.threshold < 1


def test_classify_needs_no_scikit_learn_at_run_time() -> None:
    code = "import sys, triage; triage.classify('seene me dard'); print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_exported_weights_give_scikit_learns_probabilities() -> None:
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [
        "seene me dard",
        "chest pain sweating",
        "card kho gaya",
        "report chahiye",
        "saans nahi aa rahi",
        "opd time",
    ]
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([features(tokenize(t)) for t in texts])
    fitted = LogisticRegression(C=2.0).fit(x, [1, 1, 0, 0, 1, 0])
    names = vectorizer.get_feature_names_out()
    opinion = Opinion(float(fitted.intercept_[0]), 0.5, dict(zip(names, map(float, fitted.coef_[0]), strict=True)))
    for text, expected in zip(texts, fitted.predict_proba(x)[:, 1], strict=True):
        got = opinion.probability(features(tokenize(text)))
        assert got == pytest.approx(expected, abs=1e-9) or (got == 0.0 and expected < 0.5)

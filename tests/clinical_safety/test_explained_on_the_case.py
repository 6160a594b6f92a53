"""A raised-then-lowered triage decision is explainable on the case, and unsigned rules are shown as such."""

from __future__ import annotations

import pytest

from crm.models import Case, CaseEvent
from crm.platform.extensions import db
from tests.telephony.test_sms import text
from triage import RULES_VERSION, unsigned_versions

ROUTINE_WITH_ALARM = "pichhle saal papa ko heart attack aaya tha, unki file ki copy kaise milegi"


def _only_case() -> Case:
    db.session.expire_all()
    return db.session.query(Case).one()


def test_a_text_lowered_by_the_context_layer_says_on_its_case_what_raised_it_what_lowered_it_and_the_rules(
    client, login
):
    text(client, ROUTINE_WITH_ALARM, sender="+919810000071")
    case = _only_case()
    assert case.priority == "P2" and case.queue != "emergency"  # no doctor was rung
    event = db.session.query(CaseEvent).filter_by(case_id=case.id, kind="sms_in").one()
    why = event.detail["triage"]
    assert (why["layer"], why["lowered_from"], why["raised_by"], why["rules_version"]) == (
        "context", "P1", "model", RULES_VERSION)
    assert why["raised_with"] == ["model_P1"] and "pichhle" in why["lowered_words"]
    login("operator")
    line = next(e["text"] for e in client.get(f"/api/v1/cases/{case.id}/report").json["timeline"]
                if e["kind"] == "sms_in")
    assert "P1 raised by the model layer (model_P1), lowered by the context layer: context: an event in the past" in line
    assert f"Rules {RULES_VERSION}" in line


@pytest.mark.skipif(RULES_VERSION not in unsigned_versions(), reason="the rules in use are signed")
def test_every_screen_with_a_triage_priority_says_its_rules_are_unsigned(client, login):
    text(client, ROUTINE_WITH_ALARM, sender="+919810000072")
    case = _only_case()
    banner = f"Triage rules {RULES_VERSION}"
    for role, path in (("operator", "/workspace"), ("doctor", "/doctor/"), ("supervisor", "/supervisor"),
                       ("operator", f"/workspace/cases/{case.id}/report")):
        login(role)
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert banner in page and "not signed by a clinician" in page, (role, path)
    login("operator")
    line = next(e["text"] for e in client.get(f"/api/v1/cases/{case.id}/report").json["timeline"]
                if e["kind"] == "sms_in")
    assert line.endswith(f"Rules {RULES_VERSION} (NOT signed by a clinician)")


def test_a_signed_version_shows_no_warning(app, monkeypatch):
    from crm.helpline import triage_signoff

    monkeypatch.setattr(triage_signoff, "unsigned_versions", lambda: frozenset({"2026.11.2"}))
    assert triage_signoff.state() == {"version": RULES_VERSION, "signed": True, "unsigned": []}
    assert triage_signoff.state(["2026.11.2"])["unsigned"] == ["2026.11.2"]  # an old case keeps its unsigned rules

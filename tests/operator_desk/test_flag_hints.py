"""Red flags suggested from the operator's typed reason: the same classify as SMS and IVR, accepted on the timeline."""

import pytest

from crm.cases import flag_hints
from crm.models import CaseEvent
from crm.platform.extensions import db
from tests.operator_desk.conftest import waiting_case
from triage import RULES_VERSION, classify

STROKE_HINGLISH = "papa ka aadha sharir sunn pad gaya, muh tedha ho gaya"


def suggest(client, text):
    return client.post("/api/v1/red-flags/suggest", json={"text": text})


def test_a_red_flag_in_romanised_hindi_is_suggested_with_the_rule_that_fired(client, login):
    login("operator")
    answer = suggest(client, STROKE_HINGLISH)
    assert answer.status_code == 200
    data = answer.json
    assert data["priority"] == "P1" and data["layer"] == "rule" and data["rules_version"] == RULES_VERSION
    (flag,) = data["flags"]
    assert flag["id"] == "stroke" and flag["priority"] == "P1" and flag["layer"] == "rule"
    assert flag["label"] and flag["label_hi"] and flag["words"] == ["muh", "tedha"]
    assert data["opinion"] is None


def test_the_suggestion_is_what_classify_says_everywhere_else(client, login):
    # One classify: the suggestion's priority and layer are the SMS / IVR triage of the same words.
    login("operator")
    for text in (STROKE_HINGLISH, "बच्चे ने फिनाइल पी लिया", "bukhar aur pet dard", "card kab milega",
                 "dadi ko kuch theek nahi lag raha, ajeeb baatein kar rahi hain", "papa ke haath me kuch ajeeb ho raha hai"):
        data, result = suggest(client, text).json, classify(text)
        assert (data["priority"], data["layer"]) == (result.priority, result.layer), text


def test_the_model_or_the_floor_gives_an_opinion_without_a_flag_to_tick(client, login):
    login("doctor")  # the doctor's side reads the same suggestions
    text = "papa ke haath me kuch ajeeb ho raha hai"
    result = classify(text)
    assert result.layer == "model" and result.rules_priority == "P4"  # no rule fired: the floor, then the model
    data = suggest(client, text).json
    assert data["flags"] == [] and data["opinion"]["layer"] == "model"
    assert data["opinion"]["priority"] == result.priority and "ask the red-flag questions" in data["opinion"]["text"]


def test_routine_words_suggest_nothing(client, login):
    login("operator")
    data = suggest(client, "health card kab milega").json
    assert data["priority"] == "P4" and data["flags"] == [] and data["opinion"] is None


@pytest.mark.parametrize("payload, status", [
    ({"text": "x" * (flag_hints.MAX_TEXT + 1)}, 422),
    ({"text": ["chest pain"]}, 400),
    ({"text": 7}, 400),
])
def test_the_text_is_bounded(client, login, payload, status):
    login("operator")
    assert suggest(client, payload["text"]).status_code == status


@pytest.mark.parametrize("role", ["admin", "registrar"])
def test_only_staff_who_read_cases_get_suggestions(client, login, role):
    login(role)
    assert suggest(client, STROKE_HINGLISH).status_code == 403


def test_an_accepted_suggestion_is_on_the_case_timeline(client, login):
    case = waiting_case()
    login("operator")
    assert client.post(f"/api/v1/cases/{case.id}/claim").status_code == 200
    accepted = client.post(f"/api/v1/cases/{case.id}/assessment/suggested-flags",
                           json={"text": STROKE_HINGLISH, "red_flags": ["stroke"]})
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["accepted"] == ["stroke"] and accepted.json["offer"]["urgency"] == "emergency"
    db.session.expire_all()
    (event,) = db.session.query(CaseEvent).filter_by(case_id=case.id, kind="red_flags_suggested").all()
    assert event.detail["red_flags"] == ["stroke"] and event.detail["layer"] == "rule"
    assert event.detail["rules_version"] == RULES_VERSION and event.detail["words"]["stroke"] == ["muh", "tedha"]
    timeline = client.get(f"/api/v1/cases/{case.id}").json["timeline"]
    assert any(e["kind"] == "red_flags_suggested" for e in timeline)


def test_a_flag_triage_does_not_suggest_cannot_be_recorded_as_suggested(client, login):
    case = waiting_case()
    login("operator")
    client.post(f"/api/v1/cases/{case.id}/claim")
    refused = client.post(f"/api/v1/cases/{case.id}/assessment/suggested-flags",
                          json={"text": "bukhar aur pet dard", "red_flags": ["stroke"]})
    assert refused.status_code == 422 and refused.json["error"] == "not_suggested"
    bad = client.post(f"/api/v1/cases/{case.id}/assessment/suggested-flags", json={"text": STROKE_HINGLISH})
    assert bad.status_code == 400


def test_only_the_operator_working_the_case_records_an_accepted_suggestion(client, login):
    case = waiting_case()
    login("operator")  # did not answer this case
    refused = client.post(f"/api/v1/cases/{case.id}/assessment/suggested-flags",
                          json={"text": STROKE_HINGLISH, "red_flags": ["stroke"]})
    assert refused.status_code == 409


def test_typed_words_lowered_by_the_context_layer_say_so_and_still_offer_the_flag(client, login):
    login("operator")
    answer = client.post("/api/v1/red-flags/suggest",
                         json={"text": "snake bite ki dawai village clinic ke stock ke liye kaha milegi, sirf jaankari"}).json
    assert (answer["priority"], answer["layer"], answer["rules_priority"]) == ("P2", "context", "P1")
    assert [f["id"] for f in answer["flags"]] == ["snake_bite"]  # the operator can still tick it and escalate
    assert answer["opinion"]["layer"] == "context" and "press 9" in answer["opinion"]["text"]

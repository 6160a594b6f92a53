"""Following cases from outside: /api/v1/cases and the claim endpoints (SMS cases need no dialling)."""

import jwt

from crm.models import Case
from crm.platform.extensions import db
from tests.telephony.test_sms import text


def test_cases_list_filters_and_masks(client, login):
    text(client, "appointment chahiye", sender="+919810000001")
    text(client, "papa behosh ho gaye", sender="+919810000002")
    login("operator")
    everything = client.get("/api/v1/cases").json["cases"]
    assert [c["caller"] for c in everything] == ["+91 XXXXXX0002", "+91 XXXXXX0001"]
    assert [c["priority"] for c in client.get("/api/v1/cases?priority=P1").json["cases"]] == ["P1"]
    by_phone = client.get("/api/v1/cases?phone=9810000001").json["cases"]
    assert len(by_phone) == 1 and by_phone[0]["channel"] == "sms"
    assert client.get("/api/v1/cases?phone=12").status_code == 422
    assert "9810000001" not in client.get("/api/v1/cases").get_data(as_text=True)


def test_case_detail_has_its_timeline(client, login):
    text(client, "bukhar hai")
    login("doctor")
    case_id = Case.query.one().id
    body = client.get(f"/api/v1/cases/{case_id}").json
    assert [e["kind"] for e in body["timeline"]] == ["opened", "sms_in", "queued", "sms_out"]
    assert body["messages"][0]["body"] == "bukhar hai"
    assert client.get("/api/v1/cases/999").status_code == 404


def test_claim_wins_once_then_409(client, login, app):
    text(client, "bukhar hai")
    case_id = Case.query.one().id
    login("operator")
    first = client.post(f"/api/v1/cases/{case_id}/claim")
    assert first.status_code == 200 and first.json["status"] == "in_progress" and first.json["connection"] == "sms"
    second = client.post(f"/api/v1/cases/{case_id}/claim")
    assert second.status_code == 409 and second.json["error"] == "claimed_by_other"


def test_answer_next_takes_the_most_urgent_first(client, login):
    text(client, "appointment chahiye", sender="+919810000001")
    text(client, "mera beta behosh hai", sender="+919810000002")
    db.session.expire_all()
    for case in Case.query:  # both wait in tier 1 for this test
        case.queue, case.status = "tier1", "queued"
    db.session.commit()
    login("operator")
    assert client.post("/api/v1/queues/tier1/next").json["priority"] == "P1"
    assert client.post("/api/v1/queues/tier1/next").json["priority"] == "P4"
    empty = client.post("/api/v1/queues/tier1/next")
    assert empty.status_code == 409 and empty.json["error"] == "queue_empty"


def test_only_operators_and_supervisors_claim(client, login):
    text(client, "bukhar hai")
    login("doctor")
    assert client.post(f"/api/v1/cases/{Case.query.one().id}/claim").status_code == 403


def test_voice_token_names_the_staff_member(client, login, app):
    staff = login("operator")
    body = client.get("/api/v1/telephony/token").json
    claims = jwt.decode(body["token"], app.config["TWILIO_AUTH_TOKEN"], algorithms=["HS256"])
    assert body["identity"] == f"staff-{staff.id}" and claims["grants"]["identity"] == f"staff-{staff.id}"
    assert claims["grants"]["voice"]["incoming"]["allow"] is True

"""The workspace pages (escaped, role-gated) and the live events of operator actions (scoped, masked)."""

import pytest

from crm.models import AuditLog, Case
from crm.platform.extensions import db, socketio
from tests import factories
from tests.operator_desk.conftest import waiting_case
from tests.telephony.test_sms import text

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_operators_land_on_the_workspace(client, login):
    login("operator")
    assert client.get("/").headers["Location"].endswith("/workspace")
    page = client.get("/workspace").get_data(as_text=True)
    for needle in ('id="answer-next"', 'id="queue-list"', "socket.io-client-4.8.4/socket.io.min.js",
                   'value="chest_pain"', 'data-priority="P1"', "सीने में दर्द", 'value="home_care"', 'id="scan-input"'):
        assert needle in page


@pytest.mark.parametrize("role, status", [("supervisor", 200), ("doctor", 403), ("registrar", 403), ("admin", 403)])
def test_workspace_is_for_operators_and_supervisors(client, login, role, status):
    login(role)
    assert client.get("/workspace").status_code == status


def test_screen_pop_fragment_escapes_and_is_audited(client, login):
    patient = factories.make_patient(name=HOSTILE, mobile="+919810000101")
    case = waiting_case(phone="+919810000101")
    staff = login("operator")
    client.post(f"/api/v1/cases/{case.id}/claim")
    html = client.get(f"/workspace/cases/{case.id}/patient").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "&lt;script&gt;" in html
    assert AuditLog.query.filter_by(staff_id=staff.id, case_id=case.id, patient_id=patient.id).count() == 1


def test_unknown_caller_gets_a_prompt_to_scan(client, login):
    case = waiting_case(phone="+919810000102")
    login("operator")
    html = client.get(f"/workspace/cases/{case.id}/patient").get_data(as_text=True)
    assert "Caller not identified" in html and "XXXXXX0102" in html and "9810000102" not in html


def test_report_page_shows_citizen_text_as_text(client, login):
    text(client, HOSTILE, sender="+919810000103")
    case = Case.query.one()
    login("operator")
    client.post(f"/api/v1/cases/{case.id}/claim")
    client.post(f"/api/v1/cases/{case.id}/resolve", json={"disposition": "home_care", "advice": "<b>rest</b>"})
    html = client.get(f"/workspace/cases/{case.id}/report").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>rest" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "Resolved: Home-care advice given" in html


def test_operator_actions_reach_tier1_and_the_operator_masked(app, client, login):
    text(client, "bukhar hai", sender="+919876500001")
    case = Case.query.one()
    staff = login("operator")
    operator = socketio.test_client(app, flask_test_client=client)
    client.post(f"/api/v1/cases/{case.id}/claim")
    operator.get_received()
    client.post(f"/api/v1/cases/{case.id}/assessment", json={"reason": "Fever", "red_flags": []})
    client.post(f"/api/v1/cases/{case.id}/resolve", json={"disposition": "home_care", "advice": "Fluids"})
    received = operator.get_received()
    names = [e["name"] for e in received]
    assert "case.assessed" in names and "case.resolved" in names and "presence.changed" in names
    resolved = next(e for e in received if e["name"] == "case.resolved")["args"][0]
    assert resolved["caller"] == "+91 XXXXXX0001" and resolved["assigned_to"] == staff.id
    assert "9876500001" not in repr(received) and "Fluids" not in repr(received) and "Fever" not in repr(received)


def test_doctors_hear_an_escalation_but_not_routine_tier1_work(app, client, login):
    case = waiting_case()
    doctor_client = app.test_client()
    doctor = factories.make_staff("doctor")
    doctor_client.post("/login", data={"username": doctor.username, "password": factories.PASSWORD})
    listening = socketio.test_client(app, flask_test_client=doctor_client)
    login("operator")
    client.post(f"/api/v1/cases/{case.id}/claim")
    client.post(f"/api/v1/cases/{case.id}/assessment", json={"reason": "Fever"})
    assert [e["name"] for e in listening.get_received()] == []
    client.post(f"/api/v1/cases/{case.id}/escalate", json={"urgency": "urgent", "summary": "Fever 5 days"})
    assert "case.escalated" in [e["name"] for e in listening.get_received()]


def test_presence_events_carry_ids_and_counts_only(app, client, login):
    staff = login("operator", name="Imran Qureshi")
    listening = socketio.test_client(app, flask_test_client=client)
    client.put("/api/v1/me/presence", json={"presence": "break"})
    (event,) = [e for e in listening.get_received() if e["name"] == "presence.changed"]
    assert event["args"][0]["staff"] == [{"id": staff.id, "presence": "break"}]
    assert event["args"][0]["counts"]["break"] == 1 and "Imran" not in repr(event)
    db.session.expire_all()

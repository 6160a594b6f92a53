"""A supervisor sets an agent's state: offline at the end of a shift, with a reason, never mid-call."""

from crm.cases import lifecycle
from crm.helpline import presence
from crm.models import AuditLog, StaffUser
from crm.platform.extensions import db
from tests import factories


def test_a_supervisor_sets_an_operator_offline_with_a_reason(client, login):
    operator = factories.make_staff("operator", name="Asha Verma")
    presence.set_presence(operator, "available")
    db.session.commit()
    supervisor = login("supervisor")
    response = client.put(f"/api/v1/supervisor/agents/{operator.id}/state", json={"state": "offline", "reason": "End of shift"})
    assert response.status_code == 200 and response.get_json()["state"] == "offline"
    assert db.session.get(StaffUser, operator.id, populate_existing=True).presence == "offline"
    row = AuditLog.query.filter_by(action="set_agent_state", staff_id=supervisor.id).one()
    assert row.detail == {"agent": operator.id, "before": "available", "after": "offline", "reason": "End of shift"}


def test_refused_mid_call_without_a_reason_or_for_other_staff(client, login):
    operator = factories.make_staff("operator", name="Ravi Kumar")
    case = lifecycle.open_case("voice", "+919810000555", status="queued", queue="tier1")
    db.session.commit()
    lifecycle.claim(case.id, operator)
    admin = factories.make_staff("admin")
    login("supervisor")
    url = f"/api/v1/supervisor/agents/{operator.id}/state"
    busy = client.put(url, json={"state": "offline", "reason": "End of shift"})
    assert busy.status_code == 409 and "Ravi Kumar is working" in busy.get_json()["message"]
    assert client.put(url, json={"state": "offline"}).status_code == 422
    assert client.put(url, json={"state": "on_call", "reason": "x"}).status_code == 422
    assert client.put(f"/api/v1/supervisor/agents/{admin.id}/state", json={"state": "break", "reason": "x"}).status_code == 404


def test_a_doctor_set_offline_is_off_duty(client, login):
    doctor = factories.make_staff("doctor", name="Dr. Mehta", specialty="cardiology")
    doctor.on_duty, doctor.presence = True, "available"
    db.session.commit()
    login("supervisor")
    assert client.put(f"/api/v1/supervisor/agents/{doctor.id}/state",
                      json={"state": "offline", "reason": "Shift over"}).status_code == 200
    assert db.session.get(StaffUser, doctor.id, populate_existing=True).on_duty is False


def test_operators_cannot_set_states(client, login):
    other = factories.make_staff("operator")
    login("operator")
    assert client.put(f"/api/v1/supervisor/agents/{other.id}/state", json={"state": "offline", "reason": "x"}).status_code == 403


def test_the_operator_is_told_who_set_their_state_and_why(app, client, login):
    operator_client, operator = factories.logged_in(app, "operator", name="Asha Verma")
    presence.set_presence(operator, "available")
    db.session.commit()
    login("supervisor", name="Team Lead Kavita")
    client.put(f"/api/v1/supervisor/agents/{operator.id}/state", json={"state": "break", "reason": "Tea after the rush"})
    me = operator_client.get("/api/v1/queues/tier1").get_json()["me"]
    assert me["presence"] == "break"
    assert me["set_by"] == {"name": "Team Lead Kavita", "reason": "Tea after the rush", "state": "break"}
    operator_client.put("/api/v1/me/presence", json={"presence": "available"})  # their own choice again
    assert operator_client.get("/api/v1/queues/tier1").get_json()["me"]["set_by"] is None


def test_a_doctor_taken_off_duty_is_told_who_and_why_on_their_page(app, client, login):
    doctor_client, doctor = factories.logged_in(app, "doctor", name="Dr. Mehta")
    doctor.on_duty = True
    presence.set_presence(doctor, "available")
    db.session.commit()
    login("supervisor", name="Team Lead Kavita")
    client.put(f"/api/v1/supervisor/agents/{doctor.id}/state", json={"state": "offline", "reason": "Shift over"})
    me = doctor_client.get("/api/v1/queues/tier2").get_json()["me"]
    assert me["on_duty"] is False
    assert me["set_by"] == {"name": "Team Lead Kavita", "reason": "Shift over", "state": "offline"}

"""One unit of work per request: a refused or failed request stores nothing, texts nobody, tells no dashboard."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.cases import lifecycle
from crm.models import CaseEvent, Message
from crm.platform import outbox
from crm.platform.extensions import db, socketio
from tests.operator_desk.conftest import make_facility, waiting_case


def _held(app) -> list:
    return app.extensions["sampark_jobs"].held


def test_events_and_sms_leave_only_after_the_commit(app, client, login):
    login("supervisor")
    board = socketio.test_client(app, flask_test_client=client)
    board.get_received()
    case = waiting_case()
    board.get_received()
    outbox.queue_sms(case.caller_phone, "hello", case=case)
    lifecycle.request_callback(case)
    assert board.get_received() == [] and _held(app) == []  # nothing leaves before the commit
    db.session.commit()
    assert [e["name"] for e in board.get_received()] == ["case.callback"]
    assert [path for path, _ in _held(app)] == ["telephony.jobs.send_message"]


def test_a_rolled_back_unit_sends_nothing(app, client, login):
    login("supervisor")
    board = socketio.test_client(app, flask_test_client=client)
    case = waiting_case()
    board.get_received()
    outbox.queue_sms(case.caller_phone, "hello", case=case)
    lifecycle.request_callback(case)
    db.session.rollback()
    db.session.commit()  # a later unit of work must not carry the abandoned one's events
    assert board.get_received() == [] and _held(app) == []
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_refused_outcome_leaves_no_trace(app, client, login):
    operator = login("operator")
    case = waiting_case(channel="voice")
    lifecycle.claim(case.id, operator)
    db.session.commit()
    facility = make_facility()
    before = db.session.scalar(select(func.count()).select_from(CaseEvent))
    # The message is missing: refused after the facility was found, before anything may be stored.
    response = client.post(f"/api/v1/cases/{case.id}/inform", json={"facility_id": facility.id, "message": " "})
    assert response.status_code == 422 and response.json["error"] == "message_required"
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == before
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0 and _held(app) == []


def test_claiming_commits_once_and_the_claim_survives_a_phone_failure(app, client, login):
    # No emulator is mounted in this app: the real twilio Client cannot reach anything.
    operator = login("operator")
    case = waiting_case(channel="voice")
    response = client.post(f"/api/v1/cases/{case.id}/claim")
    assert response.status_code == 200 and response.json["connection"] == "failed"
    db.session.expire_all()
    assert (case.status, case.assigned_to_id) == ("in_progress", operator.id)
    failed = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                        CaseEvent.kind == "connect_failed")).all()
    assert len(failed) == 1 and failed[0].staff_id == operator.id  # written once, by the phone system

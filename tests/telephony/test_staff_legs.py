"""The phone leg is the truth, on the emulator with the real twilio Client: every way a staff leg ends or stays.

A citizen calls and waits; an operator answers through the API (their browser phone is the emulator's client, which
answers); then resolve (the call ends), resolve keeping the call (it stays, the operator is on a call and answers
nothing else), logout (a finished call ends, a call a doctor is on is left, a caller they held alone goes back
to the queue with their case and is answered next), escalation (the leg stays for the hand-over; the caller is never hung up on),
and the sweep that settles a leg whose end was never heard.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from crm.models import Call, Case, StaffUser
from crm.models.base import utcnow
from crm.platform import sweeps
from crm.platform.extensions import db
from crm.staff.auth import tokens
from emulators.twilio.driver import Phone
from telephony import gateway
from tests import factories
from tests.live import eventually, served


@pytest.fixture
def live(tmp_path):
    with served(tmp_path) as (app, base):
        yield app, base


def _desk(app, role="operator"):
    with app.app_context():
        staff = factories.make_staff(role)
        staff.presence, staff.presence_since = "available", utcnow()
        db.session.commit()
        token, staff_id = tokens.issue(staff), staff.id
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session, staff_id


def _waiting_caller(base, number):
    call = Phone(f"{base}/emulator", number).call()
    call.wait_for("press 9", timeout=10)
    call.press("2")
    call.wait_for("card number", timeout=10)
    call.press("#")
    call.wait_for("You are number", timeout=10)
    return call


def _answered(app, base, number):
    api, staff_id = _desk(app)
    call = _waiting_caller(base, number)
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.caller_phone == number))
    assert api.post(f"{base}/api/v1/cases/{case_id}/claim").json()["connection"] == "connecting"
    call.wait_for(lambda v: len((v.get("conference") or {}).get("members", [])) == 2, timeout=10)
    assert eventually(lambda: _staff_legs(app, staff_id, connected=True) == 1)
    return api, staff_id, call, case_id


def _staff_legs(app, staff_id, connected=False):
    with app.app_context():
        legs = db.session.scalars(select(Call).where(Call.staff_id == staff_id, Call.ended_at.is_(None))).all()
        return len([leg for leg in legs if leg.answered_at or not connected])


def _resolve(api, base, case_id, **extra):
    return api.post(f"{base}/api/v1/cases/{case_id}/resolve",
                    json={"disposition": "home_care", "advice": "Rest and fluids"} | extra)


def test_resolving_ends_the_call_for_the_caller_and_the_operator(live):
    app, base = live
    api, staff_id, call, case_id = _answered(app, base, "+919866600001")
    assert _resolve(api, base, case_id).status_code == 200
    call.wait_until_ended(timeout=10)
    assert eventually(lambda: _staff_legs(app, staff_id) == 0)
    board = api.get(f"{base}/api/v1/queues/tier1").json()
    assert board["me"]["presence"] == "wrap_up" and board["me"]["legs"] == []


def test_a_call_kept_after_resolving_keeps_the_operator_on_a_call_and_off_any_other(live):
    app, base = live
    api, staff_id, call, case_id = _answered(app, base, "+919866600002")
    assert _resolve(api, base, case_id, call="keep").status_code == 200
    board = api.get(f"{base}/api/v1/queues/tier1").json()
    assert board["me"]["presence"] == "on_call" and board["me"]["chosen"] == "wrap_up"
    assert [leg["reference"] for leg in board["me"]["legs"]] == [f"SMP-{case_id:05d}"]
    assert call.view()["status"] == "in-progress"  # still talking

    second = _waiting_caller(base, "+919866600003")
    with app.app_context():
        other = db.session.scalar(select(Case.id).where(Case.caller_phone == "+919866600003"))
        sweeps.run_once()  # the wrap-up runs out, offers are made: neither frees a connected operator
        db.session.commit()
        assert db.session.get(StaffUser, staff_id).presence == "wrap_up"
    refused = api.post(f"{base}/api/v1/cases/{other}/claim")
    assert refused.status_code == 409 and refused.json()["error"] == "still_on_call"
    assert api.get(f"{base}/api/v1/queues/tier1").json()["offer"] is None
    ready = api.put(f"{base}/api/v1/me/presence", json={"presence": "available"})
    assert ready.status_code == 409 and ready.json()["error"] == "still_on_call"

    assert api.put(f"{base}/api/v1/me/presence", json={"presence": "available", "call": "end"}).status_code == 200
    call.wait_until_ended(timeout=10)
    assert api.post(f"{base}/api/v1/cases/{other}/claim").status_code == 200  # free now
    second.hang_up()


def test_escalating_keeps_the_operator_for_the_hand_over_and_leaving_never_hangs_up_the_caller(live):
    app, base = live
    api, staff_id, call, case_id = _answered(app, base, "+919866600004")
    escalated = api.post(f"{base}/api/v1/cases/{case_id}/escalate",
                         json={"urgency": "urgent", "summary": "Fever three days"})
    assert escalated.status_code == 200
    assert _staff_legs(app, staff_id) == 1 and call.view()["status"] == "in-progress"
    assert api.post(f"{base}/api/v1/cases/{case_id}/leave").status_code == 200
    assert eventually(lambda: _staff_legs(app, staff_id) == 0)
    assert call.view()["status"] == "in-progress"  # waiting for the doctor, not hung up on
    with app.app_context():
        assert db.session.get(Case, case_id).status == "escalated"


def test_logging_out_ends_the_call_of_a_finished_case(live):
    app, base = live
    api, staff_id, call, case_id = _answered(app, base, "+919866600005")
    assert _resolve(api, base, case_id, call="keep").status_code == 200
    with app.app_context():
        username = db.session.get(StaffUser, staff_id).username
    browser = requests.Session()
    browser.post(f"{base}/login", data={"username": username, "password": factories.PASSWORD})
    assert browser.post(f"{base}/logout").status_code in (200, 302)
    call.wait_until_ended(timeout=10)
    assert eventually(lambda: _staff_legs(app, staff_id) == 0)


def test_the_sweep_settles_a_leg_whose_end_was_never_heard(live):
    app, base = live
    api, staff_id, call, _case = _answered(app, base, "+919866600006")
    with app.app_context():
        leg = db.session.scalars(select(Call).where(Call.staff_id == staff_id)).one()
        gateway.client().calls(leg.sid).update(status="completed")  # the operator's phone hangs up at Twilio...
    assert eventually(lambda: _staff_legs(app, staff_id) == 0)
    with app.app_context():  # ...and its status callback is lost with a web process
        leg = db.session.scalars(select(Call).where(Call.staff_id == staff_id)).one()
        leg.ended_at, leg.status, leg.last_heard_at = None, "in-progress", utcnow() - timedelta(minutes=5)
        db.session.commit()
    assert api.get(f"{base}/api/v1/queues/tier1").json()["me"]["presence"] == "on_call"  # the floor believes the leg
    with app.app_context():
        done = sweeps.run_once()
        db.session.commit()
        assert done["staff_legs_settled"] == 1
    assert _staff_legs(app, staff_id) == 0
    assert api.get(f"{base}/api/v1/queues/tier1").json()["me"]["legs"] == []  # the desk no longer shows a call
    call.hang_up()


def _log_out(app, base, staff_id):
    with app.app_context():
        username = db.session.get(StaffUser, staff_id).username
    browser = requests.Session()
    browser.post(f"{base}/login", data={"username": username, "password": factories.PASSWORD})
    assert browser.post(f"{base}/logout").status_code in (200, 302)


def _events(app, case_id):
    with app.app_context():
        return [e.kind for e in db.session.get(Case, case_id).events]


def _in_queue(view, name):
    return view.get("status") == "in-progress" and (view.get("queue") or {}).get("name") == name


def test_logging_out_mid_call_puts_the_caller_back_at_the_front_of_the_queue_and_the_next_operator_gets_them(live):
    app, base = live
    _operator, staff_id, call, case_id = _answered(app, base, "+919866600007")
    later = _waiting_caller(base, "+919866600008")  # came after the first caller: stays behind them
    _log_out(app, base, staff_id)

    call.wait_for(lambda v: _in_queue(v, "tier1"), timeout=10)  # out of the silent conference, waiting again
    call.wait_for("You are number", timeout=10)
    assert eventually(lambda: _staff_legs(app, staff_id) == 0)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.status, case.queue, case.assigned_to_id) == ("queued", "tier1", None)
    assert {"returned_to_queue", "caller_requeued", "call_settled"} <= set(_events(app, case_id))

    colleague, colleague_id = _desk(app)
    first = colleague.get(f"{base}/api/v1/queues/tier1").json()["waiting"][0]
    assert first["id"] == case_id  # their place kept: answered before the caller who came later
    assert colleague.post(f"{base}/api/v1/queues/tier1/next").json()["id"] == case_id
    call.wait_for(lambda v: {m["name"] for m in (v.get("conference") or {}).get("members", [])}
                  == {"+919866600007", f"client:staff-{colleague_id}"}, timeout=10)
    later.hang_up()
    call.hang_up()


def test_a_doctor_logging_out_of_an_emergency_hands_the_caller_back_to_every_doctor_on_duty(live):
    app, base = live
    doctor, doctor_id = _desk(app, "doctor")
    other, other_id = _desk(app, "doctor")
    with app.app_context():
        for staff_id in (doctor_id, other_id):
            db.session.get(StaffUser, staff_id).on_duty = True
        db.session.commit()
    call = Phone(f"{base}/emulator", "+919866600009").call()
    call.wait_for("press 9", timeout=10)
    call.press("9")
    call.wait_for(lambda v: _in_queue(v, "emergency"), timeout=10)
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.caller_phone == "+919866600009"))
    assert doctor.post(f"{base}/api/v1/cases/{case_id}/accept").status_code == 200
    call.wait_for(lambda v: len((v.get("conference") or {}).get("members", [])) == 2, timeout=10)
    assert eventually(lambda: _staff_legs(app, doctor_id, connected=True) == 1)

    _log_out(app, base, doctor_id)
    call.wait_for(lambda v: _in_queue(v, "emergency"), timeout=10)  # back in the emergency queue with its advice
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.status, case.queue, case.doctor_id, case.alarm_level) == ("escalated", "emergency", None, 1)
    waiting = other.get(f"{base}/api/v1/queues/tier2").json()["waiting"]
    assert [c["id"] for c in waiting] == [case_id] and waiting[0]["alarm_level"] == 1  # rings the others again
    assert other.post(f"{base}/api/v1/cases/{case_id}/accept").json()["connection"] == "connecting"
    call.wait_for(lambda v: {m["name"] for m in (v.get("conference") or {}).get("members", [])}
                  == {"+919866600009", f"client:staff-{other_id}"}, timeout=10)
    call.hang_up()


def test_logging_out_leaves_a_call_a_doctor_is_on(live):
    app, base = live
    operator, staff_id, call, case_id = _answered(app, base, "+919866600010")
    doctor, doctor_id = _desk(app, "doctor")
    assert operator.post(f"{base}/api/v1/cases/{case_id}/escalate",
                         json={"urgency": "urgent", "summary": "Fever three days"}).status_code == 200
    assert doctor.post(f"{base}/api/v1/cases/{case_id}/accept").status_code == 200
    call.wait_for(lambda v: len((v.get("conference") or {}).get("members", [])) == 3, timeout=10)
    _log_out(app, base, staff_id)
    call.wait_for(lambda v: {m["name"] for m in (v.get("conference") or {}).get("members", [])}
                  == {"+919866600010", f"client:staff-{doctor_id}"}, timeout=10)  # caller stays with the doctor
    with app.app_context():
        assert db.session.get(Case, case_id).status == "with_doctor"
    assert "returned_to_queue" not in _events(app, case_id)
    call.hang_up()

"""Listen, whisper, barge on a live call, end to end: the real twilio Client against the emulator."""

import pytest

from crm.models import AuditLog, CaseEvent
from emulators.twilio.driver import CallHandle, EmulatorControl, Phone, _Api
from tests.live import served
from tests.telephony.test_end_to_end import _api


@pytest.fixture
def live(tmp_path):
    with served(tmp_path) as (app, base):
        yield app, base


def answered_call(app, base, number="+919833333333"):
    """A citizen in English, answered by an operator: both in the case's conference."""
    call = Phone(f"{base}/emulator", number).call()
    call.wait_for("press 9", timeout=10)
    call.press("2")
    call.wait_for("card number", timeout=10)
    call.press("#")
    call.wait_for("You are number 1", timeout=10)
    operator, operator_id = _api(app, base, "operator")
    case_id = operator.get(f"{base}/api/v1/cases?phone=9833333333").json()["cases"][0]["id"]
    assert operator.post(f"{base}/api/v1/cases/{case_id}/claim").status_code == 200
    call.wait_for(lambda v: len((v.get("conference") or {}).get("members", [])) == 2, timeout=10)
    return call, case_id, operator_id


def _logged_in_as(app, base, staff_id):
    """A requests session with an API token of this staff member."""
    import requests

    from crm.models import StaffUser
    from crm.staff.auth import tokens

    with app.app_context():
        from crm.platform.extensions import db

        secret = tokens.issue(db.session.get(StaffUser, staff_id), "test")
        db.session.commit()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret}"
    return session


def members(call: CallHandle) -> dict[str, dict]:
    return {m["name"]: m for m in call.conference["members"]}


def test_listen_whisper_barge_and_leave(live):
    app, base = live
    call, case_id, operator_id = answered_call(app, base)
    supervisor, supervisor_id = _api(app, base, "supervisor")
    me, agent = f"supervisor-{supervisor_id}", f"client:staff-{operator_id}"  # the supervisor's leg has a label
    url = f"{base}/api/v1/supervisor/cases/{case_id}/monitor"

    listen = supervisor.post(url, json={"mode": "listen"})
    assert listen.status_code == 201 and listen.json()["mode"] == "listen"
    operator = _logged_in_as(app, base, operator_id)
    mine = operator.get(f"{base}/api/v1/queues/tier1").json()["mine"]
    assert next(c["monitored_by"] for c in mine if c["id"] == case_id)[0]["mode"] == "listen"  # the operator is told
    view = call.wait_for(lambda v: {m["name"]: m["status"] for m in v["conference"]["members"]}.get(me) == "connected",
                         timeout=10)
    row = {m["name"]: m for m in view["conference"]["members"]}[me]
    assert row["muted"] is True and sorted(row["hears"]) == sorted(["+919833333333", agent])
    leg = CallHandle(_Api(f"{base}/emulator"), listen.json()["call_sid"])
    leg.wait_for(lambda v: v["status"] == "in-progress", timeout=10)
    assert leg.talk("listening only") == []  # muted: heard by nobody
    assert f"staff-{supervisor_id}" not in " ".join(call.transcript)  # the caller never noticed

    whisper = supervisor.post(url, json={"mode": "whisper"})
    assert whisper.status_code == 200 and whisper.json()["action"] == "changed"
    row = members(call)[me]
    operator_leg = next(m["call_sid"] for m in call.conference["members"] if m["name"] == agent)
    assert (row["muted"], row["coaching"], row["call_sid_to_coach"]) == (False, True, operator_leg)
    assert leg.talk("ask if he is breathless") == [agent]  # the agent hears the coach, the caller does not
    assert "breathless" not in " ".join(call.transcript)

    assert supervisor.post(url, json={"mode": "barge"}).status_code == 200
    row = members(call)[me]
    assert (row["muted"], row["coaching"]) == (False, False)
    assert sorted(leg.talk("I am the supervisor, I am here too")) == sorted(["+919833333333", agent])
    assert "I am the supervisor" in " ".join(call.transcript)

    assert supervisor.delete(url).status_code == 200
    call.wait_for(lambda v: me not in {m["name"] for m in v["conference"]["members"]}, timeout=10)
    assert supervisor.delete(url).json()["error"] == "not_monitoring"

    with app.app_context():
        events = [e.detail for e in CaseEvent.query.filter_by(case_id=case_id, kind="monitoring").order_by(CaseEvent.id)]
        assert [(e.get("action"), e.get("mode")) for e in events] == [
            ("started", "listen"), ("changed", "whisper"), ("changed", "barge"), ("ended", None)]
        assert all(e.get("agent") in (operator_id, None) for e in events)
        assert AuditLog.query.filter_by(action="monitor_call", case_id=case_id, staff_id=supervisor_id).count() == 3
    control = EmulatorControl(f"{base}/emulator")
    control.settle(timeout=10)
    assert control.requests(invalid_only=True) == []  # every request fits Twilio's OpenAPI description


def test_refused_without_a_live_call_or_by_the_wrong_role(live):
    app, base = live
    supervisor, _ = _api(app, base, "supervisor")
    operator, _ = _api(app, base, "operator")
    assert supervisor.post(f"{base}/api/v1/supervisor/cases/999/monitor", json={"mode": "listen"}).status_code == 404
    with app.app_context():
        from crm.cases import lifecycle
        from crm.platform.extensions import db

        case = lifecycle.open_case("sms", "+919844444444", status="queued", queue="tier1")
        db.session.commit()
        case_id = case.id
    refused = supervisor.post(f"{base}/api/v1/supervisor/cases/{case_id}/monitor", json={"mode": "listen"})
    assert refused.status_code == 409 and refused.json()["error"] == "no_live_call"
    bad = supervisor.post(f"{base}/api/v1/supervisor/cases/{case_id}/monitor", json={"mode": "shout"})
    assert bad.status_code == 422
    assert operator.post(f"{base}/api/v1/supervisor/cases/{case_id}/monitor", json={"mode": "listen"}).status_code == 403

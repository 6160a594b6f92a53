"""Whatever Twilio says about a silent call, the case ends in a definite place and nobody is texted twice."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm.cases import lifecycle, queue
from crm.cases.status import Status
from crm.models import Call, Message
from crm.models.base import utcnow
from crm.platform import unit_of_work
from crm.platform.extensions import db
from telephony import reconcile
from tests.conftest import app_with_schema

TWILIO = ["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled", reconcile.GONE]
ENDED = {"completed", "busy", "failed", "no-answer", "canceled", reconcile.GONE}
_n = itertools.count()


@pytest.fixture
def app(tmp_path):
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as app:
        yield app


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(["menu", "tier1", "emergency", "callback"]), twilio=st.sampled_from(TWILIO),
       sweeps=st.integers(min_value=1, max_value=3))
def test_a_silent_call_is_settled_once_and_never_left_in_limbo(app, monkeypatch, where, twilio, sweeps):
    n = next(_n)
    case = lifecycle.open_case("voice", f"+91970{n:07d}", status=Status.IVR)
    db.session.add(Call(sid=f"CA{n:032x}", case=case, purpose="citizen", from_number=case.caller_phone,
                        status="in-progress", last_heard_at=utcnow()))
    if where in ("tier1", "callback"):
        lifecycle.enter_queue(case, queue.TIER1)
    if where == "callback":
        lifecycle.request_callback(case)
    if where == "emergency":
        lifecycle.declare_emergency(case, via="ivr")
    unit_of_work.commit()
    monkeypatch.setattr(reconcile, "twilio_call_status", lambda sid: twilio)
    start = utcnow()
    for k in range(sweeps):
        reconcile.reconcile_silent_calls(start + reconcile.SILENT_CALL * (k + 1) * 2)
        unit_of_work.commit()
    db.session.refresh(case)
    texts = db.session.scalar(select(func.count()).where(Message.case_id == case.id, Message.kind == "missed_call"))
    if twilio not in ENDED:
        assert case.status == (Status.IVR if where == "menu" else
                               Status.CALLBACK if where == "callback" else Status.QUEUED)
        assert texts == 0
    elif where == "emergency":
        assert case.status == Status.QUEUED and case.queue == "emergency" and case.alarm_level >= 1
        assert case.callback_requested_at is not None and texts == 0
    elif where == "callback":
        assert case.status == Status.CALLBACK and texts == 0  # still owed its call-back
    else:
        assert case.status == Status.ABANDONED and texts == 1
    assert case.status != Status.IVR or twilio not in ENDED

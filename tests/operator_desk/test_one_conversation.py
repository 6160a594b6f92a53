"""One conversation per person: a caller's text joins the case of their call; a new alarm only if nobody is with them."""

from __future__ import annotations

import itertools
from datetime import timedelta

from crm.cases import lifecycle, tier2
from crm.helpline.messages import inbound
from crm.models import Call, Case, CaseEvent, Message
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories
from tests.operator_desk.conftest import waiting_case

_sid = itertools.count(1)
CHEST_PAIN = "papa ko seene me bahut dard ho raha hai, saans nahi aa rahi"
ROUTINE = "mujhe report ki copy chahiye"


def text(sender: str, body: str) -> inbound.Received:
    received = inbound.receive(inbound.InboundText(f"SM{next(_sid):032x}", sender, "+911800112233", body))
    db.session.commit()
    return received


def kinds(case_id: int) -> list[str]:
    return list(db.session.scalars(db.select(CaseEvent.kind).where(CaseEvent.case_id == case_id)
                                   .order_by(CaseEvent.id)))


def outbound(case_id: int) -> list[str]:
    return list(db.session.scalars(db.select(Message.kind).where(Message.case_id == case_id,
                                                                 Message.direction == "outbound")))


def test_an_emergency_text_during_a_call_with_a_doctor_joins_it_and_rings_nobody_again(app):
    call = waiting_case("voice")
    doctor = factories.make_staff("doctor")
    tier2.escalate(lifecycle.claim(call.id, factories.make_staff("operator")), doctor, None, "urgent", "chest pain")
    db.session.commit()
    assert tier2.accept(call.id, doctor) is not None
    db.session.commit()

    received = text(call.caller_phone, CHEST_PAIN)
    assert received.case_id == call.id
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 1  # no new case
    case = db.session.get(Case, call.id)
    assert (case.status, case.doctor_id, case.alarm_level) == ("with_doctor", doctor.id, 0)
    assert "red_flag_text" in kinds(call.id) and "alarm" not in kinds(call.id)
    assert outbound(call.id) == []  # no "call 112, a doctor will call you": a doctor is on the line


def test_an_emergency_text_while_an_operator_has_the_call_tells_them_and_keeps_the_case_theirs(app):
    operator = factories.make_staff("operator")
    call = waiting_case("voice")
    lifecycle.claim(call.id, operator)
    db.session.add(Call(sid=f"CA{next(_sid):032x}", case_id=call.id, staff_id=operator.id, purpose="staff",
                        status="in-progress", answered_at=utcnow()))
    db.session.commit()
    text(call.caller_phone, CHEST_PAIN)
    case = db.session.get(Case, call.id)
    assert (case.status, case.assigned_to_id, case.priority, case.queue) == ("in_progress", operator.id, "P1", "tier1")
    assert "red_flag_text" in kinds(call.id)


def test_an_emergency_text_from_a_caller_still_waiting_moves_their_call_to_the_doctors(app):
    call = waiting_case("voice")
    text(call.caller_phone, CHEST_PAIN)
    case = db.session.get(Case, call.id)
    assert (case.queue, case.priority, case.alarm_level) == ("emergency", "P1", 1)
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 1


def test_a_routine_text_in_wrap_up_joins_the_call_and_an_emergency_then_opens_its_own_alarmed_case(app):
    operator = factories.make_staff("operator")
    call = waiting_case("voice")
    case = lifecycle.claim(call.id, operator)
    lifecycle.resolve(case, operator, "resolved", "resolved")
    case.wrap_up_until = utcnow() + timedelta(seconds=60)
    db.session.commit()
    assert text(call.caller_phone, ROUTINE).case_id == call.id
    emergency = text(call.caller_phone, CHEST_PAIN)
    assert emergency.case_id != call.id  # nobody is with this caller any more
    new = db.session.get(Case, emergency.case_id)
    assert (new.queue, new.priority, new.alarm_level) == ("emergency", "P1", 1)

"""Assessment and outcomes as services: red flags, resolve, inform, escalate, call-back, wrap-up."""

from datetime import timedelta

import pytest
from flask import current_app

from crm.cases import assessment, lifecycle
from crm.helpline import presence
from crm.models import Case, CaseEvent, Message
from crm.models.base import utcnow
from crm.platform import sms_templates
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests import factories
from tests.operator_desk.conftest import make_facility, waiting_case


def claimed(operator, **fields) -> Case:
    return lifecycle.claim(waiting_case(**fields).id, operator)


def kinds(case: Case) -> list[str]:
    return [e.kind for e in CaseEvent.query.filter_by(case_id=case.id).order_by(CaseEvent.id)]


@pytest.fixture
def operator(app):
    return factories.make_staff("operator")


def test_a_p1_flag_offers_emergency_escalation_and_raises_priority(operator):
    case = claimed(operator)
    offer = assessment.save(case, operator, "Father collapsed", ["chest_pain", "high_fever"], "sweating")
    db.session.commit()
    assert offer["urgency"] == "emergency" and offer["specialty"] == "cardiology"
    assert case.priority == "P1" and case.red_flags == ["chest_pain", "high_fever"]
    assert kinds(case)[-2:] == ["assessed", "note"]


def test_a_p2_flag_alone_offers_urgent_escalation(operator):
    offer = assessment.save(claimed(operator), operator, "Fever", ["high_fever"])
    db.session.commit()
    assert (offer["urgency"], offer["priority"]) == ("urgent", "P2")


def test_no_flag_no_offer_and_unknown_flags_are_refused(operator):
    case = claimed(operator)
    assert assessment.save(case, operator, "Card lost", []) is None
    with pytest.raises(Refused) as refused:
        assessment.save(case, operator, "x", ["made_up"])
    assert refused.value.status == 422


def test_saving_the_same_assessment_twice_writes_one_event(operator):
    case = claimed(operator)
    assessment.save(case, operator, "Fever", ["high_fever"])
    db.session.commit()
    assessment.save(case, operator, "Fever", ["high_fever"])
    db.session.commit()
    assert kinds(case).count("assessed") == 1


def test_resolve_needs_a_code_and_advice_unless_the_code_needs_none(operator):
    case = claimed(operator)
    with pytest.raises(Refused, match="disposition"):
        assessment.resolve(case, operator, "", "")
    with pytest.raises(Refused, match="advice"):
        assessment.resolve(case, operator, "home_care", " ")
    assessment.resolve(case, operator, "wrong_number", "")
    db.session.commit()
    assert (case.status, case.outcome, case.disposition) == ("resolved", "resolved", "wrong_number")


def test_a_ticked_p1_flag_cannot_be_resolved_as_routine(operator):
    case = claimed(operator)
    assessment.save(case, operator, "Not breathing well", ["breathing_difficulty"])
    db.session.commit()
    with pytest.raises(Refused) as refused:
        assessment.resolve(case, operator, "home_care", "Rest")
    assert refused.value.code == "red_flag" and case.status == "in_progress"
    assessment.resolve(case, operator, "emergency_108", "Told to call 108 now; ambulance on the way")
    db.session.commit()
    assert case.status == "resolved"


def test_only_the_operator_working_the_case_gives_the_outcome(operator):
    case = claimed(operator)
    other = factories.make_staff("operator")
    with pytest.raises(Refused) as refused:
        assessment.resolve(case, other, "home_care", "Rest")
    assert refused.value.code == "not_yours"
    supervisor = factories.make_staff("supervisor")
    assessment.resolve(case, supervisor, "home_care", "Rest")  # the team lead may take over
    db.session.commit()


def test_an_outcome_needs_a_claimed_case(operator):
    case = waiting_case()
    with pytest.raises(Refused) as refused:
        assessment.resolve(case, operator, "home_care", "Rest")
    assert refused.value.code == "not_in_progress"


def test_inform_texts_the_facility_duty_phone_with_a_masked_patient(operator):
    patient = factories.make_patient(name="Ramesh Kumar Gupta", mobile="+919811112222", ward="Seelampur")
    case = claimed(operator, phone="+919811112222")
    assert case.patient_id == patient.id
    facility = make_facility(phone="+919811133445")  # the duty officer's mobile
    assessment.inform(case, operator, facility.id, "Dengue suspected in the lane; please send the ASHA.")
    db.session.commit()
    (sms,) = Message.query.filter_by(kind="inform").all()
    assert sms.to_number == "+919811133445" and case.reference in sms.body
    assert "R.K.G. M" in sms.body and "Seelampur" in sms.body and "XXXXXX2222" in sms.body
    assert "Ramesh" not in sms.body and "9811112222" not in sms.body
    assert (case.status, case.outcome) == ("resolved", "informed")
    held = current_app.extensions["sampark_jobs"].held
    assert ("crm.platform.outbox.send", (sms.id,)) in held


def test_inform_never_texts_a_landline_duty_phone_and_the_case_keeps_why(operator):
    case = claimed(operator, phone="+919811112222")
    facility = make_facility(phone="+911122334455")  # a Delhi landline: no SMS reaches it (Twilio: 21614)
    assessment.inform(case, operator, facility.id, "Dengue suspected in the lane; please send the ASHA.")
    db.session.commit()
    # No text is even tried: the operator calls the landline (the desk says so) and the note stays on the case.
    assert Message.query.filter_by(kind="inform").all() == []
    assert current_app.extensions["sampark_jobs"].held == []
    informed = [e for e in case.events if e.kind == "informed"][-1]
    assert informed.detail["by"] == "phone" and "ASHA" in informed.detail["note"]


def test_inform_texts_a_mobile_duty_phone_the_registered_words(operator):
    case = claimed(operator, phone="+919811112222")
    facility = make_facility(phone="+919811100000")
    assessment.inform(case, operator, facility.id, "Dengue suspected in the lane; please send the ASHA.")
    db.session.commit()
    (sms,) = Message.query.filter_by(kind="inform").all()
    assert sms.status == "pending" and sms_templates.match(sms.body).name == "facility_inform"
    assert case.reference in sms.body and "ASHA" not in sms.body  # the operator's words stay on the case


def test_inform_refuses_a_facility_without_a_duty_phone(operator):
    with pytest.raises(Refused) as refused:
        assessment.inform(claimed(operator), operator, make_facility(phone=None).id, "x")
    assert refused.value.code == "no_duty_phone"


def test_emergency_escalation_alarms_the_doctors_and_starts_wrap_up(operator):
    case = claimed(operator)
    now = utcnow()
    assessment.escalate(case, operator, "cardiology", "emergency", "Chest pain, sweating", now=now)
    db.session.commit()
    assert (case.status, case.queue, case.priority, case.alarm_level) == ("escalated", "emergency", "P1", 1)
    assert operator.presence == "wrap_up"
    assert case.wrap_up_until == now + timedelta(seconds=presence.wrap_up_seconds())


def test_escalation_refuses_an_unknown_specialty(operator):
    with pytest.raises(Refused) as refused:
        assessment.escalate(claimed(operator), operator, "astrology", "urgent", "x")
    assert refused.value.status == 422


def test_a_scheduled_callback_waits_out_of_the_queue_then_comes_back_in_place(operator):
    case = claimed(operator)
    now = utcnow()
    assessment.schedule_callback(case, operator, now + timedelta(minutes=30), "Call after 5", now=now)
    db.session.commit()
    assert (case.status, case.queue) == ("callback", assessment.SCHEDULED)
    second = factories.make_staff("operator")
    assert lifecycle.claim_next(second) is None  # not claimable before it is due
    assert lifecycle.release_due_callbacks(now + timedelta(minutes=29)) == []
    (released,) = lifecycle.release_due_callbacks(now + timedelta(minutes=30))
    assert released.queue == "tier1" and released.queued_at == now + timedelta(minutes=30)
    assert lifecycle.claim_next(second).id == case.id


@pytest.mark.parametrize("minutes", [-10, 60 * 24 * 8])
def test_a_callback_must_be_due_within_a_week(operator, minutes):
    with pytest.raises(Refused):
        assessment.schedule_callback(claimed(operator), operator, utcnow() + timedelta(minutes=minutes))


def test_nobody_to_call_back_on_a_withheld_number(operator):
    with pytest.raises(Refused) as refused:
        assessment.schedule_callback(claimed(operator, phone="anonymous"), operator, utcnow() + timedelta(hours=1))
    assert refused.value.code == "no_number"


def test_wrap_up_runs_out_closes_the_case_and_makes_the_operator_available(operator):
    case = claimed(operator)
    now = utcnow()
    assessment.resolve(case, operator, "home_care", "ORS and rest", now=now)
    db.session.commit()
    assert operator.presence == "wrap_up"
    assert assessment.settle(now + timedelta(seconds=30))["closed"] == []
    settled = assessment.settle(now + timedelta(seconds=presence.wrap_up_seconds()))
    db.session.commit()
    assert [c.id for c in settled["closed"]] == [case.id] and settled["available"] == [operator.id]
    db.session.refresh(case)
    assert case.status == "closed" and case.closed_at is not None and operator.presence == "available"
    assert kinds(case)[-2:] == ["resolved", "closed"]


def test_ready_ends_wrap_up_early(operator):
    case = claimed(operator)
    assessment.resolve(case, operator, "clinic_info", "Clinic opens at 8")
    db.session.commit()
    assert [c.id for c in assessment.end_wrap_up(operator)] == [case.id]
    assert operator.presence == "available" and case.status == "closed"


def test_presence_cannot_leave_a_case_without_an_outcome(operator):
    claimed(operator)
    for choice in ("break", "offline", "available"):
        with pytest.raises(Refused):
            presence.set_presence(operator, choice)
    with pytest.raises(Refused):
        assessment.end_wrap_up(operator)


def test_counts_treat_anyone_holding_a_case_as_on_call(operator):
    presence.set_presence(operator, "available")
    db.session.commit()
    presence.set_presence(factories.make_staff("operator"), "break")
    db.session.commit()
    factories.make_staff("doctor").presence = "available"  # doctors are not tier-1 operators
    before = presence.counts()
    assert (before["available"], before["break"]) == (1, 1)
    claimed(operator)
    after = presence.counts()
    assert (after["available"], after["on_call"]) == (0, 1)


def test_attaching_a_patient_by_card_number_is_audited_with_the_case(operator):
    from crm.models import AuditLog

    card = factories.make_card()
    case = claimed(operator, phone="+919800000999")
    with current_app.test_request_context():
        view = assessment.attach_patient(case, operator, {"card_number": card.number})
        db.session.commit()
    assert case.patient_id == card.patient_id == view["patient"]["id"]
    row = AuditLog.query.filter_by(action="view_patient", case_id=case.id).one()
    assert row.patient_id == card.patient_id and row.via == "card_number"
    event = CaseEvent.query.filter_by(case_id=case.id, kind="patient_attached").one()
    assert event.detail["card"] == f"XXXX XXXX {card.number[8:]}"


def test_on_call_comes_from_answering_and_ends_when_nothing_is_held(operator):
    with pytest.raises(Refused):
        presence.set_presence(operator, "on_call")
    case = claimed(operator)
    assert presence.sync(operator) and operator.presence == "on_call"
    assessment.resolve(case, factories.make_staff("supervisor"), "home_care", "Rest")  # the team lead took over
    db.session.commit()
    assert presence.sync(operator) and operator.presence == "available"
    assert not presence.sync(operator)

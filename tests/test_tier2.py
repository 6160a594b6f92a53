"""Tier 2: escalation, exactly-once acceptance, referral, the alarm sweep on a controlled clock."""

from datetime import timedelta

import pytest

from crm.cases import alarms, lifecycle, queue, tier2
from crm.models import Call, Case, CaseEvent
from crm.models.base import utcnow
from crm.platform import sweeps
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests import factories


def waiting_case(**fields) -> Case:
    case = lifecycle.open_case("voice", "+919810000001", status="queued", queue="tier1", queued_at=utcnow(), **fields)
    db.session.commit()
    return case


def claimed_case(operator) -> Case:
    case = waiting_case()
    return lifecycle.claim(case.id, operator)


def test_escalation_puts_the_case_in_the_specialty_queue_with_the_summary(app):
    operator = factories.make_staff("operator")
    case = tier2.escalate(claimed_case(operator), operator, "cardiology", "urgent", "Chest tightness on walking")
    db.session.commit()
    assert (case.status, case.queue, case.priority) == ("escalated", "tier2:cardiology", "P2")
    assert case.escalation_summary == "Chest tightness on walking" and case.alarm_level == 0


@pytest.mark.parametrize("specialty, urgency, summary", [("cardiology", "whenever", "x"), ("cardiology", "urgent", " ")])
def test_escalation_needs_urgency_and_summary(app, specialty, urgency, summary):
    operator = factories.make_staff("operator")
    with pytest.raises(Refused):
        tier2.escalate(claimed_case(operator), operator, specialty, urgency, summary)


def test_emergency_escalation_raises_the_alarm(app):
    operator = factories.make_staff("operator")
    case = tier2.escalate(claimed_case(operator), operator, None, "emergency", "Not breathing properly")
    db.session.commit()
    assert (case.queue, case.priority, case.alarm_level) == ("emergency", "P1", 1)


def test_only_one_doctor_accepts(app):
    operator = factories.make_staff("operator")
    case = tier2.escalate(claimed_case(operator), operator, None, "emergency", "Collapsed")
    db.session.commit()
    first, second = factories.make_staff("doctor"), factories.make_staff("doctor", specialty="cardiology")
    assert tier2.accept(case.id, first).doctor_id == first.id
    assert tier2.accept(case.id, second) is None
    assert CaseEvent.query.filter_by(case_id=case.id, kind="accepted").count() == 1
    assert db.session.get(Case, case.id).alarm_level == 0


def test_a_doctor_only_accepts_their_queues(app):
    operator = factories.make_staff("operator")
    case = tier2.escalate(claimed_case(operator), operator, "paediatrics", "soon", "Rash for a week")
    db.session.commit()
    assert tier2.accept(case.id, factories.make_staff("doctor", specialty="cardiology")) is None
    assert tier2.accept(case.id, factories.make_staff("doctor", specialty="paediatrics")) is not None


def test_referral_moves_the_case_and_keeps_its_history(app):
    operator = factories.make_staff("operator")
    general = factories.make_staff("doctor")
    case = tier2.escalate(claimed_case(operator), operator, None, "soon", "Headaches")
    db.session.commit()
    tier2.accept(case.id, general)
    db.session.commit()
    tier2.refer(case, general, "neurology", "Possible migraine with aura")
    db.session.commit()
    neurologist = factories.make_staff("doctor", specialty="neurology")
    assert case in queue.waiting_for(neurologist)
    kinds = [e.kind for e in db.session.get(Case, case.id).events]
    assert kinds[-2:] == ["accepted", "referred"] and "escalated" in kinds


def test_alarm_sweep_widens_after_the_sla_and_only_once(app):
    case = waiting_case(priority="P1")
    case.queue = "emergency"
    db.session.commit()
    start = utcnow()
    assert alarms.sweep(start) == {"raised": 1, "widened": 0}  # the alarm the webhook missed
    assert alarms.sweep(start + timedelta(seconds=30)) == {"raised": 0, "widened": 0}
    assert alarms.sweep(start + timedelta(seconds=61)) == {"raised": 0, "widened": 1}
    assert alarms.sweep(start + timedelta(seconds=300)) == {"raised": 0, "widened": 0}
    steps = [e.detail["level"] for e in CaseEvent.query.filter_by(case_id=case.id, kind="alarm")]
    assert steps == [1, 2]


def test_accepted_emergency_is_never_widened(app):
    case = waiting_case(priority="P1")
    case.queue = "emergency"
    db.session.commit()
    alarms.sweep(utcnow())
    db.session.commit()
    tier2.accept(case.id, factories.make_staff("doctor"))
    db.session.commit()
    assert alarms.sweep(utcnow() + timedelta(minutes=5)) == {"raised": 0, "widened": 0}


def test_sweeps_run_once_does_everything(app):
    assert set(sweeps.run_once()) == {"raised", "widened", "reminders", "sms_requeued", "closed", "available", "due",
                                      "sms_settled", "sms_status_asked", "calls_reconciled", "fallback_read_back",
                                      "missed_callers", "offered", "staff_legs_settled", "purged_portal_codes",
                                      "purged_message_secrets", "purged_citizen_sessions", "purged_staff_sessions",
                                      "redacted_message_bodies", "anonymised_closed_cases", "partitions_made_case_event",
                                      "partitions_dropped_case_event", "partitions_made_audit_log",
                                      "partitions_dropped_audit_log", "partitions_made_message",
                                      "partitions_dropped_message", "message_claims", "kpi_cases_counted",
                                      "grievances_escalated"}


def _referred_live(app):
    operator = factories.make_staff("operator")
    general = factories.make_staff("doctor", name="Dr. Gupta")
    case = tier2.escalate(claimed_case(operator), operator, None, "urgent", "Chest pain")
    db.session.add(Call(sid="CA" + "1" * 32, case=case, purpose="citizen", status="in-progress"))
    db.session.commit()
    tier2.accept(case.id, general)
    db.session.commit()
    tier2.refer(case, general, "cardiology", "ECG changes, needs a cardiologist now")
    db.session.commit()
    return case


def test_live_referral_rings_the_specialty_and_keeps_the_summary(app):
    case = _referred_live(app)
    assert (case.status, case.queue, case.alarm_level) == ("escalated", "tier2:cardiology", 1)
    assert case.escalation_summary.startswith("Chest pain")
    assert "Referred by Dr. Gupta (general medicine): ECG changes" in case.escalation_summary


def test_live_referral_nobody_answers_widens_to_every_doctor(app):
    case = _referred_live(app)
    assert alarms.sweep(utcnow() + timedelta(seconds=30))["widened"] == 0
    assert alarms.sweep(utcnow() + timedelta(seconds=61))["widened"] == 1
    db.session.commit()
    assert (case.queue, case.alarm_level) == ("emergency", 2)
    assert case in queue.waiting_for(factories.make_staff("doctor", specialty="paediatrics"))
    assert alarms.sweep(utcnow() + timedelta(seconds=300))["widened"] == 0


def test_referral_of_a_finished_call_does_not_ring(app):
    operator = factories.make_staff("operator")
    general = factories.make_staff("doctor")
    case = tier2.escalate(claimed_case(operator), operator, None, "soon", "Headaches")
    db.session.commit()
    tier2.accept(case.id, general)
    tier2.refer(case, general, "neurology", "Migraine")
    db.session.commit()
    assert case.alarm_level == 0 and "Headaches" in case.escalation_summary

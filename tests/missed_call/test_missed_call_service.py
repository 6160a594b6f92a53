"""The missed-call rules without the phone: once per CallSid, one call-back per caller, the place, the estimate."""

from datetime import timedelta

from sqlalchemy import select

from crm.cases import lifecycle, queue
from crm.helpline.missed_call import services
from crm.models import Case, Message, StaffUser
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories
from tests.telephony import twilio_sign

CALLER = "+919810000061"
MISSED = "+911800112244"


def test_the_webhook_rejects_without_answering_and_twilio_repeats_change_nothing(client):
    params = {"CallSid": "CA" + "7" * 32, "AccountSid": "AC" + "0" * 32, "From": CALLER, "To": MISSED,
              "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
    for _ in range(2):
        answer = twilio_sign.post(client, "/telephony/voice", params)
        assert answer.status_code == 200 and '<Reject reason="busy" />' in answer.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Case)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Message)) == 1


def test_a_withheld_number_gets_nothing(app):
    result = services.record("CA" + "1" * 32, "unknown", MISSED, utcnow())
    assert result.case is None and db.session.scalar(select(Case.id)) is None


def test_the_place_is_the_time_of_the_missed_call_behind_urgent_cases(app):
    now = utcnow()
    urgent = lifecycle.open_case("voice", "+919810000062")
    urgent.priority = "P2"
    lifecycle.enter_queue(urgent, queue.TIER1)
    earlier = lifecycle.open_case("voice", "+919810000063")
    earlier.queued_at = now - timedelta(minutes=3)
    lifecycle.enter_queue(earlier, queue.TIER1)
    missed = services.record("CA" + "2" * 32, CALLER, MISSED, now - timedelta(minutes=1)).case
    later = lifecycle.open_case("voice", "+919810000064")
    lifecycle.enter_queue(later, queue.TIER1)
    db.session.commit()
    assert missed.queued_at == now - timedelta(minutes=1) and missed.status == "callback"
    assert services.position(missed) == 3 and services.position(later) == 4


def test_the_estimate_shares_the_line_among_operators_at_work(app):
    for _ in range(5):
        case = lifecycle.open_case("voice", None)
        lifecycle.enter_queue(case, queue.TIER1)
    missed = services.record("CA" + "3" * 32, CALLER, MISSED, utcnow()).case
    assert services.expected_minutes(missed) == 25  # 6th in line, nobody at work: 6 x 4 = 24 -> 25
    for _ in range(3):
        factories.make_staff("operator")
    db.session.execute(db.update(StaffUser).values(presence="available"))
    assert services.expected_minutes(missed) == 10  # 24 / 3 = 8 -> 10


def test_a_second_missed_call_while_waiting_keeps_the_first_place_and_sends_no_sms(app):
    first = services.record("CA" + "4" * 32, CALLER, MISSED, utcnow() - timedelta(minutes=5))
    again = services.record("CA" + "5" * 32, CALLER, MISSED, utcnow())
    assert first.new and not again.new and again.case.id == first.case.id and again.message is None
    assert first.case.queued_at < utcnow() - timedelta(minutes=4)
    kinds = [e.kind for e in first.case.events]
    assert kinds.count("missed_call") == 1 and kinds.count("missed_call_again") == 1


def test_a_known_urdu_callers_sms_is_in_urdu_only(app):
    factories.make_patient(mobile=CALLER, preferred_language="ur")
    db.session.commit()
    result = services.record("CA" + "5" * 32, CALLER, MISSED, utcnow())
    body = result.message.body
    assert "منٹ میں کال کریں گے" in body and "Sampark" not in body and "सम्पर्क" not in body

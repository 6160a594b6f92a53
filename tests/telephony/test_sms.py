"""Inbound SMS: one case per conversation, replies in the sender's script, opt-outs, statuses."""

import pytest
from flask import current_app

from crm.models import Case, Message, OptOut
from crm.platform.extensions import db
from telephony import sms_text
from tests.telephony import twilio_sign
from tests.telephony.conftest import sid


def text(client, body, sender="+919810000001", **extra):
    params = {"MessageSid": sid("SM"), "AccountSid": "AC" + "0" * 32, "From": sender, "To": "+911800112233",
              "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}
    params |= extra
    response = twilio_sign.post(client, "/telephony/sms", params)
    assert response.status_code == 200 and "<Response" in response.get_data(as_text=True)
    return params


def held():
    return current_app.extensions["sampark_jobs"].held


def outbound():
    db.session.expire_all()
    return Message.query.filter_by(direction="outbound").order_by(Message.id).all()


def test_first_text_opens_a_case_and_acknowledges_with_its_reference(client):
    text(client, "I need an appointment for my diabetes checkup")
    case = Case.query.one()
    assert (case.channel, case.status, case.queue, case.priority) == ("sms", "queued", "tier1", "P4")
    (reply,) = outbound()
    assert reply.body.startswith("Sampark: we got your message. Case " + case.reference)
    assert held() == [("telephony.jobs.send_message", (reply.id,))]


def test_the_same_message_delivered_twice_is_stored_once_and_answered_once(client):
    params = text(client, "bukhar hai")
    twilio_sign.post(client, "/telephony/sms", params)
    assert Message.query.filter_by(direction="inbound").count() == 1 and len(outbound()) == 1


def test_follow_up_texts_join_the_open_case_without_another_ack(client):
    text(client, "meri maa ko bukhar hai")
    text(client, "teen din se")
    assert Case.query.count() == 1 and len(outbound()) == 1
    assert Message.query.filter_by(direction="inbound").count() == 2


def test_devanagari_in_devanagari_out_within_two_segments(client):
    text(client, "मुझे डॉक्टर से मिलने का समय चाहिए")
    (reply,) = outbound()
    assert "केस SMP-" in reply.body and sms_text.segments(reply.body) <= 2 and not sms_text.is_gsm(reply.body)


def test_romanised_hindi_gets_romanised_hindi(client):
    text(client, "mujhe appointment chahiye kal ke liye")
    assert outbound()[0].body.startswith("Sampark: aapka sandesh mil gaya")


@pytest.mark.parametrize("body, script", [
    ("papa ko seene me bahut dard ho raha hai", "hinglish"),
    ("माँ बेहोश हो गई हैं", "hi"),
    ("my father collapsed and is not breathing", "en"),
])
def test_red_flag_text_gets_emergency_advice_and_a_doctor_call_back(client, body, script):
    text(client, body)
    case = Case.query.one()
    assert (case.priority, case.queue, case.status) == ("P1", "emergency", "queued")
    assert case.callback_requested_at is not None
    (advice,) = outbound()
    assert advice.kind == "advice" and "112" in advice.body and "108" in advice.body
    assert sms_text.segments(advice.body) <= 2
    assert (not sms_text.is_gsm(advice.body)) == (script == "hi")


def test_red_flag_in_a_follow_up_raises_the_open_case(client):
    text(client, "appointment chahiye")
    text(client, "abhi papa behosh ho gaye")
    case = Case.query.one()
    assert case.priority == "P1" and case.queue == "emergency"
    assert [m.kind for m in outbound()] == ["ack", "advice"]


@pytest.mark.parametrize("word", ["STOP", "stop", " Unsubscribe "])
def test_stop_is_recorded_and_nothing_more_is_sent(client, word):
    text(client, "bukhar hai")
    text(client, word, OptOutType="STOP" if word == "STOP" else "")
    assert OptOut.query.filter_by(phone="+919810000001").count() == 1
    current_app.extensions["sampark_jobs"].held.clear()
    from telephony import messages

    case = Case.query.one()
    message = messages.queue_reply(case, "Your appointment is at 10:00.")
    db.session.commit()
    from telephony.jobs import send_message

    send_message(message.id)
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == "blocked"


def test_start_lifts_the_opt_out(client):
    text(client, "STOP", OptOutType="STOP")
    text(client, "START", OptOutType="START")
    assert OptOut.query.count() == 0


def _sent_message(client):
    text(client, "hello")
    message = outbound()[0]
    message.sid, message.status = sid("SM"), "queued"
    db.session.commit()
    return message


def _status(client, message, status):
    params = {"MessageSid": message.sid, "MessageStatus": status, "SmsStatus": status, "AccountSid": "AC" + "0" * 32,
              "To": message.to_number, "From": message.from_number}
    assert twilio_sign.post(client, "/telephony/sms/status", params).status_code == 204


def test_delivery_statuses_only_move_forward(client):
    message = _sent_message(client)
    for status in ["sent", "delivered", "sending", "sent", "queued", "delivered"]:
        _status(client, message, status)
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == "delivered"


def test_failed_delivery_keeps_the_error_code(client):
    message = _sent_message(client)
    params = {"MessageSid": message.sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    twilio_sign.post(client, "/telephony/sms/status", params)
    db.session.expire_all()
    stored = db.session.get(Message, message.id)
    assert (stored.status, stored.error_code) == ("undelivered", "30003")


def test_a_message_is_sent_at_most_once_even_if_its_job_runs_twice(client):
    from telephony import messages

    text(client, "hello")
    message = outbound()[0]
    assert messages.claim_for_sending(message.id) is not None
    assert messages.claim_for_sending(message.id) is None

"""What a dead process leaves behind is settled: stuck replies, silent calls, and the fallback URLs.

The app is served over HTTP with the emulator; "the web process is down" is a middleware answering
503 to Twilio's webhooks (the emulator keeps its own state, as Twilio does), and "a worker is killed"
stops the send job at each step. Nothing is sent twice, nobody stays in limbo.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.cases.status import Status
from crm.models import Case, CaseEvent, Message
from crm.models.base import utcnow
from crm.platform import outbox, sweeps, unit_of_work
from crm.platform.extensions import db
from emulators.twilio.driver import EmulatorControl, Phone
from telephony import gateway
from tests.conftest import UNREACHABLE_DATABASE_URL, make_app
from tests.live import eventually, served
from tests.telephony.conftest import call_params, sid
from tests.telephony.twilio_sign import post

LATER = timedelta(minutes=4)  # past both the sending timeout and the silent-call threshold


class WebProcessDown:
    """Answers 503 to Twilio's webhooks while `down`; the emulator mounted beside it keeps working."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app, self.down = wsgi_app, False

    def __call__(self, environ, start_response):
        if self.down and environ.get("PATH_INFO", "").startswith("/telephony"):
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down"]
        return self.wsgi_app(environ, start_response)


@pytest.fixture
def live(tmp_path):
    with served(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False, SMS_PROVIDER="twilio") as (app, base):  # Twilio's sweeps
        app.wsgi_app = switch = WebProcessDown(app.wsgi_app)
        yield app, base, switch


def _sweep(now):
    done = sweeps.run_once(now)
    unit_of_work.commit()
    return done


def _held_reply(app, phone: Phone) -> int:
    phone.text("bukhar hai teen din se")
    with app.app_context():
        assert eventually(lambda: db.session.scalar(select(Message.id).where(Message.direction == "outbound")))
        return db.session.scalar(select(Message.id).where(Message.direction == "outbound"))


def _texts(phone: Phone) -> list[str]:
    return [m["body"] for m in phone.thread() if m.get("direction", "").startswith("outbound")
            or m.get("from") != phone.number]


def _kill_after_claim(message_id):
    outbox.claim_for_sending(message_id)
    unit_of_work.commit()


def _kill_after_request(message_id):
    message = outbox.claim_for_sending(message_id)
    unit_of_work.commit()
    gateway.send_message(message)  # Twilio has it; the process dies before the answer is stored
    db.session.rollback()


def _answer_lost(message_id, monkeypatch):
    real = gateway.send_message

    def sent_then_connection_reset(message, text=None):
        real(message, text)
        raise OSError("connection reset before Twilio's answer")

    monkeypatch.setattr(gateway, "send_message", sent_then_connection_reset)
    outbox.send(message_id)
    unit_of_work.commit()


@pytest.mark.parametrize("step", ["claim committed", "request sent", "answer lost"])
def test_a_worker_killed_while_sending_leaves_the_reply_sent_once_or_failed_on_the_case(live, step, monkeypatch):
    app, base, _switch = live
    phone = Phone(f"{base}/emulator", "+919877700001")
    message_id = _held_reply(app, phone)
    with app.app_context():
        if step == "claim committed":
            _kill_after_claim(message_id)
        elif step == "request sent":
            _kill_after_request(message_id)
        else:
            _answer_lost(message_id, monkeypatch)
        assert db.session.get(Message, message_id).status == "sending"
        outbox.send(message_id)  # rq's retry of the killed job: it must not send again
        unit_of_work.commit()
        assert _sweep(utcnow())["sms_settled"] == 0  # too early: a live worker may still be sending
        assert _sweep(utcnow() + LATER)["sms_settled"] == 1
        message = db.session.get(Message, message_id)
        events = [e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == message.case_id))]
        if step == "claim committed":
            assert message.status == "failed" and "not sent" in message.error_message
            assert "sms_failed" in events  # the operator sees it on the case and decides
        else:
            assert message.status in ("queued", "sending", "sent", "delivered") and message.sid
            assert "sms_settled" in events
        assert _sweep(utcnow() + 2 * LATER)["sms_settled"] == 0
    sent = [m for m in phone.thread() if "Case SMP-" in m.get("body", "")]
    assert len(sent) == (0 if step == "claim committed" else 1)


def test_a_sign_in_code_whose_answer_was_lost_is_found_at_twilio_by_its_masked_text(live, monkeypatch):
    from crm.citizens.portal import signin
    from tests.factories import make_patient

    app, base, _switch = live
    phone = Phone(f"{base}/emulator", "+919877700002")
    with app.app_context(), app.test_request_context():
        make_patient(mobile=phone.number)
        signin.request_code(phone.number, None, "en")
        unit_of_work.commit()
        message_id = db.session.scalar(select(Message.id).where(Message.kind == signin.SMS_KIND))
        _answer_lost(message_id, monkeypatch)
        assert _sweep(utcnow() + LATER)["sms_settled"] == 1
        message = db.session.get(Message, message_id)
        assert message.status != "failed" and message.sid and "******" in message.body
    [code_sms] = [m["body"] for m in phone.thread() if "sign-in code" in m.get("body", "")]
    assert "******" not in code_sms  # the phone got the code itself, once


def test_a_whatsapp_reply_delivered_while_its_answer_and_callbacks_were_lost_is_settled_as_delivered(live, monkeypatch):
    app, base, switch = live
    phone = Phone(f"{base}/emulator", "+919877700008")
    phone.api.post("/sms", {"from": phone.number, "body": "bukhar hai teen din se", "channel": "whatsapp"})
    with app.app_context():
        message_id = eventually(lambda: db.session.scalar(select(Message.id).where(Message.direction == "outbound")))
        assert db.session.get(Message, message_id).channel == "whatsapp"
        switch.down = True  # Twilio's delivery callbacks meet a dead web process
        _answer_lost(message_id, monkeypatch)
        delivered = eventually(lambda: any(m.get("status") == "delivered" and "Case SMP-" in m["body"]
                                           for m in phone.thread()))
        assert delivered and EmulatorControl(f"{base}/emulator").settle(timeout=10)
        switch.down = False
        assert _sweep(utcnow() + LATER)["sms_settled"] == 1
        db.session.expire_all()
        message = db.session.get(Message, message_id)
        assert message.status == "delivered" and message.sid and message.error_message is None


def _wait_in_tier1(phone: Phone):
    call = phone.call()
    call.wait_for("press 9", timeout=10)
    call.press("2")
    call.wait_for("card number", timeout=10)
    call.press("#")
    call.wait_for("To get a call back instead", timeout=10)
    return call


def _case_of(app, number: str) -> Case:
    return db.session.scalar(select(Case).where(Case.caller_phone == number))


def test_a_caller_who_hung_up_while_the_web_process_was_down_is_abandoned_and_offered_a_call_back(live):
    app, base, switch = live
    phone = Phone(f"{base}/emulator", "+919877700002")
    call = _wait_in_tier1(phone)
    switch.down = True  # Twilio's queue result and status callbacks never arrive
    call.hang_up()
    call.wait_until_ended(timeout=10)
    assert EmulatorControl(f"{base}/emulator").settle(timeout=10)  # every callback met the dead process
    switch.down = False
    with app.app_context():
        assert _case_of(app, phone.number).status == Status.QUEUED  # limbo, as in the drill
        assert _sweep(utcnow())["calls_reconciled"] == 0  # not silent long enough yet
        assert _sweep(utcnow() + LATER)["calls_reconciled"] == 1
        case = _case_of(app, phone.number)
        assert case.status == Status.ABANDONED
        offer = db.session.scalar(select(Message).where(Message.case_id == case.id, Message.kind == "missed_call"))
        assert offer is not None and "call you back" in offer.body and "112" in offer.body
        assert _sweep(utcnow() + 2 * LATER)["calls_reconciled"] == 0


def test_an_emergency_caller_lost_with_the_web_process_stays_with_the_doctors_alarmed(live):
    app, base, switch = live
    phone = Phone(f"{base}/emulator", "+919877700003")
    call = phone.call()
    call.wait_for("press 9", timeout=10)
    call.press("9")
    call.wait_for("connecting you to a doctor", timeout=10)
    switch.down = True
    call.hang_up()
    call.wait_until_ended(timeout=10)
    assert EmulatorControl(f"{base}/emulator").settle(timeout=10)  # every callback met the dead process
    switch.down = False
    with app.app_context():
        _sweep(utcnow() + LATER)
        case = _case_of(app, phone.number)
        assert case.status == Status.QUEUED and case.queue == "emergency" and case.priority == "P1"
        assert case.alarm_level >= 1 and case.callback_requested_at is not None  # a doctor calls back


def test_a_caller_still_waiting_is_not_touched_by_the_call_sweep(live):
    app, base, _switch = live
    phone = Phone(f"{base}/emulator", "+919877700004")
    call = _wait_in_tier1(phone)
    with app.app_context():
        assert _sweep(utcnow() + LATER)["calls_reconciled"] == 0
        assert _case_of(app, phone.number).status == Status.QUEUED
    call.hang_up()


@pytest.fixture
def fallback_app(tmp_path):
    app = make_app(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_voice_fallback_tells_the_caller_112_and_108_in_both_languages_and_keeps_a_pressed_9(fallback_app):
    call_sid = sid("CA")
    response = post(fallback_app.test_client(), "/telephony/voice/fallback", call_params(call_sid, Digits="9"))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "112" in text and "108" in text and "call you back" in text and "वापस कॉल" in text
    with fallback_app.app_context():
        case = db.session.scalar(select(Case))
        assert case.priority == "P1" and case.queue == "emergency"


def test_a_signed_voice_fallback_naming_no_call_is_given_the_advice_and_stores_nothing(fallback_app):
    params = {"AccountSid": "AC" + "0" * 32, "From": "+919877700007", "To": "+911800112233"}  # no CallSid (was a 500)
    response = post(fallback_app.test_client(), "/telephony/voice/fallback", params)
    assert response.status_code == 200 and "108" in response.get_data(as_text=True)
    with fallback_app.app_context():
        assert db.session.scalar(select(Case)) is None


def test_fallbacks_answer_without_a_database_and_refuse_unsigned_requests(tmp_path):
    app = make_app(tmp_path, DATABASE_URL=UNREACHABLE_DATABASE_URL)
    client = app.test_client()
    voice = post(client, "/telephony/voice/fallback", call_params(sid("CA")))
    assert voice.status_code == 200 and "108" in voice.get_data(as_text=True)
    sms = post(client, "/telephony/sms/fallback", {"MessageSid": sid("SM"), "From": "+919877700005",
                                                   "To": "+911800112233", "Body": "saans nahi aa rahi"})
    assert sms.status_code == 200 and "112" in sms.get_data(as_text=True)
    assert client.post("/telephony/voice/fallback", data=call_params(sid("CA"))).status_code == 403


def test_sms_fallback_stores_the_text_and_leaves_the_reply_to_the_usual_job_when_the_database_answers(fallback_app):
    params = {"MessageSid": sid("SM"), "From": "+919877700006", "To": "+911800112233", "Body": "saans nahi aa rahi"}
    response = post(fallback_app.test_client(), "/telephony/sms/fallback", params)
    assert response.status_code == 200 and "<Message>" not in response.get_data(as_text=True)
    with fallback_app.app_context():
        kinds = sorted(m.kind for m in db.session.scalars(select(Message)))
        assert kinds == ["advice", "reply"]  # the text (stored as received) and its advice, sent by the job


def test_a_message_twilio_answered_and_reports_as_sending_is_never_settled_as_lost(fallback_app):
    with fallback_app.app_context():
        long_ago = utcnow() - LATER
        db.session.add(Message(direction="outbound", from_number="+911800112233", to_number="+919877700007",
                               body="Sampark: ...", status="sending", sid=sid("SM"), sending_since=long_ago))
        unit_of_work.commit()
        assert _sweep(utcnow())["sms_settled"] == 0
        assert db.session.scalar(select(Message.status)) == "sending"

"""Red-flag advice that never reached Twilio is sent again, once; any other lost text is left to a person."""

from sqlalchemy import select

from crm.models import CaseEvent, Message
from crm.models.base import utcnow
from crm.platform.extensions import db
from telephony import jobs
from telephony.emulator.driver import Phone
from tests.live import eventually
from tests.telephony.test_reliability import LATER, _kill_after_claim, _sweep, live  # noqa: F401 (fixture)


def _advice_of(app, phone: Phone, body: str) -> int:
    phone.text(body)
    with app.app_context():
        found = select(Message.id).where(Message.direction == "outbound")
        assert eventually(lambda: db.session.scalar(found))
        return db.session.scalar(found)


def test_red_flag_advice_lost_before_twilio_is_sent_again_once(live):  # noqa: F811
    app, base, _switch = live
    phone = Phone(f"{base}/emulator", "+919877700071")
    message_id = _advice_of(app, phone, "papa ko seene me dard hai, saans nahi aa rahi")
    with app.app_context():
        assert db.session.get(Message, message_id).kind == "advice"
        _kill_after_claim(message_id)  # the worker died after its claim, before Twilio had the request
        assert _sweep(utcnow() + LATER)["sms_settled"] == 1
        assert db.session.get(Message, message_id).status == "pending"  # back in line, not failed
        jobs.send_message(message_id)  # the send job the sweep queued
        assert db.session.get(Message, message_id).status in ("queued", "sent", "delivered")
    assert len([m for m in phone.thread() if "112" in m.get("body", "") and "SMP-" in m.get("body", "")]) == 1


def test_red_flag_advice_is_sent_again_only_once(live):  # noqa: F811
    app, base, _switch = live
    phone = Phone(f"{base}/emulator", "+919877700072")
    message_id = _advice_of(app, phone, "papa ko seene me dard hai, saans nahi aa rahi")
    with app.app_context():
        _kill_after_claim(message_id)
        _sweep(utcnow() + LATER)
        _kill_after_claim(message_id)  # lost a second time
        assert _sweep(utcnow() + 2 * LATER)["sms_settled"] == 1
        message = db.session.get(Message, message_id)
        assert message.status == "failed" and "not sent" in message.error_message
        kinds = [e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == message.case_id))]
        assert kinds.count("sms_resent") == 1 and "sms_failed" in kinds

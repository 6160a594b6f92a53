"""A text Twilio delivered whose status callbacks were all lost is settled by the sweep from Twilio's own record."""

import time
from datetime import timedelta

from sqlalchemy import select

from crm.models import Message
from crm.models.base import utcnow
from crm.platform.extensions import db
from telephony import jobs
from telephony.emulator.driver import Phone
from tests.telephony.test_reliability import _held_reply, _sweep, live  # noqa: F401 (fixture)


def test_a_delivered_text_whose_callbacks_were_lost_does_not_stay_sending(live):  # noqa: F811
    app, base, switch = live
    phone = Phone(f"{base}/emulator", "+919877700091")
    message_id = _held_reply(app, phone)
    switch.down = True  # every status callback meets a dead web process
    with app.app_context():
        jobs.send_message(message_id)
        assert any("SMP-" in m.get("body", "") for m in phone.thread())
        time.sleep(1.5)  # the emulator reports queued, sent, delivered (each callback answered 503)
        switch.down = False
        assert db.session.get(Message, message_id).status in ("queued", "sending", "sent")
        assert _sweep(utcnow())["sms_status_asked"] == 0  # too early: its callback may still come
        assert _sweep(utcnow() + timedelta(minutes=11))["sms_status_asked"] == 1
        db.session.expire_all()
        assert db.session.scalar(select(Message.status).where(Message.id == message_id)) == "delivered"
        assert _sweep(utcnow() + timedelta(minutes=30))["sms_status_asked"] == 0  # final: never asked again

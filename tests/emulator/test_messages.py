"""SMS: outbound status callbacks (and their chaos), inbound segments, replies, opt-out keywords."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.base.exceptions import TwilioRestException

from emulators.twilio.messaging import encoding, segments
from tests.emulator.conftest import CITIZEN, HELPLINE, twiml

HINDI = "आपका केस दर्ज हो गया है"


def send(emulator_server, customer, body: str = "Your appointment is at 10:30", to: str = CITIZEN):
    """Send an SMS through the real twilio Client with a status callback on the fake app."""
    return emulator_server.client().messages.create(
        to=to, from_=HELPLINE, body=body, status_callback=f"{customer.url}/telephony/sms/status")


def test_outbound_message_reports_sending_sent_delivered_in_order(customer, emulator_server, phone):
    message = send(emulator_server, customer)
    assert message.status == "queued" and message.sid.startswith("SM") and message.num_segments == "1"
    callbacks = customer.wait_for("/telephony/sms/status", 3)
    assert [c["MessageStatus"] for c in callbacks] == ["sending", "sent", "delivered"]
    assert all(c["MessageSid"] == message.sid and c["SmsStatus"] == c["MessageStatus"] for c in callbacks)
    assert phone.wait_for_text("Your appointment is at 10:30")["status"] == "delivered"
    assert emulator_server.client().messages(message.sid).fetch().status == "delivered"


def test_chaos_duplicates_and_shuffles_status_callbacks(customer, emulator_server, phone):
    emulator_server.emulator.store.chaos = {"duplicate": True, "shuffle": True}
    message = send(emulator_server, customer)
    callbacks = customer.wait_for("/telephony/sms/status", 6)
    statuses = [c["MessageStatus"] for c in callbacks if c["MessageSid"] == message.sid]
    assert sorted(statuses) == sorted(["sending", "sent", "delivered"] * 2)
    assert statuses[::2] != ["sending", "sent", "delivered"]


def test_chaos_per_call_shuffles_a_calls_callbacks(customer, emulator_server, phone):
    customer.answer("/telephony/voice", twiml("<Hangup/>"))
    call = phone.call(chaos={"duplicate": True})
    call.wait_until_ended()
    emulator_server.emulator.settle()
    statuses = customer.wait_for("/telephony/voice/status", 2)
    assert [s["CallStatus"] for s in statuses] == ["completed", "completed"]


@pytest.mark.parametrize(("body", "expected"), [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    (HINDI, 1), ("क" * 70, 1), ("क" * 71, 2), ("क" * 134, 2), ("क" * 135, 3),
    ("{" * 80, 1), ("{" * 81, 2),  # GSM extension characters take two septets
])
def test_segments(body, expected):
    assert segments(body) == expected


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 .,", max_size=800))
def test_gsm_text_takes_the_fewest_segments_it_fits_in(body):
    def capacity(parts: int) -> int:
        return 160 if parts == 1 else 153 * parts

    parts = segments(body)
    assert encoding(body) == "GSM-7"
    assert len(body) <= capacity(parts)
    assert parts == 1 or len(body) > capacity(parts - 1)


@given(st.text(min_size=1, max_size=400))
def test_any_text_has_at_least_one_segment_and_unicode_costs_more(body):
    parts = segments(body)
    assert parts >= 1
    assert parts >= segments("a" * len(body)) or encoding(body) == "GSM-7"


def test_inbound_sms_reaches_the_app_with_segments_and_the_reply_comes_back(customer, phone):
    customer.answer("/telephony/sms", lambda p: twiml(f"<Message>Case SMS-1 received ({p['NumSegments']})</Message>"))
    phone.text("fever since two days")
    phone.text(HINDI + " " + HINDI + " " + HINDI + " " + HINDI)
    # two texts sent at once may reach the app in either order, as with Twilio: tell them by their words
    received = customer.wait_for("/telephony/sms", 2)
    english = next(webhook for webhook in received if webhook["Body"] == "fever since two days")
    hindi = next(webhook for webhook in received if webhook["Body"].startswith(HINDI))
    assert english["NumSegments"] == "1" and english["SmsStatus"] == "received" and english["NumMedia"] == "0"
    assert english["MessageSid"].startswith("SM") and english["To"] == HELPLINE and english["From"] == CITIZEN
    assert hindi["NumSegments"] == "2"
    assert phone.wait_for_text("Case SMS-1 received (2)")["direction"] == "outbound-reply"


def test_stop_opts_out_until_start(customer, emulator_server, phone):
    phone.text("STOP")
    webhook = customer.wait_for("/telephony/sms")[0]
    assert webhook["OptOutType"] == "STOP" and webhook["Body"] == "STOP"
    phone.wait_for_text("You have successfully been unsubscribed")
    with pytest.raises(TwilioRestException) as refused:
        send(emulator_server, customer)
    assert refused.value.code == 21610 and "unsubscribed recipient" in refused.value.msg
    assert emulator_server.emulator.request_log()[-1]["valid"]  # a proper request, refused for a reason

    phone.text("start")
    assert customer.wait_for("/telephony/sms", 2)[1]["OptOutType"] == "START"
    assert send(emulator_server, customer).status == "queued"


def test_message_without_body_is_invalid(customer, emulator_server):
    with pytest.raises(TwilioRestException) as refused:
        emulator_server.client().messages.create(to=CITIZEN, from_=HELPLINE)
    assert refused.value.code == 21602
    assert emulator_server.emulator.request_log(invalid_only=True)[-1]["operation"] == "CreateMessage"

"""Enqueue: the waitUrl loop with queue position, dequeue by the real twilio Client, hang-up, Leave."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from twilio.base.exceptions import TwilioRestException

from emulators.twilio.driver import Phone
from tests.emulator.conftest import twiml

ENQUEUE = twiml('<Enqueue waitUrl="/telephony/wait" action="/telephony/queue-result">tier1</Enqueue>',
                "<Say>After the queue</Say>")


def wait_music(params: dict) -> str:
    """What the fake app plays while a caller waits: their position, then a short pause."""
    return twiml(f'<Say language="en-IN" voice="Polly.Raveena">You are number {params["QueuePosition"]} '
                 f'of {params["CurrentQueueSize"]}.</Say><Pause length="2"/>')


@pytest.fixture
def queue_app(customer):
    """The fake app's queue: Enqueue into tier1 with wait music; dequeued callers join case-17."""
    customer.answer("/telephony/voice", ENQUEUE)
    customer.answer("/telephony/wait", wait_music)
    customer.answer("/telephony/bridge", twiml(
        '<Dial><Conference startConferenceOnEnter="true" endConferenceOnExit="true">case-17</Conference></Dial>'))
    return customer


def test_wait_url_is_asked_again_with_the_queue_position(queue_app, emulator_server, phone):
    first = phone.call()
    first.wait_for("You are number 1 of 1.")
    second = Phone(emulator_server.url, "+919810000002").call()
    view = second.wait_for("You are number 2 of 2.")
    assert view["queue"]["name"] == "tier1" and view["queue"]["position"] == 2
    assert any("In queue tier1, position 2 of 2" in line["text"] for line in view["transcript"])
    first.wait_for("You are number 1 of 2.")  # the loop re-requests waitUrl with fresh numbers
    params = queue_app.got("/telephony/wait")[-1]
    assert {"QueueSid", "QueueTime", "AvgQueueTime", "CurrentQueueSize", "QueuePosition"} <= params.keys()
    assert params["QueueSid"].startswith("QU") and len(params["QueueSid"]) == 34


def test_dequeue_with_the_real_client_lands_the_caller_in_a_conference(queue_app, emulator_server, phone):
    call = phone.call()
    call.wait_for(lambda v: v["queue"] is not None)
    client = emulator_server.client()
    queue = next(q for q in client.queues.list() if q.friendly_name == "tier1")
    assert queue.current_size == 1
    members = client.queues(queue.sid).members.list()
    assert [m.call_sid for m in members] == [call.sid] and members[0].position == 1

    member = client.queues(queue.sid).members(call.sid).update(url=f"{queue_app.url}/telephony/bridge", method="POST")

    assert member.call_sid == call.sid
    view = call.wait_for("In conference case-17")
    assert view["conference"]["name"] == "case-17" and view["queue"] is None
    result = queue_app.wait_for("/telephony/queue-result")[0]
    assert result["QueueResult"] == "redirected" and result["QueueSid"] == queue.sid
    assert client.queues(queue.sid).fetch().current_size == 0


def test_caller_hanging_up_in_the_queue_is_reported_and_cannot_be_dequeued(queue_app, emulator_server, phone):
    call = phone.call()
    call.wait_for("You are number 1")
    queue_sid = call.queue["sid"]
    call.hang_up()
    result = queue_app.wait_for("/telephony/queue-result")[0]
    assert result["QueueResult"] == "hangup" and result["CallStatus"] == "completed"
    client = emulator_server.client()
    assert client.queues(queue_sid).members.list() == []
    with pytest.raises(TwilioRestException) as refused:
        client.queues(queue_sid).members(call.sid).update(url=f"{queue_app.url}/telephony/bridge")
    assert refused.value.status == 404


def test_gather_in_wait_music_can_leave_the_queue(customer, phone):
    customer.answer("/telephony/voice", ENQUEUE)
    customer.answer("/telephony/wait", twiml(
        '<Gather numDigits="1" action="/telephony/wait-choice"><Say>Press 1 for a call back.</Say></Gather>'))
    customer.answer("/telephony/wait-choice", lambda p: twiml("<Leave/>") if p["Digits"] == "1" else twiml())
    customer.answer("/telephony/queue-result", lambda p: twiml(f"<Say>Result {p['QueueResult']}</Say>"))
    call = phone.call()
    call.wait_for("Press 1 for a call back.")
    call.press("1")
    call.wait_for("Result leave")
    assert customer.got("/telephony/wait-choice")[0]["QueuePosition"] == "1"


def test_dequeue_front_takes_the_first_caller(queue_app, emulator_server, phone):
    call = phone.call()
    call.wait_for(lambda v: v["queue"] is not None)
    client = emulator_server.client()
    member = client.queues(call.queue["sid"]).members("Front").update(url=f"{queue_app.url}/telephony/bridge")
    assert member.call_sid == call.sid
    call.wait_for("In conference case-17")


def test_verbs_not_allowed_in_wait_music_are_an_error(customer, phone):
    customer.answer("/telephony/voice", ENQUEUE)
    customer.answer("/telephony/wait", twiml("<Dial>+919999999999</Dial>"))
    view = phone.call().wait_until_ended()
    assert any("not allowed in waitUrl" in line["text"] for line in view["transcript"])


def test_many_callers_dequeued_at_once_each_land_in_their_own_room(customer, emulator_server):
    customer.answer("/telephony/voice", ENQUEUE)
    customer.answer("/telephony/wait", wait_music)
    customer.answer("/telephony/room", lambda p: twiml(f"<Dial><Conference>case-{p['room']}</Conference></Dial>"))
    calls = [Phone(emulator_server.url, f"+9198100001{n:02d}").call() for n in range(12)]
    for call in calls:
        call.wait_for(lambda v: v["queue"] is not None)
    client = emulator_server.client()
    queue_sid = calls[0].queue["sid"]
    assert client.queues(queue_sid).fetch().current_size == 12

    def dequeue(n: int) -> str:
        return client.queues(queue_sid).members("Front").update(url=f"{customer.url}/telephony/room?room={n}").call_sid

    with ThreadPoolExecutor(max_workers=6) as pool:
        taken = list(pool.map(dequeue, range(12)))
    assert sorted(taken) == sorted(call.sid for call in calls)  # Front never hands out a caller twice
    for call in calls:
        call.wait_for("In conference case-")
    assert client.queues(queue_sid).fetch().current_size == 0
    assert len(client.conferences.list(status="in-progress")) == 12

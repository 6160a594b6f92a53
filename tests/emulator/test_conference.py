"""Staff legs and conferences: Calls create to a client, Participants, hold, ending, status callbacks."""

from __future__ import annotations

import time

import pytest

from emulators.twilio import create_emulator_app, emulator_of
from emulators.twilio.driver import CallHandle, Phone
from tests.emulator.conftest import CITIZEN, HELPLINE, emulator_config, serve, twiml

CASE_ROOM = ('<Dial><Conference statusCallback="/telephony/conference-events" '
             'statusCallbackEvent="start end join leave hold">case-17</Conference></Dial>')


@pytest.fixture
def citizen_in_room(customer, phone):
    """The citizen's call sitting in conference case-17, alone."""
    customer.answer("/telephony/voice", twiml(CASE_ROOM, "<Say>The operator has left the call.</Say>"))
    customer.answer("/telephony/agent", twiml(
        '<Dial><Conference endConferenceOnExit="true">case-17</Conference></Dial>'))
    call = phone.call()
    call.wait_for("In conference case-17, alone")
    return call


def test_call_to_a_client_auto_answers_into_the_conference(customer, emulator_server, citizen_in_room):
    client = emulator_server.client()
    agent = client.calls.create(to="client:staff-3", from_=HELPLINE, url=f"{customer.url}/telephony/agent",
                                status_callback=f"{customer.url}/telephony/agent-status",
                                status_callback_event=["initiated", "ringing", "answered", "completed"])
    assert agent.status == "queued" and agent.direction == "outbound-api"
    citizen_in_room.wait_for("client:staff-3 joined")

    conference = client.conferences.list(friendly_name="case-17", status="in-progress")[0]
    legs = {p.call_sid: p for p in client.conferences(conference.sid).participants.list()}
    assert set(legs) == {citizen_in_room.sid, agent.sid}
    assert legs[agent.sid].end_conference_on_exit is True and legs[agent.sid].status == "connected"
    assert client.calls(agent.sid).fetch().status == "in-progress"

    client.calls(agent.sid).update(status="completed")  # the operator hangs up: endConferenceOnExit
    citizen_in_room.wait_for("The operator has left the call.")
    assert client.conferences(conference.sid).fetch().status == "completed"
    emulator_server.emulator.settle()
    statuses = customer.wait_for("/telephony/agent-status", 4)
    assert [s["CallStatus"] for s in statuses] == ["initiated", "ringing", "in-progress", "completed"]
    assert [s["SequenceNumber"] for s in statuses] == ["0", "1", "2", "3"]
    assert int(statuses[-1]["CallDuration"]) >= 0


def test_conference_status_callbacks(customer, emulator_server, citizen_in_room):
    client = emulator_server.client()
    agent = client.calls.create(to="client:staff-3", from_=HELPLINE, url=f"{customer.url}/telephony/agent")
    citizen_in_room.wait_for("client:staff-3 joined")
    conference = client.conferences.list(friendly_name="case-17")[0]
    client.conferences(conference.sid).update(status="completed")
    citizen_in_room.wait_until_ended()
    emulator_server.emulator.settle()
    events = customer.got("/telephony/conference-events")
    names = [(e["StatusCallbackEvent"], e.get("CallSid")) for e in events]
    assert names[:3] == [("conference-start", None), ("participant-join", citizen_in_room.sid),
                         ("participant-join", agent.sid)]
    assert names[-1] == ("conference-end", None)
    assert events[-1]["ReasonConferenceEnded"] == "conference-ended-via-api"
    assert [int(e["SequenceNumber"]) for e in events] == list(range(len(events)))
    assert all(e["FriendlyName"] == "case-17" and e["ConferenceSid"] == conference.sid for e in events)


def test_participants_create_hold_and_remove_by_label(customer, emulator_server, citizen_in_room):
    client = emulator_server.client()
    conference = client.conferences.list(friendly_name="case-17")[0]
    doctor = client.conferences(conference.sid).participants.create(
        from_=HELPLINE, to="client:doctor-9", label="doctor", early_media=True, beep="false",
        end_conference_on_exit=False)
    assert doctor.status == "queued" and doctor.label == "doctor"
    citizen_in_room.wait_for("client:doctor-9 joined")
    fetched = client.conferences(conference.sid).participants("doctor").fetch()
    assert fetched.call_sid == doctor.call_sid and fetched.status == "connected"

    client.conferences(conference.sid).participants(citizen_in_room.sid).update(hold=True)
    citizen_in_room.wait_for("On hold (hold music)")
    client.conferences(conference.sid).participants(citizen_in_room.sid).update(hold=False)
    citizen_in_room.wait_for("Back from hold")

    client.conferences(conference.sid).participants("doctor").delete()
    citizen_in_room.wait_for("client:doctor-9 left")
    # The leg's own status follows its leaving a moment later (as at Twilio): ask until it is final.
    deadline = time.monotonic() + 5
    while client.calls(doctor.call_sid).fetch().status != "completed" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.calls(doctor.call_sid).fetch().status == "completed"
    assert client.calls(citizen_in_room.sid).fetch().status == "in-progress"


def test_participant_by_conference_name_creates_the_room(customer, emulator_server):
    client = emulator_server.client()
    participant = client.conferences("emergency-4").participants.create(from_=HELPLINE, to="client:doctor-1")
    conference = client.conferences(participant.conference_sid).fetch()
    assert conference.friendly_name == "emergency-4"


def test_dial_number_bridges_the_caller_to_a_desk_phone(customer, emulator_server, phone):
    customer.answer("/telephony/voice", twiml('<Dial action="/telephony/dial-result" timeout="10">'
                                              "<Number>+911123456789</Number></Dial>"))
    customer.answer("/telephony/dial-result", lambda p: twiml(f"<Say>Dial {p['DialCallStatus']}</Say>"))
    call = phone.call()
    view = call.wait_for("In a call with +911123456789")
    desk = next(leg for leg in emulator_server.client().calls.list(parent_call_sid=call.sid))
    assert desk.direction == "outbound-dial" and view["conference"]["hidden"]
    emulator_server.client().calls(desk.sid).update(status="completed")
    call.wait_for("Dial completed")


def test_dial_rings_every_client_and_the_first_to_answer_wins(customer):
    app = create_emulator_app(emulator_config(customer, AGENT_AUTO_ANSWER=False))
    url, stop = serve(app)
    try:
        customer.answer("/telephony/voice", twiml(
            '<Dial action="/telephony/dial-result"><Client>doctor-1</Client><Client>doctor-2</Client></Dial>'))
        phone = Phone(url, CITIZEN)
        call = phone.call()
        call.wait_for("Dialling client:doctor-1, client:doctor-2")
        legs = {leg["to"]: CallHandle(phone.api, leg["sid"]) for leg in phone.api.get("/calls")
                if leg["parent_call_sid"] == call.sid}
        legs["client:doctor-2"].wait_for("Ringing client:doctor-2")
        legs["client:doctor-2"].answer()
        call.wait_for("In a call with client:doctor-2")
        assert legs["client:doctor-1"].wait_until_ended()["status"] == "canceled"
        legs["client:doctor-2"].hang_up()
        result = customer.wait_for("/telephony/dial-result")[0]
        assert result["DialCallStatus"] == "completed" and result["DialCallSid"] == legs["client:doctor-2"].sid
    finally:
        emulator_of(app).reset()
        stop()


def test_sms_verb_during_a_call_texts_the_caller(customer, phone):
    customer.answer("/telephony/voice", twiml("<Sms>Your case number is 17</Sms><Say>Bye</Say>"))
    phone.call().wait_until_ended()
    assert phone.wait_for_text("Your case number is 17")["direction"] == "outbound-call"

"""A supervisor joins a call as a silent listener, as a coach (whisper) or to speak to everyone (barge),
through the real twilio Client; the emulator plays who hears whom as Twilio describes it."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from emulators.twilio.driver import CallHandle
from tests.emulator.conftest import HELPLINE
from tests.emulator.test_conference import citizen_in_room  # noqa: F401  (fixture)


@pytest.fixture
def room(customer, emulator_server, citizen_in_room):  # noqa: F811
    """The citizen and an operator (client:staff-3) talking in conference case-17."""
    client = emulator_server.client()
    client.calls.create(to="client:staff-3", from_=HELPLINE, url=f"{customer.url}/telephony/agent")
    citizen_in_room.wait_for("client:staff-3 joined")
    conference = client.conferences.list(friendly_name="case-17", status="in-progress")[0]
    agent = next(p.call_sid for p in client.conferences(conference.sid).participants.list()
                 if p.call_sid != citizen_in_room.sid)
    return client, conference, agent


def _supervisor(emulator_server, client, conference, **options) -> CallHandle:
    joined = client.conferences(conference.sid).participants.create(
        from_=HELPLINE, to="client:staff-9", label="supervisor", beep="false", **options)
    handle = CallHandle(_api(emulator_server), joined.call_sid)
    handle.wait_for(lambda v: v["conference"] and any(m["call_sid"] == joined.call_sid and m["status"] == "connected"
                                                      for m in v["conference"]["members"]))
    return handle


def _api(emulator_server):
    from emulators.twilio.driver import _Api

    return _Api(emulator_server.url)


def _members(handle: CallHandle) -> dict[str, dict]:
    return {m["name"]: m for m in handle.conference["members"]}


def test_a_listener_hears_both_and_is_heard_by_nobody(emulator_server, room, citizen_in_room):  # noqa: F811
    client, conference, _agent = room
    supervisor = _supervisor(emulator_server, client, conference, muted=True)
    assert supervisor.talk("Can you hear me?") == []
    assert sorted(_members(supervisor)["supervisor"]["hears"]) == sorted([citizen_in_room.view()["party"], "client:staff-3"])
    assert citizen_in_room.talk("My father has fever") == ["client:staff-3", "client:staff-9"]
    assert not any("staff-9" in line for line in citizen_in_room.transcript)  # joined without a beep


def test_a_coach_is_heard_by_the_agent_only(emulator_server, room, citizen_in_room):  # noqa: F811
    client, conference, agent = room
    supervisor = _supervisor(emulator_server, client, conference, coaching=True, call_sid_to_coach=agent)
    assert supervisor.talk("Ask about his breathing") == ["client:staff-3"]
    agent_leg = CallHandle(_api(emulator_server), agent)
    assert 'client:staff-9: "Ask about his breathing"' in agent_leg.transcript
    assert not any("breathing" in line for line in citizen_in_room.transcript)
    fetched = client.conferences(conference.sid).participants("supervisor").fetch()
    assert fetched.coaching is True and fetched.call_sid_to_coach == agent and fetched.muted is False


def test_barging_in_is_heard_by_everyone_and_a_coach_can_barge(emulator_server, room, citizen_in_room):  # noqa: F811
    client, conference, agent = room
    supervisor = _supervisor(emulator_server, client, conference, coaching=True, call_sid_to_coach=agent)
    client.conferences(conference.sid).participants("supervisor").update(coaching=False)
    assert sorted(supervisor.talk("This is the shift supervisor")) == sorted([citizen_in_room.view()["party"],
                                                                              "client:staff-3"])
    updated = client.conferences(conference.sid).participants("supervisor").fetch()
    assert updated.coaching is False and updated.call_sid_to_coach is None


def test_coaching_needs_a_leg_of_this_conference(emulator_server, room):
    client, conference, _agent = room
    with pytest.raises(TwilioRestException) as refused:
        client.conferences(conference.sid).participants.create(
            from_=HELPLINE, to="client:staff-9", coaching=True)
    assert refused.value.status == 400
    with pytest.raises(TwilioRestException):
        client.conferences(conference.sid).participants.create(
            from_=HELPLINE, to="client:staff-9", call_sid_to_coach="CA" + "1" * 32)
    assert not [r for r in emulator_server.emulator.request_log(invalid_only=True) if r.get("operation") != "CreateParticipant"]

"""An emergency nobody accepts is missed from the moment it passes its threshold, not when a doctor finally takes it:
the service level counts it, the board lists it for the floor's alert, and the wallboard turns red."""

from __future__ import annotations

import pytest
import time_machine

from crm.cases import tier2, voice
from crm.helpline.supervisor import kpis
from crm.platform.extensions import db
from tests import factories
from tests.supervisor.scripted_day import Day, at


@pytest.fixture
def day(app):
    with time_machine.travel(at("09:00:00"), tick=False) as traveller:
        yield Day(traveller)


def emergency(day: Day, clock: str, phone: str):
    call, case = day.call(clock, phone)
    voice.menu(call.sid, "in-progress", "9", "", 0)
    return case


def test_an_emergency_still_waiting_past_the_threshold_is_missed_now(client, login, day):
    mehta = factories.make_staff("doctor", name="Dr. Mehta")
    answered = emergency(day, "10:00:00", "+919810000301")
    day.to("10:00:20")
    tier2.accept(answered.id, mehta)
    waiting = emergency(day, "10:01:00", "+919810000302")
    day.to("10:01:20")  # 20 s: within the 30 s threshold, not missed yet
    login("supervisor")
    board = client.get("/api/v1/supervisor/board").json
    figures = next(q for q in board["queues"] if q["queue"] == "emergency")
    assert figures["service_level"] == 100.0 and figures["missed_waiting"] == 0
    assert board["unaccepted_emergencies"] == []
    day.to("10:09:00")  # eight minutes unanswered, and nothing new on any timeline
    board = client.get("/api/v1/supervisor/board").json
    figures = next(q for q in board["queues"] if q["queue"] == "emergency")
    assert figures["service_level"] == 50.0 and figures["missed_waiting"] == 1
    assert [c["reference"] for c in board["unaccepted_emergencies"]] == [waiting.reference]
    assert client.get("/api/v1/supervisor/wallboard").json["unaccepted_emergencies"] == 1
    db.session.commit()


def test_the_floor_shows_the_definitions_from_code_as_tooltips_and_a_legend(client, login):
    assert "still waiting past the threshold" in kpis.DEFINITIONS["service_level"]
    login("supervisor")
    page = client.get("/supervisor").get_data(as_text=True).replace("&#39;", "'")
    for key, text in kpis.DEFINITIONS.items():
        assert f'<dd data-definition="{key}">{text}</dd>' in page
    for key in ("service_level", "average_handle_time", "abandon_rate", "first_contact_resolution", "doctors"):
        assert f'title="{kpis.DEFINITIONS[key]}"' in page

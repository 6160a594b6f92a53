"""Which rooms a page's socket joins: the boards the page shows (its live client names them), never more than
the staff member may hear, and always their own."""

from __future__ import annotations

from crm.helpline.live.sockets import rooms_of
from crm.platform.extensions import socketio
from tests import factories
from tests.telephony.test_sms import text


def heard(listening) -> list[str]:
    return [event["name"] for event in listening.get_received()]


def test_a_page_that_names_no_board_hears_only_its_own_room(app, client, login):
    login("supervisor")
    card_office = socketio.test_client(app, flask_test_client=client, auth={"rooms": []})
    assert card_office.is_connected()
    text(app.test_client(), "bukhar hai", sender="+919876543220")
    assert heard(card_office) == []  # no case traffic on the card office


def test_a_page_hears_the_boards_it_shows(app, client, login):
    login("supervisor")
    floor = socketio.test_client(app, flask_test_client=client, auth={"rooms": ["supervisors"]})
    text(app.test_client(), "bukhar hai", sender="+919876543221")
    assert "case.message" in heard(floor)


def test_a_page_cannot_ask_for_a_room_its_staff_member_may_not_hear(app, client, login):
    operator = login("operator")
    asked = socketio.test_client(app, flask_test_client=client, auth={"rooms": ["supervisors", "tier2", f"staff:{operator.id + 1}"]})
    assert asked.is_connected()
    text(app.test_client(), "papa behosh ho gaye", sender="+919876543222")  # an emergency: tier2, supervisors
    assert heard(asked) == []


def test_rooms_of_a_doctor_who_shows_the_tier2_board_include_their_specialty(app):
    doctor = factories.make_staff("doctor", specialty="cardiology")
    assert rooms_of(doctor, ["tier2"]) == ["tier2", "tier2:cardiology", f"staff:{doctor.id}"]
    assert rooms_of(doctor, []) == [f"staff:{doctor.id}"]
    assert set(rooms_of(doctor)) == {"tier2", "emergency", "tier2:cardiology", f"staff:{doctor.id}"}


def test_a_page_that_sends_a_flood_of_names_still_connects_and_hears_only_what_it_may(app, client, login):
    login("supervisor")
    flood = ["x" * 50_000] + [f"board{i}" for i in range(10_000)] + ["supervisors"]
    asked = socketio.test_client(app, flask_test_client=client, auth={"rooms": flood})
    assert asked.is_connected()
    text(app.test_client(), "bukhar hai", sender="+919876543223")
    assert heard(asked) == []  # "supervisors" came after the first names it reads: not joined

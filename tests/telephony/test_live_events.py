"""Live events: only staff sessions connect; events reach the right rooms and carry no full numbers."""

from crm.platform.extensions import socketio
from tests.telephony.test_sms import text


def test_anonymous_socket_is_refused(app, client):
    assert not socketio.test_client(app, flask_test_client=client).is_connected()


def test_admin_socket_is_refused(app, client, login):
    login("admin")
    assert not socketio.test_client(app, flask_test_client=client).is_connected()


def test_operator_hears_a_new_sms_case_with_masked_number(app, client, login):
    login("operator")
    operator = socketio.test_client(app, flask_test_client=client)
    assert operator.is_connected()
    text(app.test_client(), "bukhar hai", sender="+919876543210")
    received = operator.get_received()
    opened = [e for e in received if e["name"] == "case.message"]
    assert opened and opened[-1]["args"][0]["caller"] == "+91 XXXXXX3210"
    assert "9876543210" not in repr(received)


def test_doctor_does_not_hear_routine_tier1_cases_but_hears_emergencies(app, client, login):
    login("doctor")
    doctor = socketio.test_client(app, flask_test_client=client)
    text(app.test_client(), "appointment chahiye", sender="+919876543211")
    assert doctor.get_received() == []
    text(app.test_client(), "papa behosh ho gaye", sender="+919876543212")
    events = doctor.get_received()
    assert events and events[-1]["args"][0]["priority"] == "P1"

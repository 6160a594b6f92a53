"""Webhook inputs from outside: repeated fields, oversized values, ids past 64 bits, anything hypothesis finds."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from crm.models import Call, Case, CaseEvent, Message
from tests.conftest import app_with_schema
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params, sid

WEBHOOKS = ["/telephony/voice", "/telephony/voice/status", "/telephony/sms", "/telephony/sms/status",
            "/telephony/voice/menu?case=1", "/telephony/voice/card?case=1", "/telephony/voice/wait?case=1",
            "/telephony/voice/wait/choice?case=1", "/telephony/voice/queue-result?case=1",
            "/telephony/voice/connect?case=1", "/telephony/voice/staff?case=1",
            "/telephony/voice/conference-status?case=1"]
HUGE_ID = "9" * 30


@pytest.fixture
def app(tmp_path):
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as app:
        yield app


def _nothing_stored():
    return Case.query.count() == Call.query.count() == Message.query.count() == CaseEvent.query.count() == 0


def _sms(**extra):
    return {"MessageSid": sid("SM"), "AccountSid": "AC" + "0" * 32, "From": "+919810000001", "To": "+911800112233",
            "Body": "bukhar hai", "NumMedia": "0"} | extra


def _post(client, path, fields):
    """POST `fields` (a dict or a MultiDict) signed the way Twilio signs, repeated fields included."""
    form = fields if isinstance(fields, MultiDict) else MultiDict(fields)
    signature = twilio_sign.signature("http://sampark.test" + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_repeated_field_is_a_clear_400_and_stores_nothing(client, path):
    form = MultiDict(list(call_params(sid("CA")).items()) + [("CallSid", sid("CA")), ("MessageSid", sid("SM"))])
    response = _post(client, path, form)
    assert response.status_code == 400 and b"more than once" in response.data
    assert _nothing_stored()


@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_repeated_field_unsigned_is_still_403(client, path):
    form = MultiDict([("CallSid", sid("CA")), ("CallSid", sid("CA"))])
    assert client.post(path, data=form, headers={"X-Twilio-Signature": "bogus"}).status_code == 403


@pytest.mark.parametrize("field, value", [("From", "9" * 100_000), ("MessageSid", "SM" + "a" * 100_000),
                                          ("Body", "x" * 1601), ("MessageSid", "SM<script>"),
                                          ("From", "+91 98100 00001; DROP"), ("NumSegments", "1" * 40)])
def test_oversized_or_odd_sms_fields_are_refused_and_nothing_stored(client, field, value):
    response = _post(client, "/telephony/sms", _sms(**{field: value}))
    assert response.status_code == 400 and field.encode() in response.data
    assert _nothing_stored()


def test_a_megabyte_from_never_reaches_the_database(client):
    response = _post(client, "/telephony/sms", _sms(From="9" * 1_000_000))
    assert 400 <= response.status_code < 500 and _nothing_stored()


@pytest.mark.parametrize("field, value", [("CallSid", "CA" + "f" * 5000), ("Digits", "1" * 41),
                                          ("CallStatus", "x" * 41), ("SpeechResult", "s" * 1001)])
def test_oversized_voice_fields_are_refused(client, field, value):
    response = _post(client, "/telephony/voice", call_params(sid("CA")) | {field: value})
    assert response.status_code == 400 and _nothing_stored()


def test_the_longest_real_sms_is_accepted(client):
    assert _post(client, "/telephony/sms", _sms(Body="ब" * 1600)).status_code == 200


@pytest.mark.parametrize("path", ["/telephony/voice/connect", "/telephony/voice/staff",
                                  "/telephony/voice/conference-status", "/telephony/voice/menu"])
@pytest.mark.parametrize("case", [HUGE_ID, str(2**63), "-1", "abc", "1e9"])
def test_case_ids_past_64_bits_or_not_numbers_are_a_clear_400(client, path, case):
    response = _post(client, f"{path}?case={case}", call_params(sid("CA")))
    assert response.status_code == 400 and b"case" in response.data


FIELD_NAMES = ["CallSid", "MessageSid", "AccountSid", "From", "To", "Caller", "Called", "CallStatus", "Digits",
               "SpeechResult", "Body", "QueueResult", "QueuePosition", "QueueTime", "SequenceNumber",
               "StatusCallbackEvent", "ConferenceSid", "MessageStatus", "ErrorCode", "NumSegments", "OptOutType",
               "Direction", "Other"]
VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "0", "-1", "99999999999999999999", "completed", "in-progress", "leave", "bridged", "1", "9",
                     "#", "+919810000001", "client:staff-1", "anonymous", "participant-join", "delivered", "STOP"]),
    st.builds(lambda p: p + "0" * 32, st.sampled_from(["CA", "SM", "CF", "QU", "AC"])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(WEBHOOKS), fields=st.lists(st.tuples(st.sampled_from(FIELD_NAMES), VALUES), max_size=12))
def test_no_signed_webhook_shape_gives_a_server_error(client, path, fields):
    if Case.query.count() == 0:  # a live call and an SMS conversation for the fields to land on (case 1)
        assert _post(client, "/telephony/voice", call_params("CA" + "0" * 32)).status_code == 200
        assert _post(client, "/telephony/sms", _sms(MessageSid="SM" + "0" * 32)).status_code == 200
    response = _post(client, path, MultiDict(fields))
    assert response.status_code < 500, response.data[:300]

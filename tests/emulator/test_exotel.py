"""The Exotel SMS emulator refuses what Exotel refuses and scrubs as a DLT scrubber does, with Exotel's codes."""

from __future__ import annotations

import base64

import pytest

from emulators.exotel import create_exotel_emulator, exotel_of

TEMPLATE_ID = "1107170000000000102"
TEMPLATE = "Sampark: we got your message. Case {#var#}. A health advisor will reply soon."
ENTITY = "1101000000000000001"


@pytest.fixture
def exotel():
    delivered = []
    app = create_exotel_emulator({
        "ACCOUNT_SID": "sampark1", "API_KEY": "key", "API_TOKEN": "token", "SENDER_ID": "SMPRKH",
        "SMS_NUMBER": "+911140000000", "DLT_ENTITY_ID": ENTITY, "TEMPLATES": {TEMPLATE_ID: TEMPLATE},
        "INBOUND_URL": "https://app.example/telephony/exotel/sms?token=t",
        "DELIVER": lambda url, form: delivered.append((url, form))})
    return app, delivered


def send(app, api_token="token", **changes):
    form = {"From": "SMPRKH", "To": "+919810000001", "Body": TEMPLATE.replace("{#var#}", "SMP-00042"),
            "DltEntityId": ENTITY, "DltTemplateId": TEMPLATE_ID, "SmsType": "transactional",
            "StatusCallback": "https://app.example/telephony/exotel/sms/status?token=t"} | changes
    form = {k: v for k, v in form.items() if v is not None}
    auth = "Basic " + base64.b64encode(f"key:{api_token}".encode()).decode()
    return app.test_client().post("/v1/Accounts/sampark1/Sms/send.json", data=form, headers={"Authorization": auth})


def final_status(app, delivered):
    exotel_of(app).flush()
    return delivered[-1][1]["Status"], delivered[-1][1]["DetailedStatusCode"]


def test_a_registered_text_is_delivered_with_each_status_reported(exotel):
    app, delivered = exotel
    answer = send(app)
    assert answer.status_code == 200 and answer.get_json()["SMSMessage"]["Status"] == "queued"
    exotel_of(app).flush()
    assert [form["Status"] for _, form in delivered] == ["sending", "submitted", "sent", "delivered"]
    assert delivered[-1][1]["DetailedStatusCode"] == "20005"


@pytest.mark.parametrize(("changes", "status"), [
    ({"api_token": "wrong"}, 401),
    ({"DltEntityId": None}, 400),
    ({"From": "OTHER1"}, 400),
    ({"Body": None}, 400),
    ({"To": None}, 400),
    ({"Body": "x" * 2001}, 400),
])
def test_what_exotel_refuses_at_once(exotel, changes, status):
    app, _ = exotel
    answer = send(app, **changes)
    assert answer.status_code == status and "RestException" in answer.get_json()
    assert exotel_of(app).messages == {} and exotel_of(app).pending == []


@pytest.mark.parametrize(("changes", "code"), [
    ({"DltEntityId": "1101000000000000999"}, "23081"),  # an entity not registered
    ({"DltTemplateId": "1107170000000000999"}, "23082"),  # a template id not registered
    ({"Body": "Sampark: we got your message. Case SMP-00042. A doctor will reply soon."}, "23080"),  # a word changed
    ({"Body": TEMPLATE.replace("{#var#}", "x" * 31)}, "23080"),  # a variable longer than DLT allows
    ({"To": "+911123456789"}, "23010"),  # a Delhi landline takes no SMS
])
def test_the_dlt_scrubber_fails_what_does_not_match_with_exotels_codes(exotel, changes, code):
    app, delivered = exotel
    assert send(app, **changes).status_code == 200  # accepted, as Exotel does; the carrier's scrubber fails it
    assert final_status(app, delivered) == ("failed", code)


def test_the_citizen_texts_the_exophone_and_the_app_gets_the_webhook(exotel):
    app, delivered = exotel
    answer = app.test_client().post("/phone/text", json={"from": "+919810000001", "body": "बुखार है"})
    exotel_of(app).flush()
    url, form = delivered[-1]
    assert url.endswith("/telephony/exotel/sms?token=t") and form["SmsSid"] == answer.get_json()["sid"]
    assert (form["From"], form["To"], form["Body"]) == ("+919810000001", "+911140000000", "बुखार है")

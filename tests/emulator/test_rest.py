"""The REST API: auth, OpenAPI validation and its log, call-backs to a citizen, paging, the guard."""

from __future__ import annotations

import pytest
import requests
from flask import Flask
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from emulators.twilio import EmulatorHttpClient, create_emulator_app
from emulators.twilio.driver import CallHandle, Phone
from emulators.twilio.http_client import RealTwilioForbidden
from tests.emulator.conftest import ACCOUNT_SID, AUTH_TOKEN, CITIZEN, HELPLINE, emulator_config, serve, twiml

CALLS = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
TRUNK = "BY" + "1" * 32  # the helpline and the citizen are both Indian: calls leave through a BYOC trunk


def test_wrong_credentials_are_refused_like_twilio(emulator_server):
    with pytest.raises(TwilioRestException) as refused:
        emulator_server.client(token="wrong").queues.create(friendly_name="tier1")
    assert refused.value.status == 401 and refused.value.code == 20003
    entry = emulator_server.emulator.request_log()[-1]
    assert entry["status"] == 401 and not entry["valid"]


@pytest.mark.parametrize(("data", "complaint"), [
    ({"To": CITIZEN, "From": HELPLINE, "Url": "http://x/", "Colour": "red"}, "unknown parameter 'Colour'"),
    ({"To": CITIZEN, "Url": "http://x/"}, "missing required parameter From"),
    ({"To": CITIZEN, "From": HELPLINE, "Url": "http://x/", "Method": "PUT"}, "Method='PUT' is not one of"),
    ({"To": CITIZEN, "From": HELPLINE, "Url": "http://x/", "StatusCallbackEvent": "finished"}, "'finished'"),
    ({"To": CITIZEN, "From": HELPLINE, "Url": "http://x/", "Timeout": "soon"}, "is not an integer"),
    ({"to": CITIZEN, "from": HELPLINE, "url": "http://x/"}, "unknown parameter 'to'"),  # names are PascalCase
    ({"To": CITIZEN, "From": HELPLINE, "Url": "/telephony/voice"}, "must be absolute"),
])
def test_invalid_requests_are_400_and_logged(emulator_server, data, complaint):
    response = requests.post(emulator_server.url + CALLS, data=data, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)
    assert response.status_code == 400 and response.json()["status"] == 400
    logged = emulator_server.emulator.request_log(invalid_only=True)[-1]
    assert logged["operation"] == "CreateCall" and any(complaint in error for error in logged["errors"])


def test_unknown_paths_and_methods(emulator_server):
    auth = (ACCOUNT_SID, AUTH_TOKEN)
    base = f"{emulator_server.url}/2010-04-01/Accounts/{ACCOUNT_SID}"
    assert requests.get(f"{base}/Nothing.json", auth=auth, timeout=5).status_code == 404
    assert requests.put(f"{base}/Calls.json", auth=auth, timeout=5).status_code == 405
    assert requests.get(f"{base}/Calls/not-a-sid.json", auth=auth, timeout=5).status_code == 400
    assert len(emulator_server.emulator.request_log(invalid_only=True)) == 3


def test_call_without_url_or_twiml_is_invalid(emulator_server):
    with pytest.raises(TwilioRestException) as refused:
        emulator_server.client().calls.create(to="client:staff-1", from_=HELPLINE)
    assert refused.value.code == 21205


def test_call_back_rings_the_citizen_who_answers(customer, emulator_server, phone):
    customer.answer("/telephony/callback", twiml('<Say language="en-IN" voice="Polly.Raveena">Doctor calling.</Say>'
                                                 '<Pause length="30"/>'))
    created = emulator_server.client().calls.create(to=CITIZEN, from_=HELPLINE, twiml=None, byoc=TRUNK,
                                                    url=f"{customer.url}/telephony/callback", timeout=20)
    ringing = phone.wait_for_incoming_call()
    assert ringing.sid == created.sid
    ringing.answer()
    ringing.wait_for("Doctor calling.")
    assert ringing.status == "in-progress"
    ringing.hang_up()
    assert ringing.wait_until_ended()["status"] == "completed"


def test_declined_and_unanswered_call_backs(customer, emulator_server, phone):
    client = emulator_server.client()
    declined = client.calls.create(to=CITIZEN, from_=HELPLINE, twiml="<Response><Say>Hi</Say></Response>", byoc=TRUNK)
    phone.wait_for_incoming_call().decline()
    unanswered = client.calls.create(to=CITIZEN, from_=HELPLINE, twiml="<Response/>", timeout=5, byoc=TRUNK)
    assert CallHandle(phone.api, unanswered.sid).wait_until_ended()["status"] == "no-answer"
    assert client.calls(declined.sid).fetch().status == "busy"


def test_calls_list_filters_and_pages(customer, emulator_server):
    client = emulator_server.client()
    for n in range(5):
        client.calls.create(to=f"client:staff-{n}", from_=HELPLINE, twiml="<Response><Pause length='60'/></Response>")
    assert len(client.calls.list(page_size=2)) == 5  # follows next_page_uri through the emulator
    assert [c.to for c in client.calls.list(to="client:staff-3")] == ["client:staff-3"]


def test_real_twilio_is_forbidden_in_tests():
    client = Client(ACCOUNT_SID, AUTH_TOKEN)  # no emulator http client: would go to api.twilio.com
    with pytest.raises(RealTwilioForbidden):
        client.calls.list()


def test_http_client_keeps_the_mount_prefix():
    http = EmulatorHttpClient("http://127.0.0.1:5000/emulator/")
    assert http.rewrite("https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json?PageSize=2") == (
        "http://127.0.0.1:5000/emulator/2010-04-01/Accounts/AC1/Calls.json?PageSize=2")


def test_works_mounted_under_a_prefix(customer):
    main = Flask("main")

    @main.get("/")
    def home():
        return "the app"

    emulator_app = create_emulator_app(emulator_config(customer))
    url, stop = serve(DispatcherMiddleware(main, {"/emulator": emulator_app}))
    try:
        page = requests.get(f"{url}/emulator/", timeout=5).text
        assert "/emulator/static/phone.js" in page and "/emulator/emulator-api" in page
        assert requests.get(f"{url}/emulator/static/phone.css", timeout=5).status_code == 200
        client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=EmulatorHttpClient(f"{url}/emulator"))
        assert client.queues.create(friendly_name="tier1").friendly_name == "tier1"
        customer.answer("/telephony/voice", twiml("<Say>Mounted</Say>"))
        Phone(f"{url}/emulator", CITIZEN).call().wait_for("Mounted")
    finally:
        emulator_app.extensions["twilio_emulator"].reset()
        stop()

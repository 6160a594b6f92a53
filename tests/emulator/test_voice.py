"""Incoming calls: signed webhooks, the bilingual IVR, Gather, errors the way Twilio reports them."""

from __future__ import annotations

from emulators.twilio import create_emulator_app, emulator_of
from emulators.twilio.driver import Phone
from emulators.twilio.state import Settings, Store
from emulators.twilio.webhooks import WebhookSender
from tests.emulator.conftest import CITIZEN, HELPLINE, emulator_config, serve, twiml

MENU = twiml(
    '<Gather numDigits="1" action="/telephony/menu" timeout="3">',
    '<Say language="hi-IN" voice="Polly.Aditi">हिंदी के लिए 1 दबाएँ।</Say>',
    '<Say language="en-IN" voice="Polly.Raveena">For English, press 2.</Say>',
    "</Gather>",
    '<Say language="en-IN" voice="Polly.Raveena">We did not get your choice.</Say>',
)


def test_signature_matches_twilios_published_vector():
    """The emulator signs the way Twilio's documentation says (token 12345, its example URL and params)."""
    sender = WebhookSender(Settings(auth_token="12345"), Store(Settings()))
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
              "From": "+14158675309", "To": "+18005551212"}
    assert sender.signature("https://mycompany.com/myapp.php?foo=1&bar=2", params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_incoming_call_posts_twilios_parameters_signed(customer, phone):
    customer.answer("/telephony/voice", twiml("<Hangup/>"))
    call = phone.call()
    call.wait_until_ended()
    first = customer.wait_for("/telephony/voice")[0]
    assert first["CallSid"] == call.sid and len(call.sid) == 34 and call.sid.startswith("CA")
    assert first["From"] == first["Caller"] == CITIZEN
    assert first["To"] == first["Called"] == HELPLINE
    assert (first["CallStatus"], first["Direction"], first["ApiVersion"]) == ("ringing", "inbound", "2010-04-01")
    assert all(received.signed for received in customer.received)


def test_hindi_english_menu_gathers_a_digit_and_posts_it(customer, phone):
    customer.answer("/telephony/voice", MENU)
    customer.answer("/telephony/menu", lambda p: twiml(
        f'<Say language="en-IN" voice="Polly.Raveena">You chose {p["Digits"]}.</Say><Hangup/>'))
    call = phone.call()
    view = call.wait_for("For English, press 2.")
    hindi = next(line for line in view["transcript"] if line["kind"] == "say")
    assert (hindi["language"], hindi["voice"], hindi["text"]) == ("hi-IN", "Polly.Aditi", "हिंदी के लिए 1 दबाएँ।")
    call.press("2")
    call.wait_for("You chose 2.")
    menu = customer.wait_for("/telephony/menu")[0]
    assert menu["Digits"] == "2" and menu["CallStatus"] == "in-progress"
    assert call.wait_until_ended()["status"] == "completed"


def test_gather_without_input_goes_on_to_the_next_verb(customer, phone):
    customer.answer("/telephony/voice", MENU)
    call = phone.call()
    call.wait_for("We did not get your choice.")
    assert call.wait_until_ended()["status"] == "completed"
    assert customer.got("/telephony/menu") == []


def test_gather_collects_until_finish_key_and_speech_is_accepted(customer, phone):
    customer.answer("/telephony/voice", twiml(
        '<Gather action="card" input="dtmf speech" timeout="5"><Say>Card number</Say></Gather>'))
    customer.answer("/telephony/card", lambda p: twiml(
        f'<Say>{p.get("Digits") or p.get("SpeechResult")}</Say>'
        '<Gather action="card2" input="speech"><Say>Say it</Say></Gather>'))
    customer.answer("/telephony/card2", lambda p: twiml(f'<Say>heard {p["SpeechResult"]}</Say>'))
    call = phone.call()
    call.wait_for("Card number")
    call.press("1234#")
    call.wait_for("Say it")
    call.say("bukhar hai")
    call.wait_for("heard bukhar hai")
    assert customer.got("/telephony/card")[0]["Digits"] == "1234"  # relative action, finishOnKey dropped


def test_voice_that_cannot_speak_the_language_fails_the_call(customer, phone):
    customer.answer("/telephony/voice", twiml('<Say language="hi-IN" voice="Polly.Raveena">नमस्ते</Say>'))
    call = phone.call()
    view = call.wait_for("application error has occurred")
    errors = [line["text"] for line in view["transcript"] if line["kind"] == "error"]
    assert errors and "13511" in errors[0] and "Polly.Raveena cannot speak hi-IN" in errors[0]
    assert call.wait_until_ended()["status"] == "completed"


def test_app_refusing_the_request_ends_the_call_with_an_application_error(customer, phone):
    customer.refuse_all = True
    call = phone.call()
    view = call.wait_until_ended()
    assert any("403 Forbidden" in line["text"] for line in view["transcript"])
    assert any("We are sorry, an application error has occurred" in line["text"] for line in view["transcript"])


def test_answer_that_is_not_twiml_is_a_parse_error(customer, phone):
    customer.answer("/telephony/voice", "this is not xml")
    view = phone.call().wait_until_ended()
    assert any("12100" in line["text"] for line in view["transcript"] if line["kind"] == "error")


def test_redirect_with_get_resolves_relative_urls_and_signs_the_query(customer, phone):
    customer.answer("/telephony/voice", twiml('<Redirect method="GET">next?step=2</Redirect>'))
    customer.answer("/telephony/next", twiml("<Say>Second step</Say>"))
    call = phone.call()
    call.wait_for("Second step")
    call.wait_until_ended()
    redirected = next(r for r in customer.received if r.path == "/telephony/next")
    assert redirected.method == "GET" and redirected.signed
    assert redirected.params["step"] == "2" and redirected.params["CallSid"] == call.sid


def test_hangup_posts_the_completed_status_callback(customer, emulator_server, phone):
    customer.answer("/telephony/voice", twiml("<Pause length='60'/>"))
    call = phone.call()
    call.wait_for("Silence")
    call.hang_up()
    assert call.wait_until_ended()["status"] == "completed"
    status = customer.wait_for("/telephony/voice/status")[0]
    assert status["CallStatus"] == "completed" and status["CallSid"] == call.sid
    assert int(status["CallDuration"]) >= 0 and status["SequenceNumber"] == "0"


def test_reject_busy_ends_unanswered(customer, phone):
    customer.answer("/telephony/voice", twiml('<Reject reason="busy"/>'))
    assert phone.call().wait_until_ended()["status"] == "busy"


def test_app_behind_a_proxy_gets_requests_signed_for_its_public_url(customer):
    customer.public_base = "https://sampark.example.in"
    customer.answer("/telephony/voice", twiml("<Redirect>https://sampark.example.in/telephony/next</Redirect>"))
    customer.answer("/telephony/next", twiml("<Say>Behind the proxy</Say>"))
    app = create_emulator_app(emulator_config(customer, APP_BASE_URL=customer.public_base,
                                              APP_CONNECT_URL=customer.url))
    url, stop = serve(app)
    try:
        Phone(url, CITIZEN).call().wait_for("Behind the proxy")
        assert len(customer.received) >= 2 and all(r.signed for r in customer.received)
        assert emulator_of(app).webhook_log("voice")[0]["url"] == "https://sampark.example.in/telephony/voice"
    finally:
        emulator_of(app).reset()
        stop()

"""The interpreter is robust: any well-formed verb sequence ends the call cleanly, junk is a TwimlError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators.twilio.twiml import TwimlError, Verb, check_voice, parse, text_warning
from tests.emulator.conftest import twiml

FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}
VOICES = [("hi-IN", "Polly.Aditi"), ("en-IN", "Polly.Raveena"), ("hi-IN", "Google.hi-IN-Standard-A"),
          ("en-IN", "Google.en-IN-Wavenet-B"), ("en-US", "alice"), ("hi-IN", "Polly.Kajal-Neural")]
words = st.text(alphabet="abc xyz हिंदी", min_size=1, max_size=20).map(str.strip).filter(bool)
say = st.builds(lambda v, t: f'<Say language="{v[0]}" voice="{v[1]}">{t}</Say>', st.sampled_from(VOICES), words)
pause = st.integers(0, 3).map(lambda n: f'<Pause length="{n}"/>')
play = st.just("<Play>https://example.org/tone.mp3</Play>")
spoken = st.one_of(say, pause, play)
gather = st.builds(lambda inner, n: f'<Gather numDigits="{n}" timeout="1">{"".join(inner)}</Gather>',
                   st.lists(spoken, max_size=2), st.integers(1, 3))
verb = st.one_of(spoken, gather, st.just("<Leave/>"), st.just('<Redirect method="GET">/telephony/end</Redirect>'))
ending = st.sampled_from(["", "<Hangup/>", '<Reject reason="busy"/>'])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(verbs=st.lists(verb, max_size=5), last=ending, keys=st.sampled_from(["", "1", "12#"]))
def test_any_well_formed_document_ends_the_call_cleanly(customer, phone, verbs, last, keys):
    customer.answer("/telephony/voice", twiml(*verbs, last))
    customer.answer("/telephony/end", twiml("<Say>End</Say>"))
    call = phone.call()
    if keys:
        call.press(keys)
    view = call.wait_until_ended(timeout=10)
    assert view["status"] in FINAL
    assert not [line for line in view["transcript"] if line["kind"] == "error"], view["transcript"]


@given(st.text(max_size=300))
def test_parse_never_fails_with_anything_but_a_twiml_error(body):
    try:
        parse(body, "http://app.test/voice")
    except TwimlError as error:
        assert error.code in (12100, 12200, 12300, 13511)


@given(st.sampled_from(VOICES))
def test_matching_voices_are_accepted(pair):
    language, voice = pair
    assert check_voice(Verb("Say", {"language": language, "voice": voice})) == (language, voice)


def test_polly_voice_without_language_speaks_its_own():
    assert check_voice(Verb("Say", {"voice": "Polly.Aditi"})) == ("hi-IN", "Polly.Aditi")


def test_unknown_verbs_and_bad_nesting_are_schema_errors():
    for body in (twiml("<Dance/>"), twiml("<Gather><Dial>1</Dial></Gather>"), twiml("<Record/>"), "<Reply/>"):
        try:
            parse(body, "http://app.test/")
        except TwimlError as error:
            assert error.code in (12100, 12200)
        else:
            raise AssertionError(f"{body} was accepted")


def test_twilio_has_a_punjabi_voice_and_no_urdu_one():
    """Twilio's voice list has Google pa-IN voices and no Urdu voice of any kind (issue 27)."""
    assert check_voice(Verb("Say", {"language": "pa-IN", "voice": "Google.pa-IN-Wavenet-A"})) == (
        "pa-IN", "Google.pa-IN-Wavenet-A")
    for language, voice in (("ur-IN", "Google.ur-IN-Standard-A"), ("ur-IN", "Polly.Aditi"), ("ur-IN", "alice"),
                            ("pa-IN", "Polly.Aditi"), ("ur-PK", "man")):
        try:
            check_voice(Verb("Say", {"language": language, "voice": voice}))
        except TwimlError as error:
            assert error.code == 13511
        else:
            raise AssertionError(f"{voice} speaking {language} was accepted")


def test_a_script_given_to_a_voice_of_another_language_is_warned_about():
    assert "Gurmukhi" in text_warning("ਪੰਜਾਬੀ ਲਈ 3 ਦਬਾਓ", "hi-IN")
    assert "Urdu" in text_warning("اردو کے لیے", "hi-IN")
    assert text_warning("ਪੰਜਾਬੀ ਲਈ 3 ਦਬਾਓ", "pa-IN") is None and text_warning("हिंदी", "hi-IN") is None


def test_speech_in_a_language_twilio_does_not_recognise_is_warning_13512_and_keys_only(customer, phone):
    customer.answer("/telephony/voice", twiml(
        '<Gather action="menu" input="dtmf speech" language="pa-IN" timeout="3"><Say>Bolo</Say></Gather>'))
    customer.answer("/telephony/menu", lambda p: twiml(f'<Say>got {p.get("Digits")}</Say>'))
    call = phone.call()
    view = call.wait_for("Bolo")
    warnings = [line["text"] for line in view["transcript"] if line["kind"] == "warning"]
    assert any("13512" in w and "pa-IN" in w for w in warnings), warnings
    call.press("3")
    call.wait_for("got 3")

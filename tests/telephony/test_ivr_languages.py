"""The IVR in Delhi's four languages (issue 27): the menu, each language's prompts, speech, recordings, switching."""

import re

import pytest

from telephony import prompts, recordings
from telephony.prompt_text import TEXT, URDU_IN_DEVANAGARI
from tests import factories
from tests.telephony.test_voice import fresh, start, step

SAYS = re.compile(r'<Say language="([^"]+)" voice="([^"]+)">([^<]*)</Say>|<Play>([^<]*)</Play>')


def heard(twiml: str) -> list[tuple[str, str]]:
    """(language or 'play', words or URL) of everything the caller hears, in order."""
    return [("play", m.group(4)) if m.group(4) else (m.group(1), m.group(3)) for m in SAYS.finditer(twiml)]


def test_the_menu_offers_hindi_english_punjabi_urdu_in_that_order_each_in_its_own_language(client):
    _, _, twiml = start(client)
    menu = [words for _, words in heard(twiml) if "9" in words or "4" in words]
    assert [lang for lang, words in heard(twiml) if words in menu] == ["hi-IN", "en-IN", "pa-IN", "hi-IN"]
    assert "हिंदी के लिए 1" in menu[0] and "English, press 2" in menu[1] and "ਪੰਜਾਬੀ ਲਈ 3" in menu[2]
    assert "उर्दू के लिए 4" in menu[3]  # no Urdu recording yet: the Hindi stand-in offers Urdu
    assert 'voice="Google.pa-IN-Wavenet-A"' in twiml


@pytest.mark.parametrize(("key", "language", "voice_language", "words"), [
    ("3", "pa", "pa-IN", "ਕਾਰਡ ਨੰਬਰ"),
    ("4", "ur", "hi-IN", "हिंदसों का कार्ड नंबर"),  # Urdu's words, by the Hindi voice until the recordings exist
    ("1", "hi", "hi-IN", "कार्ड नंबर"),
])
def test_the_chosen_language_is_kept_on_the_case_and_asks_for_the_card_in_it(client, key, language, voice_language,
                                                                              words):
    call_sid, case, _ = start(client)
    twiml = step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits=key)
    (lang, said), = heard(twiml)
    assert lang == voice_language and words in said
    assert fresh(case).language == language


def test_a_punjabi_caller_queues_hearing_punjabi(client):
    call_sid, case, _ = start(client)
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="3")
    twiml = step(client, f"/telephony/voice/card?case={case.id}", call_sid, Digits="")
    assert "ਸਿਹਤ ਸਲਾਹਕਾਰ ਨਾਲ ਜੋੜਿਆ" in twiml and ">tier1</Enqueue>" in twiml
    twiml = step(client, f"/telephony/voice/wait?case={case.id}", call_sid, QueuePosition="2", AvgQueueTime="90")
    assert "ਕਤਾਰ ਵਿੱਚ ਤੁਹਾਡਾ ਨੰਬਰ 2 ਹੈ" in twiml and "ਵਾਪਸ ਕਾਲ ਲਈ 1 ਦਬਾਓ" in twiml


def test_the_emergency_key_tells_what_to_do_in_the_callers_language_and_the_wait_in_every_language(client):
    factories.make_patient(mobile="+919810000077", preferred_language="pa")
    call_sid, case, _ = start(client, "+919810000077")
    twiml = step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="9")
    assert [lang for lang, _ in heard(twiml)] == ["pa-IN", "hi-IN"] and ">emergency</Enqueue>" in twiml
    waiting = step(client, f"/telephony/voice/wait?case={case.id}", call_sid, QueuePosition="1")
    assert [lang for lang, _ in heard(waiting)] == ["pa-IN", "hi-IN", "en-IN"]  # Urdu is heard as Hindi: once


def test_speech_is_listened_for_only_in_languages_twilio_recognises(client):
    assert 'language="hi-IN"' in prompts.greeting("/m", None, True)
    assert 'language="ur-IN"' in prompts.greeting("/m", "ur", True)
    punjabi = prompts.greeting("/m", "pa", True)
    assert 'input="dtmf speech" language="hi-IN"' in punjabi.replace('action="/m" ', "")  # no Punjabi recogniser
    assert "ਬੋਲ ਕੇ" not in punjabi  # so a Punjabi caller is not invited to speak Punjabi


def test_a_caller_greeted_in_hindi_who_answers_in_urdu_is_answered_in_urdu(client):
    call_sid, case, _ = start(client)
    twiml = step(client, f"/telephony/voice/menu?case={case.id}", call_sid,
                 SpeechResult="مجھے ڈاکٹر سے ملاقات کا وقت چاہیے", Confidence="0.8")
    assert fresh(case).language == "ur" and "कार्ड नंबर" in twiml


def test_a_spoken_urdu_emergency_goes_to_the_doctors(client):
    call_sid, case, _ = start(client)
    twiml = step(client, f"/telephony/voice/menu?case={case.id}", call_sid,
                 SpeechResult="میرے والد کے سینے میں شدید درد ہے", Confidence="0.8")
    assert ">emergency</Enqueue>" in twiml
    assert (fresh(case).priority, fresh(case).language) == ("P1", "ur")


def test_a_known_urdu_caller_who_presses_punjabi_switches_and_a_late_key_changes_nothing(client):
    factories.make_patient(mobile="+919810000088", preferred_language="ur")
    call_sid, case, greeting = start(client, "+919810000088")
    assert 'language="ur-IN"' in greeting  # their speech is listened for in Urdu
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="3")
    assert fresh(case).language == "pa"
    step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="2")  # late: the menu is over
    assert fresh(case).language == "pa"


def test_urdu_recordings_are_played_once_present_and_hindi_stands_in_for_a_missing_one(monkeypatch):
    present = {name for name, _ in recordings.expected("ur")} - {"card_ok.mp3"}
    monkeypatch.setitem(recordings._present, "ur", frozenset(present))
    prompts.forget_built()
    try:
        assert heard(prompts.ask_card("ur", "/c")) == [("play", "/static/ivr/ur/card.mp3")]
        assert heard(prompts.waiting("ur", 12, 3, None)) == [
            ("play", "/static/ivr/ur/position.1.mp3"), ("play", "/static/ivr/ur/number/12.mp3"),
            ("play", "/static/ivr/ur/position.2.mp3"), ("play", "/static/ivr/ur/number/3.mp3"),
            ("play", "/static/ivr/ur/position.3.mp3")]
        assert heard(prompts.waiting("ur", 140, 3, None))[0][0] == "hi-IN"  # no recording of 140: said in Hindi
        assert heard(prompts.enqueue("ur", "tier1", "/w", "/a", before="card_ok"))[0] == (
            "hi-IN", URDU_IN_DEVANAGARI["card_ok"])
        greeting = heard(prompts.greeting("/m", None, False))
        assert ("play", "/static/ivr/ur/menu.mp3") in greeting
    finally:
        monkeypatch.undo()
        prompts.forget_built()


def test_the_recording_list_names_every_prompt_and_number_with_its_words():
    files = dict(recordings.expected("ur"))
    assert files["menu.mp3"] == TEXT["menu"]["ur"]
    assert files["position.1.mp3"] == "قطار میں آپ کا نمبر "
    assert files["number/99.mp3"] == "99" and "number/100.mp3" not in files
    assert all(f"{key}.mp3" in files or f"{key}.1.mp3" in files for key in TEXT)


def test_the_recordings_command_lists_what_is_missing_and_fails_until_all_are_there(app):
    result = app.test_cli_runner().invoke(args=["ivr-recordings"])
    assert result.exit_code == 1
    assert "MISSING\tmenu.mp3\tاردو کے لیے 4 دبائیں" in result.output
    assert f"{len(recordings.expected('ur'))} missing" in result.output


def test_every_prompt_is_written_in_all_four_languages_in_its_own_script():
    scripts = {"hi": "\u0900-\u097f", "pa": "\u0a00-\u0a7f", "ur": "\u0600-\u06ff"}
    for key, by_language in TEXT.items():
        assert set(by_language) == {"hi", "en", "pa", "ur"}, key
        for lang, letters in scripts.items():
            assert re.search(f"[{letters}]", by_language[lang]), (key, lang)
        assert by_language["en"].isascii(), key


def test_the_start_up_log_says_urdu_is_spoken_in_hindi_until_recorded(app, caplog, monkeypatch):
    # The test database's migrations ran alembic's fileConfig, which disables loggers that existed before it.
    monkeypatch.setattr(recordings.log, "disabled", False)
    with caplog.at_level("INFO", logger="telephony.recordings"):
        recordings.install(app)
    assert "the Hindi voice speaks their Urdu words (in Devanagari) in their place" in caplog.text
    assert {r.levelname for r in caplog.records} == {"INFO"}  # a note outside production (the demo has no recordings)
    caplog.clear()
    app.config["SAMPARK_ENV"] = "production"
    with caplog.at_level("INFO", logger="telephony.recordings"):
        recordings.install(app)
    assert {r.levelname for r in caplog.records} == {"WARNING"}  # where callers hear it: a warning



def test_until_recorded_an_urdu_caller_hears_the_urdu_words_by_the_hindi_voice_not_the_hindi_prompt(client):
    call_sid, case, _ = start(client)
    twiml = step(client, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="4")
    (lang, said), = heard(twiml)
    assert lang == "hi-IN" and said == URDU_IN_DEVANAGARI["card"] and "हिंदसों" in said and "अंकों" not in said
    twiml = step(client, f"/telephony/voice/wait?case={case.id}", call_sid, QueuePosition="3", AvgQueueTime="60")
    assert "क़तार में आप का नंबर 3 है" in twiml and "तक़रीबन 3 मिनट" in twiml


def test_every_urdu_prompt_has_its_words_in_devanagari_with_the_same_numbers():
    fields = re.compile(r"\{(\w+)\}")
    assert set(URDU_IN_DEVANAGARI) == set(TEXT)
    for key, words in URDU_IN_DEVANAGARI.items():
        assert fields.findall(words) == fields.findall(TEXT[key]["ur"]), key
        letters = {ch for ch in fields.sub("", words) if ch.isalpha()}
        assert letters and all("\u0900" <= ch <= "\u097f" for ch in letters), key  # the Hindi voice reads Devanagari
        assert re.findall(r"\d+", words) == re.findall(r"\d+", TEXT[key]["ur"]), key  # 112, 108, 9, 4 as in Urdu


def test_only_a_recording_named_as_expected_is_ever_played(app, tmp_path, monkeypatch):
    # A synthetic stand-in (espeak-ng, say) dropped into the folder is not a recording: it is never played.
    folder = tmp_path / "ivr" / "ur"
    folder.mkdir(parents=True)
    (folder / "card.wav").write_bytes(b"RIFF")
    (folder / "card.synthetic.mp3").write_bytes(b"ID3")
    (folder / "welcome.mp3").write_bytes(b"ID3")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    try:
        recordings.install(app)
        prompts.forget_built()
        assert heard(prompts.ask_card("ur", "/c"))[0] == ("hi-IN", URDU_IN_DEVANAGARI["card"])
        assert recordings.urls("welcome", "ur", {}) == ["/static/ivr/ur/welcome.mp3"]
    finally:
        monkeypatch.undo()
        recordings.install(app)
        prompts.forget_built()

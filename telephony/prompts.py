"""Everything the caller hears, in Hindi and English, as TwiML.

Prompts live here and only here, so a reviewer fluent in Hindi can read the whole IVR in one file.
Each Say names the voice of its language: Twilio fails a Say whose voice does not speak its language.
"""

from __future__ import annotations

import functools
import inspect
import re
from xml.sax.saxutils import escape

from twilio.twiml.voice_response import Gather, VoiceResponse

VOICES = {"hi": ("hi-IN", "Polly.Aditi"), "en": ("en-IN", "Polly.Raveena")}

TEXT = {
    "welcome": {
        "hi": "नमस्ते, दिल्ली स्वास्थ्य हेल्पलाइन सम्पर्क में आपका स्वागत है।",
        "en": "Welcome to Sampark, the Delhi health helpline.",
    },
    "welcome_back": {
        "hi": "नमस्ते, सम्पर्क स्वास्थ्य हेल्पलाइन में आपका फिर से स्वागत है।",
        "en": "Welcome back to Sampark, the Delhi health helpline.",
    },
    "menu": {
        "hi": "हिंदी के लिए 1 दबाएं। चिकित्सा आपातकाल के लिए 9 दबाएं।",
        "en": "For English, press 2. For a medical emergency, press 9.",
    },
    "speak": {
        "hi": "या अपनी तकलीफ़ बोलकर बताएं।",
        "en": "Or just tell us what is wrong.",
    },
    "on_hold": {
        "hi": "कृपया लाइन पर बने रहें, डॉक्टर कुछ ही पल में फिर आपसे बात करेंगे।",
        "en": "Please stay on the line: the doctor will be back with you in a moment.",
    },
    "invalid": {"hi": "यह विकल्प सही नहीं है।", "en": "That is not one of the choices."},
    "emergency": {
        "hi": "अगर मरीज़ सांस नहीं ले रहा या बेहोश है, तो अभी 112 या एम्बुलेंस के लिए 108 पर कॉल करें। "
              "लाइन पर बने रहें, आपको डॉक्टर से जोड़ा जा रहा है।",
        "en": "If the patient is not breathing or is unconscious, call 112, or 108 for an ambulance, now. "
              "Stay on the line: we are connecting you to a doctor.",
    },
    "fallback": {
        "hi": "सम्पर्क में अभी तकनीकी दिक्कत है। आपातकाल में अभी 112 या एम्बुलेंस के लिए 108 पर कॉल करें। "
              "हमारे पास आपका नंबर है, हम आपको वापस कॉल करेंगे।",
        "en": "Sampark has a technical problem right now. In an emergency, call 112, or 108 for an ambulance, now. "
              "We have your number and will call you back.",
    },
    "emergency_wait": {
        "hi": "डॉक्टर से जोड़ा जा रहा है। मरीज़ को अकेला न छोड़ें। ज़रूरत हो तो 108 पर एम्बुलेंस बुलाएं।",
        "en": "Connecting you to a doctor. Do not leave the patient alone. Call 108 for an ambulance if needed.",
    },
    "card": {
        "hi": "अगर आपके पास स्वास्थ्य कार्ड है, तो 12 अंकों का कार्ड नंबर डालें और फिर हैश दबाएं। "
              "कार्ड नहीं है तो सिर्फ हैश दबाएं।",
        "en": "If you have your health card, enter the 12 digit card number, then press hash. "
              "If not, just press hash.",
    },
    "card_retry": {
        "hi": "यह कार्ड नंबर सही नहीं लग रहा। कृपया दोबारा डालें और हैश दबाएं।",
        "en": "That card number does not check out. Please enter it again, then press hash.",
    },
    "card_unknown": {
        "hi": "यह कार्ड हमें नहीं मिला। कोई बात नहीं, सलाहकार आपकी मदद करेंगे।",
        "en": "We could not find that card. No problem: an advisor will help you.",
    },
    "card_revoked": {
        "hi": "यह कार्ड अब मान्य नहीं है। कोई बात नहीं, सलाहकार आपकी मदद करेंगे।",
        "en": "This card is no longer valid. No problem: an advisor will help you.",
    },
    "card_ok": {"hi": "धन्यवाद, आपका कार्ड मिल गया।", "en": "Thank you, we found your card."},
    "connecting": {
        "hi": "कृपया प्रतीक्षा करें, आपको स्वास्थ्य सलाहकार से जोड़ा जा रहा है।",
        "en": "Please hold: we are connecting you to a health advisor.",
    },
    "position": {
        "hi": "कतार में आपका नंबर {position} है। लगभग {minutes} मिनट में बात होगी।",
        "en": "You are number {position} in the queue. The expected wait is about {minutes} minutes.",
    },
    "position_one_minute": {
        "hi": "कतार में आपका नंबर {position} है। लगभग एक मिनट में बात होगी।",
        "en": "You are number {position} in the queue. The expected wait is about one minute.",
    },
    "offer_callback": {
        "hi": "इंतज़ार करने के बजाय वापस कॉल पाने के लिए 1 दबाएं। आपकी जगह बनी रहेगी।",
        "en": "To get a call back instead of waiting, press 1. You keep your place in the queue.",
    },
    "callback_booked": {
        "hi": "ठीक है, हम इसी नंबर पर आपको वापस कॉल करेंगे। आपकी जगह बनी रहेगी। धन्यवाद।",
        "en": "Thank you. We will call you back on this number, and you keep your place. Goodbye.",
    },
    "texts_to": {
        "hi": "आप हमें व्हाट्सऐप पर {whatsapp} पर लिख सकते हैं, जवाब वहीं मिलेगा; या एसएमएस {sms} पर भेजें।",
        "en": "You can also write to us on WhatsApp at {whatsapp}, and get answers there; or send an SMS to {sms}.",
    },
    "connected": {"hi": "आपको सलाहकार से जोड़ा जा रहा है।", "en": "Connecting you to an advisor now."},
    "goodbye": {"hi": "सम्पर्क हेल्पलाइन पर कॉल करने के लिए धन्यवाद।", "en": "Thank you for calling Sampark."},
}


# How ElementTree escapes a value inside a tag (an attribute) and in text.
_IN_TAG = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"}
_TOKEN = re.compile(r"__sampark_(\d)__")


def built_once(*varying: str):
    """Build each prompt's TwiML once per language and choice, not on every webhook.

    The arguments named in `varying` (a case's URLs, its conference name) differ on every call: the
    prompt is built with placeholders in their place and kept in pieces; each call joins the pieces
    with its values escaped as ElementTree would have escaped them there (in a tag or in text), so the
    answer is byte for byte what building afresh gives (`prompt.__wrapped__`, which the tests compare).
    """

    def wrap(build):
        signature = inspect.signature(build)

        @functools.lru_cache(maxsize=1024)
        def pieces(*args) -> tuple:
            xml, out, at = build(*args), [], 0
            for found in _TOKEN.finditer(xml):
                before = xml[:found.start()]
                out += [xml[at:found.start()], (int(found.group(1)), before.rfind("<") > before.rfind(">"))]
                at = found.end()
            return (*out, xml[at:])

        @functools.wraps(build)
        def prompt(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            values = []
            for index, name in enumerate(varying):
                values.append(str(bound.arguments[name]) if bound.arguments[name] is not None else None)
                if values[-1] is not None:
                    bound.arguments[name] = f"__sampark_{index}__"
            return "".join(part if isinstance(part, str) else escape(values[part[0]], _IN_TAG if part[1] else {})
                           for part in pieces(*bound.args))

        return prompt

    return wrap


def say(target, key: str, lang: str, **values) -> None:
    """Add the prompt `key` in `lang` to a VoiceResponse or Gather."""
    language, voice = VOICES[lang]
    target.say(TEXT[key][lang].format(**values), language=language, voice=voice)


def say_both(target, key: str, first: str = "hi") -> None:
    """The prompt in both languages, the caller's likely one first."""
    for lang in (first, "en" if first == "hi" else "hi"):
        say(target, key, lang)


def _menu_gather(menu_url: str, speech: bool, lang: str) -> Gather:
    # With speech on, a caller may simply say what is wrong; triage reads it like an SMS.
    if speech:
        return Gather(num_digits=1, action=menu_url, method="POST", timeout=6, input="dtmf speech",
                      language=VOICES[lang][0], speech_timeout="auto")
    return Gather(num_digits=1, action=menu_url, method="POST", timeout=6)


@built_once("menu_url")
def greeting(menu_url: str, known_language: str | None, speech: bool = False) -> str:
    """First words: welcome and the language / emergency menu (asked twice, then Hindi)."""
    response = VoiceResponse()
    first = known_language or "hi"
    gather = _menu_gather(menu_url, speech, first)
    say(gather, "welcome_back" if known_language else "welcome", first)
    say(gather, "menu", "hi")
    say(gather, "menu", "en")
    if speech:
        say(gather, "speak", first)
    response.append(gather)
    response.redirect(menu_url + "&noinput=1", method="POST")
    return str(response)


@built_once("menu_url")
def menu_again(menu_url: str, wrong_key: bool, noinput: int, speech: bool = False) -> str:
    """After a wrong key or silence: ask again."""
    response = VoiceResponse()
    gather = _menu_gather(menu_url, speech, "hi")
    if wrong_key:
        say_both(gather, "invalid")
    say(gather, "menu", "hi")
    say(gather, "menu", "en")
    response.append(gather)
    response.redirect(f"{menu_url}&noinput={noinput + 1}", method="POST")
    return str(response)


@built_once("wait_url", "action_url")
def emergency(lang: str, queue: str, wait_url: str, action_url: str) -> str:
    """Emergency: what to do now (in both languages: they may not have chosen one), then the doctors' queue."""
    response = VoiceResponse()
    say_both(response, "emergency", lang)
    response.enqueue(queue, wait_url=wait_url, wait_url_method="POST", action=action_url, method="POST")
    return str(response)


@built_once("card_url")
def ask_card(lang: str, card_url: str, retry: bool = False) -> str:
    """Ask for the card number on the keypad (hash alone skips)."""
    response = VoiceResponse()
    gather = Gather(finish_on_key="#", timeout=10, action=card_url, method="POST", action_on_empty_result=True)
    say(gather, "card_retry" if retry else "card", lang)
    response.append(gather)
    response.redirect(card_url, method="POST")
    return str(response)


@built_once("wait_url", "action_url")
def enqueue(lang: str, queue: str, wait_url: str, action_url: str, before: str | None = None) -> str:
    """Say `before` (a prompt key) if given, then put the caller in `queue`."""
    response = VoiceResponse()
    if before:
        say(response, before, lang)
    say(response, "connecting", lang)
    response.enqueue(queue, wait_url=wait_url, wait_url_method="POST", action=action_url, method="POST")
    return str(response)


@built_once("choice_url")
def waiting(lang: str, position: int, minutes: int, choice_url: str | None) -> str:
    """Wait music for tier 1: position, expected wait, and the call-back offer."""
    response = VoiceResponse()
    minutes = max(minutes, 1)
    say(response, "position_one_minute" if minutes == 1 else "position", lang, position=position, minutes=minutes)
    if choice_url:
        gather = Gather(num_digits=1, action=choice_url, method="POST", timeout=8)
        say(gather, "offer_callback", lang)
        response.append(gather)
    response.pause(length=10)
    return str(response)


@built_once()
def emergency_waiting(lang: str) -> str:
    """Wait music for the emergency queue: keep repeating what to do."""
    response = VoiceResponse()
    say(response, "emergency_wait", lang)
    response.pause(length=5)
    return str(response)


@built_once()
def on_hold(lang: str) -> str:
    """What a caller on hold hears (the conference's holdUrl): reassurance, then quiet, repeated by Twilio."""
    response = VoiceResponse()
    say(response, "on_hold", lang)
    response.pause(length=15)
    return str(response)


@built_once()
def callback_booked(lang: str, whatsapp: str | None = None, sms: str | None = None) -> str:
    """The caller chose a call-back: confirm, say which numbers take texts (WhatsApp first), and leave the queue."""
    response = VoiceResponse()
    say(response, "callback_booked", lang)
    if whatsapp and sms:
        say(response, "texts_to", lang, whatsapp=spoken(whatsapp), sms=spoken(sms))
    response.leave()
    return str(response)


def spoken(number: str) -> str:
    """A number read out digit by digit, as a caller would dial it from an Indian phone (+91 dropped)."""
    digits = number[3:] if number.startswith("+91") else number.lstrip("+")
    return " ".join(digits)


@built_once("name", "status_url")
def conference(name: str, lang: str | None, status_url: str, caller: bool) -> str:
    """Join the case's conference; the caller's leaving ends it, a staff member's does not."""
    response = VoiceResponse()
    if lang:
        say(response, "connected", lang)
    dial = response.dial()
    dial.conference(
        name,
        start_conference_on_enter=True,
        end_conference_on_exit=caller,
        beep=False,
        status_callback=status_url,
        status_callback_event="start end join leave",
        status_callback_method="POST",
    )
    return str(response)


@built_once("reference", "name", "status_url")
def staff_leg(reference: str, name: str, status_url: str) -> str:
    """What a staff member hears when their phone or browser picks up: the case, then the caller."""
    response = VoiceResponse()
    response.say(f"Case {reference}.", language="en-IN", voice="Polly.Raveena")
    dial = response.dial()
    dial.conference(name, start_conference_on_enter=True, end_conference_on_exit=False, beep=False,
                    status_callback=status_url, status_callback_event="start end join leave",
                    status_callback_method="POST")
    return str(response)


@built_once()
def leave_queue() -> str:
    """Step out of the queue (someone took the case; the Enqueue action connects the caller)."""
    response = VoiceResponse()
    response.leave()
    return str(response)


@built_once()
def empty() -> str:
    """Nothing more to say."""
    return str(VoiceResponse())


def reject() -> str:
    """Refuse the call without answering it: a busy tone, and no charge to the caller (the missed-call number)."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


@built_once()
def hangup(lang: str) -> str:
    """Goodbye and hang up."""
    response = VoiceResponse()
    say(response, "goodbye", lang)
    response.hangup()
    return str(response)


@built_once()
def fallback() -> str:
    """Twilio's fallback when the helpline cannot answer: emergency numbers and a call-back, twice, both languages."""
    response = VoiceResponse()
    for _ in range(2):
        say_both(response, "fallback")
    response.hangup()
    return str(response)

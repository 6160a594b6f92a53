"""Everything the caller hears, in Hindi, English, Punjabi and Urdu, as TwiML (the words: prompt_text.py).

Each Say names the voice of its language: Twilio fails a Say whose voice does not speak its language.
Twilio has no Urdu voice: Urdu is played from recordings (telephony/recordings.py), and a prompt whose
recording is missing is spoken by the Hindi voice in the Urdu prompt's own words, written in Devanagari. Speech input is offered in the languages Twilio's <Gather>
recognises (Hindi, English, Urdu); Punjabi callers use the keypad.
"""

from __future__ import annotations

import functools
import inspect
import re
from xml.sax.saxutils import escape

from twilio.twiml.voice_response import Gather, VoiceResponse

from telephony import recordings
from telephony.prompt_text import TEXT, URDU_IN_DEVANAGARI

LANGUAGES = ("hi", "en", "pa", "ur")  # the menu's order, the Act's
# Text-to-speech voice per language (Twilio's published voice list: Polly and Google voices; none for Urdu).
VOICES = {"hi": ("hi-IN", "Polly.Aditi"), "en": ("en-IN", "Polly.Raveena"), "pa": ("pa-IN", "Google.pa-IN-Wavenet-A")}
# Speech recognition per language (Twilio's <Gather> language list has hi-IN, en-IN, ur-IN; no Punjabi).
SPEECH = {"hi": "hi-IN", "en": "en-IN", "ur": "ur-IN"}



# How ElementTree escapes a value inside a tag (an attribute) and in text.
_IN_TAG = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"}
_TOKEN = re.compile(r"__sampark_(\d)__")


_BUILT: list = []  # the prompts' caches, forgotten when the recordings present change (forget_built)


def forget_built() -> None:
    """Build every prompt afresh from now on (the app start found which Urdu recordings exist)."""
    for pieces in _BUILT:
        pieces.cache_clear()


def built_once(*varying: str):
    """Build each prompt's TwiML once per language and choice, not on every webhook.

    The arguments named in `varying` (a case's URLs, its conference name) differ on every call: the
    prompt is built with placeholders in their place and kept in pieces; each call joins the pieces
    with its values escaped as ElementTree would have escaped them there (in a tag or in text), so the
    answer is byte for byte what building afresh gives (`prompt.__wrapped__`, which the tests compare).
    """

    def wrap(build):
        parameters = inspect.signature(build).parameters
        names = tuple(parameters)
        defaults = {name: p.default for name, p in parameters.items() if p.default is not inspect.Parameter.empty}
        slots = [(names.index(name), index) for index, name in enumerate(varying)]

        @functools.lru_cache(maxsize=1024)
        def pieces(*args) -> tuple:
            xml, out, at = build(*args), [], 0
            for found in _TOKEN.finditer(xml):
                before = xml[:found.start()]
                out += [xml[at:found.start()], (int(found.group(1)), before.rfind("<") > before.rfind(">"))]
                at = found.end()
            return (*out, xml[at:])

        _BUILT.append(pieces)

        @functools.wraps(build)
        def prompt(*args, **kwargs):
            # The arguments in the order of the parameters, defaults filled in (inspect's bind() cost as much as
            # joining the pieces).
            if len(args) > len(names) or kwargs.keys() - names[len(args):]:
                raise TypeError(f"{build.__name__}() got an unexpected argument")
            try:
                arguments = [*args, *(kwargs[name] if name in kwargs else defaults[name] for name in names[len(args):])]
            except KeyError as missing:
                raise TypeError(f"{build.__name__}() missing argument {missing}") from None
            values: list = [None] * len(slots)
            for at, index in slots:
                if arguments[at] is not None:
                    values[index] = str(arguments[at])
                    arguments[at] = f"__sampark_{index}__"
            return "".join(part if isinstance(part, str) else escape(values[part[0]], _IN_TAG if part[1] else {})
                           for part in pieces(*arguments))

        return prompt

    return wrap


def spoken(lang: str, key: str = "") -> str:
    """The language (voice) a prompt is heard in: its own, or Hindi's for an Urdu prompt not yet recorded."""
    if lang in VOICES:
        return lang
    return lang if key and recordings.urls(key, lang, _ANY_NUMBER) is not None else "hi"


_ANY_NUMBER: dict = {"position": 1, "minutes": 1}


def say(target, key: str, lang: str, **values) -> None:
    """Add the prompt `key` in `lang` to a VoiceResponse or Gather: spoken by the language's voice, played
    from its recordings (Urdu), or, while a recording is missing, its Urdu words spoken by the Hindi voice."""
    if lang in VOICES:
        language, voice = VOICES[lang]
        target.say(TEXT[key][lang].format(**values), language=language, voice=voice)
        return
    played = recordings.urls(key, lang, values)
    if played is None:
        language, voice = VOICES["hi"]
        target.say(URDU_IN_DEVANAGARI[key].format(**values), language=language, voice=voice)
        return
    for url in played:
        target.play(url)


def say_both(target, key: str, first: str = "hi") -> None:
    """The prompt in the caller's likely language, then in Hindi (English after Hindi), never twice alike."""
    second = "en" if spoken(first, key) == "hi" else "hi"
    for lang in (first, second):
        say(target, key, lang)


def say_all(target, key: str, first: str = "hi") -> None:
    """The prompt in the caller's likely language, then in the others in the Act's order; a language heard in
    Hindi (Urdu not yet recorded) is not said twice."""
    heard: set[str] = set()
    for lang in (first, *(lang for lang in LANGUAGES if lang != first)):
        if (as_heard := spoken(lang, key)) not in heard:
            heard.add(as_heard)
            say(target, key, lang)


def _menu_gather(menu_url: str, speech: bool, lang: str) -> Gather:
    # With speech on, a caller may simply say what is wrong; triage reads it like an SMS. Speech is
    # listened for in the caller's likely language when Twilio recognises it, else in Hindi.
    if speech:
        return Gather(num_digits=1, action=menu_url, method="POST", timeout=6, input="dtmf speech",
                      language=SPEECH.get(lang, SPEECH["hi"]), speech_timeout="auto")
    return Gather(num_digits=1, action=menu_url, method="POST", timeout=6)


def _menu(target) -> None:
    """Each language offered in its own words, in the Act's order; each line also names the emergency key."""
    for lang in LANGUAGES:
        say(target, "menu", lang)


@built_once("menu_url")
def greeting(menu_url: str, known_language: str | None, speech: bool = False) -> str:
    """First words: welcome and the language / emergency menu (asked twice, then Hindi)."""
    response = VoiceResponse()
    first = known_language or "hi"
    gather = _menu_gather(menu_url, speech, first)
    say(gather, "welcome_back" if known_language else "welcome", first)
    _menu(gather)
    if speech:
        say(gather, "speak", first if first in SPEECH else "hi")
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
    _menu(gather)
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
    """Wait music for the emergency queue: keep repeating what to do, in every language (they may not have chosen)."""
    response = VoiceResponse()
    say_all(response, "emergency_wait", lang)
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
        say(response, "texts_to", lang, whatsapp=digits_spoken(whatsapp), sms=digits_spoken(sms))
    response.leave()
    return str(response)


def digits_spoken(number: str) -> str:
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
    """Twilio's fallback when the helpline cannot answer: emergency numbers and a call-back in every language, then
    Hindi and English again."""
    response = VoiceResponse()
    say_all(response, "fallback")
    say_both(response, "fallback")
    response.hangup()
    return str(response)

"""TwiML documents: parse, check nesting and attributes, and check Say voices against languages.

Only the parsing and the rules live here; running the verbs is `callflow.py`. Errors carry Twilio's
error codes so the transcript reads like Twilio's debugger would.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urljoin

VOICE_VERBS = {"Say", "Play", "Pause", "Gather", "Enqueue", "Dial", "Redirect", "Hangup", "Reject", "Leave", "Sms"}
KNOWN_BUT_NOT_EMULATED = {"Record", "Connect", "Refer", "Pay", "Prompt", "Start", "Stop", "Echo", "Siprec", "Stream"}
MESSAGING_VERBS = {"Message", "Redirect", "Sms"}
NESTING = {  # which nouns a verb may contain
    "Gather": {"Say", "Play", "Pause"},
    "Dial": {"Number", "Client", "Conference", "Queue", "Sip", "Sim"},
    "Message": {"Body", "Media"},
}
WAIT_VERBS = {"Say", "Play", "Pause", "Gather", "Redirect", "Leave", "Hangup"}  # allowed in waitUrl TwiML
ACCEPTED_TYPES = ("text/xml", "application/xml", "text/html", "text/plain")

# Voices the helpline may use, with the languages each speaks. Polly and Google voices not listed
# here are refused, so a typo is caught in tests rather than on a caller's phone.
POLLY_LANGUAGES = {
    "Aditi": ("hi-IN", "en-IN"), "Kajal": ("en-IN", "hi-IN"), "Raveena": ("en-IN",),
    "Joanna": ("en-US",), "Matthew": ("en-US",), "Salli": ("en-US",), "Joey": ("en-US",),
    "Kendra": ("en-US",), "Ivy": ("en-US",), "Justin": ("en-US",), "Kimberly": ("en-US",),
    "Amy": ("en-GB",), "Brian": ("en-GB",), "Emma": ("en-GB",), "Arthur": ("en-GB",),
    "Nicole": ("en-AU",), "Russell": ("en-AU",), "Olivia": ("en-AU",),
}
ALICE_LANGUAGES = ("da-DK", "de-DE", "en-AU", "en-CA", "en-GB", "en-IN", "en-US", "ca-ES", "es-ES", "es-MX",
                   "fi-FI", "fr-CA", "fr-FR", "it-IT", "ja-JP", "ko-KR", "nb-NO", "nl-NL", "pl-PL", "pt-BR",
                   "pt-PT", "ru-RU", "sv-SE", "zh-CN", "zh-HK", "zh-TW")
CLASSIC_LANGUAGES = ("en", "en-US", "en-GB", "es", "fr", "de")  # voice="man" / "woman"
GOOGLE_VOICE = re.compile(r"^Google\.([a-z]{2,3}-[A-Z]{2})-[A-Za-z0-9-]+$")
# Locales of the Google voices in Twilio's published text-to-speech voice list. It has Punjabi (pa-IN) and
# Bengali, but no Urdu: a Google.ur-IN-* voice is refused, as Twilio refuses a voice it does not offer.
GOOGLE_LOCALES = frozenset(
    [
        "af-ZA", "ar-XA", "eu-ES", "bn-IN", "bg-BG", "ca-ES", "yue-HK", "cmn-CN", "cmn-TW", "cs-CZ", "da-DK",
        "nl-BE", "nl-NL", "en-AU", "en-IN", "en-GB", "en-US", "fil-PH", "fi-FI", "fr-CA", "fr-FR", "gl-ES",
        "de-DE", "el-GR", "gu-IN", "he-IL", "hi-IN", "hu-HU", "is-IS", "id-ID", "it-IT", "ja-JP", "kn-IN",
        "ko-KR", "lv-LV", "lt-LT", "ms-MY", "ml-IN", "mr-IN", "nb-NO", "pl-PL", "pt-BR", "pt-PT", "pa-IN",
        "ro-RO", "ru-RU", "sr-RS", "sk-SK", "es-ES", "es-US", "sv-SE", "ta-IN", "te-IN", "th-TH", "tr-TR",
        "uk-UA", "vi-VN"
    ]
)
# <Gather> speech recognition languages Twilio lists (the Indian ones: hi-IN, en-IN, bn-IN, gu-IN, kn-IN, ml-IN,
# mr-IN, ta-IN, te-IN, ur-IN; no Punjabi). Another value is Twilio's warning 13512 (invalid language).
SPEECH_LANGUAGES = frozenset(
    [
        "af-ZA", "am-ET", "hy-AM", "az-AZ", "id-ID", "ms-MY", "bn-BD", "bn-IN", "ca-ES", "cs-CZ", "da-DK",
        "de-DE", "en-AU", "en-CA", "en-GH", "en-GB", "en-IN", "en-IE", "en-KE", "en-NZ", "en-NG", "en-PH",
        "en-ZA", "en-TZ", "en-US", "es-AR", "es-BO", "es-CL", "es-CO", "es-CR", "es-EC", "es-SV", "es-ES",
        "es-US", "es-GT", "es-HN", "es-MX", "es-NI", "es-PA", "es-PY", "es-PE", "es-PR", "es-DO", "es-UY",
        "es-VE", "eu-ES", "fil-PH", "fr-CA", "fr-FR", "gl-ES", "ka-GE", "gu-IN", "hr-HR", "zu-ZA", "is-IS",
        "it-IT", "jv-ID", "kn-IN", "km-KH", "lo-LA", "lv-LV", "lt-LT", "hu-HU", "ml-IN", "mr-IN", "nl-NL",
        "ne-NP", "nb-NO", "pl-PL", "pt-BR", "pt-PT", "ro-RO", "si-LK", "sk-SK", "sl-SI", "su-ID", "sw-TZ",
        "sw-KE", "fi-FI", "sv-SE", "ta-IN", "ta-SG", "ta-LK", "ta-MY", "te-IN", "vi-VN", "tr-TR", "ur-PK",
        "ur-IN", "el-GR", "bg-BG", "ru-RU", "sr-RS", "uk-UA", "he-IL", "ar-IL", "ar-JO", "ar-AE", "ar-BH",
        "ar-DZ", "ar-SA", "ar-IQ", "ar-KW", "ar-MA", "ar-TN", "ar-OM", "ar-PS", "ar-QA", "ar-LB", "ar-EG",
        "fa-IR", "hi-IN", "th-TH", "ko-KR", "cmn-Hant-TW", "yue-Hant-HK", "ja-JP", "cmn-Hans-HK", "cmn-Hans-CN"
    ]
)
# A script, and the voice languages that can read it aloud (another voice garbles it).
SCRIPT_VOICES = (
    ("Devanagari", re.compile("[\u0900-\u0963\u0966-\u097F]"), ("hi",)),  # not the dandas: Gurmukhi uses them too
    ("Gurmukhi", re.compile("[\u0A00-\u0A7F]"), ("pa",)),
    ("Urdu (Arabic script)", re.compile("[\u0600-\u06FF]"), ("ur", "ar", "fa")),
    ("Bengali", re.compile("[\u0980-\u09FF]"), ("bn",)),
)


class TwimlError(Exception):
    """The TwiML (or the answer that should have been TwiML) is wrong; `code` is Twilio's error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Verb:
    """One TwiML element: its name, attributes, text and nested elements."""

    name: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Verb] = field(default_factory=list)

    def get(self, name: str, default: str | None = None) -> str | None:
        """An attribute, or `default` when absent or empty."""
        value = self.attrs.get(name)
        return value if value not in (None, "") else default

    def flag(self, name: str, default: bool) -> bool:
        """A true/false attribute."""
        value = self.attrs.get(name)
        return default if value is None else value.strip().lower() == "true"

    def number(self, name: str, default: float) -> float:
        """A numeric attribute; junk falls back to the default like Twilio does (with a warning)."""
        try:
            return float(self.attrs.get(name, default))
        except (TypeError, ValueError):
            return default


@dataclass
class Document:
    """A parsed <Response> and the URL it came from (relative URLs resolve against it)."""

    verbs: list[Verb]
    url: str

    def resolve(self, target: str | None) -> str | None:
        """`target` made absolute against this document's URL."""
        return urljoin(self.url, target) if target else None


def _element(node: ET.Element) -> Verb:
    return Verb(
        name=node.tag,
        attrs=dict(node.attrib),
        text=" ".join((node.text or "").split()),
        children=[_element(child) for child in node],
    )


def parse(body: str, url: str, content_type: str = "text/xml", messaging: bool = False) -> Document:
    """Parse a webhook answer into a Document, or raise TwimlError as Twilio would report it."""
    mime = (content_type or "text/xml").split(";")[0].strip().lower()
    if mime not in ACCEPTED_TYPES:
        raise TwimlError(12300, f"Invalid Content-Type {mime!r}: TwiML must be served as text/xml")
    if not body.strip():
        raise TwimlError(12100, "Document parse failure: the answer was empty")
    try:
        root = ET.fromstring(body.strip().encode("utf-8"))
    except ET.ParseError as exc:
        raise TwimlError(12100, f"Document parse failure: {exc}") from None
    if root.tag != "Response":
        raise TwimlError(12100, f"Document parse failure: root element is <{root.tag}>, not <Response>")
    verbs = [_element(node) for node in root]
    allowed = MESSAGING_VERBS if messaging else VOICE_VERBS
    for verb in verbs:
        if verb.name in KNOWN_BUT_NOT_EMULATED and not messaging:
            raise TwimlError(12200, f"<{verb.name}> is valid TwiML but the emulator does not emulate it")
        if verb.name not in allowed:
            raise TwimlError(12200, f"Schema validation: <{verb.name}> is not a valid verb here")
        _check_children(verb)
        if verb.name == "Say":
            check_voice(verb)
    return Document(verbs, url)


def _check_children(verb: Verb) -> None:
    allowed = NESTING.get(verb.name, set())
    for child in verb.children:
        if child.name not in allowed:
            raise TwimlError(12200, f"Schema validation: <{child.name}> cannot be nested in <{verb.name}>")
        if verb.name == "Gather" and child.name == "Say":
            check_voice(child)


def check_voice(verb: Verb) -> tuple[str, str]:
    """(language, voice) of a <Say>, or TwimlError 13511 when the voice cannot speak the language."""
    voice = verb.get("voice", "man")
    language = verb.get("language")
    if voice.startswith("Polly."):
        name = re.sub(r"-(Neural|Generative|LongForm)$", "", voice[len("Polly."):])
        spoken = POLLY_LANGUAGES.get(name)
        if spoken is None:
            raise TwimlError(13511, f"Say: unknown voice {voice!r}")
    elif voice.startswith("Google."):
        match = GOOGLE_VOICE.match(voice)
        if not match:
            raise TwimlError(13511, f"Say: unknown voice {voice!r}")
        if match.group(1) not in GOOGLE_LOCALES:
            raise TwimlError(13511, f"Say: Twilio offers no voice {voice!r} (no Google voice for {match.group(1)})")
        spoken = (match.group(1),)
    elif voice == "alice":
        spoken = ALICE_LANGUAGES
    elif voice in ("man", "woman"):
        spoken = CLASSIC_LANGUAGES
    else:
        raise TwimlError(13511, f"Say: invalid voice {voice!r}")
    language = language or (spoken[0] if voice.startswith(("Polly.", "Google.")) else "en-US")
    if language not in spoken:
        raise TwimlError(13511, f"Say: voice {voice} cannot speak {language} (it speaks {', '.join(spoken)})")
    return language, voice


def text_warning(text: str, language: str) -> str | None:
    """A plain-words warning when a script is given to a voice of another language (it would be garbled)."""
    for script, letters, voices in SCRIPT_VOICES:
        if letters.search(text) and not language.startswith(voices):
            return f"{script} text given to a {language} voice: the caller would hear it garbled"
    return None


def speech_warning(verb: Verb) -> str | None:
    """Twilio's warning 13512 for a speech <Gather> in a language its recogniser does not list (keys still work)."""
    inputs = (verb.get("input") or "dtmf").split()
    language = verb.get("language") or "en-US"
    if "speech" in inputs and language not in SPEECH_LANGUAGES:
        return f"13512: Gather has an invalid language {language!r} for speech: only keys are heard"
    return None

"""Grievances by SMS: "SHIKAYAT ...", "शिकायत ...", "COMPLAINT ...", "ਸ਼ਿਕਾਇਤ ..." or "شکایت ..." (Delhi's four
languages, Hindi also in Latin letters), and which category the words point to. Pure functions: crm.helpline.messages.inbound calls `parse`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

KEYWORDS = {
    "शिकायत": "hi",
    "shikayat": "hl", "shikayath": "hl", "shikaayat": "hl", "shikait": "hl", "sikayat": "hl",
    "complaint": "en", "complain": "en",
    "ਸ਼ਿਕਾਇਤ": "pa", "ਸਿਕਾਇਤ": "pa",  # with and without the dot under ਸ (phones type both)
    "شکایت": "ur",
}
KEYWORDS = {unicodedata.normalize("NFC", word): language for word, language in KEYWORDS.items()}  # ਸ਼ as phones send it
# Words that point at a category, in Devanagari, romanised Hindi and English; the first category matched wins.
CATEGORY_WORDS = (
    ("card_delivery", ("card", "kard", "कार्ड", "कारड", "ਕਾਰਡ", "کارڈ")),
    ("staff", ("doctor", "daktar", "nurse", "staff", "karmchari", "karamchari", "babu", "डॉक्टर", "डाक्टर", "नर्स",
               "कर्मचारी", "स्टाफ", "ਡਾਕਟਰ", "ਨਰਸ", "ਸਟਾਫ", "ਮੁਲਾਜ਼ਮ", "ڈاکٹر", "نرس", "اسٹاف", "ملازم", "عملہ")),
    ("facility", ("clinic", "klinik", "hospital", "aspatal", "hospital", "dispensary", "davakhana", "dawakhana",
                  "mohalla", "अस्पताल", "क्लिनिक", "दवाखाना", "मोहल्ला", "डिस्पेंसरी", "ਹਸਪਤਾਲ", "ਕਲੀਨਿਕ",
                  "ਡਿਸਪੈਂਸਰੀ", "ਮੁਹੱਲਾ", "اسپتال", "ہسپتال", "کلینک", "ڈسپنسری", "محلہ")),
    ("helpline", ("helpline", "call", "phone", "हेल्पलाइन", "कॉल", "फोन", "ਹੈਲਪਲਾਈਨ", "ਕਾਲ", "ਫ਼ੋਨ", "ہیلپ", "کال",
                  "فون")),
)
_FIRST = re.compile(r"^\s*([^\s:,.\-!]+)[\s:,.\-!]*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Filed:
    """A grievance keyword found: the language it was written in, the category, the citizen's words."""

    language: str  # hi (Devanagari), hl (romanised Hindi), en, pa (Gurmukhi), ur (Urdu script)
    category: str
    text: str


def parse(body: str) -> Filed | None:
    """The grievance in an SMS that starts with a grievance keyword, or None."""
    match = _FIRST.match(body or "")
    if not match:
        return None
    language = KEYWORDS.get(unicodedata.normalize("NFC", match.group(1)).casefold())
    if language is None:
        return None
    text = match.group(2).strip()
    return Filed(language=language, category=category_of(text), text=text)


def category_of(text: str) -> str:
    """The category the words point to; the helpline itself when none does."""
    words = set(re.findall(r"[\w\u0900-\u097F\u0A00-\u0A7F\u0610-\u061A\u064B-\u065F\u0670]+", text.casefold()))
    for category, markers in CATEGORY_WORDS:
        if any(m in words for m in markers):
            return category
    return "helpline"

"""Reading "where is the nearest clinic" in a text: English, Hindi (Devanagari or romanised), Punjabi (Gurmukhi), Urdu.

`read(text)` answers None when the text is not such a question, else what kind of facility is asked
for, the pincode or ward it names (or neither: then the citizen is asked for one), and the script to
answer in. It asks for two things together: a word for a facility (clinic, hospital, aspatal, अस्पताल,
...) and a word for nearness or "where" (nearest, paas, nazdeek, kahan, नज़दीकी, ਨੇੜੇ, قریب, کہاں, ...), or a
facility word with a pincode; "my hospital card" alone is not a question about facilities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm.citizens.facilities import areas
from triage import scripts

# Devanagari, Gurmukhi, Arabic-Indic and the Urdu (Extended Arabic-Indic) digits, as phones type a pincode.
DIGITS = str.maketrans("०१२३४५६७८९" "੦੧੨੩੪੫੬੭੮੯" "٠١٢٣٤٥٦٧٨٩" "۰۱۲۳۴۵۶۷۸۹", "0123456789" * 4)
PINCODE = re.compile(r"(?<!\d)([1-9]\d{5})(?!\d)")
HOSPITAL = {"hospital", "hospitals", "aspatal", "aspataal", "asptal", "haspatal", "hospatal", "अस्पताल", "हॉस्पिटल",
            "हस्पताल", "ਹਸਪਤਾਲ", "ਹਸਪਤਾਲਾਂ", "ਹਾਸਪੀਟਲ", "اسپتال", "ہسپتال", "ہاسپٹل", "شفاخانہ"}
CLINIC = {"clinic", "clinics", "dispensary", "polyclinic", "mohalla", "davakhana", "dawakhana", "davakhaana", "dawa khana", "dispensari", "क्लिनिक", "क्लीनिक", "दवाखाना", "डिस्पेंसरी", "औषधालय",
          "पॉलीक्लिनिक", "मोहल्ला", "ਕਲੀਨਿਕ", "ਕਲਿਨਿਕ", "ਡਿਸਪੈਂਸਰੀ", "ਦਵਾਖਾਨਾ", "ਮੁਹੱਲਾ", "کلینک", "ڈسپنسری",
          "دواخانہ", "محلہ"}
ANY = {"doctor", "facility", "health centre", "health center", "dr", "डॉक्टर", "स्वास्थ्य केंद्र", "ਡਾਕਟਰ",
       "ਸਿਹਤ ਕੇਂਦਰ", "ڈاکٹر", "مرکز صحت"}
NEAR = {"nearest", "near", "nearby", "closest", "close", "where", "wheres", "paas", "pas", "nazdeek",
        "nazdik", "najdik", "najdeek", "nazdeeki", "nazdiki", "najdiki", "kareeb", "karib", "qareeb",
        "kahan", "kaha", "kahaan", "kidhar", "नजदीकी", "नजदीक", "पास", "करीब", "करीबी", "कहां", "किधर",
        "ਨੇੜੇ", "ਨੇੜੇ ਦਾ", "ਨੇੜਲਾ", "ਨਜ਼ਦੀਕ", "ਨਜ਼ਦੀਕੀ", "ਕਿੱਥੇ", "ਕੋਲ", "قریب", "قریبی", "نزدیک", "نزدیکی", "کہاں",
        "پاس", "کدھر"}
# Words that leave a question a bare question ("where is the nearest clinic please"). Anything else ("my son has
# fever, which clinic is near") is more than a question: it gets a case as well as the answer.
FILLER = {"is", "the", "a", "an", "to", "me", "my", "in", "of", "for", "please", "pls", "plz", "which", "what",
          "open", "now", "today", "find", "tell", "show", "government", "govt", "sarkari", "free", "mohalla", "ward",
          "pin", "pincode", "code", "area", "at", "here", "hai", "he", "h", "kya", "koi", "mein", "mai", "ka",
          "ki", "ke", "ko", "se", "sabse", "bata", "batao", "bataiye", "bataye", "abhi", "khula", "khule", "wala",
          "wali", "kaun", "konsa", "kaunsa", "hain", "है", "में", "का", "की", "के", "को", "से", "सबसे", "कौन", "सा",
          "कोई", "अभी", "खुला", "बताइए", "बताओ", "बताएं", "हैं", "क्या", "मेरे", "मेरा", "सरकारी", "पिनकोड", "वार्ड",
          "or", "and", "ya", "aur", "या", "और", "i", "need", "want", "chahiye", "चाहिए",
          "ਹੈ", "ਦਾ", "ਦੀ", "ਦੇ", "ਨੂੰ", "ਤੋਂ", "ਸਭ", "ਕੋਈ", "ਕਿਹੜਾ", "ਹੁਣ", "ਖੁੱਲ੍ਹਾ", "ਮੇਰੇ", "ਵਿੱਚ", "ਦੱਸੋ", "ਸਰਕਾਰੀ",
          "ਪਿੰਨਕੋਡ", "ਵਾਰਡ", "ਜਾਂ", "ਅਤੇ", "ਚਾਹੀਦਾ", "ਕਿਰਪਾ", "ਕਰਕੇ",
          "ہے", "کا", "کی", "کے", "کو", "سے", "سب", "کوئی", "کون", "سا", "ابھی", "کھلا", "میرے", "میں", "بتائیں",
          "سرکاری", "پن", "کوڈ", "وارڈ", "یا", "اور", "چاہیے", "براہ", "کرم"}
ROMAN_HINDI = {"sabse", "paas", "pas", "kahan", "kaha", "kahaan", "hai", "nazdeek", "nazdiki", "najdiki", "najdik",
               "aspatal", "aspataal", "davakhana", "dawakhana", "kidhar", "mera", "mujhe", "kareeb", "batao", "bataiye"}


@dataclass(frozen=True)
class Question:
    """A citizen asking where the nearest facility is."""

    kinds: str  # "clinic", "hospital" or "any" (crm.citizens.facilities.finder.KIND_CHOICES)
    pincode: str | None
    ward: str | None  # the ward's English name
    script: str  # "hi" (Devanagari), "hinglish" (romanised Hindi), "en", "pa" (Gurmukhi) or "ur" (Urdu script)
    bare: bool = True  # nothing but the question (no symptom or story beside it)

    @property
    def place_text(self) -> str | None:
        """What to look the place up by: the pincode, else the ward."""
        return self.pincode or self.ward


def _words(folded: str) -> set[str]:
    words = set(folded.split())
    pairs = {" ".join(pair) for pair in zip(folded.split(), folded.split()[1:], strict=False)}
    return words | pairs


def script_of(text: str) -> str:
    """The script to answer in: the Indic script most of its letters are in ('hi' Devanagari, 'pa' Gurmukhi, 'ur'
    Urdu; Bengali is answered in Hindi), else 'hinglish' if romanised Hindi words, else 'en'."""
    if (language := scripts.language_of(text)) is not None:
        return "hi" if language == "bn" else language
    return "hinglish" if _words(areas.fold(text)) & ROMAN_HINDI else "en"


def read(text: str) -> Question | None:
    """The facility question in `text`, or None if it is not one."""
    plain = (text or "").translate(DIGITS)
    folded = areas.fold(plain)
    words = _words(folded)
    hospital, clinic, generic = bool(words & HOSPITAL), bool(words & CLINIC), bool(words & ANY)
    pincode_match = PINCODE.search(plain)
    if not (hospital or clinic or generic) or not (words & NEAR or pincode_match):
        return None
    kinds = "hospital" if hospital and not clinic else "clinic" if clinic and not hospital else "any"
    script = script_of(plain)
    ward = None if pincode_match else _ward(plain, script)
    return Question(kinds, pincode_match.group(1) if pincode_match else None, ward.name if ward else None,
                    script, _bare(folded, ward, script))


def _ward(plain: str, script: str):
    """The ward named in the text; a ward written in Gurmukhi or Urdu is found by its Hindi name, transliterated."""
    if script not in ("pa", "ur"):
        return areas.ward_in(plain)
    return areas.ward_in(plain) or areas.ward_in_transliterated(scripts.to_devanagari(plain))


def _bare(folded: str, ward, script: str) -> bool:
    """At most one word beyond the question's own (facility, nearness, place and filler words)."""
    for name in (ward.name, ward.name_hi) if ward else ():
        folded = folded.replace(areas.fold(name), " ")
    if ward and script in ("pa", "ur"):  # the ward's name in Gurmukhi or Urdu letters: its words, read as Hindi
        name = areas.skeleton(areas.fold(ward.name_hi).replace(" ", ""))
        folded = " ".join(w for w in folded.split() if areas.skeleton(scripts.to_devanagari(w)) not in name)
    known = HOSPITAL | CLINIC | ANY | NEAR | FILLER | ROMAN_HINDI
    rest = [w for w in folded.split() if w not in known and not w.isdigit()]
    return len(rest) <= 1

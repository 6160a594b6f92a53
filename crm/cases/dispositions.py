"""How a tier-1 case ended (disposition codes) and the canned SMS replies operators pick from.

Both are data an operator reads all shift, in English and Hindi. The codes are what team leads count
(first-contact resolution, silent calls, pranks), so they are few and stable: retire a code, never
reuse one. The canned replies are short enough for one or two SMS parts in either script; their
medical wording is for the medical lead to review, like rules.toml.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Disposition:
    """One way a case can be resolved at tier 1."""

    code: str
    en: str
    hi: str
    needs_advice: bool = True  # the operator must write what the caller was told


@dataclass(frozen=True)
class CannedReply:
    """A ready SMS in both scripts; `{ref}` and `{helpline}` are filled in for the case."""

    id: str
    title_en: str
    title_hi: str
    en: str
    hi: str


DISPOSITIONS: tuple[Disposition, ...] = (
    Disposition("home_care", "Home-care advice given", "घर पर देखभाल की सलाह दी"),
    Disposition("visit_clinic", "Advised to visit a clinic", "क्लिनिक जाने की सलाह दी"),
    Disposition("emergency_108", "Told to call 108 / go to emergency", "108 पर कॉल या इमरजेंसी जाने को कहा"),
    Disposition("appointment", "Appointment booked or explained", "अपॉइंटमेंट बुक किया या जानकारी दी"),
    Disposition("clinic_info", "Clinic timings or location given", "क्लिनिक का समय या पता बताया"),
    Disposition("card_query", "Health card query answered", "स्वास्थ्य कार्ड का सवाल हल किया"),
    Disposition("medicine_info", "Medicine information given", "दवा की जानकारी दी"),
    Disposition("report_query", "Test report query answered", "जांच रिपोर्ट का सवाल हल किया"),
    Disposition("mental_health", "Referred to Tele-MANAS 14416", "टेली-मानस 14416 पर भेजा"),
    Disposition("complaint", "Complaint recorded", "शिकायत दर्ज की"),
    Disposition("wrong_number", "Wrong number", "गलत नंबर", needs_advice=False),
    Disposition("silent_call", "Silent or dropped contact", "कोई आवाज़ नहीं / संपर्क टूटा", needs_advice=False),
    Disposition("prank", "Prank or abusive contact", "मज़ाक या अभद्र संपर्क", needs_advice=False),
    Disposition("duplicate", "Duplicate of another case", "दूसरे केस का दोहराव", needs_advice=False),
)

CANNED_REPLIES: tuple[CannedReply, ...] = (
    CannedReply(
        "fever_care", "Fever care", "बुखार में देखभाल",
        "Sampark {ref}: For fever rest, drink plenty of fluids and take paracetamol as the pack says. "
        "See a doctor if it lasts over 2 days or is above 102F.",
        "सम्पर्क {ref}: बुखार में आराम करें, खूब पानी पिएं, पैरासिटामोल पैकेट के अनुसार लें। 2 दिन से ज़्यादा हो तो डॉक्टर को दिखाएं।",
    ),
    CannedReply(
        "ors", "ORS for loose motions", "दस्त में ORS",
        "Sampark {ref}: Mix 1 ORS packet in 1 litre of clean drinking water. Give small sips after every "
        "loose stool. Make a fresh solution every 24 hours.",
        "सम्पर्क {ref}: ORS का 1 पैकेट 1 लीटर साफ पानी में घोलें। हर दस्त के बाद थोड़ा-थोड़ा पिलाएं। रोज़ नया घोल बनाएं।",
    ),
    CannedReply(
        "dengue_warning", "Dengue warning signs", "डेंगू के खतरे के संकेत",
        "Sampark {ref}: Dengue danger signs: severe belly pain, repeated vomiting, bleeding gums or nose, "
        "black stools, extreme weakness. Go to hospital now or call 108.",
        "सम्पर्क {ref}: डेंगू के खतरे: पेट में तेज दर्द, बार-बार उल्टी, मसूड़ों/नाक से खून, बहुत कमजोरी। तुरंत अस्पताल जाएं या 108 बुलाएं।",
    ),
    CannedReply(
        "clinic_timings", "Clinic timings", "क्लिनिक का समय",
        "Sampark {ref}: Most Mohalla Clinics are open Monday to Saturday, 8am to 2pm. Please carry your "
        "health card. Helpline {helpline}.",
        "सम्पर्क {ref}: ज़्यादातर मोहल्ला क्लिनिक सोमवार से शनिवार सुबह 8 से दोपहर 2 बजे तक खुले हैं। स्वास्थ्य कार्ड साथ लाएं।",
    ),
    CannedReply(
        "call_108", "Call 108 now", "अभी 108 पर कॉल करें",
        "Sampark {ref}: This may be an emergency. Call 108 for an ambulance, or 112, now. Do not wait for an "
        "SMS reply.",
        "सम्पर्क {ref}: यह आपातकाल हो सकता है। एम्बुलेंस के लिए अभी 108 या 112 पर कॉल करें। SMS जवाब का इंतज़ार न करें।",
    ),
    CannedReply(
        "heat_care", "Heat: stay safe", "गर्मी से बचाव",
        "Sampark {ref}: In the heat drink water often, stay in the shade from 12 to 4pm and wear light "
        "cotton. Confusion or high fever without sweating: call 108.",
        "सम्पर्क {ref}: गर्मी में बार-बार पानी पिएं, 12 से 4 बजे धूप से बचें। तेज बुखार, पसीना न आना या बेहोशी हो तो 108 पर कॉल करें।",
    ),
    CannedReply(
        "we_will_call", "We will call you back", "हम आपको कॉल करेंगे",
        "Sampark {ref}: We will call you back soon from the helpline {helpline}. In an emergency call 108.",
        "सम्पर्क {ref}: हम आपको जल्द हेल्पलाइन {helpline} से कॉल करेंगे। आपातकाल में 108 पर कॉल करें।",
    ),
    CannedReply(
        "card_duplicate", "Lost health card", "स्वास्थ्य कार्ड खो गया",
        "Sampark {ref}: For a duplicate health card call {helpline}. The old card stops working once the new "
        "one is issued.",
        "सम्पर्क {ref}: डुप्लिकेट स्वास्थ्य कार्ड के लिए {helpline} पर कॉल करें। नया कार्ड बनते ही पुराना कार्ड बंद हो जाएगा।",
    ),
)

_BY_CODE = {d.code: d for d in DISPOSITIONS}


def disposition(code: str) -> Disposition | None:
    """The disposition with this code, or None."""
    return _BY_CODE.get(code)


def label(code: str | None, lang: str = "en") -> str:
    """A disposition's label in 'en' or 'hi' (the code itself if retired)."""
    found = _BY_CODE.get(code or "")
    if found is None:
        return code or ""
    return found.hi if lang == "hi" else found.en


def canned_replies(ref: str = "", helpline: str = "") -> list[dict]:
    """The canned replies, filled in for a case (placeholders left empty when not given)."""
    return [{**asdict(r), "en": _fill(r.en, ref, helpline), "hi": _fill(r.hi, ref, helpline)} for r in CANNED_REPLIES]


def _fill(text: str, ref: str, helpline: str) -> str:
    return text.replace("{ref}", ref).replace("{helpline}", helpline).replace("  ", " ").replace(" :", ":")


def as_json() -> list[dict]:
    """The disposition codes for the API."""
    return [asdict(d) for d in DISPOSITIONS]

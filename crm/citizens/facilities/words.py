"""The finder's words in Hindi and English: kinds, services, the page and the SMS/WhatsApp answers.

Short on purpose: a Hindi SMS is UCS-2 (70 characters a part), so the answer lists three places.
"""

from __future__ import annotations

KINDS = {
    "mohalla_clinic": ("Mohalla clinic", "मोहल्ला क्लिनिक"),
    "polyclinic": ("Polyclinic", "पॉलीक्लिनिक"),
    "dispensary": ("Dispensary", "डिस्पेंसरी"),
    "hospital": ("Hospital", "अस्पताल"),
}
SERVICES = {
    "emergency": ("Emergency 24x7", "आपातकालीन 24x7"),
    "general_opd": ("Doctor (OPD)", "डॉक्टर (ओपीडी)"),
    "specialist_opd": ("Specialists", "विशेषज्ञ"),
    "lab_tests": ("Lab tests", "जांच"),
    "x_ray": ("X-ray", "एक्स-रे"),
    "medicines": ("Free medicines", "मुफ़्त दवाएं"),
    "vaccination": ("Vaccination", "टीकाकरण"),
    "maternal_child": ("Mother and child", "मां और बच्चा"),
    "dental": ("Dental", "दांत"),
    "eye": ("Eye", "आंख"),
    "tb_dots": ("TB (DOTS)", "टीबी (डॉट्स)"),
}
PAGE = {
    "en": {
        "title": "Find a clinic or hospital", "lede": "Nearest government health facilities, open ones first.",
        "place": "Pincode or ward", "placeholder": "e.g. 110092 or Laxmi Nagar", "search": "Find",
        "kind": "Looking for", "any": "Any", "clinic": "Clinic", "hospital": "Hospital",
        "open": "Open now", "closes": "closes {time}", "closed": "Closed", "opens": "opens {day} {time}",
        "never": "hours not known", "round_clock": "Open 24 hours", "km": "{km} km", "call": "Call",
        "map": "Map", "near": "Near {place}", "unknown": "We do not know the place “{text}”. Try a 6-digit pincode "
        "or a ward name.", "none": "No facility found near {place}.", "ask": "Type your pincode or ward.",
        "emergency": "Emergency? Call", "ambulance": "ambulance", "today": "Today", "services": "Services",
        "switch": "हिंदी", "helpline": "Helpline", "wards": "Wards",
        "at": "As of {time}",
    },
    "hi": {
        "title": "क्लिनिक या अस्पताल खोजें", "lede": "सबसे पास के सरकारी स्वास्थ्य केंद्र, पहले खुले हुए।",
        "place": "पिनकोड या वार्ड", "placeholder": "जैसे 110092 या लक्ष्मी नगर", "search": "खोजें",
        "kind": "क्या चाहिए", "any": "कोई भी", "clinic": "क्लिनिक", "hospital": "अस्पताल",
        "open": "अभी खुला", "closes": "{time} बजे तक", "closed": "बंद", "opens": "{day} {time} बजे खुलेगा",
        "never": "समय पता नहीं", "round_clock": "24 घंटे खुला", "km": "{km} किमी", "call": "कॉल करें",
        "map": "नक्शा", "near": "{place} के पास", "unknown": "“{text}” जगह नहीं मिली। 6 अंकों का पिनकोड या वार्ड "
        "का नाम लिखें।", "none": "{place} के पास कोई केंद्र नहीं मिला।", "ask": "अपना पिनकोड या वार्ड लिखें।",
        "emergency": "आपातकाल? कॉल करें", "ambulance": "एम्बुलेंस", "today": "आज", "services": "सेवाएं",
        "switch": "English", "helpline": "हेल्पलाइन", "wards": "वार्ड",
        "at": "{time} बजे के अनुसार",
    },
}
# Answers by SMS or WhatsApp, in the script the citizen wrote in.
ANSWER = {
    "ask": {
        "en": "Sampark: send your 6-digit pincode or ward with the question, e.g. 'nearest clinic 110092'.",
        "hinglish": "Sampark: apna 6 ank ka pincode ya ward bhi likhein, jaise 'sabse paas clinic 110092'.",
        "hi": "सम्पर्क: अपना पिनकोड या वार्ड भी लिखें, जैसे 'नज़दीकी क्लिनिक 110092'।",
    },
    "unknown": {
        "en": "Sampark: we do not know the place {place}. Send a Delhi pincode (6 digits) or ward.",
        "hinglish": "Sampark: {place} jagah nahi mili. Delhi ka pincode (6 ank) ya ward likhein.",
        "hi": "सम्पर्क: {place} नहीं मिला। दिल्ली का पिनकोड या वार्ड लिखें।",
    },
    "head": {"en": "Sampark, near {place}:", "hinglish": "Sampark, {place} ke paas:", "hi": "सम्पर्क, {place} के पास:"},
    "open": {"en": "open till {time}", "hinglish": "{time} tak khula", "hi": "{time} तक खुला"},
    "round_clock": {"en": "open 24h", "hinglish": "24 ghante khula", "hi": "24 घंटे खुला"},
    "closed": {"en": "opens {day} {time}", "hinglish": "{day} {time} khulega", "hi": "{day} {time} खुलेगा"},
    "never": {"en": "hours not known", "hinglish": "samay pata nahi", "hi": "समय पता नहीं"},
    "none": {"en": "Sampark: no facility found near {place}.", "hinglish": "Sampark: {place} ke paas kuch nahi mila.",
             "hi": "सम्पर्क: {place} के पास कोई केंद्र नहीं मिला।"},
    "more": {"en": "More: {url}", "hinglish": "Aur: {url}", "hi": "और: {url}"},
}
DAY_EN = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}


def kind_label(kind: str, lang: str) -> str:
    """The kind of facility in `lang`."""
    en, hi = KINDS.get(kind, (kind, kind))
    return hi if lang == "hi" else en


def service_label(code: str, lang: str) -> str:
    """A service in `lang`."""
    en, hi = SERVICES.get(code, (code.replace("_", " "), code.replace("_", " ")))
    return hi if lang == "hi" else en


def phone_display(phone: str | None) -> str | None:
    """A Delhi landline as people write it ("011-2206 4039"); other numbers as stored."""
    if phone and phone.startswith("+9111") and len(phone) == 13:
        return f"011-{phone[5:9]} {phone[9:]}"
    return phone

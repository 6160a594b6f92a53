"""The finder's words in Hindi, English, Punjabi and Urdu: kinds, services, the page; the SMS/WhatsApp answers.

Short on purpose: a Hindi, Punjabi or Urdu SMS is UCS-2 (70 characters a part), so the answer lists two places.
"""

from __future__ import annotations

from crm.citizens.facilities.timings import DAY_HI, Opening

LANGUAGES = ("hi", "en", "pa", "ur")  # the Act's order; each offered in its own script
NAMES = {"hi": "हिंदी", "en": "English", "pa": "ਪੰਜਾਬੀ", "ur": "اردو"}
# (English, Hindi, Punjabi, Urdu)
KINDS = {
    "mohalla_clinic": ("Mohalla clinic", "मोहल्ला क्लिनिक", "ਮੁਹੱਲਾ ਕਲੀਨਿਕ", "محلہ کلینک"),
    "polyclinic": ("Polyclinic", "पॉलीक्लिनिक", "ਪੌਲੀਕਲੀਨਿਕ", "پولی کلینک"),
    "dispensary": ("Dispensary", "डिस्पेंसरी", "ਡਿਸਪੈਂਸਰੀ", "ڈسپنسری"),
    "hospital": ("Hospital", "अस्पताल", "ਹਸਪਤਾਲ", "اسپتال"),
}
SERVICES = {
    "emergency": ("Emergency 24x7", "आपातकालीन 24x7", "ਐਮਰਜੈਂਸੀ 24x7", "ایمرجنسی 24x7"),
    "general_opd": ("Doctor (OPD)", "डॉक्टर (ओपीडी)", "ਡਾਕਟਰ (OPD)", "ڈاکٹر (OPD)"),
    "specialist_opd": ("Specialists", "विशेषज्ञ", "ਮਾਹਰ ਡਾਕਟਰ", "ماہر ڈاکٹر"),
    "lab_tests": ("Lab tests", "जांच", "ਟੈਸਟ", "ٹیسٹ"),
    "x_ray": ("X-ray", "एक्स-रे", "ਐਕਸ-ਰੇ", "ایکسرے"),
    "medicines": ("Free medicines", "मुफ़्त दवाएं", "ਮੁਫ਼ਤ ਦਵਾਈਆਂ", "مفت دوائیں"),
    "vaccination": ("Vaccination", "टीकाकरण", "ਟੀਕਾਕਰਨ", "ٹیکہ کاری"),
    "maternal_child": ("Mother and child", "मां और बच्चा", "ਮਾਂ ਅਤੇ ਬੱਚਾ", "ماں اور بچہ"),
    "dental": ("Dental", "दांत", "ਦੰਦ", "دانت"),
    "eye": ("Eye", "आंख", "ਅੱਖਾਂ", "آنکھ"),
    "tb_dots": ("TB (DOTS)", "टीबी (डॉट्स)", "ਟੀਬੀ (DOTS)", "ٹی بی (DOTS)"),
}
_COLUMN = {"en": 0, "hi": 1, "pa": 2, "ur": 3}
DAYS = {
    "pa": {"mon": "ਸੋਮ", "tue": "ਮੰਗਲ", "wed": "ਬੁੱਧ", "thu": "ਵੀਰ", "fri": "ਸ਼ੁੱਕਰ", "sat": "ਸ਼ਨੀ", "sun": "ਐਤ"},
    "ur": {"mon": "پیر", "tue": "منگل", "wed": "بدھ", "thu": "جمعرات", "fri": "جمعہ", "sat": "ہفتہ", "sun": "اتوار"},
}
PAGE = {
    "en": {
        "title": "Find a clinic or hospital", "lede": "Nearest government health facilities, open ones first.",
        "place": "Pincode or ward", "placeholder": "e.g. 110092 or Laxmi Nagar", "search": "Find",
        "kind": "Looking for", "any": "Any", "clinic": "Clinic", "hospital": "Hospital",
        "open": "Open now", "closes": "closes {time}", "closed": "Closed", "opens": "opens {day} at {time}",
        "never": "hours not known", "round_clock": "Open 24 hours", "km": "{km} km", "call": "Call",
        "map": "Map", "near": "Near {place}", "unknown": "We do not know the place “{text}”. Try a 6-digit pincode "
        "or a ward name.", "none": "No facility found near {place}.", "ask": "Type your pincode or ward.",
        "emergency": "Emergency? Call", "ambulance": "ambulance", "today": "Today", "services": "Services",
        "switch": "हिंदी", "helpline": "Helpline", "wards": "Wards",
        "at": "As of {time}",
        "locate": "Use my location", "locating": "Finding where you are…",
        "located_no": "Your phone did not share its location. Type a pincode or ward instead.", "here": "Near you",
        "outside": "That location is outside Delhi. Type a pincode or ward.",
        "private": "Your location only sorts this list; it is not kept.",
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
        "locate": "मेरी जगह इस्तेमाल करें", "locating": "आपकी जगह ढूंढ रहे हैं…",
        "located_no": "फ़ोन ने अपनी जगह नहीं बताई। पिनकोड या वार्ड लिखें।", "here": "आपके पास",
        "outside": "यह जगह दिल्ली से बाहर है। पिनकोड या वार्ड लिखें।",
        "private": "आपकी जगह सिर्फ़ यह सूची क्रम में लगाती है; रखी नहीं जाती।",
    },
    "pa": {
        "title": "ਕਲੀਨਿਕ ਜਾਂ ਹਸਪਤਾਲ ਲੱਭੋ", "lede": "ਸਭ ਤੋਂ ਨੇੜੇ ਦੇ ਸਰਕਾਰੀ ਸਿਹਤ ਕੇਂਦਰ, ਪਹਿਲਾਂ ਖੁੱਲ੍ਹੇ ਹੋਏ।",
        "place": "ਪਿੰਨਕੋਡ ਜਾਂ ਵਾਰਡ", "placeholder": "ਜਿਵੇਂ 110092 ਜਾਂ Laxmi Nagar", "search": "ਲੱਭੋ",
        "kind": "ਕੀ ਚਾਹੀਦਾ ਹੈ", "any": "ਕੋਈ ਵੀ", "clinic": "ਕਲੀਨਿਕ", "hospital": "ਹਸਪਤਾਲ",
        "open": "ਹੁਣ ਖੁੱਲ੍ਹਾ", "closes": "{time} ਵਜੇ ਤੱਕ", "closed": "ਬੰਦ", "opens": "{day} {time} ਵਜੇ ਖੁੱਲ੍ਹੇਗਾ",
        "never": "ਸਮਾਂ ਪਤਾ ਨਹੀਂ", "round_clock": "24 ਘੰਟੇ ਖੁੱਲ੍ਹਾ", "km": "{km} ਕਿਲੋਮੀਟਰ", "call": "ਕਾਲ ਕਰੋ",
        "map": "ਨਕਸ਼ਾ", "near": "{place} ਦੇ ਨੇੜੇ", "unknown": "“{text}” ਥਾਂ ਨਹੀਂ ਮਿਲੀ। 6 ਅੰਕਾਂ ਦਾ ਪਿੰਨਕੋਡ ਜਾਂ ਵਾਰਡ "
        "ਦਾ ਨਾਮ ਲਿਖੋ।", "none": "{place} ਦੇ ਨੇੜੇ ਕੋਈ ਕੇਂਦਰ ਨਹੀਂ ਮਿਲਿਆ।", "ask": "ਆਪਣਾ ਪਿੰਨਕੋਡ ਜਾਂ ਵਾਰਡ ਲਿਖੋ।",
        "emergency": "ਐਮਰਜੈਂਸੀ? ਕਾਲ ਕਰੋ", "ambulance": "ਐਂਬੂਲੈਂਸ", "today": "ਅੱਜ", "services": "ਸੇਵਾਵਾਂ",
        "switch": "English", "helpline": "ਹੈਲਪਲਾਈਨ", "wards": "ਵਾਰਡ",
        "at": "{time} ਵਜੇ ਅਨੁਸਾਰ",
        "locate": "ਮੇਰੀ ਥਾਂ ਵਰਤੋ", "locating": "ਤੁਹਾਡੀ ਥਾਂ ਲੱਭ ਰਹੇ ਹਾਂ…",
        "located_no": "ਫ਼ੋਨ ਨੇ ਆਪਣੀ ਥਾਂ ਨਹੀਂ ਦੱਸੀ। ਪਿੰਨਕੋਡ ਜਾਂ ਵਾਰਡ ਲਿਖੋ।", "here": "ਤੁਹਾਡੇ ਨੇੜੇ",
        "outside": "ਇਹ ਥਾਂ ਦਿੱਲੀ ਤੋਂ ਬਾਹਰ ਹੈ। ਪਿੰਨਕੋਡ ਜਾਂ ਵਾਰਡ ਲਿਖੋ।",
        "private": "ਤੁਹਾਡੀ ਥਾਂ ਸਿਰਫ਼ ਇਹ ਸੂਚੀ ਤਰਤੀਬ ਵਿੱਚ ਲਾਉਂਦੀ ਹੈ; ਰੱਖੀ ਨਹੀਂ ਜਾਂਦੀ।",
    },
    "ur": {
        "title": "کلینک یا اسپتال تلاش کریں", "lede": "سب سے قریب کے سرکاری صحت مراکز، پہلے کھلے ہوئے۔",
        "place": "پن کوڈ یا وارڈ", "placeholder": "جیسے 110092 یا Laxmi Nagar", "search": "تلاش کریں",
        "kind": "کیا چاہیے", "any": "کوئی بھی", "clinic": "کلینک", "hospital": "اسپتال",
        "open": "ابھی کھلا", "closes": "{time} بجے تک", "closed": "بند", "opens": "{day} {time} بجے کھلے گا",
        "never": "وقت معلوم نہیں", "round_clock": "24 گھنٹے کھلا", "km": "{km} کلومیٹر", "call": "کال کریں",
        "map": "نقشہ", "near": "{place} کے قریب", "unknown": "“{text}” جگہ نہیں ملی۔ 6 ہندسوں کا پن کوڈ یا وارڈ "
        "کا نام لکھیں۔", "none": "{place} کے قریب کوئی مرکز نہیں ملا۔", "ask": "اپنا پن کوڈ یا وارڈ لکھیں۔",
        "emergency": "ایمرجنسی؟ کال کریں", "ambulance": "ایمبولینس", "today": "آج", "services": "خدمات",
        "switch": "English", "helpline": "ہیلپ لائن", "wards": "وارڈ",
        "at": "{time} بجے کے مطابق",
        "locate": "میری جگہ استعمال کریں", "locating": "آپ کی جگہ تلاش کر رہے ہیں…",
        "located_no": "فون نے اپنی جگہ نہیں بتائی۔ پن کوڈ یا وارڈ لکھیں۔", "here": "آپ کے قریب",
        "outside": "یہ جگہ دہلی سے باہر ہے۔ پن کوڈ یا وارڈ لکھیں۔",
        "private": "آپ کی جگہ صرف اس فہرست کو ترتیب دیتی ہے؛ رکھی نہیں جاتی۔",
    },
}
# The words inside an SMS or WhatsApp answer's variables (the answers' own words are registered SMS templates,
# crm/platform/sms_templates.json `facilities_*`), in the script the citizen wrote in. Each at most 30 characters.
ANSWER = {
    "open": {"en": "open till {time}", "hinglish": "{time} tak khula", "hi": "{time} तक खुला", "pa": "{time} ਵਜੇ ਤੱਕ ਖੁੱਲ੍ਹਾ",
             "ur": "{time} بجے تک کھلا"},
    "round_clock": {"en": "open 24h", "hinglish": "24 ghante khula", "hi": "24 घंटे खुला", "pa": "24 ਘੰਟੇ ਖੁੱਲ੍ਹਾ",
                    "ur": "24 گھنٹے کھلا"},
    "closed": {"en": "opens {day} at {time}", "hinglish": "{day} {time} khulega", "hi": "{day} {time} खुलेगा",
               "pa": "{day} {time} ਖੁੱਲ੍ਹੇਗਾ", "ur": "{day} {time} بجے کھلے گا"},
    "never": {"en": "hours not known", "hinglish": "samay pata nahi", "hi": "समय पता नहीं", "pa": "ਸਮਾਂ ਪਤਾ ਨਹੀਂ",
              "ur": "وقت معلوم نہیں"},
    "no_phone": {"en": "no phone", "hinglish": "phone nahi", "hi": "फ़ोन नहीं", "pa": "ਫ਼ੋਨ ਨਹੀਂ", "ur": "فون نہیں"},
    "more": {"en": "More: {url}", "hinglish": "Aur: {url}", "hi": "और: {url}", "pa": "ਹੋਰ: {url}", "ur": "مزید: {url}"},
}
DAY_EN = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}
# The day of an opening, said from the day it is asked on: a weekday name alone would say "opens Mon" on a Monday.
OPENING_DAY = {
    "today": {"en": "today", "hinglish": "aaj", "hi": "आज", "pa": "ਅੱਜ", "ur": "آج"},
    "tomorrow": {"en": "tomorrow", "hinglish": "kal", "hi": "कल", "pa": "ਕੱਲ੍ਹ", "ur": "کل"},
    "next": {"en": "next {day}", "hinglish": "agle {day}", "hi": "अगले {day}", "pa": "ਅਗਲੇ {day}", "ur": "اگلے {day}"},
}


def day_name(day: str, lang: str) -> str:
    """A weekday ("mon") as the facility's board says it in `lang` (English for romanised Hindi)."""
    if lang == "hi":
        return DAY_HI[day]
    return DAYS.get(lang, {}).get(day) or DAY_EN[day]


def opening_day(opening: Opening, lang: str) -> str:
    """The day a closed facility opens, in `lang`: today, tomorrow, a weekday of this week, or next week's."""
    words = {0: "today", 1: "tomorrow", 7: "next"}
    if opening.ahead not in words:
        return day_name(opening.day, lang)
    said = OPENING_DAY[words[opening.ahead]]
    return said.get(lang, said["en"]).format(day=day_name(opening.day, lang))


def kind_label(kind: str, lang: str) -> str:
    """The kind of facility in `lang` (English for a language it has no word in)."""
    return KINDS.get(kind, (kind,) * 4)[_COLUMN.get(lang, 0)]


def service_label(code: str, lang: str) -> str:
    """A service in `lang`."""
    return SERVICES.get(code, (code.replace("_", " "),) * 4)[_COLUMN.get(lang, 0)]


def phone_display(phone: str | None) -> str | None:
    """A Delhi landline as people write it ("011-2206 4039"); other numbers as stored."""
    if phone and phone.startswith("+9111") and len(phone) == 13:
        return f"011-{phone[5:9]} {phone[9:]}"
    return phone

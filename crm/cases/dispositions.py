"""How a tier-1 case ended (disposition codes) and the canned SMS replies operators pick from.

Both are data an operator reads all shift, in English and Hindi. The codes are what team leads count
(first-contact resolution, silent calls, pranks), so they are few and stable: retire a code, never
reuse one. The canned replies' words are registered SMS texts (crm/platform/sms_templates.json, four languages);
their medical wording is for the medical lead to review, like rules.toml.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from crm.platform import sms_templates


@dataclass(frozen=True)
class Disposition:
    """One way a case can be resolved at tier 1."""

    code: str
    en: str
    hi: str
    needs_advice: bool = True  # the operator must write what the caller was told


@dataclass(frozen=True)
class CannedReply:
    """A ready SMS: its words are the registered text `canned_<id>` (crm/platform/sms_templates.json) in each of
    Delhi's four languages, filled in with the case's reference and the helpline's number, so it may go by SMS
    under India's DLT rules as well as anywhere else."""

    id: str
    title_en: str
    title_hi: str

    @property
    def template(self) -> str:
        """The registered text's name."""
        return f"canned_{self.id}"


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
    CannedReply("fever_care", "Fever care", "बुखार में देखभाल"),
    CannedReply("ors", "ORS for loose motions", "दस्त में ORS"),
    CannedReply("dengue_warning", "Dengue warning signs", "डेंगू के खतरे के संकेत"),
    CannedReply("clinic_timings", "Clinic timings", "क्लिनिक का समय"),
    CannedReply("call_108", "Call 108 now", "अभी 108 पर कॉल करें"),
    CannedReply("heat_care", "Heat: stay safe", "गर्मी से बचाव"),
    CannedReply("we_will_call", "We will call you back", "हम आपको कॉल करेंगे"),
    CannedReply("card_duplicate", "Lost health card", "स्वास्थ्य कार्ड खो गया"),
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
    """The canned replies in Hindi, English, Punjabi and Urdu, filled in for a case (without one, the reference reads
    SMP-…: a preview, not a text to send)."""
    return [{"id": r.id, "title_en": r.title_en, "title_hi": r.title_hi, "template": r.template,
             **{lang: sms_templates.render(r.template, lang, ref=ref or "SMP-…", helpline=helpline or "-")
                for lang in sms_templates.LANGUAGES}} for r in CANNED_REPLIES]


def as_json() -> list[dict]:
    """The disposition codes for the API."""
    return [asdict(d) for d in DISPOSITIONS]

"""What a citizen reads about a grievance, in Hindi, English, Punjabi or Urdu (gettext catalogs) or romanised Hindi (an
SMS sent in Latin letters gets its answers in Latin letters: basic phones and their users read them best)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from crm.models import Grievance
from crm.platform.sms_templates import LANGUAGES as TEXT_LANGUAGES  # Delhi's four

WRITTEN = (*TEXT_LANGUAGES, "hl")  # what a grievance's texts may be written in: the four, and Hindi in Latin letters

ROMAN = {
    "open": "Sampark: aapki shikayat {ref} darj ho gayi hai. Jawab {days} din mein. Sthiti SMS se milegi.",
    "in_progress": "Sampark: shikayat {ref} par kaam shuru ho gaya hai.",
    "resolved": "Sampark: shikayat {ref} ka samadhan: {resolution}",
    "closed": "Sampark: shikayat {ref} band kar di gayi hai. Dhanyavaad.",
    "usage": "Sampark: shikayat ke liye likhein: SHIKAYAT aur apni baat. Jaise: SHIKAYAT clinic band tha",
}


def category_label(category: str) -> str:
    """A category in the current language."""
    return {"facility": _("A clinic or hospital"), "staff": _("Staff behaviour"),
            "card_delivery": _("Health card delivery"), "helpline": _("The helpline")}.get(category, category)


def status_label(status: str) -> str:
    """A status in the current language."""
    return {"open": _("Registered"), "in_progress": _("Being looked into"), "resolved": _("Resolved"),
            "closed": _("Closed")}.get(status, status)


def status_sms(grievance: Grievance) -> str:
    """The SMS for the grievance's present status, in the citizen's language."""
    days = max(1, round((grievance.due_at - grievance.created_at).total_seconds() / 86400))
    values = {"ref": grievance.reference, "days": days, "resolution": grievance.resolution or ""}
    if grievance.language == "hl":
        return ROMAN[grievance.status].format(**values)
    with force_locale(_catalog(grievance.language)):
        return {
            "open": _("Sampark: your complaint %(ref)s is registered. Answer within %(days)s days; we will text "
                      "you each step.", **values),
            "in_progress": _("Sampark: complaint %(ref)s is being looked into.", **values),
            "resolved": _("Sampark: complaint %(ref)s resolved: %(resolution)s", **values),
            "closed": _("Sampark: complaint %(ref)s is closed. Thank you.", **values),
        }[grievance.status]


def usage_sms(language: str) -> str:
    """How to file by SMS, for a keyword sent with nothing after it."""
    if language == "hl":
        return ROMAN["usage"]
    with force_locale(_catalog(language)):
        return _("Sampark: to complain, write COMPLAINT and what happened. Example: COMPLAINT clinic was closed")


def _catalog(language: str | None) -> str:
    return language if language in TEXT_LANGUAGES else "hi"

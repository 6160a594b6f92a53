"""What a citizen reads about a grievance: labels in the portal's language (gettext catalogs), and the SMS as the
registered texts (crm/platform/sms_templates.json) in Hindi, English, Punjabi, Urdu or romanised Hindi (an SMS
sent in Latin letters gets its answers in Latin letters: basic phones and their users read them best)."""

from __future__ import annotations

from flask_babel import gettext as _

from crm.models import Grievance
from crm.platform import sms_templates

WRITTEN = (*sms_templates.LANGUAGES, "hl")  # what a grievance's texts may be written in: the four, and Hindi in Latin letters


def category_label(category: str) -> str:
    """A category in the current language."""
    return {"facility": _("A clinic or hospital"), "staff": _("Staff behaviour"),
            "card_delivery": _("Health card delivery"), "helpline": _("The helpline")}.get(category, category)


def status_label(status: str) -> str:
    """A status in the current language."""
    return {"open": _("Registered"), "in_progress": _("Being looked into"), "resolved": _("Resolved"),
            "closed": _("Closed")}.get(status, status)


def status_sms(grievance: Grievance) -> str:
    """The SMS for the grievance's present status, in the citizen's language: a registered text (DLT), so the
    officer's answer itself is read in the portal or on a call, never texted."""
    days = max(1, round((grievance.due_at - grievance.created_at).total_seconds() / 86400))
    return sms_templates.render(f"grievance_{grievance.status}", sms_templates.script_for(grievance.language),
                                ref=grievance.reference, days=days, helpline=sms_templates.helpline())


def usage_sms(language: str) -> str:
    """How to file by SMS, for a keyword sent with nothing after it."""
    return sms_templates.render("grievance_usage", sms_templates.script_for(language))

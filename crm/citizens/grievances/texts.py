"""What a citizen reads about a grievance: labels in the portal's language (gettext catalogs), and the SMS as the
registered texts (crm/platform/sms_templates.json) in Hindi, English, Punjabi, Urdu or romanised Hindi (an SMS
sent in Latin letters gets its answers in Latin letters: basic phones and their users read them best)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from crm.citizens.facilities.words import kind_label
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


def status_sms(grievance: Grievance, news: str | None = None) -> str:
    """The SMS for the grievance's present status, or for `news` ('reply', 'reopened'), in the citizen's language: a
    registered text (DLT), so the officer's words themselves are read in the portal or on a call, never texted."""
    days = max(1, round((grievance.due_at - (grievance.updated_at if news == "reopened" else grievance.created_at))
                        .total_seconds() / 86400))
    return sms_templates.render(f"grievance_{news or grievance.status}", sms_templates.script_for(grievance.language),
                                ref=grievance.reference, days=days, helpline=sms_templates.helpline())


def facility_name(facility) -> str:
    """A facility's name in the citizen's language (Hindi where the registry has it, else as registered)."""
    return facility.name_hi if str(get_locale() or "hi") == "hi" and facility.name_hi else facility.name


def facility_where(facility) -> str:
    """What tells two facilities of one name apart: its kind, address, area and pincode."""
    where = ", ".join(p for p in (facility.address, facility.ward, facility.pincode) if p)
    return " · ".join(p for p in (kind_label(facility.kind, str(get_locale() or "hi")), where) if p)


def facility_label(facility) -> str:
    """A facility as a citizen recognises it: its name in their language, its kind and where it is."""
    return f"{facility_name(facility)} · {facility_where(facility)}"


def usage_sms(language: str) -> str:
    """How to file by SMS, for a keyword sent with nothing after it."""
    return sms_templates.render("grievance_usage", sms_templates.script_for(language))

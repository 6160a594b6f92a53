"""The tier-1 operator desk pages: the queue page, the screen-pop fragment, the printable report.

Every action on these pages is an /api/v1 call (crm.helpline.api.operator); these views only render.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from crm.cases import dispositions
from crm.citizens.facilities import areas
from crm.helpline import case_report as reports
from crm.helpline import presence, screenpop
from crm.models import Case, Facility
from crm.models.base import local
from crm.platform import phones
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.staff.auth.capabilities import allow
from triage import checklist, specialties

bp = Blueprint("operator_desk", __name__, url_prefix="/workspace")
URGENCIES = (("emergency", "Emergency (P1) · आपातकाल"), ("urgent", "Urgent, today (P2) · आज"),
             ("soon", "Soon, within days (P3)"), ("routine", "Routine (P4)"))
PRESENCE_LABELS = (("available", "Available", "A"), ("on_call", "On call", ""), ("wrap_up", "Wrap-up", ""),
                   ("break", "Break", "B"), ("offline", "Offline", "O"))


@bp.get("")
@allow("work_tier1")
def index():
    """The operator desk: live queue, current case, assessment and outcome."""
    flags_hi = {item["id"]: item for item in checklist("hi")}
    facilities = db.session.scalars(select(Facility).order_by(Facility.kind, Facility.name)).all()
    desk = {"wrap_up_seconds": presence.wrap_up_seconds(),
            "sla_seconds": current_app.config.get("QUEUE_SLA_SECONDS", 60)}
    return render_template(
        "operator_desk/index.html", checklist=checklist("en"), flags_hi=flags_hi,
        dispositions=dispositions.DISPOSITIONS, specialties=specialties.REGISTRY, urgencies=URGENCIES,
        facilities=facilities, presences=PRESENCE_LABELS, desk=desk, wards=areas.wards())


@bp.get("/cases/<int:case_id>/patient")
@allow("read_cases")
def patient_fragment(case_id: int):
    """The screen-pop as an HTML fragment (patient panel, prior cases, appointments); audited."""
    case = db.session.get(Case, case_id)
    if case is None:
        return render_template("_lookup_error.html", code="not_found", message="No such case."), 404
    try:
        pop = screenpop.screen_pop(case)
    except Refused as exc:
        return render_template("_lookup_error.html", code=exc.code, message=exc.message), exc.status
    return render_template("operator_desk/_screen_pop.html", case=case, pop=pop, label=dispositions.label,
                           when=delhi_time, masked=phones.masked)


@bp.get("/cases/<int:case_id>/report")
@allow("read_cases")
def report_page(case_id: int):
    """The printable case report (audited)."""
    case = load(Case, case_id, "case")
    return render_template("operator_desk/report.html", report=reports.build(case), label=dispositions.label,
                           sms_preview=reports.citizen_text(case), when=delhi_time)


def delhi_time(moment: datetime | str | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored (UTC) time, or its ISO text, as Delhi wall-clock time."""
    if not moment:
        return ""
    return local(datetime.fromisoformat(moment) if isinstance(moment, str) else moment).strftime(fmt)

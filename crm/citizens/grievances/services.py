"""Filing, routing, working and following grievances (views and the SMS edge call these; they only flush)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from crm.citizens.grievances import texts
from crm.models import Case, Facility, Grievance, Patient, StaffUser
from crm.models.base import utcnow
from crm.models.citizen import GRIEVANCE_CATEGORIES
from crm.platform import audit, outbox
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.staff.auth.capabilities import can

# Days to resolve, per category; GRIEVANCE_DAYS_<CATEGORY> in the environment changes one.
DEFAULT_DAYS = {"facility": 7, "staff": 7, "card_delivery": 15, "helpline": 3}
# Without a facility named (or without an officer for it), each category has a section that answers it.
SECTIONS = {"facility": "facilities", "staff": "facilities", "card_delivery": "card_office", "helpline": "helpline"}
NEXT = {"open": ("in_progress", "resolved"), "in_progress": ("resolved",), "resolved": ("closed",), "closed": ()}
MAX_BODY = 1000
LIST_SIZE = 200


def days_for(category: str) -> int:
    """The resolution deadline of a category, in days."""
    return int(current_app.config.get(f"GRIEVANCE_DAYS_{category.upper()}", DEFAULT_DAYS[category]))


def route(category: str, facility: Facility | None) -> str:
    """Who answers: the facility's own officer for a complaint about it or its staff, else the section."""
    if facility is not None and category in ("facility", "staff"):
        officer = db.session.scalar(select(StaffUser.id).where(StaffUser.role == "officer", StaffUser.active.is_(True),
                                                               StaffUser.section == facility.code).limit(1))
        if officer is not None:
            return facility.code
    return SECTIONS[category]


def file(category: str, body: str, channel: str, phone: str | None, language: str = "hi", *,
         patient: Patient | None = None, facility: Facility | None = None, case: Case | None = None,
         staff: StaffUser | None = None, now: datetime | None = None) -> Grievance:
    """File a grievance, route it, set its deadline and text the citizen its reference."""
    if category not in GRIEVANCE_CATEGORIES:
        raise Refused("bad_category", _("Choose what the complaint is about."), 422)
    body = str(body or "").strip()[:MAX_BODY]
    if len(body) < 3:
        raise Refused("body_required", _("Please write what happened."), 422)
    now = now or utcnow()
    grievance = Grievance(category=category, body=body, channel=channel, phone=phone, language=language,
                          patient_id=patient.id if patient else None, facility=facility,
                          case_id=case.id if case else None, routed_to=route(category, facility), status="open",
                          due_at=now + timedelta(days=days_for(category)), created_at=now, updated_at=now,
                          filed_by_id=staff.id if staff else None)
    db.session.add(grievance)
    db.session.flush()
    audit.record("grievance_filed", patient_id=grievance.patient_id, case_id=grievance.case_id, via=channel,
                 staff_id=staff.id if staff else None, grievance=grievance.id, routed_to=grievance.routed_to)
    _tell(grievance)
    return grievance


def may_work(grievance: Grievance, staff: StaffUser) -> bool:
    """The officer of its section or facility, or a supervisor."""
    return can(staff, "act_for_others") or (staff.role == "officer" and staff.section == grievance.routed_to)


def move(grievance: Grievance, staff: StaffUser, status: str, resolution: str = "") -> Grievance:
    """Move a grievance forward (open -> in progress -> resolved -> closed); the citizen is texted."""
    if not may_work(grievance, staff):
        raise Refused("not_yours", f"{grievance.reference} is for {grievance.routed_to}, not your desk.", 403)
    if status not in NEXT.get(grievance.status, ()):
        raise Refused("grievance_state", f"{grievance.reference} is {grievance.status}; it cannot become {status}.",
                      409)
    resolution = str(resolution or "").strip()[:MAX_BODY]
    if status == "resolved":
        if len(resolution) < 3:
            raise Refused("resolution_required", "Say what was done: the citizen is told.", 422)
        grievance.resolution, grievance.resolved_at = resolution, utcnow()
    grievance.status, grievance.officer_id, grievance.updated_at = status, staff.id, utcnow()
    audit.record("grievance_" + status, patient_id=grievance.patient_id, staff_id=staff.id, grievance=grievance.id)
    _tell(grievance)
    return grievance


def worklist(staff: StaffUser, include_done: bool = False) -> list[Grievance]:
    """An officer's desk (their section or facility); a supervisor sees every desk. Oldest deadline first."""
    query = select(Grievance)
    if not can(staff, "act_for_others"):
        query = query.where(Grievance.routed_to == (staff.section or "-"))
    if not include_done:
        query = query.where(Grievance.status.in_(("open", "in_progress")))
    return list(db.session.scalars(query.order_by(Grievance.due_at, Grievance.id).limit(LIST_SIZE)))


def overdue(now: datetime | None = None, limit: int = 50) -> list[Grievance]:
    """Grievances past their deadline and not yet resolved, most overdue first (the supervisors' panel)."""
    now = now or utcnow()
    return list(db.session.scalars(select(Grievance).where(Grievance.status.in_(("open", "in_progress")),
                                                           Grievance.due_at < now)
                                   .order_by(Grievance.due_at, Grievance.id).limit(limit)))


def is_overdue(grievance: Grievance, now: datetime | None = None) -> bool:
    """Past its deadline and not resolved."""
    due = grievance.due_at if grievance.due_at.tzinfo else grievance.due_at.replace(tzinfo=utcnow().tzinfo)
    return grievance.status in ("open", "in_progress") and due < (now or utcnow())


def of_citizen(phone: str, patient_ids: list[int], limit: int = 50) -> list[Grievance]:
    """The grievances a signed-in mobile filed or that concern its residents, newest first."""
    query = select(Grievance).where((Grievance.phone == phone) | Grievance.patient_id.in_(patient_ids or [-1]))
    return list(db.session.scalars(query.order_by(Grievance.id.desc()).limit(limit)))


def _tell(grievance: Grievance) -> None:
    if grievance.phone:  # filed on a case: the texts are on that case's timeline too
        case = db.session.get(Case, grievance.case_id) if grievance.case_id else None
        outbox.queue_sms(grievance.phone, texts.status_sms(grievance), case=case, kind="grievance")


def from_sms(phone: str, filed) -> Grievance | None:
    """A grievance texted in (crm.citizens.grievances.keyword.Filed); with no words after the keyword, how-to is texted."""
    if len(filed.text) < 3:
        outbox.queue_sms(phone, texts.usage_sms(filed.language), kind="grievance")
        return None
    patient = db.session.scalar(select(Patient).where(Patient.mobile == phone, Patient.merged_into_id.is_(None))
                                .order_by(Patient.id).limit(1))
    return file(filed.category, filed.text, "sms", phone, filed.language, patient=patient)

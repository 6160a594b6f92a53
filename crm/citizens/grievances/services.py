"""Filing, routing, working and following grievances (views and the SMS edge call these; they only flush)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case as when
from sqlalchemy import func, select

from crm.citizens.grievances import desks, texts
from crm.models import Case, Facility, Grievance, GrievanceEvent, Patient, StaffUser
from crm.models.base import DELHI, utcnow
from crm.models.citizen import GRIEVANCE_CATEGORIES
from crm.platform import audit, outbox
from crm.platform.errors import Refused
from crm.platform.extensions import db

# Days to resolve, per category; GRIEVANCE_DAYS_<CATEGORY> in the environment changes one.
DEFAULT_DAYS = {"facility": 7, "staff": 7, "card_delivery": 15, "helpline": 3}
# Without a facility named (or without an officer for it), each category has a section that answers it.
SECTIONS = {"facility": "facilities", "staff": "facilities", "card_delivery": "card_office", "helpline": "helpline"}
NEXT = {"open": ("in_progress", "resolved"), "in_progress": ("resolved",), "resolved": ("closed",), "closed": ()}
MAX_BODY = 1000
MAX_ANSWER = 4000  # a resolution or reply: a real answer, several paragraphs
PAGE_SIZE = 50
MAX_PAGE = 200
OPEN = ("open", "in_progress")


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
    record(grievance, "filed", staff=staff, at=now, to_desk=grievance.routed_to, channel=channel)
    audit.record("grievance_filed", patient_id=grievance.patient_id, case_id=grievance.case_id, via=channel,
                 staff_id=staff.id if staff else None, grievance=grievance.id, routed_to=grievance.routed_to)
    tell(grievance)
    return grievance


def record(grievance: Grievance, kind: str, body: str | None = None, staff: StaffUser | None = None,
           at: datetime | None = None, **detail) -> GrievanceEvent:
    """Add a step to the grievance's history (flushed)."""
    event = GrievanceEvent(grievance_id=grievance.id, kind=kind, body=body, staff_id=staff.id if staff else None,
                           created_at=at or utcnow(), **detail)
    db.session.add(event)
    db.session.flush()
    return event


def ensure_may_act(grievance: Grievance, staff: StaffUser) -> None:
    """Refuse (403) an officer of another desk: only its desk, a desk above it or a supervisor act on it."""
    if not desks.may_act(grievance, staff):
        raise Refused("not_yours", f"{grievance.reference} is for {desks.label(grievance.routed_to)}, not your desk.",
                      403)


def answer_text(text: str | None, what: str) -> str:
    """An officer's answer, trimmed and bounded; refused when it says nothing."""
    text = str(text or "").strip()
    if len(text) < 3:
        raise Refused(f"{what}_required", f"Write the {what}: the citizen reads it.", 422)
    if len(text) > MAX_ANSWER:
        raise Refused(f"{what}_too_long", f"The {what} is {len(text)} characters; at most {MAX_ANSWER}.", 422)
    return text


def move(grievance: Grievance, staff: StaffUser, status: str, resolution: str = "") -> Grievance:
    """Move a grievance forward (open -> in progress -> resolved -> closed); the citizen is texted."""
    ensure_may_act(grievance, staff)
    if status not in NEXT.get(grievance.status, ()):
        raise Refused("grievance_state", f"{grievance.reference} is {grievance.status}; it cannot become {status}.",
                      409)
    if status == "resolved":
        grievance.resolution, grievance.resolved_at = answer_text(resolution, "resolution"), utcnow()
    grievance.status, grievance.officer_id, grievance.updated_at = status, staff.id, utcnow()
    record(grievance, "status", grievance.resolution if status == "resolved" else None, staff, status=status)
    audit.record("grievance_" + status, patient_id=grievance.patient_id, staff_id=staff.id, grievance=grievance.id)
    tell(grievance)
    return grievance


def worklist(staff: StaffUser, include_done: bool = False, page: int = 1) -> tuple[list[Grievance], bool]:
    """One page of the officer's desk (their desk and the desks below it; a supervisor sees every desk), the
    nearest deadline first, and whether there is another page."""
    query = select(Grievance)
    if (seen := desks.sees(staff)) is not None:
        query = query.where(seen)
    if not include_done:
        query = query.where(Grievance.status.in_(OPEN))
    page = max(1, min(page, MAX_PAGE))
    rows = list(db.session.scalars(query.order_by(Grievance.status.notin_(OPEN), Grievance.due_at, Grievance.id)
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def desk_counts(staff: StaffUser, now: datetime | None = None) -> dict[str, int]:
    """What waits on the officer's desk at a glance: overdue, due today (Delhi's day) and open in all."""
    now = now or utcnow()
    end_of_today = datetime.combine(now.astimezone(DELHI).date() + timedelta(days=1), datetime.min.time(),
                                    tzinfo=DELHI)
    query = select(func.count(), func.count(when((Grievance.due_at < now, 1))),
                   func.count(when(((Grievance.due_at >= now) & (Grievance.due_at < end_of_today), 1)))
                   ).where(Grievance.status.in_(OPEN))
    if (seen := desks.sees(staff)) is not None:
        query = query.where(seen)
    total, late, today = db.session.execute(query).one()
    return {"open": total, "overdue": late, "due_today": today}


def deadline(grievance: Grievance, now: datetime | None = None) -> tuple[str, int]:
    """How its deadline stands, in Delhi's days: ('overdue', days late), ('today', 0), ('due', days left) or
    ('done', 0) once resolved."""
    if grievance.status not in OPEN:
        return "done", 0
    now = now or utcnow()
    if grievance.due_at < now:
        return "overdue", max(1, (now.astimezone(DELHI).date() - grievance.due_at.astimezone(DELHI).date()).days)
    days = (grievance.due_at.astimezone(DELHI).date() - now.astimezone(DELHI).date()).days
    return ("today", 0) if days <= 0 else ("due", days)


def overdue(now: datetime | None = None, limit: int = 50) -> list[Grievance]:
    """Grievances past their deadline and not yet resolved, most overdue first (the supervisors' panel)."""
    now = now or utcnow()
    return list(db.session.scalars(select(Grievance).where(Grievance.status.in_(("open", "in_progress")),
                                                           Grievance.due_at < now)
                                   .order_by(Grievance.due_at, Grievance.id).limit(limit)))


def is_overdue(grievance: Grievance, now: datetime | None = None) -> bool:
    """Past its deadline and not resolved."""
    return deadline(grievance, now)[0] == "overdue"


def of_citizen(phone: str, patient_ids: list[int], limit: int = 50) -> list[Grievance]:
    """The grievances a signed-in mobile filed or that concern its residents, newest first."""
    query = select(Grievance).where(_citizens(phone, patient_ids))
    return list(db.session.scalars(query.order_by(Grievance.id.desc()).limit(limit)))


def of_citizen_one(phone: str, patient_ids: list[int], grievance_id: int) -> Grievance | None:
    """One of those grievances by id, or None (another's is not found, as a missing one is)."""
    return db.session.scalar(select(Grievance).where(Grievance.id == grievance_id, _citizens(phone, patient_ids)))


def replies_to(rows: list[Grievance]) -> dict[int, list[GrievanceEvent]]:
    """The officers' replies on these grievances, by grievance, oldest first: what the citizen reads (never notes)."""
    found: dict[int, list[GrievanceEvent]] = {}
    for event in db.session.scalars(select(GrievanceEvent).where(
            GrievanceEvent.grievance_id.in_([g.id for g in rows] or [-1]), GrievanceEvent.kind == "reply")
            .order_by(GrievanceEvent.id).limit(500)):
        found.setdefault(event.grievance_id, []).append(event)
    return found


def _citizens(phone: str, patient_ids: list[int]):
    return (Grievance.phone == phone) | Grievance.patient_id.in_(patient_ids or [-1])


def tell(grievance: Grievance, news: str | None = None) -> None:
    """Text the citizen the registered SMS of the grievance's status, or of `news` (a reply, a reopening)."""
    if grievance.phone:  # filed on a case: the texts are on that case's timeline too
        case = db.session.get(Case, grievance.case_id) if grievance.case_id else None
        outbox.queue_sms(grievance.phone, texts.status_sms(grievance, news), case=case, kind="grievance")


def from_sms(phone: str, filed, channel: str = "sms") -> Grievance | None:
    """A grievance texted in by SMS or WhatsApp (crm.citizens.grievances.keyword.Filed); with no words after the
    keyword, how-to is texted."""
    if len(filed.text) < 3:
        outbox.queue_sms(phone, texts.usage_sms(filed.language), kind="grievance")
        return None
    patient = db.session.scalar(select(Patient).where(Patient.mobile == phone, Patient.merged_into_id.is_(None))
                                .order_by(Patient.id).limit(1))
    return file(filed.category, filed.text, "whatsapp" if channel == "whatsapp" else "sms", phone, filed.language,
                patient=patient)

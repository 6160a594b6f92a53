"""What Sampark holds about the signed-in resident (the DPDP Act's right to access): their registry record, cards and
household link, their contacts with the helpline, the messages to and from their mobile, appointments, complaints,
their data requests, and who at Sampark opened their record.

"Their" means the residents registered with the signed-in mobile (a parent's children included, as everywhere in the
portal), never another adult of the household. Each list is read a page at a time, newest first; the download holds
up to MAX_EXPORT rows of each. Staff who opened a record are named by their role, not by name: the resident learns
what kind of person looked and when, and no staff member's name leaves the helpline through the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select

from crm.cases import dispositions
from crm.cases.status import OPEN
from crm.citizens.grievances import texts as grievance_texts
from crm.citizens.portal.household import Person, people
from crm.models import Appointment, AuditLog, Case, Grievance, Message, Patient, StaffUser
from crm.models.base import iso, utcnow
from crm.platform import audit
from crm.platform.extensions import db
from crm.residents.card_office import data_requests

PAGE = 20
MAX_EXPORT = 2000
PARTS = ("cases", "messages", "appointments", "grievances", "views", "requests")
# The record's items in the order the page shows them (an empty one is left out).
FACTS = ("registry_id", "name", "name_hi", "dob", "birth_year", "sex", "mobile", "address", "ward", "preferred_language",
         "epic", "abha_number", "abha_address", "blood_group", "allergies", "chronic_conditions", "current_medications",
         "emergency_contact", "enrolled_where", "registered_at")


@dataclass
class Page:
    """One page of one list: its rows (plain values), the page number and whether another follows."""

    rows: list[dict]
    page: int
    more: bool


def own(mobile: str) -> list[Person]:
    """The residents registered with this mobile: whose data the mobile may read here."""
    return [p for p in people(mobile) if p.own]


def record(patient: Patient) -> dict:
    """The registry's record of one resident, with their household link and every card they were issued."""
    home = patient.household
    return {
        "registry_id": patient.registry_id, "name": patient.name, "name_hi": patient.name_hi,
        "dob": patient.dob, "birth_year": patient.birth_year, "sex": patient.sex, "mobile": patient.mobile,
        "address": patient.address, "ward": patient.ward, "preferred_language": patient.preferred_language,
        "epic": patient.epic, "abha_number": patient.abha_number, "abha_address": patient.abha_address,
        "blood_group": patient.blood_group, "allergies": list(patient.allergies or []),
        "chronic_conditions": list(patient.chronic_conditions or []),
        "current_medications": list(patient.current_medications or []),
        "emergency_contact": " ".join(filter(None, (patient.emergency_contact_name, patient.emergency_contact_phone))),
        "enrolled_where": patient.enrolled_where, "registered_at": patient.created_at,
        "household": {"code": home.code, "address": home.address, "ward": home.ward, "relation": patient.relation}
        if home else None,
        "cards": [{"number": c.number, "version": c.version, "reason": c.reason, "status": c.status,
                   "issued_at": c.issued_at, "verified_at": c.verified_at, "delivered_at": c.delivered_at}
                  for c in patient.cards],
    }


def _page(statement, page: int, size: int, whole_rows: bool = False) -> tuple[list, bool]:
    bounded = statement.offset((page - 1) * size).limit(size + 1)
    rows = list(db.session.execute(bounded) if whole_rows else db.session.scalars(bounded))
    return rows[:size], len(rows) > size


def cases(mobile: str, ids: list[int], page: int = 1, size: int = PAGE, lang: str = "hi") -> Page:
    """Calls and texts from this mobile or about its residents: when, how, open or closed, outcome and advice."""
    found, more = _page(select(Case).where(or_(Case.caller_phone == mobile, Case.patient_id.in_(ids or [-1])))
                        .order_by(Case.id.desc()), page, size)
    return Page([{"reference": c.reference, "opened_at": c.created_at, "closed_at": c.closed_at, "channel": c.channel,
                  "open": c.status in OPEN, "outcome": dispositions.label(c.disposition, "hi" if lang == "hi" else "en")
                  if c.disposition else "", "advice": c.advice or ""} for c in found], page, more)


def messages(mobile: str, page: int = 1, size: int = PAGE) -> Page:
    """The SMS and WhatsApp messages this mobile sent to the helpline and received from it."""
    found, more = _page(select(Message).where(or_(Message.to_number == mobile, Message.from_number == mobile))
                        .order_by(Message.id.desc()), page, size)
    return Page([{"at": m.created_at, "direction": "received" if m.direction == "outbound" else "sent",
                  "channel": m.channel, "text": m.body, "status": m.status} for m in found], page, more)


def appointments(mobile: str, ids: list[int], page: int = 1, size: int = PAGE) -> Page:
    """Appointments of these residents or booked for this mobile."""
    found, more = _page(select(Appointment).where(or_(Appointment.patient_id.in_(ids or [-1]),
                                                      Appointment.phone == mobile))
                        .order_by(Appointment.id.desc()), page, size)
    return Page([{"at": a.slot.starts_at, "facility": a.slot.facility.name if a.slot.facility else "",
                  "specialty": a.slot.specialty, "status": a.status, "booked_at": a.created_at} for a in found],
                page, more)


def grievances(mobile: str, ids: list[int], page: int = 1, size: int = PAGE) -> Page:
    """Complaints this mobile filed or that concern its residents, with the answers."""
    found, more = _page(select(Grievance).where(or_(Grievance.phone == mobile, Grievance.patient_id.in_(ids or [-1])))
                        .order_by(Grievance.id.desc()), page, size)
    return Page([{"reference": g.reference, "filed_at": g.created_at, "category": grievance_texts.category_label(g.category),
                  "status": grievance_texts.status_label(g.status), "text": g.body, "answer": g.resolution or ""}
                 for g in found], page, more)


def views(ids: list[int], page: int = 1, size: int = PAGE) -> Page:
    """Who at Sampark (by role) or which hospital system opened these residents' records, and when."""
    audit.plan_for_values()
    found, more = _page(select(AuditLog, StaffUser.role).outerjoin(StaffUser, StaffUser.id == AuditLog.staff_id)
                        .where(audit.about(ids),
                               or_(AuditLog.staff_id.is_not(None), AuditLog.hospital_client_id.is_not(None)))
                        .order_by(AuditLog.id.desc()), page, size, whole_rows=True)
    return Page([{"at": row.at, "who": role_label(role) if role else
                  _("Hospital system: %(name)s", name=str((row.detail or {}).get("client") or "")[:100]),
                  "what": action_label(row.action), "case": f"SMP-{row.case_id:05d}" if row.case_id else ""}
                 for row, role in found], page, more)


def requests(ids: list[int], page: int = 1, size: int = PAGE) -> Page:
    """The resident's own requests to correct or erase their data, with the card office's answers."""
    found, more = data_requests.of_patients(ids, page, size)
    return Page([{"reference": r.reference, "kind": data_requests.kind_label(r.kind),
                  "field": data_requests.field_label(r.field) if r.field else "", "value": r.correct_value or "",
                  "reason": r.reason, "filed_at": r.created_at, "status": r.status,
                  "status_label": data_requests.status_label(r.status), "answer": r.answer or "",
                  "decided_at": r.decided_at} for r in found], page, more)


def part(name: str, mobile: str, ids: list[int], page: int, lang: str, size: int = PAGE) -> Page:
    """One page of the list called `name` (one of PARTS)."""
    if name == "cases":
        return cases(mobile, ids, page, size, lang)
    if name == "messages":
        return messages(mobile, page, size)
    if name == "appointments":
        return appointments(mobile, ids, page, size)
    if name == "grievances":
        return grievances(mobile, ids, page, size)
    if name == "views":
        return views(ids, page, size)
    return requests(ids, page, size)


def export(mobile: str, shown: list[Person], lang: str) -> dict:
    """Everything above in one document (up to MAX_EXPORT rows of each list), ready for JSON."""
    ids = [p.patient.id for p in shown]
    document = {"about": _("What Sampark, Delhi's health helpline, holds about you."), "made_at": utcnow(),
                "mobile": mobile, "residents": [record(p.patient) for p in shown]}
    for name in PARTS:
        document[name] = part(name, mobile, ids, 1, lang, MAX_EXPORT).rows
    return plain(document)


def plain(value):
    """`value` with dates and times as ISO 8601 text (JSON has neither)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def role_label(role: str) -> str:
    """A staff role as the resident reads it."""
    return {"operator": _("Helpline operator"), "doctor": _("Doctor"), "supervisor": _("Helpline supervisor"),
            "registrar": _("Card office registrar"), "field_verifier": _("Field verifier"),
            "officer": _("Grievance officer"), "admin": _("Administrator"),
            "interop_officer": _("Interoperability officer")}.get(role, _("Sampark staff"))


def action_label(action: str) -> str:
    """What was done with the record, in plain words."""
    if action == "break_glass":
        return _("Opened your record in an emergency")
    if action.startswith(("card_", "abha_", "enroll", "patient_merge", "patient_unmerge")):
        return _("Worked on your card or registry record")
    if action.startswith("data_request"):
        return _("Handled your data request")
    if action.startswith("field_"):
        return _("Door-to-door verification")
    if action.startswith("fhir"):
        return _("A hospital system read your record")
    return _("Opened your record")


def part_label(name: str) -> str:
    """The name of one list of what is held, in the resident's language."""
    return {"cases": _("Calls and texts to the helpline"), "messages": _("Messages sent and received"),
            "appointments": _("Appointments"), "grievances": _("Complaints"),
            "views": _("Who at Sampark opened your record"), "requests": _("Your data requests")}.get(name, name)


def fact_label(key: str) -> str:
    """The name of one item of the registry's record, in the resident's language."""
    extra = {"registry_id": _("Registry number"), "birth_year": _("Year of birth"),
             "preferred_language": _("Language"), "abha_number": _("ABHA number"), "abha_address": _("ABHA address"),
             "allergies": _("Allergies"), "chronic_conditions": _("Long-term conditions"),
             "current_medications": _("Medicines"), "enrolled_where": _("Enrolled at"),
             "registered_at": _("On the registry since")}
    return extra.get(key) or data_requests.field_label(key)

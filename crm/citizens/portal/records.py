"""What a signed-in citizen reads besides cards: appointments and past contacts with the helpline.

Appointments and contacts are health information, so they are shown for the residents registered with the
mobile and their children, never for another adult of the household; and of a contact only its reference,
date, outcome and the advice given, never clinical notes or the assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from crm.cases import dispositions
from crm.cases.status import OPEN
from crm.citizens.portal.household import Person
from crm.models import Appointment, Case
from crm.platform.errors import Refused
from crm.platform.extensions import db

MAX_ROWS = 50


def health_ids(shown: list[Person]) -> list[int]:
    """Whose health information the mobile may read: its own residents and the household's children."""
    return [p.patient.id for p in shown if p.full_card]


def appointments(mobile: str, shown: list[Person]) -> list[Appointment]:
    """Bookings for these residents or made for this mobile, soonest first, upcoming before past."""
    ids = health_ids(shown) or [-1]
    rows = db.session.scalars(select(Appointment).where(or_(Appointment.patient_id.in_(ids),
                                                            Appointment.phone == mobile))
                              .order_by(Appointment.id.desc()).limit(MAX_ROWS)).all()
    return sorted(rows, key=lambda a: (a.status != "booked", a.slot.starts_at))


def appointment(mobile: str, shown: list[Person], appointment_id: int) -> Appointment:
    """One of `appointments`, or Refused 404 (another family's booking looks like none at all)."""
    for found in appointments(mobile, shown):
        if found.id == appointment_id:
            return found
    raise Refused("not_found", "Not found.", 404)


@dataclass
class Contact:
    """One contact with the helpline, as its citizen sees it."""

    reference: str
    at: datetime
    channel: str
    open: bool
    outcome: str
    advice: str


def contacts(mobile: str, shown: list[Person], lang: str) -> list[Contact]:
    """Calls and texts from this mobile or about its residents, newest first: outcome and advice only."""
    ids = health_ids(shown) or [-1]
    cases = db.session.scalars(select(Case).where(or_(Case.caller_phone == mobile, Case.patient_id.in_(ids)))
                               .order_by(Case.id.desc()).limit(MAX_ROWS)).all()
    return [Contact(reference=c.reference, at=c.created_at, channel=c.channel,
                    open=c.status in OPEN,
                    outcome=dispositions.label(c.disposition, "hi" if lang == "hi" else "en") if c.disposition else "",
                    advice=c.advice or "") for c in cases]

"""Whose records a signed-in mobile may see: the residents registered with it and their households.

Only demographics and cards: never another adult's clinical data. Anything outside this set answers
404, the same as a record that does not exist, so changing an id in the address reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import case as sql_case
from sqlalchemy import select

from crm.models import HealthCard, Patient
from crm.platform import audit, phones
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from crm.residents.cards import render
from crm.residents.cards.api import print_view
from crm.residents.lookup import age

ADULT = 18
MAX_PEOPLE = 40  # a household is a family; a registry error mapping hundreds to one number shows no more


@dataclass
class Person:
    """A resident as the portal shows them."""

    patient: Patient
    own: bool  # registered with the signed-in mobile
    age: int | None

    @property
    def full_card(self) -> bool:
        """The holder's own card, or a child's: printed in full. Another adult's is printed without
        the back's health details (blood group, emergency contact)."""
        return self.own or (self.age is not None and self.age < ADULT)


def people(mobile: str) -> list[Person]:
    """The residents registered with `mobile` first, then the members of their households."""
    order = sql_case((Patient.relation == "self", 0), else_=1)
    live = Patient.merged_into_id.is_(None)  # a record merged into another is nobody's any more
    own = db.session.scalars(select(Patient).where(Patient.mobile == mobile, live).order_by(order, Patient.id)
                             .limit(MAX_PEOPLE)).all()
    households = {p.household_id for p in own if p.household_id}
    others = db.session.scalars(select(Patient).where(Patient.household_id.in_(households), Patient.mobile.is_distinct_from(mobile),
                                                      live).order_by(Patient.id).limit(MAX_PEOPLE)).all() if households else []
    return [Person(p, True, age(p)) for p in own] + [Person(p, False, age(p)) for p in others]


def person(mobile: str, patient_id: int) -> Person:
    """One of `people(mobile)` (a merged record's id leads to the record kept), or Refused 404."""
    shown = people(mobile)
    for found in shown:
        if found.patient.id == patient_id:
            return found
    merged = db.session.get(Patient, patient_id) if shown else None
    if merged is not None and merged.merged_into_id is not None:
        for found in shown:
            if found.patient.id == merged.survivor.id:
                return found
    raise Refused("not_found", "Not found.", 404)


def card(mobile: str, number: str) -> tuple[Person, HealthCard]:
    """The live card `number` of one of `people(mobile)`, or Refused 404 (whoever else's it is)."""
    digits = "".join(ch for ch in str(number)[:20] if ch.isdigit())
    found = db.session.scalar(select(HealthCard).where(HealthCard.number == digits)) if len(digits) == 12 else None
    if found is not None and found.status in ("issued", "verified", "delivered"):
        for p in people(mobile):
            if p.patient.id == found.patient_id:
                return p, found
    raise Refused("not_found", "Not found.", 404)


def card_pdf(holder: Person, found: HealthCard, language: str = "hi") -> bytes:
    """The card as the card office prints it, its second language the resident's (Hindi for English readers);
    another adult's without the back's health details."""
    view = replace(print_view(found), language=language if language in ("pa", "ur") else "hi")
    if not holder.full_card:
        view = replace(view, blood_group=None, emergency_contact="", withheld=True)
    return render.card_pdf(view)


def seen(mobile: str, action: str, shown: list[Person] | Person | None = None, **detail) -> None:
    """Audit a citizen's view: which mobile saw which residents' records, through the portal."""
    shown = [shown] if isinstance(shown, Person) else (shown or [])
    ids = [p.patient.id for p in shown]
    audit.record(action, patient_id=ids[0] if len(ids) == 1 else None, via="portal", citizen=phones.masked(mobile),
                 patients=ids, **detail)


def pretty(number: str) -> str:
    """1234 5678 9012."""
    return card_number.pretty(number)

"""Enrolling a resident the registry does not know: checked, matched against the registry, given a
provisional card (status issued) that enters the field worklist of their ward."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from crm.models import HealthCard, Household, Patient, StaffUser
from crm.models.patient import SEXES
from crm.platform import audit
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from crm.residents.duplicates import finding
from crm.residents.enrollment import joins
from crm.residents.enrollment.matching import Match, Person, candidates

MOBILE = re.compile(r"(?:\+91|0)?([6-9]\d{9})")


@dataclass(frozen=True)
class Enrolment:
    """What the registrar typed, checked."""

    name: str
    name_hi: str | None
    sex: str
    dob: date | None
    birth_year: int | None
    mobile: str | None
    address: str
    ward: str
    place: str
    household_code: str | None

    def person(self) -> Person:
        """The matcher's view."""
        return Person(self.name, self.dob, self.birth_year, self.sex, self.mobile, self.ward)


def parse(form: dict, today: date | None = None) -> Enrolment:
    """Check the enrolment form; Refused 422 naming the first thing to fix."""
    today = today or date.today()

    def text(name: str, limit: int) -> str:
        value = form.get(name) or ""
        return " ".join(str(value).split())[:limit]

    name = text("name", 200)
    if len(name) < 2:
        raise Refused("name_required", "Write the resident's name as on their ID.", 422)
    sex = text("sex", 1).upper()
    if sex not in SEXES:
        raise Refused("sex_required", "Choose the resident's sex (M, F or O).", 422)
    dob = None
    birth_year = None
    if text("dob", 10):
        try:
            dob = date.fromisoformat(text("dob", 10))
        except ValueError:
            raise Refused("bad_dob", "Date of birth must be a date (YYYY-MM-DD).", 422) from None
        if not date(1900, 1, 1) <= dob <= today:
            raise Refused("bad_dob", "Date of birth must be between 1900 and today.", 422)
        birth_year = dob.year
    elif text("birth_year", 4):
        year = text("birth_year", 4)
        if not year.isdigit() or not 1900 <= int(year) <= today.year:
            raise Refused("bad_dob", f"Year of birth must be between 1900 and {today.year}.", 422)
        birth_year = int(year)
    else:
        raise Refused("dob_required", "Give the date of birth, or at least the year.", 422)
    mobile = None
    if text("mobile", 20):
        found = MOBILE.fullmatch(re.sub(r"[\s-]", "", text("mobile", 20)))
        if not found:
            raise Refused("bad_mobile", "Mobile must be a 10-digit Indian number (starting 6-9).", 422)
        mobile = "+91" + found.group(1)
    ward, place = text("ward", 80), text("place", 200)
    if not ward:
        raise Refused("ward_required", "Name the ward where the resident lives (the field team verifies there).", 422)
    if not place:
        raise Refused("place_required", "Say where the enrolment is made (hospital or camp).", 422)
    return Enrolment(name, text("name_hi", 200) or None, sex, dob, birth_year, mobile, text("address", 400), ward,
                     place, text("household_code", 40) or None)


def likely_duplicates(entry: Enrolment, exclude: int | None = None) -> list[tuple[Patient, Match]]:
    """Registry records that may be this resident, best first (audited: the registrar sees them)."""
    found = candidates(entry.person(), exclude=exclude)
    rows = [(db.session.get(Patient, m.patient_id), m) for m in found]
    if rows:
        audit.record("enrollment_candidates", patients=[m.patient_id for m in found], count=len(found))
    return rows


def enroll(entry: Enrolment, staff: StaffUser) -> HealthCard:
    """Create the resident and their provisional card (issued, awaiting door-to-door verification); their likely
    duplicates wait on the card office's worklist (crm.residents.duplicates).

    Named as one of an existing household, the resident is not linked to it yet: the request waits for the
    card office (crm.residents.enrollment.joins), and the household's adults are told.
    """
    joining = None
    if entry.household_code:
        joining = db.session.scalar(select(Household).where(Household.code == entry.household_code))
        if joining is None:
            raise Refused("unknown_household", f"No household {entry.household_code}; leave it empty for a new one.", 422)
    household = None if joining else Household(code=f"ENR-H-{secrets.token_hex(4).upper()}", address=entry.address,
                                               ward=entry.ward)
    patient = Patient(
        registry_id=_registry_id(), name=entry.name, name_hi=entry.name_hi, sex=entry.sex, dob=entry.dob,
        birth_year=entry.birth_year, dob_estimated=entry.dob is None, mobile=entry.mobile, address=entry.address,
        ward=entry.ward, household=household, relation="self",
        allergies=[], chronic_conditions=[], current_medications=[], enrolled_where=entry.place,
        enrolled_by_id=staff.id,
    )
    db.session.add(patient)
    db.session.flush()
    audit.record("enroll", patient_id=patient.id, staff_id=staff.id, place=entry.place, ward=entry.ward)
    finding.after_enrolment(patient, entry.person())  # the card office reviews them, even if the desk said "new"
    if joining is not None:
        joins.ask(patient, joining, staff, entry.place)
    return cards.issue(patient, staff)


def _registry_id() -> str:
    """A provisional registry id (ENR + 10 digits) until the registry assigns one."""
    while True:
        candidate = f"ENR{secrets.randbelow(10**10):010d}"
        if db.session.scalar(select(Patient.id).where(Patient.registry_id == candidate)) is None:
            return candidate


def recent(limit: int = 30) -> list[Patient]:
    """Residents enrolled here most recently, newest first (audited: the page names them, their ward and card)."""
    found = list(db.session.scalars(
        select(Patient).where(Patient.enrolled_where.is_not(None)).order_by(Patient.id.desc()).limit(limit)))
    if found:
        audit.record("enrollment_recent", via="enrollment", patients=[p.id for p in found], count=len(found))
    return found

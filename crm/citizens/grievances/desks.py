"""Grievance desks: which desks exist, which desk is senior to which, and who may act on a grievance.

A desk is a section (facilities, card office, helpline) or a facility (its code, HS-GTB). A facility's desk answers
to the facilities section; every section answers to the senior desk (GRIEVANCE_SENIOR_DESK, the public grievance
cell by default), where an overdue grievance finally goes. An officer acts on the grievances of their own desk and
of every desk below it; a supervisor on all.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from crm.models import Facility, Grievance, StaffUser
from crm.platform.extensions import db
from crm.staff.auth.capabilities import can

SECTIONS = {"facilities": "Facilities section", "card_office": "Card office", "helpline": "Helpline section"}
SENIOR = "grievance_cell"  # the default senior desk; GRIEVANCE_SENIOR_DESK names another section
SENIOR_LABEL = "Public grievance cell"
FACILITY_SECTION = "facilities"  # a facility's desk answers to this section


def senior_desk() -> str:
    """The desk every section answers to (a setting)."""
    return str(current_app.config.get("GRIEVANCE_SENIOR_DESK") or SENIOR)[:40]


def sections() -> dict[str, str]:
    """Every section desk and its label, the senior desk last."""
    return SECTIONS | {senior_desk(): SENIOR_LABEL if senior_desk() == SENIOR else senior_desk()}


def senior_of(desk: str) -> str | None:
    """The desk a grievance of `desk` goes up to when overdue; None for the senior desk itself."""
    if desk == senior_desk():
        return None
    if desk in SECTIONS:
        return senior_desk()
    return FACILITY_SECTION


def above(desk: str) -> list[str]:
    """`desk` and every desk above it, nearest first."""
    chain = [desk]
    while (up := senior_of(chain[-1])) is not None and up not in chain:
        chain.append(up)
    return chain


def is_desk(desk: str) -> bool:
    """Whether `desk` is a section or the code of a facility."""
    desk = (desk or "").strip()
    if desk in sections():
        return True
    return bool(desk) and len(desk) <= 40 and db.session.scalar(
        select(Facility.id).where(Facility.code == desk).limit(1)) is not None


def label(desk: str | None) -> str:
    """A desk in words: the section's name, or the facility's name and code."""
    if not desk:
        return "no desk"
    if desk in sections():
        return sections()[desk]
    name = db.session.scalar(select(Facility.name).where(Facility.code == desk).limit(1))
    return f"{name} ({desk})" if name else desk


def labels(codes: list[str]) -> dict[str, str]:
    """`label` of many desks in one query."""
    names = dict(db.session.execute(select(Facility.code, Facility.name).where(
        Facility.code.in_([c for c in codes if c not in sections()] or ["-"]))).all())
    return {c: sections().get(c) or (f"{names[c]} ({c})" if c in names else c) for c in codes}


def choices() -> list[tuple[str, str]]:
    """Every desk an officer can be given: the sections, then each facility by name, kind and area (bounded)."""
    rows = db.session.execute(select(Facility.code, Facility.name, Facility.kind, Facility.ward, Facility.district)
                              .order_by(Facility.name, Facility.code).limit(2000)).all()
    return [*sections().items(), *((code, f"{name} · {kind.replace('_', ' ')} · {ward or district} ({code})")
                                   for code, name, kind, ward, district in rows)]


def may_act(grievance: Grievance, staff: StaffUser) -> bool:
    """The officer of its desk or of a desk above it, or a supervisor."""
    if can(staff, "act_for_others"):
        return True
    return staff.role == "officer" and bool(staff.section) and staff.section in above(grievance.routed_to)


def sees(staff: StaffUser):
    """A SQL condition on Grievance.routed_to for the grievances `staff` may see, or None for all."""
    if can(staff, "act_for_others") or staff.section == senior_desk():
        return None
    desk = staff.section or "-"
    if desk == FACILITY_SECTION:  # the section and every facility's desk (a facility desk is not a section's name)
        return Grievance.routed_to.notin_([d for d in sections() if d != FACILITY_SECTION])
    return Grievance.routed_to == desk

"""Who walks which ward, the verifier's day (cards still to see, by ward and household), progress per ward."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Integer, any_, bindparam, exists, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from crm.models import FieldAssignment, FieldMark, HealthCard, Household, Patient, StaffUser
from crm.models.base import iso, local, utcnow
from crm.platform import audit
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.residents.cards import number as card_number

OUTSTANDING = ("issued", "verified")  # not yet in the holder's hands (printed, or still at the printer)
LIVE = ("issued", "verified", "delivered")
MAX_WORKLIST = 1500  # cards on one phone; a ward bigger than this is split by the card office
MAX_WARDS = 500
# The parts of an address that are not its street: the house ("House 12", "H.No. 4/2", "12-B", "Flat 3"), the city.
_HOUSE = re.compile(r"^(house|h\.?\s*no\.?|flat|plot|khasra|#)\b|^[\d/-]+[a-z]?$", re.IGNORECASE)
_CITY = {"delhi", "new delhi", "india"}


def street_of(address: str | None, ward: str | None = None) -> str:
    """The street of an address, as a verifier walks it: the first part that is neither the house, the ward nor
    the city ("House 12, Gali 3, Seelampur, Delhi" -> "Gali 3"); "" when the address names none."""
    for part in (address or "").split(","):
        part = " ".join(part.split())
        if part and not _HOUSE.search(part) and part.lower() not in _CITY and part.lower() != (ward or "").lower():
            return part[:80]
    return ""


def assign(ward: str, verifier_id: int | None, staff: StaffUser) -> FieldAssignment | None:
    """Give `ward` to a field verifier (replacing whoever had it), or take it back with verifier_id None."""
    ward = ward.strip()
    if not ward or len(ward) > 80:
        raise Refused("bad_ward", "Name the ward (at most 80 characters).", 422)
    known = db.session.scalar(select(Patient.id).where(Patient.ward == ward).limit(1))
    if known is None:
        raise Refused("unknown_ward", f"No resident lives in a ward called {ward!r}.", 404)
    current = db.session.scalar(select(FieldAssignment).where(FieldAssignment.ward == ward))
    if verifier_id is None:
        if current is not None:
            audit.record("field_unassign", ward=ward, verifier_id=current.staff_id, staff_id=staff.id)
            db.session.delete(current)
            db.session.flush()
        return None
    verifier = load(StaffUser, verifier_id, "staff member")
    if verifier.role != "field_verifier" or not verifier.active:
        raise Refused("not_a_verifier", f"{verifier.name} is not an active field verifier.", 422)
    if current is None:
        current = FieldAssignment(ward=ward, staff_id=verifier.id, assigned_by_id=staff.id)
        db.session.add(current)
    else:
        current.staff_id, current.assigned_by_id = verifier.id, staff.id
    audit.record("field_assign", ward=ward, verifier_id=verifier.id, staff_id=staff.id)
    db.session.flush()
    return current


def wards_of(staff: StaffUser) -> list[str]:
    """The wards assigned to this verifier."""
    return list(db.session.scalars(
        select(FieldAssignment.ward).where(FieldAssignment.staff_id == staff.id).order_by(FieldAssignment.ward)))


def to_deliver(card) -> bool:
    """A card (or a worklist row with its columns) the vendor has printed and its holder does not have yet: the
    verifier carries it to their door."""
    return card.print_batch_id is not None and card.status in OUTSTANDING


def _latest_marks(card_ids: list[int]) -> dict[int, FieldMark]:
    """Each card's newest mark: one statement with the ids as one array (1,500 bound parameters cost the driver
    more to send than the query took)."""
    latest: dict[int, FieldMark] = {}
    ids = bindparam("card_ids", card_ids, type_=ARRAY(Integer))
    for mark in db.session.scalars(select(FieldMark).where(FieldMark.card_id == any_(ids)).order_by(FieldMark.id)):
        latest[mark.card_id] = mark
    return latest


WORKLIST_COLUMNS = (
    HealthCard.id.label("card_id"), HealthCard.number, HealthCard.status, HealthCard.print_batch_id,
    Patient.id.label("patient_id"), Patient.name,
    Patient.name_hi, Patient.sex, Patient.birth_year, Patient.relation, Patient.enrolled_where, Patient.ward,
    Patient.address, Household.code, Household.address.label("household_address"),
)


def worklist(staff: StaffUser) -> dict:
    """The verifier's cards still to verify or deliver, by ward and household (audited as a read of each)."""
    wards = wards_of(staff)
    # The ward's residents with a card to see, walked in ix_patient_ward_household's order (from the index alone,
    # stopping at the worklist's end; a resident has at most one live card), then their columns, not ORM objects.
    picked = (select(Patient.id)
              .where(Patient.ward.in_(wards), Patient.merged_into_id.is_(None),
                     exists().where(HealthCard.patient_id == Patient.id, HealthCard.status.in_(OUTSTANDING)))
              .order_by(Patient.ward, Patient.household_id, Patient.id).limit(MAX_WORKLIST + 1).subquery())
    # Parallel workers cost more to start than 1,500 index probes take (bench/README.md, registry at Delhi's size).
    db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    rows = db.session.execute(
        select(*WORKLIST_COLUMNS)
        .select_from(picked)
        .join(Patient, Patient.id == picked.c.id)
        .join(HealthCard, (HealthCard.patient_id == Patient.id) & HealthCard.status.in_(OUTSTANDING))
        .outerjoin(Household, Patient.household_id == Household.id)
        .order_by(Patient.ward, Patient.household_id, Patient.id)
    ).all()
    truncated = len(rows) > MAX_WORKLIST
    rows = rows[:MAX_WORKLIST]
    marks = _latest_marks([row.card_id for row in rows])
    grouped: dict[str, dict[str, dict]] = {ward: {} for ward in wards}
    for row in rows:
        key = row.code if row.code is not None else f"single-{row.patient_id}"
        home = grouped[row.ward].setdefault(key, {
            "code": row.code, "address": (row.household_address if row.code is not None else row.address)
            or row.address, "cards": []})
        home.setdefault("street", street_of(home["address"], row.ward))
        mark = marks.get(row.card_id)
        home["cards"].append({
            "number": row.number, "pretty": card_number.pretty(row.number), "status": row.status,
            "to_deliver": to_deliver(row),
            "name": row.name, "name_hi": row.name_hi, "sex": row.sex, "birth_year": row.birth_year,
            "relation": row.relation, "enrolled": row.enrolled_where is not None,
            "last_mark": {"outcome": mark.outcome, "at": iso(mark.recorded_at), "result": mark.result}
            if mark else None})
    patients = sorted({row.patient_id for row in rows})
    today = local(utcnow()).replace(hour=0, minute=0, second=0, microsecond=0)
    marked_today = db.session.scalar(select(func.count()).select_from(FieldMark).where(
        FieldMark.staff_id == staff.id, FieldMark.recorded_at >= today))
    audit.record("field_worklist", staff_id=staff.id, wards=wards, count=len(rows), patients=patients[:500])
    return {
        "verifier": staff.name, "wards": [
            {"ward": ward, "households": list(homes.values()),
             "cards": sum(len(h["cards"]) for h in homes.values()),
             "to_deliver": sum(c["to_deliver"] for h in homes.values() for c in h["cards"])}
            for ward, homes in grouped.items()],
        "truncated": truncated, "limit": MAX_WORKLIST, "marked_today": marked_today,
    }


@dataclass(frozen=True)
class WardProgress:
    """One row of the card office's table."""

    ward: str
    verifier: str | None
    cards: int  # live cards of the ward's residents
    awaiting: int  # issued, nobody has seen the holder yet
    verified: int
    delivered: int
    not_found: int  # still outstanding, and the last visit found nobody
    moved: int
    conflicts: int
    last_mark_at: str | None


def progress() -> list[WardProgress]:
    """Per ward: cards assigned, verified, delivered, not found and moved (the card office's view)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for ward, status, n in db.session.execute(
        select(Patient.ward, HealthCard.status, func.count())
        .join(Patient, HealthCard.patient_id == Patient.id)
        .where(HealthCard.status.in_(LIVE), Patient.merged_into_id.is_(None))
        .group_by(Patient.ward, HealthCard.status)
    ):
        counts[ward][status] += n
    # The last mark of each outstanding card says whether its latest visit found nobody or a move.
    last = (select(func.max(FieldMark.id)).join(HealthCard, FieldMark.card_id == HealthCard.id)
            .where(HealthCard.status.in_(OUTSTANDING)).group_by(FieldMark.card_id))
    for ward, outcome, n in db.session.execute(
        select(FieldMark.ward, FieldMark.outcome, func.count()).where(FieldMark.id.in_(last))
        .where(FieldMark.outcome.in_(("not_found", "moved"))).group_by(FieldMark.ward, FieldMark.outcome)
    ):
        counts[ward][outcome] += n
    for ward, n in db.session.execute(
        select(FieldMark.ward, func.count()).where(FieldMark.result == "conflict").group_by(FieldMark.ward)
    ):
        counts[ward]["conflicts"] += n
    last_at = dict(db.session.execute(select(FieldMark.ward, func.max(FieldMark.recorded_at)).group_by(FieldMark.ward)).all())
    verifiers = dict(db.session.execute(
        select(FieldAssignment.ward, StaffUser.name).join(StaffUser, FieldAssignment.staff_id == StaffUser.id)).all())
    wards = sorted(set(counts) | set(verifiers))[:MAX_WARDS]
    return [WardProgress(
        ward=ward, verifier=verifiers.get(ward), cards=sum(counts[ward][s] for s in LIVE),
        awaiting=counts[ward]["issued"], verified=counts[ward]["verified"], delivered=counts[ward]["delivered"],
        not_found=counts[ward]["not_found"], moved=counts[ward]["moved"], conflicts=counts[ward]["conflicts"],
        last_mark_at=iso(last_at.get(ward))) for ward in wards if ward]


def verifiers() -> list[StaffUser]:
    """Active field verifiers, for the assignment form."""
    return list(db.session.scalars(
        select(StaffUser).where(StaffUser.role == "field_verifier", StaffUser.active.is_(True)).order_by(StaffUser.name)))


def recent_marks(limit: int = 50) -> list[FieldMark]:
    """The newest marks (conflicts first), for the card office to follow up; audited as a read of those residents'
    cards (the marks carry card numbers and the verifier's notes from the door)."""
    found = list(db.session.scalars(
        select(FieldMark).order_by((FieldMark.result == "conflict").desc(), FieldMark.id.desc()).limit(limit)))
    if found:
        audit.record("field_marks_view", via="field_progress", marks=[m.id for m in found],
                     patients=sorted({m.patient_id for m in found if m.patient_id}))
    return found

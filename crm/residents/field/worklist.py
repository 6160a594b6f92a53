"""Who walks which ward, the verifier's day (cards still to see, by ward and household), progress per ward."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select, text

from crm.models import FieldAssignment, FieldMark, HealthCard, Patient, StaffUser
from crm.models.base import UTCDateTime, iso, local, utcnow
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


def to_deliver(status: str, print_batch_id: int | None) -> bool:
    """A card the vendor has printed and its holder does not have yet: the verifier carries it to their door."""
    return print_batch_id is not None and status in OUTSTANDING


# The worklist's one statement (PostgreSQL). The residents of the verifier's wards with a card to see, walked in
# ix_patient_ward_household's order (ward by ward: the B-tree reads the wards' keys in order) from the index alone,
# each joined to its one live card (the unique partial index), stopping at the worklist's end and numbered in that
# order (`n`, so that nothing sorts the wards' names again). Then their columns, their household, each card's newest
# mark, the verifier's marks since midnight, and the audit row of this read (a data-modifying WITH): one round trip.
# The limits are literals so that any plan PostgreSQL caches for the statement knows them.
WORKLIST_SQL = text(f"""
WITH picked AS MATERIALIZED (
    SELECT row_number() OVER (ORDER BY p.ward, p.household_id, p.id) AS n, p.ward, p.id AS patient_id,
           p.household_id, c.id AS card_id, c.number, c.status, c.print_batch_id
    FROM patient p JOIN health_card c ON c.patient_id = p.id AND c.status IN {OUTSTANDING!r}
    WHERE p.ward = ANY (CAST(:wards AS text[])) AND p.merged_into_id IS NULL
    ORDER BY p.ward, p.household_id, p.id LIMIT {MAX_WORKLIST + 1}
), listed AS (
    SELECT patient_id FROM picked ORDER BY n LIMIT {MAX_WORKLIST}
), audited AS ({audit.row_sql(
    "json_build_object('wards', CAST(:wards AS text[]), 'count', (SELECT count(*) FROM listed))",
    patients="(SELECT coalesce(array_agg(patient_id ORDER BY patient_id), '{}') FROM listed)")})
SELECT facts.marked_today, picked.ward, picked.card_id, picked.number, picked.status, picked.print_batch_id,
       p.id AS patient_id, p.name, p.name_hi, p.sex, p.birth_year, p.relation, p.enrolled_where, p.address,
       p.household_id, h.code, h.address AS household_address, m.outcome, m.recorded_at, m.result
FROM (SELECT count(*) AS marked_today FROM field_mark WHERE staff_id = :staff AND recorded_at >= :since) facts
LEFT JOIN (picked JOIN patient p ON p.id = picked.patient_id) ON true
LEFT JOIN household h ON h.id = p.household_id
LEFT JOIN LATERAL (SELECT outcome, recorded_at, result FROM field_mark
                   WHERE card_id = picked.card_id ORDER BY id DESC LIMIT 1) m ON true
ORDER BY picked.n
""").columns(recorded_at=UTCDateTime)


def worklist(staff: StaffUser) -> dict:
    """The verifier's cards still to verify or deliver, by ward and household (audited as a read of each)."""
    wards = wards_of(staff)
    since = local(utcnow()).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = db.session.execute(WORKLIST_SQL, audit.row_params("field_worklist", staff_id=staff.id)
                              | {"wards": wards, "staff": staff.id, "since": since}).all()
    marked_today = rows[0][0]
    rows = rows if rows[0].card_id is not None else []  # no card: the one row says only the marks of the day
    truncated = len(rows) > MAX_WORKLIST
    homes: dict[str, list[dict]] = {ward: [] for ward in wards}
    cards, at = [], None
    # Plain tuples: 1,500 rows' columns read by name cost more than the rest of the loop.
    for (_, ward, _, number, status, print_batch_id, patient_id, name, name_hi, sex, birth_year, relation, enrolled_where,
         address, household_id, code, household_address, outcome, recorded_at, result) in rows[:MAX_WORKLIST]:
        if household_id is None or (ward, household_id) != at:  # rows come in household order
            address = (household_address if code is not None else address) or address
            cards = []
            homes[ward].append({"code": code, "address": address, "street": street_of(address, ward), "cards": cards})
            at = (ward, household_id)
        cards.append({
            "number": number, "pretty": card_number.pretty(number), "status": status,
            "to_deliver": to_deliver(status, print_batch_id),
            "name": name, "name_hi": name_hi, "sex": sex, "birth_year": birth_year, "relation": relation,
            "enrolled": enrolled_where is not None,
            "last_mark": {"outcome": outcome, "at": iso(recorded_at), "result": result} if outcome is not None else None})
    return {
        "verifier": staff.name, "wards": [
            {"ward": ward, "households": listed, "cards": sum(len(h["cards"]) for h in listed),
             "to_deliver": sum(c["to_deliver"] for h in listed for c in h["cards"])}
            for ward, listed in homes.items()],
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

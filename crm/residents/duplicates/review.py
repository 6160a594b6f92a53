"""The card office's review of likely duplicates: the worklist, both records side by side, and a person's
decision. A merge goes through crm.residents.enrollment.merge (the one merge there is), only with the record
to keep chosen, a reason given and the choice confirmed; an undo puts every moved row back and reopens the pair;
a dismissal stays. Every decision is audited with who and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from crm.models import Appointment, Case, DuplicatePair, HospitalRecord, Patient, PatientMerge, StaffUser
from crm.models.base import utcnow
from crm.platform import audit, phones
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from crm.residents.duplicates import finding
from crm.residents.enrollment import merge as merging
from crm.residents.enrollment.matching import Person, score
from crm.residents.lookup import age

PAGE = 25
MAX_PAGE = 400  # 10,000 pairs deep: past that, work the worklist down first
REASON_MIN = 5
NOTE_MAX = 300
SHOWN = 10  # cases, appointments, hospital records listed per record (the rest counted)
COMPARED = ("dob", "birth_year", "sex", "mobile", "address", "ward", "epic")  # marked on the page where they differ


def open_pairs():
    """Open pairs whose two records are both still live (a record merged since leaves the worklist)."""
    low, high = aliased(Patient), aliased(Patient)
    return (select(DuplicatePair).join(low, low.id == DuplicatePair.low_id).join(high, high.id == DuplicatePair.high_id)
            .where(DuplicatePair.status == "open", low.merged_into_id.is_(None), high.merged_into_id.is_(None)))


@dataclass(frozen=True)
class Page:
    """One page of the worklist."""

    pairs: list[DuplicatePair]
    number: int
    pages: int
    total: int


def worklist(status: str = "open", page: int = 1) -> Page:
    """Pairs to review, best score first (open), or decided ones, newest first; PAGE a page, at most MAX_PAGE."""
    if status == "open":
        stmt = open_pairs().order_by(DuplicatePair.score.desc(), DuplicatePair.id)
    elif status in ("merged", "dismissed"):
        stmt = select(DuplicatePair).where(DuplicatePair.status == status).order_by(DuplicatePair.decided_at.desc(),
                                                                                    DuplicatePair.id.desc())
    else:
        raise Refused("bad_status", "Show open, merged or dismissed pairs.", 422)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, min(MAX_PAGE, -(-total // PAGE)))
    number = max(1, min(page, pages))
    pairs = list(db.session.scalars(stmt.limit(PAGE).offset((number - 1) * PAGE)))
    shown = sorted({i for p in pairs for i in (p.low_id, p.high_id)})
    if shown:
        audit.record("duplicate_pairs_list", via="card_office", patients=shown, count=len(pairs), status=status)
    return Page(pairs, number, pages, total)


def figures() -> dict[str, int]:
    """Pairs waiting for review, merged and dismissed, for the card office page."""
    counts = dict(db.session.execute(select(DuplicatePair.status, func.count()).where(
        DuplicatePair.status != "open").group_by(DuplicatePair.status)).all())
    waiting = db.session.scalar(select(func.count()).select_from(open_pairs().subquery())) or 0
    return {"queued": waiting, "merged": counts.get("merged", 0), "dismissed": counts.get("dismissed", 0)}


def side(patient: Patient) -> dict:
    """One record as the card office compares it: who, household, cards (their printed numbers), cases,
    appointments and what hospitals sent (kinds and senders, not their content)."""
    cases = list(db.session.scalars(select(Case).where(Case.patient_id == patient.id)
                                    .order_by(Case.id.desc()).limit(SHOWN)))
    appointments = list(db.session.scalars(select(Appointment).where(Appointment.patient_id == patient.id)
                                           .order_by(Appointment.id.desc()).limit(SHOWN)))
    hospital = db.session.execute(
        select(HospitalRecord.kind, func.count(), func.max(HospitalRecord.recorded_for))
        .where(HospitalRecord.patient_id == patient.id).group_by(HospitalRecord.kind).order_by(HospitalRecord.kind)).all()
    count = {model: db.session.scalar(select(func.count()).select_from(model).where(model.patient_id == patient.id))
             for model in (Case, Appointment)}
    return {
        "patient": patient, "age": age(patient), "mobile": phones.masked(patient.mobile),
        "household": patient.household, "members": [m for m in (patient.household.members if patient.household else [])
                                                    if m.id != patient.id],
        "cards": [{"number": card_number.pretty(c.number), "version": c.version, "status": c.status,
                   "issued_at": c.issued_at} for c in patient.cards],
        "cases": cases, "case_count": count[Case], "appointments": appointments, "appointment_count": count[Appointment],
        "hospital": [{"kind": kind, "count": n, "latest": latest} for kind, n, latest in hospital],
    }


def pair_view(pair_id: int) -> dict:
    """Both records of a pair side by side, with why they look alike (audited: two records seen)."""
    pair = load(DuplicatePair, pair_id, "pair")
    low, high = db.session.get(Patient, pair.low_id), db.session.get(Patient, pair.high_id)
    value, reasons = score(Person.of(low), Person.of(high))
    merge = db.session.get(PatientMerge, pair.merge_id) if pair.merge_id else None
    audit.record_each_patient("duplicate_pair_view", [low.id, high.id], via="card_office", pair_id=pair.id)
    differs = {name for name in COMPARED if getattr(low, name) != getattr(high, name)}
    return {"pair": pair, "sides": [side(low), side(high)], "score": value, "reasons": reasons, "merge": merge,
            "differs": differs,
            "decidable": pair.status == "open" and low.merged_into_id is None and high.merged_into_id is None,
            "suggested": _suggested(low, high)}


def _suggested(a: Patient, b: Patient) -> int:
    """The record to keep unless the clerk knows better: the one with a live card, then the older record."""
    if (a.current_card is None) != (b.current_card is None):
        return a.id if a.current_card is not None else b.id
    return min(a.id, b.id)


def _note(reason, what: str) -> str:
    text = " ".join(str(reason or "").split())[:NOTE_MAX]
    if len(text) < REASON_MIN:
        raise Refused("reason_required", f"Say why you {what} (a few words the next reader will understand).", 422)
    return text


def _decidable(pair_id: int) -> DuplicatePair:
    pair = db.session.scalar(select(DuplicatePair).where(DuplicatePair.id == pair_id).with_for_update()) \
        if isinstance(pair_id, int) else None
    if pair is None:
        raise Refused("not_found", f"There is no pair {pair_id}.", 404)
    if pair.status != "open":
        raise Refused("already_decided", f"This pair was already {pair.status}.", 409)
    return pair


def merge(pair_id: int, survivor_id, staff: StaffUser, reason, confirmed: bool) -> DuplicatePair:
    """Merge the pair into the record the clerk chose to keep, after their confirmation and reason."""
    pair = _decidable(pair_id)
    if survivor_id not in (pair.low_id, pair.high_id):
        raise Refused("choose_survivor", "Choose which of the two records to keep.", 422)
    note = _note(reason, "merge these records")
    if not confirmed:
        raise Refused("confirm_required", "Tick the box to confirm that these two records are one person.", 422)
    duplicate_id = pair.high_id if survivor_id == pair.low_id else pair.low_id
    done = merging.merge(survivor_id, duplicate_id, staff, note, pair.score)
    pair.status, pair.decided_at, pair.decided_by_id, pair.note, pair.merge_id = "merged", utcnow(), staff.id, note, done.id
    db.session.flush()
    audit.record_each_patient("duplicate_pair_merge", [survivor_id, duplicate_id], staff_id=staff.id, pair_id=pair.id,
                              merge_id=done.id, survivor_id=survivor_id, duplicate_id=duplicate_id, reason=note)
    return pair


def dismiss(pair_id: int, staff: StaffUser, reason) -> DuplicatePair:
    """Two different people: the pair leaves the worklist for good (a re-import does not queue it again)."""
    pair = _decidable(pair_id)
    note = _note(reason, "dismiss this pair")
    pair.status, pair.decided_at, pair.decided_by_id, pair.note = "dismissed", utcnow(), staff.id, note
    db.session.flush()
    audit.record_each_patient("duplicate_pair_dismiss", [pair.low_id, pair.high_id], staff_id=staff.id,
                              pair_id=pair.id, reason=note)
    return pair


def undo(merge_id: int, staff: StaffUser, reason) -> PatientMerge:
    """Undo a merge exactly (every moved row goes back); its pair, if it came from one, is open for review again."""
    note = _note(reason, "undo this merge")
    pair = db.session.scalar(select(DuplicatePair).where(DuplicatePair.merge_id == merge_id).with_for_update())
    record = merging.unmerge(merge_id, staff)
    if pair is not None:
        pair.status, pair.decided_at, pair.decided_by_id, pair.note, pair.merge_id = "open", None, None, None, None
        db.session.flush()
    audit.record_each_patient("duplicate_merge_undo", [record.survivor_id, record.duplicate_id], staff_id=staff.id,
                              pair_id=pair.id if pair else None, merge_id=record.id, reason=note)
    return record


def pair_of_merge(merge_id: int) -> DuplicatePair | None:
    """The pair a merge decided, if it came from the worklist."""
    return db.session.scalar(select(DuplicatePair).where(DuplicatePair.merge_id == merge_id))


def pair_for(patient_id: int, other_id: int) -> DuplicatePair:
    """The pair of two records a clerk found on a record's page, queued now if it was not (the review decides)."""
    a, b = load(Patient, patient_id, "patient"), load(Patient, other_id, "patient")
    if a.id == b.id:
        raise Refused("same_patient", "A record cannot be a duplicate of itself.", 422)
    value, reasons = score(Person.of(a), Person.of(b))
    finding.queue(a.id, b.id, value, reasons, "record")
    low, high = sorted((a.id, b.id))
    return db.session.scalar(select(DuplicatePair).where(DuplicatePair.low_id == low, DuplicatePair.high_id == high))

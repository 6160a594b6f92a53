"""Merging a duplicate resident into the surviving record, and undoing it exactly.

A merge supersedes the duplicate's live card by the survivor's (through the card lifecycle), moves
every row that points at the duplicate (cases, appointments, messages, calls, hospital history: any
table with a foreign key to patient.id, found from the metadata, so a table added later is moved too)
to the survivor, adds the duplicate's allergies, conditions and medications the survivor lacked and fills
the survivor's empty contact fields. What it changed is written on the merge row; `unmerge` puts every
one of those values back. The audit log and field marks stay with the record they were written about.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from crm.models import HealthCard, Patient, PatientMerge, StaffUser
from crm.models.base import utcnow
from crm.platform import audit
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from crm.residents.cards import operations as cards
from crm.staff.auth.patient_view import paths_of

KEPT_WHERE_WRITTEN = {("audit_log", "patient_id"), ("health_card", "patient_id"), ("patient", "merged_into_id"),
                      ("patient_merge", "survivor_id"), ("patient_merge", "duplicate_id"), ("field_mark", "patient_id"),
                      ("duplicate_pair", "low_id"), ("duplicate_pair", "high_id")}
LISTS = ("allergies", "chronic_conditions", "current_medications")
FILLABLE = ("name_hi", "epic", "mobile", "abha_number", "blood_group", "emergency_contact_name",
            "emergency_contact_phone")


def _references() -> list[tuple]:
    """(table, id column, patient column) of every row kind that belongs to a patient and moves with them."""
    found = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            target = fk.column
            if target.table.name == "patient" and target.name == "id" \
                    and (table.name, fk.parent.name) not in KEPT_WHERE_WRITTEN:
                found.append((table, next(iter(table.primary_key.columns)), fk.parent))
    return found


def _unchanged(table) -> dict:
    """Columns that stamp themselves on update (updated_at) keep their value: a row that only changes owner,
    and changes back on undo, is otherwise as it was."""
    return {c.name: c for c in table.columns if c.onupdate is not None}


def merge(survivor_id: int, duplicate_id: int, staff: StaffUser | None, reason: str = "",
          score: float | None = None) -> PatientMerge:
    """Fold the duplicate into the survivor; returns the merge (its `changes` let `unmerge` undo it)."""
    survivor = load(Patient, survivor_id, "patient")
    duplicate = load(Patient, duplicate_id, "patient")
    if survivor.id == duplicate.id:
        raise Refused("same_patient", "A record cannot be merged into itself.", 422)
    for patient in (survivor, duplicate):
        if patient.merged_into_id is not None:
            raise Refused("already_merged", f"{patient.name} ({patient.registry_id}) was already merged into "
                          "another record.", 409)
    keep = survivor.current_card
    if duplicate.current_card is not None and keep is None:
        raise Refused("survivor_without_card", f"{survivor.name} has no live card but {duplicate.name} has: "
                      "keep the record that holds the live card.", 409)
    db.session.flush()
    changes: dict = {"survivor_updated_at": survivor.updated_at.isoformat(),
                     "duplicate_updated_at": duplicate.updated_at.isoformat(), "moved": {}, "cards": [],
                     "filled": {}, "added": {}}
    for card in db.session.scalars(select(HealthCard).where(HealthCard.patient_id == duplicate.id,
                                                            HealthCard.superseded_by_id.is_(None))):
        if keep is not None:
            changes["cards"].append(cards.supersede_for_merge(card, keep, staff))
    for table, key, column in _references():
        ids = list(db.session.scalars(select(key).where(column == duplicate.id)))
        if ids:
            db.session.execute(update(table).where(key.in_(ids)).values({column.name: survivor.id, **_unchanged(table)}))
            changes["moved"][f"{table.name}.{column.name}"] = ids
    for name in LISTS:
        mine = list(getattr(survivor, name) or [])
        added = [item for item in (getattr(duplicate, name) or []) if item not in mine]
        if added:
            setattr(survivor, name, mine + added)
            changes["added"][name] = added
    for name in FILLABLE:
        if hasattr(Patient, name) and not getattr(survivor, name) and getattr(duplicate, name):
            setattr(survivor, name, getattr(duplicate, name))
            changes["filled"][name] = getattr(duplicate, name)
    duplicate.merged_into_id = survivor.id
    record = PatientMerge(survivor_id=survivor.id, duplicate_id=duplicate.id, staff_id=staff.id if staff else None,
                          reason=reason.strip()[:300], score=score, changes=changes)
    db.session.add(record)
    db.session.flush()
    db.session.expire_all()
    moved = {k: len(v) for k, v in changes["moved"].items()}
    for patient_id in (survivor.id, duplicate.id):
        audit.record("patient_merge", patient_id=patient_id, staff_id=staff.id if staff else None, merge_id=record.id,
                     survivor_id=survivor.id, duplicate_id=duplicate.id, moved=moved, cards=len(changes["cards"]))
    return record


def unmerge(merge_id: int, staff: StaffUser | None) -> PatientMerge:
    """Undo a merge: every value it changed goes back to what it was."""
    record = load(PatientMerge, merge_id, "merge")
    if record.undone_at is not None:
        raise Refused("already_undone", "This merge was already undone.", 409)
    survivor = db.session.get(Patient, record.survivor_id)
    duplicate = db.session.get(Patient, record.duplicate_id)
    if survivor.merged_into_id is not None:
        raise Refused("merged_again", f"{survivor.name} was merged into another record since; undo that first.", 409)
    changes = record.changes
    for before in changes["cards"]:
        card = db.session.get(HealthCard, before["id"])
        if card.status != "superseded" and before["status"] != card.status:
            raise Refused("card_changed", f"Card {card.number} changed since the merge; it cannot be put back.", 409)
    for before in changes["cards"]:
        cards.restore_after_unmerge(db.session.get(HealthCard, before["id"]), before, staff)
    references = {f"{table.name}.{column.name}": (table, key, column) for table, key, column in _references()}
    for name, ids in changes["moved"].items():
        table, key, column = references[name]
        db.session.execute(update(table).where(key.in_(ids), column == survivor.id)
                           .values({column.name: duplicate.id, **_unchanged(table)}))
    for name, added in changes["added"].items():
        setattr(survivor, name, [item for item in (getattr(survivor, name) or []) if item not in added])
    for name, value in changes["filled"].items():
        if getattr(survivor, name) == value:
            setattr(survivor, name, None)
    duplicate.merged_into_id = None
    survivor.updated_at = datetime.fromisoformat(changes["survivor_updated_at"])
    duplicate.updated_at = datetime.fromisoformat(changes["duplicate_updated_at"])
    record.undone_at, record.undone_by_id = utcnow(), staff.id if staff else None
    db.session.flush()
    db.session.expire_all()
    for patient_id in (record.survivor_id, record.duplicate_id):
        audit.record("patient_unmerge", patient_id=patient_id, staff_id=staff.id if staff else None,
                     merge_id=record.id)
    return record


def cards_changed(record: PatientMerge) -> list[tuple[str, str]]:
    """The duplicate's cards the merge superseded, as (printed number, status before the merge)."""
    found = {c.id: c for c in db.session.scalars(select(HealthCard).where(
        HealthCard.id.in_([before["id"] for before in record.changes.get("cards", [])])))}
    return [(card_number.pretty(found[before["id"]].number), before["status"])
            for before in record.changes.get("cards", []) if before["id"] in found]


def merges_of(patient_id: int) -> list[PatientMerge]:
    """Merges this record took part in, newest first."""
    return list(db.session.scalars(select(PatientMerge).where(
        (PatientMerge.survivor_id == patient_id) | (PatientMerge.duplicate_id == patient_id))
        .order_by(PatientMerge.id.desc())))


def added_as_seen(record: PatientMerge, role: str | None) -> dict[str, list | int]:
    """What the merge added to the kept record's lists, as `role` may see it: the items of a list its role reads
    (crm.staff.auth.patient_view), only how many of one it does not (the card office merges, it reads no allergies)."""
    seen = paths_of(role)
    return {name: items if f"clinical.{name}" in seen else len(items)
            for name, items in (record.changes.get("added") or {}).items()}

"""The tier-1 board: what an operator's queue page shows, read from the database in one go.

Socket events only say "look again"; a dashboard that (re)connects reads this. It carries masked
numbers and initials only: the name is shown once the case is claimed, in the audited screen-pop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from crm.cases import queue
from crm.helpline import presence
from crm.helpline.screenpop import masked_patient
from crm.models import Case, CaseEvent, Message, Patient, StaffUser
from crm.models.base import iso
from crm.platform.extensions import db
from triage import reader_needed
from triage.rules import RULESET

_LABELS = {r.id: (r.text.get("label_en", r.id), r.priority) for r in RULESET.rules}
EMERGENCY_OPEN = ("queued", "callback", "escalated")
EMERGENCIES_LISTED = 20


@dataclass
class Board:
    """Everything the queue page needs, as model objects plus per-case extras."""

    waiting: list[Case]
    scheduled: list[Case]
    mine: list[Case]
    counts: dict[str, int]
    emergencies_waiting: int
    emergencies: list[Case] = field(default_factory=list)
    extras: dict[int, dict] = field(default_factory=dict)


def read(staff: StaffUser, now: datetime) -> Board:
    """The tier-1 queue (priority, then wait), scheduled call-backs, this operator's cases, presence."""
    waiting = queue.waiting(queue.TIER1)
    scheduled = list(db.session.scalars(select(Case).where(
        Case.status == "callback", Case.queue == queue.SCHEDULED).order_by(Case.callback_due_at).limit(100)))
    mine = list(db.session.scalars(select(Case).where(
        Case.assigned_to_id == staff.id,
        (Case.status == "in_progress") | (Case.wrap_up_until > now)).order_by(Case.id)))
    unanswered = (Case.queue == queue.EMERGENCY) & Case.doctor_id.is_(None) & Case.status.in_(EMERGENCY_OPEN)
    emergencies = db.session.scalar(select(func.count()).select_from(Case).where(unanswered))
    listed = list(db.session.scalars(select(Case).where(unanswered).order_by(Case.queued_at, Case.id)
                                     .limit(EMERGENCIES_LISTED)))
    board = Board(waiting, scheduled, mine, presence.counts(), emergencies or 0, listed)
    board.extras = extras([*waiting, *scheduled, *mine])
    return board


def extras(cases: list[Case]) -> dict[int, dict]:
    """Per case: the masked patient, the red flags triage saw in SMS, the last inbound message time."""
    ids = {c.id for c in cases}
    if not ids:
        return {}
    patients = {p.id: p for p in db.session.scalars(select(Patient).where(
        Patient.id.in_({c.patient_id for c in cases if c.patient_id})))}
    flags: dict[int, list[str]] = {}
    for case_id, detail in db.session.execute(select(CaseEvent.case_id, CaseEvent.detail).where(
            CaseEvent.case_id.in_(ids), CaseEvent.kind == "sms_in").order_by(CaseEvent.id)):
        for rule in (detail or {}).get("rules", []):
            if (rule in _LABELS or reader_needed(rule)) and rule not in flags.setdefault(case_id, []):
                flags[case_id].append(rule)
    last_in = dict(db.session.execute(select(Message.case_id, func.max(Message.created_at)).where(
        Message.case_id.in_(ids), Message.direction == "inbound").group_by(Message.case_id)).all())
    result = {}
    for case in cases:
        patient = patients.get(case.patient_id)
        result[case.id] = {
            "patient": masked_patient(patient) if patient else None,
            "flags": [{"id": f, "label": reader_needed(f) or _LABELS[f][0], "priority": _LABELS[f][1] if f in _LABELS
                       else "P2"} for f in flags.get(case.id, [])],
            "callback_due_at": iso(case.callback_due_at),
            "wrap_up_until": iso(case.wrap_up_until),
            "last_inbound_at": iso(last_in.get(case.id)),
            "outcome": case.outcome,
            "reason": case.reason,
        }
    return result

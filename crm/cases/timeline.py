"""The case timeline (case_event): every state change, note, claim, escalation and message."""

from __future__ import annotations

from crm.extensions import db
from crm.models import Case, CaseEvent
from crm.models.base import utcnow


def add_event(case: Case, kind: str, staff_id: int | None = None, **detail) -> CaseEvent:
    """Append to the case timeline."""
    event = CaseEvent(case=case, kind=kind, staff_id=staff_id, detail=detail, at=utcnow())
    db.session.add(event)
    return event


def triage_tags(case: Case) -> list[str]:
    """Every rule triage matched over the case's messages, first seen first: tags accumulate."""
    seen: list[str] = []
    for event in case.events:
        if event.kind == "sms_in":
            for rule in (event.detail or {}).get("rules", []):
                if rule not in seen:
                    seen.append(rule)
    return seen

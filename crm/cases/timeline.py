"""The case timeline (case_event): every state change, note, claim, escalation and message."""

from __future__ import annotations

from sqlalchemy import CTE, ColumnElement, Insert, func, insert, literal, select

from crm.cases import counted
from crm.models import Case, CaseEvent
from crm.models.base import utcnow
from crm.platform.extensions import db


def add_event(case: Case, kind: str, staff_id: int | None = None, **detail) -> CaseEvent:
    """Append to the case timeline."""
    event = CaseEvent(case=case, kind=kind, staff_id=staff_id, detail=detail, at=utcnow())
    db.session.add(event)
    return event


def add_events_for(cases: CTE, kind: str, staff_id: ColumnElement, at: ColumnElement, **detail_columns) -> Insert:
    """The timeline rows of `kind` for every row of `cases` (a CTE of case rows), as one INSERT ... SELECT.

    For a PostgreSQL statement that changes cases and logs it in the same round trip. `staff_id` and `at`
    are SQL expressions (bind parameters); `detail_columns` name columns of `cases` that go into the event's
    detail (PostgreSQL's json_build_object).
    """
    detail = func.json_build_object(*[part for key, column in detail_columns.items()
                                      for part in (literal(key), cases.c[column])])
    rows = select(cases.c.id, at, literal(kind), staff_id, detail)
    return insert(CaseEvent).from_select(["case_id", "at", "kind", "staff_id", "detail"], rows).returning(CaseEvent.case_id)


def counted_for(logged: CTE) -> CTE:
    """The WITH query that marks the cases `logged` (a CTE of add_events_for) wrote, for the floor's figures."""
    return counted.pending_for(logged).cte("counted")


def triage_tags(case: Case) -> list[str]:
    """Every rule triage matched over the case's messages, first seen first: tags accumulate."""
    seen: list[str] = []
    for event in case.events:
        if event.kind == "sms_in":
            for rule in (event.detail or {}).get("rules", []):
                if rule not in seen:
                    seen.append(rule)
    return seen

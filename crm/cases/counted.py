"""Marking the cases whose figures changed (kpi_pending), in the transaction that changed them.

The floor's kept sums (crm.helpline.supervisor.aggregates) count a marked case again. A change through the ORM (a
case, its timeline, its call legs) is marked after each flush; a statement that writes the timeline itself marks
its cases with `PENDING_SQL` in the same statement.
"""

from __future__ import annotations

from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session

from crm.models import Call, Case, CaseEvent, KpiPending

# A WITH query of a statement whose `logged` query inserts timeline rows RETURNING case_id.
PENDING_SQL = "kc AS (INSERT INTO kpi_pending SELECT case_id FROM logged)"
# The same for an inbound text's statement, from the message it stores in its case.
PENDING_SQL_STORED = "kc AS (INSERT INTO kpi_pending SELECT case_id FROM stored)"
_MARK = text("INSERT INTO kpi_pending (case_id) SELECT unnest(CAST(:ids AS integer[]))")


def pending_for(logged):
    """The same mark for a SQLAlchemy statement: an INSERT of the case ids of `logged` (a CTE with case_id)."""
    return insert(KpiPending).from_select(["case_id"], logged.select().with_only_columns(logged.c.case_id))


def _case_id(row) -> int | None:
    if isinstance(row, Case):
        return row.id
    if isinstance(row, CaseEvent | Call):
        return row.case_id if row.case_id is not None else (row.case.id if row.case is not None else None)
    return None


@event.listens_for(Session, "after_flush")
def _mark(session: Session, _context) -> None:
    ids = {i for row in (*session.new, *session.dirty) if (i := _case_id(row)) is not None}
    if ids:
        session.connection().execute(_MARK, {"ids": sorted(ids)})

"""Writing the audit log: every view of a patient record leaves a row."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from crm import unit_of_work
from crm.extensions import db
from crm.models import AuditLog


def record(
    action: str,
    *,
    patient_id: int | None = None,
    case_id: int | None = None,
    card_number: str | None = None,
    via: str | None = None,
    staff_id: int | None = None,
    keep: bool = False,
    hospital_client_id: int | None = None,
    **detail,
) -> AuditLog:
    """Add an audit row for the current staff member (flushed; committed with the unit of work, or with
    `keep` even when the unit is rolled back, as a refused lookup is)."""
    if staff_id is None and has_request_context() and current_user.is_authenticated:
        staff_id = current_user.id
    row = AuditLog(
        action=action,
        staff_id=staff_id,
        patient_id=patient_id,
        case_id=case_id,
        card_number=card_number,
        via=via,
        hospital_client_id=hospital_client_id,
        ip=request.remote_addr if has_request_context() else None,
        detail=detail,
    )
    db.session.add(row)
    db.session.flush()
    if keep:
        fields = {c.key: getattr(row, c.key) for c in AuditLog.__table__.columns if c.key != "id"}
        unit_of_work.keep_on_rollback(db.session(), lambda: AuditLog(**fields))
    return row


def record_cases(action: str, cases, via: str | None = None) -> AuditLog | None:
    """One audit row for a read of several cases (a list, a queue): which cases, whose records."""
    shown = list(cases)
    if not shown:
        return None
    patients = sorted({c.patient_id for c in shown if c.patient_id})
    return record(action, via=via, case_id=shown[0].id if len(shown) == 1 else None,
                  patient_id=patients[0] if len(patients) == 1 else None,
                  cases=[c.id for c in shown][:500], patients=patients[:500], count=len(shown))

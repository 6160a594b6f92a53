"""Writing the audit log: every view of a patient record leaves a row."""

from __future__ import annotations

from collections.abc import Iterable

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import ColumnElement, Insert, Integer, String, bindparam, insert, literal, or_, select, text

from crm.models import AuditLog
from crm.models.base import utcnow
from crm.platform import unit_of_work
from crm.platform.extensions import db

# One INSERT, without RETURNING, built once: a lookup at the desk writes a row every time, and nothing reads
# the row back in the same request (an ORM object and its flush cost more than the rest of the lookup's SQL).
INSERT_ROW = insert(AuditLog.__table__)


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
    patients: Iterable[int] | None = None,
    **detail,
) -> None:
    """Write an audit row for the current staff member (sent now; committed with the unit of work, or with
    `keep` even when the unit is rolled back, as a refused lookup is). `patients`: every resident a read of several
    showed (each finds the row in their access log)."""
    if staff_id is None and has_request_context() and current_user.is_authenticated:
        staff_id = current_user.id
    row = {"at": utcnow(), "action": action, "staff_id": staff_id, "patient_id": patient_id, "case_id": case_id,
           "card_number": card_number, "via": via, "hospital_client_id": hospital_client_id, "ip": request.remote_addr if has_request_context() else None,
           "patient_ids": sorted({int(i) for i in patients if i is not None}) if patients is not None else None, "detail": detail}
    db.session.flush()  # rows this one refers to (a case, a patient) are written first
    db.session.execute(INSERT_ROW, row)
    if keep:
        unit_of_work.keep_on_rollback(db.session(), lambda: AuditLog(**row))


def record_each_patient(action: str, patient_ids, **kwargs) -> None:
    """One audit row per patient in `patient_ids` (one if there is none), so each patient's access log shows the read."""
    shown = sorted(set(patient_ids))
    if len(shown) <= 1:
        record(action, patient_id=shown[0] if shown else None, **kwargs)
        return
    for patient_id in shown:
        record(action, patient_id=patient_id, of=len(shown), **kwargs)


def seen_with(cards, action: str, staff: ColumnElement | None = None) -> Insert:
    """Audit rows written by the statement that reads: one per row of `cards` (a select of patient_id and
    number), with the bind parameters audit_at, audit_staff, audit_case, audit_via, audit_ip (see `seen_params`);
    `staff`: who read, when the statement itself finds them (a token's staff member), in place of audit_staff.

    For PostgreSQL, where a data-modifying WITH lets a read and its audit row share one round trip.
    """
    staff = bindparam("audit_staff", type_=Integer()) if staff is None else staff
    rows = select(bindparam("audit_at", type_=AuditLog.at.type), staff,
                  literal(action), cards.c.patient_id, bindparam("audit_case", type_=Integer()), cards.c.number,
                  bindparam("audit_via", type_=String()), bindparam("audit_ip", type_=String()),
                  literal({}, AuditLog.detail.type))
    return insert(AuditLog).from_select(
        ["at", "staff_id", "action", "patient_id", "case_id", "card_number", "via", "ip", "detail"], rows)


def seen_params(case_id: int | None, via: str) -> dict:
    """The bind parameters of a `seen_with` statement for the current staff member and request."""
    staff_id = current_user.id if has_request_context() and current_user.is_authenticated else None
    return request_params(case_id, via) | {"audit_staff": staff_id}


def request_params(case_id: int | None, via: str) -> dict:
    """The bind parameters of a `seen_with` statement that finds its staff member itself: when, which case, how,
    from where (this request's address)."""
    return {"audit_at": utcnow(), "audit_case": case_id, "audit_via": via,
            "audit_ip": request.remote_addr if has_request_context() else None}


def row_sql(detail: str, patients: str = "NULL") -> str:
    """SQL of one audit row for a data-modifying WITH (PostgreSQL), so that a read and its audit row share one round
    trip: its detail is the json expression `detail` and the residents it showed the integer[] expression `patients`
    (either may read the statement's other WITH queries); the bind parameters audit_at, audit_staff, audit_action,
    audit_case, audit_via, audit_ip (see `row_params`)."""
    return ("INSERT INTO audit_log (at, staff_id, action, case_id, via, ip, patient_ids, detail) SELECT "
            "CAST(:audit_at AS timestamptz), CAST(:audit_staff AS integer), :audit_action, CAST(:audit_case AS integer), "
            f":audit_via, :audit_ip, {patients}, {detail}")


def row_params(action: str, *, staff_id: int | None = None, case_id: int | None = None, via: str | None = None) -> dict:
    """The bind parameters of a `row_sql` statement: the current staff member (or `staff_id`) and request."""
    params = seen_params(case_id, via) | {"audit_action": action}
    return params | {"audit_staff": staff_id} if staff_id is not None else params


def record_cases(action: str, cases, via: str | None = None) -> None:
    """One audit row for a read of several cases (a list, a queue): which cases, whose records."""
    shown = list(cases)
    if not shown:
        return None
    patients = sorted({c.patient_id for c in shown if c.patient_id})
    return record(action, via=via, case_id=shown[0].id if len(shown) == 1 else None,
                  patient_id=patients[0] if len(patients) == 1 else None,
                  cases=[c.id for c in shown][:500], patients=patients, count=len(shown))


def about(patient_ids: Iterable[int]) -> ColumnElement[bool]:
    """The audit rows of a read of any of these residents: of one (patient_id) or of several at once (patient_ids).
    Call `plan_for_values()` in the transaction that runs it."""
    ids = sorted({int(i) for i in patient_ids if i is not None})
    if not ids:
        return AuditLog.id.is_(None)  # no resident: no row (id is never NULL)
    return or_(AuditLog.patient_id.in_(ids), AuditLog.patient_ids.overlap(ids))


def plan_for_values() -> None:
    """Plan this transaction's statements for their own values. psycopg prepares a statement run five times on a
    connection, and PostgreSQL may then keep one plan for any values: for `about`'s OR of two indexes, with dates,
    that plan walks the month's rows by time and filters them (0.3 s over three days of rows, minutes over a year),
    where the values' own plan reads the resident's index entries (under 1 ms). The searches that use it are a
    privacy officer's or a resident's, not a hot path: planning each one costs a few milliseconds."""
    db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

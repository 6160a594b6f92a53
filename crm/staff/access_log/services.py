"""Searching the audit log, reviewing break-the-glass reads, exporting what was found."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import false, select

from crm.models import AuditLog, Patient, StaffUser
from crm.models.base import DELHI, iso, local
from crm.platform import audit, replica, spreadsheets
from crm.platform.errors import Refused
from crm.platform.extensions import db

PAGE = 50
MAX_EXPORT = 10_000
REVIEWED = "break_glass_reviewed"


@dataclass(frozen=True)
class Query:
    """What the officer is looking for; every field is optional and bounded."""

    staff: str | None = None  # username
    patient: str | None = None  # registry id or patient id
    case_id: int | None = None
    action: str | None = None
    day_from: date | None = None
    day_to: date | None = None


def parse(args) -> Query:
    """A Query from the page's or the API's parameters; Refused 422 naming what is wrong."""
    def day(name: str) -> date | None:
        text = (args.get(name) or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text[:10])
        except ValueError as exc:
            raise Refused("bad_request", f"{name} must be a date like 2026-11-29.", 422) from exc

    case = (args.get("case") or "").strip().upper().removeprefix("SMP-")
    if case and not (case.isdigit() and len(case) < 19):
        raise Refused("bad_request", "case must be a case reference like SMP-00042.", 422)
    return Query(staff=(args.get("staff") or "").strip().lower()[:64] or None,
                 patient=(args.get("patient") or "").strip()[:40] or None, case_id=int(case) if case else None,
                 action=(args.get("action") or "").strip()[:40] or None, day_from=day("from"), day_to=day("to"))


def _statement(query: Query):
    """The matching rows newest first. The staff member and the patient are looked up first, so the search is one
    index per month ((staff_id, at), (patient_id, at), (case_id, at); a patient's reads among several residents from
    the patient_ids GIN index) read newest first up to the page, and the dates leave out the months outside them
    (crm.platform.partitions)."""
    statement = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if query.staff:
        staff_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == query.staff))
        statement = statement.where(AuditLog.staff_id == staff_id if staff_id else false())  # nobody by that name
    if query.patient:
        audit.plan_for_values()
        who = Patient.registry_id == query.patient
        if query.patient.isdigit() and len(query.patient) < 19:
            who = who | (Patient.id == int(query.patient))
        statement = statement.where(audit.about(db.session.scalars(select(Patient.id).where(who))))
    if query.case_id:
        statement = statement.where(AuditLog.case_id == query.case_id)
    if query.action:
        statement = statement.where(AuditLog.action == query.action)
    if query.day_from:
        statement = statement.where(AuditLog.at >= datetime.combine(query.day_from, time(), DELHI))
    if query.day_to:
        statement = statement.where(AuditLog.at < datetime.combine(query.day_to + timedelta(days=1), time(), DELHI))
    return statement


@replica.reads()
def search(query: Query, page: int = 1) -> tuple[list[dict], bool]:
    """One page of matching rows, newest first, and whether there are more; the search itself is audited."""
    rows = list(db.session.scalars(_statement(query).offset((page - 1) * PAGE).limit(PAGE + 1)))
    audit.record("search_audit_log", via="access_log", **_described(query))
    return _rows(rows[:PAGE]), len(rows) > PAGE


@replica.reads()
def export_csv(query: Query) -> str:
    """The matching rows as CSV (at most MAX_EXPORT, newest first); the export is audited."""
    rows = list(db.session.scalars(_statement(query).limit(MAX_EXPORT)))
    audit.record("export_audit_log", via="access_log", rows=len(rows), **_described(query))
    out = io.StringIO()
    writer = spreadsheets.writer(out)
    writer.writerow(["at (Delhi)", "staff", "role", "action", "patient_id", "residents shown", "case", "card", "via", "ip",
                     "detail"])
    for row in _rows(rows):
        writer.writerow([row["at_local"], row["staff"], row["role"], row["action"], row["patient_id"] or "",
                         row["patients"] or "", row["case"] or "", row["card"] or "", row["via"] or "", row["ip"] or "",
                         row["detail"]])
    return out.getvalue()


def glass_to_review(limit: int = 100) -> list[dict]:
    """Break-the-glass reads nobody has reviewed yet, oldest first."""
    reviewed = select(AuditLog.detail).where(AuditLog.action == REVIEWED)
    done = {d.get("audit_id") for d in db.session.scalars(reviewed)}
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "break_glass").order_by(AuditLog.at, AuditLog.id)
                              .limit(limit + len(done)))
    return _rows([r for r in rows if r.id not in done][:limit])


def review(audit_id: int, reviewer: StaffUser, verdict: str, note: str = "") -> None:
    """Record a supervisor's review of one break-the-glass read (justified / not justified)."""
    row = db.session.get(AuditLog, audit_id)
    if row is None or row.action != "break_glass":
        raise Refused("not_found", f"There is no break-the-glass read {audit_id}.", 404)
    if verdict not in ("justified", "not_justified"):
        raise Refused("bad_request", "The verdict is 'justified' or 'not_justified'.", 422)
    audit.record(REVIEWED, patient_id=row.patient_id, case_id=row.case_id, staff_id=reviewer.id, audit_id=row.id,
                 verdict=verdict, note=(note or "").strip()[:300])


def _described(query: Query) -> dict:
    """What was searched for, as the search's own audit row tells it ("action" is that row's own: the action
    searched for is "searched_action")."""
    return {("searched_action" if k == "action" else k): (v.isoformat() if isinstance(v, date) else v)
            for k, v in vars(query).items() if v is not None}



def _not_staff(row: AuditLog) -> str:
    """Who acted when no staff member did: a hospital system through the FHIR API (by name), or the system."""
    return str((row.detail or {}).get("client") or "hospital system") if row.hospital_client_id else "system"


def _rows(rows: list[AuditLog]) -> list[dict]:
    """The rows as the page shows them; their staff members read in one query (not one per row)."""
    ids = {row.staff_id for row in rows if row.staff_id}
    staff = {s.id: s for s in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(ids)))} if ids else {}
    return [_row(row, staff.get(row.staff_id)) for row in rows]


def _row(row: AuditLog, staff: StaffUser | None) -> dict:
    card = row.card_number
    return {"id": row.id, "at": iso(row.at), "at_local": local(row.at).strftime("%d %b %Y %H:%M:%S"),
            "staff": staff.username if staff else "", "staff_name": staff.name if staff else _not_staff(row),
            "role": staff.role if staff else ("hospital system" if row.hospital_client_id else ""), "action": row.action, "patient_id": row.patient_id,
            "case": f"SMP-{row.case_id:05d}" if row.case_id else None,
            "card": f"XXXX XXXX {card[8:]}" if card else None, "via": row.via, "ip": row.ip,
            "patients": len(row.patient_ids or ()),
            "detail": ", ".join(f"{k}: {v}" for k, v in sorted((row.detail or {}).items()))[:300]}

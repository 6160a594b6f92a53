"""Residents' requests under India's Digital Personal Data Protection Act, 2023: correct my data, erase my data.

A request is filed from the portal and changes nothing by itself. Health records (cases, notes, appointments) and
the card registry have legal retention duties, so what may be corrected or erased is decided by a person at the card
office, who marks the request done (saying what was changed) or refused (saying why); the resident reads the answer in
the portal and is texted the decision in their language through a registered (DLT) template.

open -> done | refused. Filing is rate limited per mobile (REQUESTS_PER_DAY, counted under an advisory lock so that
requests sent at once cannot all pass); a resident has at most one open erasure request (a partial unique index).
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.models import DataRequest, Patient, StaffUser
from crm.models.base import utcnow
from crm.models.citizen import (
    CORRECTABLE_FIELDS,
    DATA_REQUEST_ANSWER,
    DATA_REQUEST_KINDS,
    DATA_REQUEST_REASON,
    DATA_REQUEST_STATUSES,
    DATA_REQUEST_VALUE,
)
from crm.platform import audit, outbox, phones, sms_templates, turns
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.staff.auth.capabilities import can

REQUESTS_PER_DAY = 5  # per mobile: enough to ask for every correction at once, not enough to flood the card office
PAGE = 25
SMS_KIND = "data_request"
LANGUAGES = ("hi", "en", "pa", "ur")


def _words(text, most: int) -> str:
    return " ".join(str(text or "").split())[:most]


def submit(patient: Patient, mobile: str, kind: str, reason: str, language: str = "hi", field: str | None = None,
           correct_value: str | None = None) -> DataRequest:
    """File a correction or erasure request for `patient` (one of the mobile's own residents: the caller checks)."""
    if kind not in DATA_REQUEST_KINDS:
        raise Refused("bad_kind", _("Choose a correction or an erasure."), 422)
    reason = _words(reason, DATA_REQUEST_REASON)
    if kind == "correction":
        if field not in CORRECTABLE_FIELDS:
            raise Refused("bad_field", _("Choose what is wrong."), 422)
        correct_value = _words(correct_value, DATA_REQUEST_VALUE)
        if not correct_value:
            raise Refused("value_required", _("Write what it should say."), 422)
    else:
        field, correct_value = None, None
        if len(reason) < 3:
            raise Refused("reason_required", _("Please say why you want your data erased."), 422)
    _within_limit(mobile)
    if kind == "erasure" and db.session.scalar(select(DataRequest.id).where(
            DataRequest.patient_id == patient.id, DataRequest.kind == "erasure", DataRequest.status == "open")):
        raise Refused("already_requested", _("An erasure request for this person is already open."), 409)
    request = DataRequest(patient_id=patient.id, mobile=mobile, kind=kind, field=field, correct_value=correct_value,
                          reason=reason, language=language if language in LANGUAGES else "hi", status="open")
    db.session.add(request)
    db.session.flush()
    audit.record("data_request", patient_id=patient.id, via="portal", request=request.id, kind=kind, field=field,
                 citizen=phones.masked(mobile))
    return request


def _within_limit(mobile: str) -> None:
    # Requests of one mobile take turns: each counts what the one before it committed.
    turns.wait_for("data_request_mobile", mobile)
    since = utcnow() - timedelta(days=1)
    filed = db.session.scalar(select(func.count(DataRequest.id)).where(DataRequest.mobile == mobile,
                                                                       DataRequest.created_at >= since))
    if filed >= REQUESTS_PER_DAY:
        audit.record("data_request_limited", via="portal", keep=True, citizen=phones.masked(mobile), filed=filed)
        raise Refused("too_many_requests", _("You have sent many requests today. Please try again tomorrow."), 429)


def of_patients(patient_ids: list[int], page: int = 1, size: int = PAGE) -> tuple[list[DataRequest], bool]:
    """These residents' requests, newest first: one page, and whether there are more."""
    if not patient_ids:
        return [], False
    rows = list(db.session.scalars(select(DataRequest).where(DataRequest.patient_id.in_(patient_ids))
                                   .order_by(DataRequest.id.desc()).offset((page - 1) * size).limit(size + 1)))
    return rows[:size], len(rows) > size


def worklist(status: str | None = "open", page: int = 1) -> tuple[list[DataRequest], bool]:
    """The card office's list: open requests oldest first (the longest waiting on top); decided ones newest first."""
    query = select(DataRequest)
    if status in DATA_REQUEST_STATUSES:
        query = query.where(DataRequest.status == status)
    order = DataRequest.id.asc() if status == "open" else DataRequest.id.desc()
    rows = list(db.session.scalars(query.order_by(order).offset((page - 1) * PAGE).limit(PAGE + 1)))
    return rows[:PAGE], len(rows) > PAGE


def open_one(request: DataRequest, staff: StaffUser) -> DataRequest:
    """The card office opens a request: the resident's record is shown with it, so the view is audited."""
    _may_decide(staff)
    audit.record("data_request_opened", patient_id=request.patient_id, staff_id=staff.id, via="card_office",
                 request=request.id)
    return request


def decide(request_id: int, staff: StaffUser, outcome: str, answer: str) -> DataRequest:
    """Mark an open request done or refused, with the answer the resident reads; the resident is texted."""
    _may_decide(staff)
    if outcome not in ("done", "refused"):
        raise Refused("bad_outcome", "Choose done or refused.", 422)
    answer = _words(answer, DATA_REQUEST_ANSWER)
    if len(answer) < 3:
        raise Refused("answer_required", "Write the answer the resident will read: what was changed, or why not.", 422)
    # The row is locked: two registrars deciding at once are served one after the other, and the second is refused.
    request = db.session.scalar(select(DataRequest).where(DataRequest.id == request_id).with_for_update()
                                .execution_options(populate_existing=True))
    if request is None:
        raise Refused("not_found", f"There is no data request {request_id}.", 404)
    if request.status != "open":
        raise Refused("request_state", f"Request {request.reference} is already {request.status}.", 409)
    request.status, request.answer, request.decided_by_id, request.decided_at = outcome, answer, staff.id, utcnow()
    audit.record(f"data_request_{outcome}", patient_id=request.patient_id, staff_id=staff.id, via="card_office",
                 request=request.id, kind=request.kind)
    outbox.queue_sms(request.mobile, decision_text(request), kind=SMS_KIND)
    return request


def decision_text(request: DataRequest) -> str:
    """The registered text telling the resident of the decision, in the language they asked in."""
    return sms_templates.render(f"data_request_{request.status}", request.language, ref=request.reference)


def _may_decide(staff: StaffUser) -> None:
    # The views allow only the card office; the rule is kept here too, so no other caller can decide.
    if not can(staff, "card_office"):
        raise Refused("forbidden", "Only the card office decides data requests.", 403)


def kind_label(kind: str) -> str:
    """Correction or erasure, in the resident's language."""
    return {"correction": _("Correct my data"), "erasure": _("Erase my data")}.get(kind, kind)


def status_label(status: str) -> str:
    """The request's status, in the resident's language."""
    return {"open": _("Waiting for the card office"), "done": _("Done"), "refused": _("Not accepted")}.get(status, status)


def field_label(field: str | None) -> str:
    """What the resident said is wrong, in their language."""
    return {"name": _("Name"), "name_hi": _("Name in Hindi"), "dob": _("Date of birth"), "sex": _("Sex"),
            "address": _("Address"), "ward": _("Ward"), "mobile": _("Mobile number"), "epic": _("Voter ID"),
            "abha": _("ABHA number or address"), "blood_group": _("Blood group"),
            "emergency_contact": _("Emergency contact"), "household": _("Household"),
            "other": _("Something else")}.get(field or "", field or "")

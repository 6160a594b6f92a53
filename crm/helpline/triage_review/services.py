"""Which triaged messages need a clinician's label, the labels themselves, and their export as corpus rows.

Everything is read from the case timeline: "sms_in" and "speech" events carry the priority and the
rule ids triage gave (the floor is "unclassified_symptom", the model "model_P1" / "model_P2");
"assessed" and "escalated" events are staff's own judgement; a label is a "triage_label" event.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from crm.helpline.supervisor import alarm_burden
from crm.models import Case, CaseEvent, Message, StaffUser
from crm.models.base import local, utcnow
from crm.platform import audit, spreadsheets
from crm.platform.extensions import db
from triage import RULES_VERSION, classify, review_state, specialties
from triage.rules import PRIORITIES

TRIAGED = ("sms_in", "speech")
STAFF_JUDGED = ("assessed", "escalated")
LABEL = "triage_label"
REASONS = ("disagreed", "staff_changed", "unclassified")
PAGE_SIZE = 25
SCAN_LIMIT = 2000  # triaged events looked at per page view, newest first
SPECIALTIES = specialties.CODES  # the one registry
_LONG_NUMBER = re.compile(r"\d[\d\s-]{6,}\d")  # phone and card numbers never leave in an export


class ReviewError(ValueError):
    """A label that cannot be recorded (unknown message, priority or specialty)."""


@dataclass(frozen=True)
class Item:
    """One triaged message and why it is up for review."""

    event_id: int
    case_id: int
    at: datetime
    text: str
    priority: str
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    now: str  # what today's classify says
    staff_priority: str | None
    label: dict | None


def _text(event: CaseEvent, bodies: dict[int, str]) -> str:
    if event.kind == "speech":
        return str(event.detail.get("text") or "")
    return bodies.get(event.detail.get("message_id"), "")


def _reasons(rules: tuple[str, ...], priority: str, now: str, staff: str | None) -> tuple[str, ...]:
    reasons = []
    if any(r.startswith("model_") for r in rules) or now != priority:
        reasons.append("disagreed")  # the model raised the rules, or today's layers say otherwise
    if staff and staff != priority:
        reasons.append("staff_changed")
    if "unclassified_symptom" in rules:
        reasons.append("unclassified")
    return tuple(reasons)


def review_items(reason: str | None = None, page: int = 1) -> tuple[list[Item], bool]:
    """A page of triaged messages up for review, newest first, and whether there is a next page."""
    if reason is not None and reason not in REASONS:
        raise ReviewError(f"unknown reason {reason!r}")
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.kind.in_(TRIAGED)).order_by(CaseEvent.id.desc()).limit(SCAN_LIMIT)
    ).all()
    case_ids = {e.case_id for e in events}
    message_ids = [e.detail.get("message_id") for e in events if e.kind == "sms_in"]
    bodies = dict(db.session.execute(select(Message.id, Message.body).where(Message.id.in_(message_ids))).all())
    case_priority = dict(db.session.execute(select(Case.id, Case.priority).where(Case.id.in_(case_ids))).all())
    judged = set(
        db.session.scalars(select(CaseEvent.case_id).where(CaseEvent.case_id.in_(case_ids),
                                                          CaseEvent.kind.in_(STAFF_JUDGED)))
    )  # fmt: skip
    labels = _labels()
    items = []
    for event in events:
        text = _text(event, bodies)
        if not text.strip():
            continue
        rules = tuple(str(r) for r in event.detail.get("rules") or ())
        priority = str(event.detail.get("priority") or "P4")
        staff = case_priority.get(event.case_id) if event.case_id in judged else None
        now = classify(text).priority
        reasons = _reasons(rules, priority, now, staff)
        if reasons and (reason is None or reason in reasons):
            items.append(Item(event.id, event.case_id, event.at, text, priority, rules, reasons, now, staff,
                              labels.get(event.id)))  # fmt: skip
    start = (page - 1) * PAGE_SIZE
    shown = items[start : start + PAGE_SIZE]
    for case_id in sorted({i.case_id for i in shown}):
        audit.record("triage_review.view", case_id=case_id)
    return shown, len(items) > start + PAGE_SIZE


def _labels() -> dict[int, dict]:
    """The newest label of each triaged event."""
    rows = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == LABEL).order_by(CaseEvent.id)).all()
    return {int(e.detail["event_id"]): dict(e.detail, staff_id=e.staff_id, at=e.at) for e in rows}


def label(event_id: int, priority: str, specialty: str | None, staff: StaffUser) -> CaseEvent:
    """Record a clinician's priority (and specialty) for a triaged message; flushed, not committed."""
    if staff.role not in ("doctor", "supervisor"):
        raise ReviewError("only doctors and supervisors label triage")
    if priority not in PRIORITIES:
        raise ReviewError(f"priority must be one of {', '.join(PRIORITIES)}")
    if specialty is not None and specialty not in SPECIALTIES:
        raise ReviewError(f"unknown specialty {specialty!r}")
    event = db.session.get(CaseEvent, event_id)
    if event is None or event.kind not in TRIAGED:
        raise ReviewError("no triaged message with that id")
    bodies = {}
    if event.kind == "sms_in":
        message = db.session.get(Message, event.detail.get("message_id"))
        bodies = {message.id: message.body} if message else {}
    labelled = CaseEvent(case_id=event.case_id, kind=LABEL, staff_id=staff.id, detail={
        "event_id": event.id, "priority": priority, "specialty": specialty, "text": _text(event, bodies)[:500],
        "triage_priority": event.detail.get("priority"), "rules_version": RULES_VERSION,
    })  # fmt: skip
    db.session.add(labelled)
    db.session.flush()
    return labelled


def export_tsv() -> str:
    """Every message's newest label as corpus rows (text, expected_priority, expected_specialty, script)."""
    out = io.StringIO()
    rows = spreadsheets.writer(out, tabs=True)  # the text is a citizen's SMS: it starts no formula when opened
    rows.writerow(["text", "expected_priority", "expected_specialty", "script"])
    written = 0
    for detail in _labels().values():
        text = " ".join(_LONG_NUMBER.sub("<number>", detail["text"]).split())
        if text:
            rows.writerow([text, detail["priority"], detail.get("specialty") or "", classify(text).language])
            written += 1
    audit.record("triage_review.export", rows=written)
    return out.getvalue()


def rules_review() -> list[dict]:
    """The rules' versions, newest first, with their clinical review state (the one in use is first)."""
    return review_state()


CRIED_WOLF_DAYS = 30


def cried_wolf(today: date | None = None) -> dict:
    """The last 30 days' alarm burden, its rules ranked by the emergencies doctors closed as not an emergency."""
    last = today or local(utcnow()).date()
    return alarm_burden.burden(last - timedelta(days=CRIED_WOLF_DAYS - 1), last)

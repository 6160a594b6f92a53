"""What happened to one case, read from its timeline exactly as the floor's figures read it.

The case report (page and PDF), the doctor's panel and queue, and the figures (daily PDF, per-agent CSV) all take
their facts from here or from crm.helpline.supervisor.offers, which this reads: who finished the case (tier 1, a
doctor, a specialist after a referral, nobody: abandoned), how long the caller waited in each queue, who answered
(the one credited) and for how long they handled it, and why it is a case at all (the caller's own words and the
triage rules they matched, in plain language).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from crm.helpline.supervisor import kpis
from crm.helpline.supervisor import offers as timeline
from crm.models import Case, StaffUser
from crm.platform.extensions import db
from triage import specialties
from triage.rules import RULESET

QUEUE_NAMES = kpis.QUEUE_NAMES
# Triage's own names for what is not one rule, as a doctor or a team lead reads them.
NOT_A_RULE = {
    "unclassified_symptom": "Symptom words no rule covers (a person reviews them)",
    "model_P1": "Worded like past emergencies (the statistical check, no rule matched)",
    "model_P2": "Worded like past urgent contacts (the statistical check, no rule matched)",
}
_RULE_LABELS = {rule.id: rule.text.get("label_en", rule.id) for rule in RULESET.rules}
FINISHED = {
    "tier1": "Resolved at tier 1",
    "informed": "Resolved at tier 1: facility informed",
    "doctor": "Finished by a doctor",
    "referral": "Finished by a specialist after a referral",
    "abandoned": "Abandoned: the caller hung up before anyone answered",
    "callback": "Call-back scheduled",
    "with_doctor": "With a doctor now",
    "waiting_doctor": "Waiting for a doctor",
    "waiting": "Waiting to be answered",
    "in_progress": "With an operator now",
    "open": "Open",
}


def plain_rule(rule_id: str) -> str:
    """A triage rule id as a sentence ("chest_pain" -> its label), never the classifier's own jargon."""
    return NOT_A_RULE.get(rule_id) or _RULE_LABELS.get(rule_id) or rule_id.replace("_", " ").capitalize()


@dataclass
class Leg:
    """One queue the case was offered to: how long the caller waited, who answered, how long they handled it."""

    queue: str
    name: str
    waited: int | None  # seconds to answer or hang-up; None while still waiting
    answered_by: str | None
    handled: int | None  # seconds of talk and wrap-up (kpis.handle_seconds); None until done
    abandoned: bool
    waiting: bool


@dataclass
class Reason:
    """Why the contact is a case: the caller's words, the triage rules they matched, the operator's reason."""

    words: str | None
    via: str | None  # "speech", "sms", "whatsapp"
    rules: list[str] = field(default_factory=list)
    operator: str | None = None


@dataclass
class Record:
    """The facts of a case's report, from its timeline."""

    finished: str  # a key of FINISHED
    finished_text: str
    finished_by: str | None
    answered_by: str | None  # the person credited: who first answered the caller
    waited: int | None
    handled: int | None
    legs: list[Leg]
    reason: Reason


def reason(case: Case) -> Reason:
    """The caller's own first words (what they said to the phone menu, or their first text) and the plain-language
    triage rules matched over the case."""
    words = via = None
    rules: list[str] = []
    for event in case.events:
        detail = event.detail or {}
        if event.kind == "speech" and words is None and detail.get("text"):
            words, via = detail["text"], "speech"
        for rule in detail.get("rules", []) if event.kind in ("speech", "sms_in") else []:
            if rule not in rules:
                rules.append(rule)
    if words is None:
        first = next((m for m in case.messages if m.direction == "inbound" and m.body), None)
        if first is not None:
            words, via = first.body, first.channel or "sms"
    return Reason(words, via, [plain_rule(r) for r in rules], (case.reason or "").strip() or None)


def build(case: Case) -> Record:
    """The record of a case: who finished it, the waits and handle times per queue, the reason."""
    row = timeline.case_row(case.id)
    offers = timeline.offers([row]) if row else []
    named = {o.answered_by for o in offers if o.answered_by} | _doctor_finishers(case)
    names = {s.id: s.name for s in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(named)))} if named else {}
    legs = [Leg(o.queue, QUEUE_NAMES[o.queue], None if o.wait is None else round(o.wait),
                names.get(o.answered_by), _rounded(kpis.handle_seconds(o)) if o.answered else None,
                o.abandoned is not None, o.waiting) for o in offers]
    finished = _finished(case, row)
    finisher = next((names.get(e.staff_id) for e in reversed(case.events)
                     if e.kind == "resolved" and (e.detail or {}).get("by") == "doctor"), None)
    if finished in ("tier1", "informed", "callback"):
        finisher = names.get(offers[0].answered_by) if offers else None
    answered = next((o for o in offers if o.answered), None)
    handled = [leg.handled for leg in legs if leg.handled is not None]
    text = FINISHED[finished]
    if finished == "referral" and case.specialty:
        text += f" ({specialties.label(case.specialty)})"
    return Record(finished, text, finisher, names.get(answered.answered_by) if answered else None,
                  legs[0].waited if legs else None, sum(handled) if handled else None, legs, reason(case))


def _doctor_finishers(case: Case) -> set[int]:
    return {e.staff_id for e in case.events if e.kind == "resolved" and e.staff_id}


def _finished(case: Case, row: timeline.CaseRow | None) -> str:
    """Who finished the case, from its milestones (the same ones the figures count)."""
    if case.status == "abandoned":
        return "abandoned"
    if row is not None and row.doctor_done_at is not None:
        return "referral" if row.referrals else "doctor"
    if row is not None and row.outcome_at is not None and row.escalated_at is None:
        if row.outcome == "informed":
            return "informed"
        if row.outcome == "resolved":
            return "tier1"
    if case.status == "callback" and case.outcome == "callback":
        return "callback"
    return {"with_doctor": "with_doctor", "escalated": "waiting_doctor", "queued": "waiting", "callback": "waiting",
            "in_progress": "in_progress"}.get(case.status, "open")


def _rounded(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds)

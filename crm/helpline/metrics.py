"""The helpline's gauges for /metrics (crm.platform.metrics), read at scrape time with the floor's own definitions
(crm.helpline.supervisor.kpis): who waits and how long per queue (and per queue and language), the day's service level against its target,
agents per role and state, and texts sent per channel, provider and status. Labels are names, never people."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from crm.helpline.supervisor import kept, kpis
from crm.models import Message, StaffUser
from crm.models.base import utcnow
from crm.platform.extensions import db

RECENT = timedelta(minutes=15)  # the window of the message counts: long enough for a scrape every 15-60 s


def families() -> Iterable[tuple]:
    """Every gauge family of the helpline, as crm.platform.metrics.register expects."""
    now = utcnow()
    waiting = kpis.waiting(now)
    day = kept.day_figures(kpis.today(now), now)["queues"]
    yield ("sampark_queue_waiting", "Contacts waiting now, per floor queue (tier1 calls, texts, tier2, emergency).",
           ("queue",), [((q,), w["waiting"]) for q, w in waiting.items()])
    yield ("sampark_queue_longest_wait_seconds", "The longest wait now in each floor queue (0 when none waits).",
           ("queue",), [((q,), w["longest_wait"] or 0) for q, w in waiting.items()])
    by_language = kpis.waiting_by_language(now)
    yield ("sampark_queue_waiting_by_language", ("Contacts waiting now per floor queue and caller's language (hi, "
           "en, pa, ur): a language nobody on duty speaks shows here first."), ("queue", "language"),
           [(key, w["waiting"]) for key, w in by_language.items()])
    yield ("sampark_queue_longest_wait_by_language_seconds", "The longest wait now per floor queue and caller's language.",
           ("queue", "language"), [(key, w["longest_wait"] or 0) for key, w in by_language.items()])
    yield ("sampark_emergencies_waiting", "Emergencies no doctor has accepted yet.", (),
           [((), waiting["emergency"]["waiting"])])
    yield ("sampark_service_level_percent", ("Today's service level per queue (Delhi day), as on the floor's board; "
           "absent before the queue's first counted contact."), ("queue",),
           [((q,), f["service_level"]) for q, f in day.items() if f.get("service_level") is not None])
    yield ("sampark_service_level_target_percent", "Each queue's service-level target.", ("queue",),
           [((q,), f["target_percent"]) for q, f in day.items()])
    yield ("sampark_service_level_threshold_seconds", "Each queue's answer-within threshold.", ("queue",),
           [((q,), f["threshold_seconds"]) for q, f in day.items()])
    yield ("sampark_agents", "Active staff of the desks per role and presence.", ("role", "state"), _agents())
    yield ("sampark_messages_recent", ("Outbound texts written in the last 15 minutes, per channel, provider and "
           "status (failed and undelivered rising means the provider refuses)."), ("channel", "provider", "status"),
           _messages(now))


def _agents() -> list[tuple[tuple[str, str], int]]:
    rows = db.session.execute(
        select(StaffUser.role, StaffUser.presence, func.count())
        .where(StaffUser.active.is_(True), StaffUser.role.in_(("operator", "doctor", "supervisor")))
        .group_by(StaffUser.role, StaffUser.presence))
    return [((role, presence), count) for role, presence, count in rows]


def _messages(now) -> list[tuple[tuple[str, str, str], int]]:
    rows = db.session.execute(
        select(Message.channel, Message.status, func.count())
        .where(Message.direction == "outbound", Message.created_at >= now - RECENT)
        .group_by(Message.channel, Message.status))
    sms_provider = current_app.config.get("SMS_PROVIDER") or "twilio"
    return [((channel, sms_provider if channel == "sms" else "twilio", status), count)
            for channel, status, count in rows]

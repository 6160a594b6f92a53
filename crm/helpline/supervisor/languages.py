"""Waits and service level per caller's language: who waits for a speaker of theirs, and how fast they were answered.

Tier-1 calls only (the contacts routed by language, crm.helpline.distribution), the same definitions as the queue's
figures (crm.helpline.supervisor.kpis.queue_figures): service level = answered within the tier-1 threshold out of
those answered plus those who hung up after the short-abandon time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from crm.cases.legs import staff_on_legs
from crm.cases.queue import IS_WAITING, TIER1
from crm.helpline.supervisor import kpis
from crm.helpline.supervisor import offers as timeline
from crm.models import Case, StaffUser
from crm.models.staff import LANGUAGES
from crm.platform.extensions import db

NAMES = {"hi": "Hindi", "en": "English", "pa": "Punjabi", "ur": "Urdu"}
DEFINITION = ("Tier-1 calls by the caller's language: waiting now and the longest wait; today's offered, answered and "
              "service level (answered within the tier-1 threshold, of those answered or abandoned after the short-"
              "abandon time); operators available now who speak it.")


def by_language(sums: dict[str, dict], now: datetime) -> list[dict]:
    """One row per language of Delhi: waits now, today's figures (from the sums of its tier-1 offers), speakers
    available."""
    target = kpis.targets()["tier1"]
    waiting = {lang: (count, oldest) for lang, count, oldest in db.session.execute(
        select(Case.language, func.count(), func.min(Case.queued_at))
        .where(Case.queue == TIER1, Case.channel == "voice", IS_WAITING).group_by(Case.language))}
    available = db.session.execute(select(StaffUser.id, StaffUser.languages).where(
        StaffUser.active.is_(True), StaffUser.role == "operator", StaffUser.presence == "available")).all()
    busy = staff_on_legs() if available else set()
    busy |= set(db.session.scalars(select(Case.assigned_to_id).where(timeline.status_in(("in_progress",)),
                                                                     Case.assigned_to_id.is_not(None))))
    rows = []
    for lang in LANGUAGES:
        figures = kpis.figures_of("tier1", sums.get(lang) or dict.fromkeys(kpis.SUMS, 0), target)
        count, oldest = waiting.get(lang, (0, None))
        rows.append({
            "language": lang, "name": NAMES[lang], "waiting": count,
            "longest_wait": round((now - oldest).total_seconds()) if oldest else None,
            "offered": figures["offered"], "answered": figures["answered"], "service_level": figures["service_level"],
            "threshold_seconds": target.seconds, "target_percent": target.percent,
            "speakers_available": sum(1 for s in available if s.id not in busy and lang in (s.languages or [])),
        })
    return rows

"""Waits and service level per caller's language: who waits for a speaker of theirs, and how fast they were answered.

Tier-1 calls only (the contacts routed by language, crm.helpline.distribution), the same definitions as the queue's
figures (crm.helpline.supervisor.kpis.queue_figures): service level = answered within the tier-1 threshold out of
those answered plus those who hung up after the short-abandon time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, literal_column, select

from crm.cases.queue import IS_WAITING, TIER1
from crm.helpline.supervisor import kpis
from crm.models import Case, StaffUser
from crm.models.staff import LANGUAGES
from crm.platform import direct_sql
from crm.platform.extensions import db

NAMES = {"hi": "Hindi", "en": "English", "pa": "Punjabi", "ur": "Urdu"}
DEFINITION = ("Tier-1 calls by the caller's language: waiting now and the longest wait; today's offered, answered and "
              "service level (answered within the tier-1 threshold, of those answered or abandoned after the short-"
              "abandon time); operators available now who speak it.")


# A staff member's languages as a text array, in their order: psycopg reads that natively (a list of str), where the
# JSON column is parsed again per row (the board reads every agent's).
SPOKEN = literal_column("ARRAY(SELECT s.value FROM json_array_elements_text(staff_user.languages) WITH ORDINALITY "
                        "AS s (value, n) ORDER BY s.n)")
# The statements of a refresh, built and compiled once (crm.platform.direct_sql).
_WAITING = (select(Case.language, func.count(), func.min(Case.queued_at))
            .where(Case.queue == TIER1, Case.channel == "voice", IS_WAITING).group_by(Case.language))
_AVAILABLE = select(StaffUser.id, SPOKEN).where(StaffUser.active.is_(True), StaffUser.role == "operator",
                                                StaffUser.presence == "available")


def by_language(sums: dict[str, dict], now: datetime, busy: set[int]) -> list[dict]:
    """One row per language of Delhi: waits now, today's figures (from the sums of its tier-1 offers), speakers
    available: operators available and not `busy` (on a phone leg or holding a case: the board reads those once for
    every agent's row and these)."""
    target = kpis.targets()["tier1"]
    connection = db.session.connection()
    waiting = {lang: (count, oldest) for lang, count, oldest in direct_sql.run_on(connection, _WAITING, {}).all()}
    available = direct_sql.run_on(connection, _AVAILABLE, {}).all()
    rows = []
    for lang in LANGUAGES:
        figures = kpis.figures_of("tier1", sums.get(lang) or dict.fromkeys(kpis.SUMS, 0), target)
        count, oldest = waiting.get(lang, (0, None))
        rows.append({
            "language": lang, "name": NAMES[lang], "waiting": count,
            "longest_wait": round((now - oldest).total_seconds()) if oldest else None,
            "offered": figures["offered"], "answered": figures["answered"], "service_level": figures["service_level"],
            "threshold_seconds": target.seconds, "target_percent": target.percent,
            "speakers_available": sum(1 for staff_id, spoken in available if staff_id not in busy and lang in spoken),
        })
    return rows

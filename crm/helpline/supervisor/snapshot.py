"""The day's figures, computed once per change of the timeline and shared by every screen of this process.

Every case event makes each supervisor page and wallboard read the board; without this each of them
would recompute the same day (about a second for 20,000 cases, bench/README.md). The key is the newest
case_event id (any answer, abandon, outcome or ended call leg adds one) and how many contacts wait past their
threshold, so a figure is never stale.
One computation at a time: a screen that asks meanwhile waits for it and shares the result.
"""

from __future__ import annotations

import threading
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from crm.helpline.supervisor import kpis
from crm.models import CaseEvent
from crm.platform.extensions import db

_KEY = "sampark_board_snapshot"
_guard = threading.Lock()


def day_figures(day: date, now: datetime) -> dict:
    """kpis.day_figures(day, now), reused while no case event was written since."""
    app = current_app._get_current_object()
    with _guard:
        store = app.extensions.setdefault(_KEY, {"key": None, "value": None, "lock": threading.Lock()})
    # A contact still waiting past its threshold counts as missed from that moment, with no new event: the count of
    # those is part of the key.
    overdue = tuple(q["overdue"] for q in kpis.waiting(now).values())
    key = (day, db.session.scalar(select(func.max(CaseEvent.id))), tuple(sorted(kpis.settings().items())), overdue)
    with store["lock"]:
        if store["key"] != key:
            store["value"], store["key"] = kpis.day_figures(day, now), key
        return store["value"]


def forget() -> None:
    """Drop the shared figures (the benchmark measures a cold read with this)."""
    current_app.extensions.pop(_KEY, None)

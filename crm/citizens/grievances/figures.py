"""The supervisor's figures per grievance desk: open, overdue, resolved, median time to resolve, reopened and the
citizens' mean rating (one grouped query; the definitions live here only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, cast, func, select

from crm.citizens.grievances import desks, services
from crm.models import Grievance
from crm.models.base import utcnow

MAX_DESKS = 500


def per_desk(now: datetime | None = None) -> list[dict]:
    """One row per desk that holds a grievance, the desk with most overdue first."""
    from crm.platform.extensions import db

    now = now or utcnow()
    is_open = Grievance.status.in_(services.OPEN)
    answered = Grievance.resolved_at.isnot(None) & Grievance.status.notin_(services.OPEN)
    hours = func.extract("epoch", Grievance.resolved_at - Grievance.created_at) / 3600.0
    rows = db.session.execute(select(
        Grievance.routed_to,
        func.count().filter(is_open),
        func.count().filter(is_open & (Grievance.due_at < now)),
        func.count().filter(answered),
        func.percentile_cont(0.5).within_group(cast(hours, Float)).filter(answered),
        func.count().filter(Grievance.reopened > 0),
        func.avg(Grievance.rating),
        func.count(Grievance.rating),
    ).group_by(Grievance.routed_to).limit(MAX_DESKS)).all()
    named = desks.labels([row[0] for row in rows])
    figures = [{"desk": desk, "label": named[desk], "open": opened, "overdue": late, "resolved": done,
                "median_hours": round(median, 1) if median is not None else None, "reopened": reopened,
                "mean_rating": round(float(mean), 1) if mean is not None else None, "ratings": rated}
               for desk, opened, late, done, median, reopened, mean, rated in rows]
    return sorted(figures, key=lambda row: (-row["overdue"], -row["open"], row["label"]))

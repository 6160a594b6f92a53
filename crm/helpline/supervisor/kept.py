"""The day's and a period's figures read from the kept sums (crm.helpline.supervisor.aggregates).

A refresh reads one day's buckets (a row per queue, agent and language) and the contacts waiting now, whatever
the day's volume; a report reads one bucket per day and group. While the sums cannot be used (history not yet
counted, other thresholds in force) the same parts are worked out from the timeline instead.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, Date, DateTime, bindparam, cast, func, select, type_coerce
from sqlalchemy import case as sql_case

from crm.helpline.supervisor import aggregates, kpis
from crm.helpline.supervisor import offers as timeline
from crm.models import KpiBucket, KpiEmergency
from crm.platform import direct_sql, replica

_COLUMNS = (*kpis.SUMS, *aggregates.CASE_SUMS)


def _zero() -> dict:
    return dict.fromkeys(_COLUMNS, 0) | {"fcr_last_created": None}


def _from_sums(first: date, last: date, dims: tuple[str, ...], by: str, whole: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """{(day, dim, value, queue): sums} and {value of `by`: answered emergencies' waits} of the period, kept; added
    up by PostgreSQL over the period (day: `first`) unless `by` needs the days (day, week), and over the queues for
    the dims in `whole` (queue "")."""
    sums_query, waits_query = _sums_queries(dims, by, whole)
    # The read replica inside a report (crm.platform.replica.reads), else the primary.
    connection, period = replica.connection(), {"first": first, "last": last}
    keyed = 4 if by in ("day", "week") else 3
    names = (*_COLUMNS, "fcr_last_created")
    sums = {}
    for row in direct_sql.run_on(connection, sums_query, period).all():
        dim, value, queue, when = *row[:3], (row[3] if keyed == 4 else first)
        sums[(when, dim, value, queue)] = dict(zip(names, row[keyed:], strict=True))
    return sums, dict(direct_sql.run_on(connection, waits_query, period).all())


@functools.cache
def _sums_queries(dims: tuple[str, ...], by: str, whole: tuple[str, ...]) -> tuple:
    """The two statements of `_from_sums` for this shape, built once (compiled once: crm.platform.direct_sql), the
    period's first and last day their parameters."""
    first, last = bindparam("first", type_=Date), bindparam("last", type_=Date)
    queue = sql_case((KpiBucket.dim.in_(whole), ""), else_=KpiBucket.queue) if whole else KpiBucket.queue
    keys = [KpiBucket.dim, KpiBucket.value, queue] + ([KpiBucket.day] if by in ("day", "week") else [])
    # A sum of bigint is numeric in PostgreSQL: cast back, so the means divide integers as the timeline's do.
    # The newest contact counted is only compared with `now` (never shown): read as psycopg gives it, so no column of
    # the rows needs converting.
    columns = [cast(func.sum(getattr(KpiBucket, k)), BigInteger) for k in _COLUMNS] + [
        type_coerce(func.max(KpiBucket.fcr_last_created), DateTime(timezone=True))]
    sums = (select(*keys, *columns).where(KpiBucket.day.between(first, last), KpiBucket.dim.in_(dims))
            .group_by(*keys))
    group = KpiEmergency.groups[by].astext
    waits = select(group, func.array_agg(KpiEmergency.wait_us)).where(
        KpiEmergency.day.between(first, last), KpiEmergency.wait_us.is_not(None)).group_by(group)
    return sums, waits


def from_timeline(first: date, last: date, dims: tuple[str, ...], by: str, whole: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """The same, worked out from the timeline (the parts of every case of the period, added up here)."""
    start, end = kpis.delhi_day(first)[0], kpis.delhi_day(last)[1]
    targets, short = kpis.targets(), kpis.settings()["SHORT_ABANDON_SECONDS"]
    entry_days = aggregates.entry_days_between(start, end)
    sums: dict[tuple, dict] = {}
    waits = defaultdict(list)
    for row in timeline.case_rows(start, end):
        parts, emergency = aggregates.case_parts(row, entry_days.get(row.id, set()), targets, short)
        for (day, dim, value, queue), part in parts.items():
            day = date.fromisoformat(day)
            if first <= day <= last and dim in dims:
                slot = sums.setdefault((day, dim, value, "" if dim in whole else queue), _zero())
                created = part.get("fcr_created")
                kpis.add_sums(slot, {k: v for k, v in part.items() if k != "fcr_created"})
                if created is not None:
                    moment = aggregates.EPOCH + timedelta(microseconds=created)
                    slot["fcr_last_created"] = max(filter(None, (slot["fcr_last_created"], moment)))
        if emergency and emergency["wait_us"] is not None and first <= date.fromisoformat(emergency["day"]) <= last:
            waits[emergency["groups"][by]].append(emergency["wait_us"])
    return sums, waits


def _read(first: date, last: date, dims: tuple[str, ...], by: str = "day", whole: tuple[str, ...] = ()) -> tuple[dict, dict]:
    return (_from_sums if aggregates.fold() else from_timeline)(first, last, dims, by, whole)


def _overdue(day: date, now: datetime) -> dict[str, int]:
    """Per queue, the day's contacts still waiting past the threshold at `now` (read from the waiting cases only)."""
    start, end = kpis.delhi_day(day)
    targets = kpis.targets()
    missed = dict.fromkeys(kpis.QUEUES, 0)
    for offer in timeline.offers(timeline.waiting_rows()):
        if start <= offer.entered < end and kpis.overdue(offer, targets[offer.queue], now):
            missed[offer.queue] += 1
    return missed


def day_figures(day: date, now: datetime) -> dict:
    """The day's figures per queue, first-contact resolution and call-backs, and the sums per agent and per caller's
    language (tier 1), as the board shows them."""
    values, targets = kpis.settings(), kpis.targets()
    sums, waits = _read(day, day, ("all", "agent", "language", "case"), whole=("agent",))  # an agent: all queues
    missed = _overdue(day, now)
    emergency_waits = [w / 1_000_000 for day_waits in waits.values() for w in day_waits]
    queues = {q: kpis.figures_of(q, sums.get((day, "all", "", q), _zero()), t, missed[q], emergency_waits)
              for q, t in targets.items()}
    case = sums.get((day, "case", "", ""), _zero())
    agents = {int(value): {k: part[k] for k in kpis.SUMS} for (_day, dim, value, _queue), part in sums.items()
              if dim == "agent" and value.isdigit()}
    return {
        "queues": queues,
        "first_contact_resolution": kpis.fcr_figures(case["fcr_given"], case["fcr_resolved"],
                                                     case["fcr_last_created"], now),
        "callbacks_requested": case["callbacks"],
        "short_abandon_seconds": values["SHORT_ABANDON_SECONDS"], "abandon_target_percent": values["ABANDON_TARGET"],
        "agents": agents,
        "languages": {value: part for (_d, dim, value, queue), part in sums.items()
                      if dim == "language" and queue == "tier1"},
    }


def grouped(first: date, last: date, by: str) -> list[dict]:
    """One row per group and queue with the queue's figures over that group's contacts (a day, a week, a queue or
    a value of `by`), added up from the kept sums."""
    dim = "all" if by in ("day", "week", "queue") else by
    sums, waits = _read(first, last, (dim,), by)
    key = {"day": lambda d, v, q: d.isoformat(), "week": lambda d, v, q: kpis.week_of(d),
           "queue": lambda d, v, q: q}.get(by, lambda d, v, q: v)
    groups: dict[str, dict[str, dict]] = {}
    for (day, _dim, value, queue), part in sums.items():
        kpis.add_sums(groups.setdefault(key(day, value, queue), {}).setdefault(queue, {}),
                      {k: part[k] for k in kpis.SUMS})
    by_group = {group: [w / 1_000_000 for w in group_waits] for group, group_waits in waits.items()}
    result = []
    for group in sorted(groups):
        for queue, target in kpis.targets().items():
            if groups[group].get(queue, {}).get("offered"):
                result.append({"group": group} | kpis.figures_of(queue, groups[group][queue], target, 0,
                                                                 by_group.get(group) if queue == "emergency" else None))
    return result

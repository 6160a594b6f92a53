"""The floor's figures kept as sums, so a refresh or a quarter's report costs the same on a quiet or a busy day.

A case's share of the figures (its parts: per Delhi day, grouping value and queue, the sums of kpis.offer_sums,
first-contact resolution and call-backs) is worked out from its timeline by the same functions the board used to
run over the whole day. Whatever changes a case marks it in kpi_pending in the same transaction (crm.cases.counted);
`fold` counts the marked cases again: it takes their old parts out of kpi_bucket and puts the new ones in. Every
read folds first, so a screen shows what was committed before it asked. `rebuild` counts days again from the
timeline (a deployed system's history, or other thresholds in force: the sums were counted under kpi_basis).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ARRAY, Integer, any_, bindparam, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert

from crm.helpline.supervisor import kpis
from crm.helpline.supervisor import offers as timeline
from crm.models import CaseEvent, KpiBasis, KpiBucket, KpiCase, KpiEmergency
from crm.models.base import local
from crm.platform import direct_sql
from crm.platform.extensions import db

DIMENSIONS = ("all", "hour", "agent", "channel", "language", "priority", "outcome")
CASE_SUMS = ("fcr_given", "fcr_resolved", "callbacks")
_LOCK = 3205  # pg_advisory_xact_lock: one fold at a time
_BATCH = 2000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NOT_COUNTED = {"rebuild": "flask --app wsgi kpis rebuild"}  # the migration's note over existing history


def case_parts(row: timeline.CaseRow, entry_days: set[date], targets: dict, short: int) -> tuple[dict, dict | None]:
    """One case's parts {(day, dim, value, queue): sums} and its emergency offer (day, wait, group values)."""
    parts: dict[tuple, dict] = {}
    emergency = None
    entered_days = set()
    for offer in timeline.offers([row]):
        day = local(offer.entered).date().isoformat()
        entered_days.add(day)
        sums = kpis.offer_sums(offer, targets[offer.queue], short)
        for dim in DIMENSIONS:
            value = "" if dim == "all" else kpis.GROUPINGS[dim](offer)
            kpis.add_sums(parts.setdefault((day, dim, value, offer.queue), {}), sums)
        if offer.queue == "emergency":
            emergency = {"day": day, "wait_us": sums["wait_us"] if offer.answered else None,
                         "groups": {by: key(offer) for by, key in kpis.GROUPINGS.items()}}
    given, resolved = kpis.fcr_counts(row)
    for day in entered_days:
        if given:
            parts[(day, "case", "", "")] = {"fcr_given": 1, "fcr_resolved": resolved,
                                            "fcr_created": kpis.microseconds(row.created_at - EPOCH)}
    if row.callback_requested_at and (asked := local(row.callback_requested_at).date()) in entry_days:
        kpis.add_sums(parts.setdefault((asked.isoformat(), "case", "", ""), {}), {"callbacks": 1})
    return parts, emergency




def _entry_days(case_ids: list[int]) -> dict[int, set[date]]:
    """The Delhi days on which each case joined a queue (queued or escalated): the days it is a contact of."""
    return _days(direct_sql.run_on(db.session.connection(), _ENTRY_DAYS_OF, {"ids": case_ids}).all())


def entry_days_between(start: datetime, end: datetime) -> dict[int, set[date]]:
    """The same for every case that joined a queue in [start, end), of those days."""
    return _days(db.session.execute(_days_query((CaseEvent.at >= start) & (CaseEvent.at < end))))


def _days_query(condition):
    day = func.date(func.timezone("Asia/Kolkata", CaseEvent.at))
    return select(CaseEvent.case_id, day).where(condition, CaseEvent.kind.in_(timeline.ENTRY_KINDS)).distinct()


def _days(rows) -> dict[int, set[date]]:
    found: dict[int, set[date]] = defaultdict(set)
    for case_id, when in rows:
        found[case_id].add(when)
    return found


# The statements of counting a few cases again (a refresh after a case event), built and compiled once, the cases'
# ids one array (crm.platform.direct_sql): building and compiling them each time was most of the fold's CPU.
_IDS = bindparam("ids", type_=ARRAY(Integer))
_ENTRY_DAYS_OF = _days_query(CaseEvent.case_id == any_(_IDS))
_OLD_PARTS = select(KpiCase.case_id, KpiCase.parts).where(KpiCase.case_id == any_(_IDS))
_SUMMED = (*kpis.SUMS, *CASE_SUMS)
# The rows come as one JSON array, in the order of their key (two folds never wait on each other's rows).
_ADD_TO_BUCKETS = text(f"""
INSERT INTO kpi_bucket (day, dim, value, queue, fcr_last_created, {", ".join(_SUMMED)})
SELECT day, dim, value, queue, fcr_last_created, {", ".join(_SUMMED)}
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r (day date, dim text, value text, queue text,
     fcr_last_created timestamptz, {", ".join(f"{k} bigint" for k in _SUMMED)})
ORDER BY day, dim, value, queue
ON CONFLICT (day, dim, value, queue) DO UPDATE SET {", ".join(f"{k} = kpi_bucket.{k} + excluded.{k}" for k in _SUMMED)},
    fcr_last_created = greatest(kpi_bucket.fcr_last_created, excluded.fcr_last_created)""")
_STORE_PARTS = text("""
INSERT INTO kpi_case (case_id, parts) SELECT case_id, parts FROM json_to_recordset(CAST(:rows AS json)) AS r (case_id integer, parts json)
ON CONFLICT (case_id) DO UPDATE SET parts = excluded.parts""")
_FORGET_EMERGENCIES = text("DELETE FROM kpi_emergency WHERE case_id = ANY(CAST(:ids AS integer[]))")


def count_again(case_ids: list[int]) -> None:
    """Replace these cases' parts in the sums with their parts worked out from the timeline now."""
    values = kpis.settings()
    targets, short = kpis.targets(), values["SHORT_ABANDON_SECONDS"]
    for first in range(0, len(case_ids), _BATCH):
        batch = sorted(set(case_ids[first:first + _BATCH]))
        days = _entry_days(batch)
        new: dict[int, tuple[dict, dict | None]] = {i: ({}, None) for i in batch}
        for row in timeline.rows_of(batch):
            new[row.id] = case_parts(row, days.get(row.id, set()), targets, short)
        old = dict(direct_sql.run_on(db.session.connection(), _OLD_PARTS, {"ids": batch}).all())
        delta: dict[tuple, dict] = {}
        for case_id, (parts, _emergency) in new.items():
            for key, sums in _unpacked(old.get(case_id, [])).items():
                kpis.add_sums(delta.setdefault(key, {}), {k: -v for k, v in sums.items() if k != "fcr_created"})
            for key, sums in parts.items():
                slot = delta.setdefault(key, {})
                kpis.add_sums(slot, {k: v for k, v in sums.items() if k != "fcr_created"})
                if "fcr_created" in sums:  # the newest contact counted: a maximum, not a sum
                    slot["fcr_created"] = max(slot.get("fcr_created", 0), sums["fcr_created"])
        _add_to_buckets(delta)
        _store_parts(new)


def _unpacked(stored: list) -> dict[tuple, dict]:
    return {tuple(key): sums for key, sums in stored}


def _add_to_buckets(delta: dict[tuple, dict]) -> None:
    rows = []
    for (day, dim, value, queue), sums in delta.items():
        created = sums.pop("fcr_created", None)
        if not any(sums.values()) and created is None:
            continue
        row = {"day": day, "dim": dim, "value": value, "queue": queue,
               "fcr_last_created": (EPOCH + timedelta(microseconds=created)).isoformat() if created else None}
        rows.append(row | {k: sums.get(k, 0) for k in _SUMMED})
    if rows:
        db.session.execute(_ADD_TO_BUCKETS, {"rows": json.dumps(rows)})


def _store_parts(new: dict[int, tuple[dict, dict | None]]) -> None:
    ids = list(new)
    db.session.execute(_STORE_PARTS, {"rows": json.dumps([
        {"case_id": i, "parts": [[list(k), s] for k, s in parts.items()]} for i, (parts, _e) in new.items()])})
    db.session.execute(_FORGET_EMERGENCIES, {"ids": ids})
    emergencies = [{"case_id": i, "day": date.fromisoformat(e["day"]), "wait_us": e["wait_us"], "groups": e["groups"]}
                   for i, (_p, e) in new.items() if e]
    if emergencies:
        db.session.execute(insert(KpiEmergency).values(emergencies))


def _callers_earlier_cases(case_ids: list[int]) -> list[int]:
    """A new case of a caller changes the first-contact resolution of their cases of the week before."""
    return list(db.session.scalars(text("""
        SELECT DISTINCT earlier.id FROM "case" AS new JOIN "case" AS earlier ON earlier.caller_phone = new.caller_phone
        WHERE new.id = ANY(:ids) AND new.caller_phone LIKE '+%'
          AND earlier.created_at < new.created_at AND earlier.created_at >= new.created_at - make_interval(days => :days)
          AND NOT EXISTS (SELECT 1 FROM kpi_case WHERE kpi_case.case_id = new.id)"""),
        {"ids": case_ids, "days": kpis.FCR_DAYS}))


def fold() -> bool:
    """Count again every case marked since the last fold; False when the sums cannot be used (never built, or
    counted under other thresholds than those in force: `rebuild`)."""
    return _fold() is not None


def sweep(_now: datetime) -> int:
    """The sweeps' pass folds too, so marks never pile up on a floor nobody watches: how many cases it counted."""
    return _fold() or 0


def _fold() -> int | None:
    settings = kpis.settings()
    counted_under, ids = db.session.execute(_TAKE, {"n": _BATCH, "settings": json.dumps(settings)}).one()
    if counted_under is None:
        db.session.execute(_LOCK_SQL, {"key": _LOCK})
        if not _ready():
            return None
        ids = db.session.execute(_TAKE, {"n": _BATCH, "settings": json.dumps(settings)}).one()[1]
    elif counted_under != settings:
        return None
    done = 0
    while ids:
        db.session.execute(_LOCK_SQL, {"key": _LOCK})  # a case marked again meanwhile waits for this count
        ids = sorted(set(ids))  # a case marked by several changes is counted once
        count_again(ids + _callers_earlier_cases(ids))
        done += len(ids)
        ids = db.session.execute(_TAKE, {"n": _BATCH, "settings": json.dumps(settings)}).one()[1]
    return done


# One round trip when nothing changed: the basis, and the marked cases taken if the sums are usable.
_TAKE = text("""
WITH basis AS (SELECT CAST(settings AS jsonb) AS settings FROM kpi_basis WHERE id = 1
), taken AS (
    DELETE FROM kpi_pending WHERE ctid IN (SELECT ctid FROM kpi_pending LIMIT :n)
      AND EXISTS (SELECT 1 FROM basis WHERE settings = CAST(:settings AS jsonb)) RETURNING case_id
)
SELECT (SELECT settings FROM basis), ARRAY(SELECT case_id FROM taken)""")
_LOCK_SQL = text("SELECT pg_advisory_xact_lock(:key)")


def basis() -> dict | None:
    """The thresholds the sums were counted under (NOT_COUNTED: not yet usable; None: nothing counted yet)."""
    return db.session.scalar(select(KpiBasis.settings).where(KpiBasis.id == 1))


def _ready() -> bool:
    basis_now = basis()
    if basis_now is None:  # no history to count (the migration leaves a note to rebuild where there was)
        _set_basis(kpis.settings())
        return True
    return basis_now == kpis.settings()


def reset() -> None:
    """Forget every sum (before counting every day again under other thresholds); until `rebuilt`, the board and the
    reports read the timeline."""
    db.session.execute(_LOCK_SQL, {"key": _LOCK})
    for table in (KpiBucket, KpiCase, KpiEmergency):
        db.session.execute(delete(table))
    _set_basis(NOT_COUNTED)


def rebuild(first: date, last: date) -> int:
    """Count again every case that joined a queue between two Delhi days under the thresholds in force; returns how
    many cases were counted. Refused over sums counted under other thresholds (`reset` them first)."""
    db.session.execute(_LOCK_SQL, {"key": _LOCK})
    counted_under = basis()
    if counted_under not in (None, NOT_COUNTED, kpis.settings()):
        raise ValueError("The sums were counted under other thresholds: reset, then rebuild every day.")
    if counted_under is None:
        _set_basis(NOT_COUNTED)  # not to be used before the last day is counted
    ids = sorted(set(db.session.scalars(select(CaseEvent.case_id).where(
        CaseEvent.kind.in_(timeline.ENTRY_KINDS), CaseEvent.at >= kpis.delhi_day(first)[0],
        CaseEvent.at < kpis.delhi_day(last)[1]))))
    count_again(ids)
    return len(ids)


def rebuilt() -> None:
    """Every day is counted under the thresholds in force: the board and the reports read the sums from now on."""
    _set_basis(kpis.settings())


def _set_basis(settings: dict) -> None:
    db.session.execute(insert(KpiBasis).values(id=1, settings=settings).on_conflict_do_update(
        index_elements=["id"], set_={"settings": settings}))


def first_day() -> date | None:
    """The Delhi day of the first queue entry on the timeline (where a full rebuild starts)."""
    first = db.session.scalar(select(func.min(CaseEvent.at)).where(CaseEvent.kind.in_(timeline.ENTRY_KINDS)))
    return local(first).date() if first else None

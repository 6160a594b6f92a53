"""The timeline and the audit log, a partition a month (migrations/versions/0028_monthly_partitions.py and
crm/platform/partitions.py): the migration keeps every row both ways, the sweep makes the months ahead and drops the
months past their period (and only those), and a period shorter than the records it serves stops the start."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import psycopg
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, text

from crm.cases import retention as case_retention
from crm.config import ConfigError
from crm.models import AuditLog, Case, CaseEvent
from crm.models.base import utcnow
from crm.platform import partitions
from crm.platform.extensions import db
from tests import factories
from tests.conftest import MISSING, PG_URL, make_app

pytestmark = pytest.mark.pg
NO_DATABASE = "postgresql://nobody@127.0.0.1:9/none"  # the start is refused before any connection
BEFORE = "card_printing"  # the revision before the partitions (0027)
# Rows across month ends (UTC): the last second of a month and the first of the next fall in different partitions.
MOMENTS = [datetime(2025, 11, 15, 8, tzinfo=UTC), datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC),
           datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 12, 1, 4, tzinfo=UTC)]


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A database of its own (the shared test database's months must not change under other tests)."""
    if MISSING["pg"]:
        pytest.skip(MISSING["pg"])
    name = f"sampark_parts_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    app = make_app(tmp_path_factory.mktemp("parts"), DATABASE_URL=urlsplit(PG_URL)._replace(path=f"/{name}").geturl())
    with app.app_context():
        upgrade(revision=BEFORE)
        yield app
        db.session.remove()
        db.engine.dispose()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rows(table: str) -> list[tuple]:
    """Every row of `table` with the relation that holds it."""
    return [tuple(r) for r in db.session.execute(text(
        f"SELECT tableoid::regclass::text, id, at, kind_or_action FROM (SELECT tableoid, id, at, "
        f"{'kind' if table == 'case_event' else 'action'} AS kind_or_action FROM {table}) t ORDER BY id"))]


def _kind(table: str) -> str:
    return db.session.scalar(text("SELECT relkind FROM pg_class WHERE relname = :t"), {"t": table})


def test_the_migration_keeps_every_row_up_and_down_and_ids_go_on(database):
    staff = factories.make_staff("operator")
    # Core inserts, not the ORM: the ORM's flush also marks the case for the supervisor's kept sums (kpi_pending),
    # a table of a later migration than the schema this test starts from.
    case_id = db.session.scalar(insert(Case).values(channel="voice", status="closed", created_at=MOMENTS[0],
                                                    closed_at=MOMENTS[0]).returning(Case.id))
    for n, moment in enumerate(MOMENTS):
        db.session.execute(insert(CaseEvent).values(case_id=case_id, at=moment, kind=f"k{n}", staff_id=staff.id,
                                                    detail={"n": n}))
        db.session.execute(insert(AuditLog).values(at=moment, action=f"a{n}", staff_id=staff.id, case_id=case_id,
                                                   detail={"n": n}))
    db.session.commit()
    before = {t: [(id_, at, k) for _, id_, at, k in _rows(t)] for t in ("case_event", "audit_log")}
    db.session.remove()  # the migration's locks wait for no transaction of ours

    upgrade()
    db.session.remove()
    assert (_kind("case_event"), _kind("audit_log")) == ("p", "p")
    this_month = partitions.month_of(datetime.now(UTC))
    for table in ("case_event", "audit_log"):
        rows = _rows(table)
        assert [(id_, at, k) for _, id_, at, k in rows] == before[table]
        assert [where for where, *_ in rows] == [f"{table}_2025_11", f"{table}_2026_06", f"{table}_2026_07",
                                                 f"{table}_2026_12"]
        have = partitions.months(table)
        month = partitions.month_of(MOMENTS[0])
        while month <= this_month:  # every month from the oldest row's to three ahead, none missing
            assert month in have
            month = partitions.next_month(month)
        assert max(have) == partitions.next_month(partitions.next_month(partitions.next_month(this_month)))
    db.session.execute(insert(AuditLog).values(at=utcnow(), action="after", detail={}))
    db.session.commit()
    assert db.session.scalar(text("SELECT max(id) FROM audit_log")) == len(MOMENTS) + 1
    db.session.remove()

    downgrade(revision=BEFORE)
    db.session.remove()
    assert (_kind("case_event"), _kind("audit_log")) == ("r", "r")
    assert [(id_, at, k) for _, id_, at, k in _rows("case_event")] == before["case_event"]
    assert len(_rows("audit_log")) == len(MOMENTS) + 1
    assert db.session.scalar(text("SELECT count(*) FROM pg_class WHERE relname LIKE 'audit_log_20%'")) == 0
    db.session.remove()
    upgrade()  # for the sweep's test: the schema the app runs on
    db.session.remove()


def test_the_sweep_makes_the_months_ahead_and_drops_only_those_past_their_period(database):
    now = datetime(2030, 3, 10, 12, tzinfo=UTC)  # a fixed clock: the audit log keeps 1095 days, back to 11 Mar 2027
    staff = factories.make_staff("doctor")
    case = Case(channel="sms", status="closed", created_at=MOMENTS[0], closed_at=MOMENTS[0])
    db.session.add(case)
    db.session.flush()
    db.session.add_all([AuditLog(at=datetime(2027, 2, 28, 23, tzinfo=UTC), action="old", detail={}),  # past: goes
                        AuditLog(at=datetime(2027, 3, 20, tzinfo=UTC), action="kept", detail={}),  # inside
                        AuditLog(at=datetime(2030, 4, 2, tzinfo=UTC), action="ahead", staff_id=staff.id, detail={}),
                        CaseEvent(case_id=case.id, at=datetime(2027, 1, 5, tzinfo=UTC), kind="opened", detail={})])
    db.session.commit()
    assert _where("audit_log", "ahead") == "audit_log_default"  # no April 2030 yet
    db.session.commit()

    done = partitions.maintain(now)
    db.session.commit()
    assert done["partitions_made_audit_log"] == done["partitions_made_case_event"] == 4  # March to June 2030
    assert {partitions.partition_name("audit_log", m) for m in partitions.months("audit_log")} >= {
        "audit_log_2030_03", "audit_log_2030_04", "audit_log_2030_05", "audit_log_2030_06"}
    assert _where("audit_log", "ahead") == "audit_log_2030_04"  # taken out of the default partition
    assert min(partitions.months("audit_log")).isoformat() == "2027-03-01"
    assert [r[3] for r in _rows("audit_log")] == ["kept", "ahead"]
    assert done["partitions_dropped_case_event"] == 0 and _where("case_event", "opened") == "case_event_2027_01"

    # A period for the timeline: a month goes only once every case with an entry in it has been anonymised.
    database.config["RETENTION_CASE_EVENTS_DAYS"] = case_retention.CLOSED_CASES.days
    try:
        partitions.maintain(now)  # the months past the period with no entry go
        assert _where("case_event", "opened") == "case_event_2027_01"  # a case not anonymised yet keeps its month
        db.session.execute(text('UPDATE "case" SET anonymised_at = :now'), {"now": now})
        assert partitions.maintain(now)["partitions_dropped_case_event"] >= 1
        db.session.commit()
        assert _where("case_event", "opened") is None and min(partitions.months("case_event")).isoformat() == "2027-03-01"
        assert partitions.maintain(now) == {f"partitions_{verb}_{t}": 0 for t in ("case_event", "audit_log", "message")
                                            for verb in ("made", "dropped")}  # a second pass changes nothing
    finally:
        del database.config["RETENTION_CASE_EVENTS_DAYS"]
        db.session.rollback()


def _where(table: str, kind: str) -> str | None:
    return next((where for where, _, _, k in _rows(table) if k == kind), None)


@pytest.mark.parametrize("setting, days", [("RETENTION_AUDIT_LOG_DAYS", 364), ("RETENTION_AUDIT_LOG_DAYS", 1094),
                                           ("RETENTION_CASE_EVENTS_DAYS", 400), ("RETENTION_AUDIT_LOG_DAYS", "ever")])
def test_a_period_shorter_than_the_records_it_serves_stops_the_start(tmp_path, setting, days):
    with pytest.raises(ConfigError, match=setting):
        make_app(tmp_path, DATABASE_URL=NO_DATABASE, **{setting: days})


def test_the_audit_log_follows_the_cases_period(tmp_path):
    app = make_app(tmp_path, DATABASE_URL=NO_DATABASE, RETENTION_CLOSED_CASES_DAYS=2000)
    assert partitions.days_in_force(app.config, case_retention.AUDIT_LOG) == 2000
    assert partitions.days_in_force(app.config, case_retention.CASE_EVENTS) is None  # every month kept
    with pytest.raises(ConfigError, match="RETENTION_AUDIT_LOG_DAYS"):
        make_app(tmp_path, DATABASE_URL=NO_DATABASE, RETENTION_CLOSED_CASES_DAYS=2000, RETENTION_AUDIT_LOG_DAYS=1095)


def test_the_readme_states_the_audit_logs_period_in_force_and_its_setting(tmp_path):
    from crm.platform import retention
    from tests.ops.test_retention_readme import _table

    app = make_app(tmp_path, DATABASE_URL=NO_DATABASE)
    row = next(line for line in _table() if line.startswith("| audit log"))
    assert f"| {retention.period(partitions.days_in_force(app.config, case_retention.AUDIT_LOG))} after" in row
    assert row.endswith(f"`{case_retention.AUDIT_LOG.setting}` |")

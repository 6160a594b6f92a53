"""The texts, a partition a month (migrations/versions/0032_message_partitions.py, crm/cases/texts.py): the migration
keeps every row both ways and the claims of the last week's inbound texts, so a retry of a text stored before it is
still known; the sweep drops a month of texts only past RETENTION_MESSAGES_DAYS and only once every text in it has
been redacted and every case it is on anonymised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, text

from crm.cases import retention as case_retention
from crm.cases import texts
from crm.config import ConfigError
from crm.models import Case, Message
from crm.platform import partitions
from crm.platform.extensions import db
from tests.conftest import make_app
from tests.ops.test_partitions import NO_DATABASE, database  # noqa: F401  (a database of its own)

pytestmark = pytest.mark.pg
BEFORE = "kpi_aggregates"  # the revision before this one (0031)


def _messages() -> list[tuple]:
    return [tuple(r) for r in db.session.execute(text(
        "SELECT tableoid::regclass::text, id, sid, created_at, direction, body FROM message ORDER BY id"))]


def _kind(table: str) -> str:
    return db.session.scalar(text("SELECT relkind FROM pg_class WHERE relname = :t"), {"t": table})


def _store(provider_id: str, now: datetime):
    """An inbound text kept as every inbound text is (crm.cases.texts.STORE), in the unit of work."""
    return db.session.execute(texts.STORE, {
        "sid": provider_id, "case_id": None, "channel": "sms", "sender": "+919810000055", "helpline": "+911800112233",
        "body": "again", "script": None, "segments": 1, "now": now}).first()


def test_the_migration_keeps_every_text_up_and_down_and_a_recent_text_stays_known(database):  # noqa: F811
    upgrade(revision=BEFORE)
    db.session.remove()
    now = datetime.now(UTC).replace(microsecond=0)
    moments = [datetime(2025, 11, 15, 8, tzinfo=UTC), datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC),
               datetime(2026, 7, 1, tzinfo=UTC), now - timedelta(hours=1)]
    # Core inserts at the older schema (the ORM's flush would also write tables of later migrations).
    case_id = db.session.scalar(insert(Case).values(channel="sms", status="closed", created_at=moments[0],
                                                    closed_at=moments[0]).returning(Case.id))
    for n, moment in enumerate(moments):
        common = {"case_id": case_id, "from_number": "+919810000055", "to_number": "+911800112233",
                  "created_at": moment, "updated_at": moment, "status": "received", "segments": 1}
        db.session.execute(insert(Message).values(sid=f"SMin{n}", direction="inbound", body=f"in {n}", **common))
        db.session.execute(insert(Message).values(sid=None if n % 2 else f"SMout{n}", direction="outbound",
                                                  body=f"out {n}", **common))
    db.session.commit()
    before = [row[1:] for row in _messages()]
    db.session.remove()

    upgrade()
    db.session.remove()
    assert (_kind("message"), _kind("message_claim")) == ("p", "r")
    rows = _messages()
    assert [row[1:] for row in rows] == before
    assert [where for where, *_ in rows] == [
        partitions.partition_name("message", partitions.month_of(moment)) for moment in moments for _ in (0, 1)]
    # Only the inbound texts of the retry window are claimed: a retry of the hour-old one is known, stores nothing.
    assert db.session.scalars(text("SELECT sid FROM message_claim")).all() == ["SMin3"]
    assert _store("SMin3", now) is None
    assert _store("SMnew", now) is not None
    db.session.commit()
    assert db.session.scalar(text("SELECT max(id) FROM message")) == len(before) + 1  # the same sequence goes on
    db.session.remove()

    downgrade(revision=BEFORE)
    db.session.remove()
    assert _kind("message") == "r" and _kind("message_claim") is None
    assert [row[1:] for row in _messages()][:len(before)] == before
    assert db.session.scalar(text("SELECT count(*) FROM pg_class WHERE relname LIKE 'message_20%'")) == 0
    db.session.remove()
    upgrade()
    db.session.remove()


def test_the_sweep_drops_a_month_of_texts_only_past_its_period_and_once_redacted_and_anonymised(database):  # noqa: F811
    upgrade()
    now = datetime(2031, 3, 10, 12, tzinfo=UTC)
    case = Case(channel="sms", status="closed", created_at=datetime(2027, 1, 5, tzinfo=UTC),
                closed_at=datetime(2027, 1, 5, tzinfo=UTC))
    db.session.add(case)
    db.session.flush()
    old = datetime(2027, 1, 5, tzinfo=UTC)
    db.session.add_all([Message(case_id=case.id, direction="inbound", sid="SMjan", from_number="+919810000055",
                                to_number="+911800112233", body="old", created_at=old),
                        Message(direction="outbound", from_number="+911800112233", to_number="+919810000055",
                                body="kept", created_at=datetime(2029, 1, 5, tzinfo=UTC))])
    db.session.commit()
    assert partitions.maintain(now)["partitions_dropped_message"] == 0  # no period: every month kept
    database.config["RETENTION_MESSAGES_DAYS"] = case_retention.CLOSED_CASES.days
    try:
        partitions.maintain(now)  # months past the period with no text go; January 2027's text holds its month
        db.session.commit()
        assert _where("old") == "message_2027_01"
        db.session.execute(text("UPDATE message SET redacted_at = :now"), {"now": now})
        partitions.maintain(now)
        assert _where("old") == "message_2027_01"  # redacted, but its case not anonymised yet
        db.session.execute(text('UPDATE "case" SET anonymised_at = :now'), {"now": now})
        assert partitions.maintain(now)["partitions_dropped_message"] >= 1
        db.session.commit()
        assert _where("old") is None and _where("kept") is not None  # inside the period: kept
        assert min(partitions.months("message")) > datetime(2028, 3, 1).date()
    finally:
        del database.config["RETENTION_MESSAGES_DAYS"]
        db.session.rollback()


def _where(body: str) -> str | None:
    return next((where for where, _, _, _, _, b in _messages() if b == body), None)


@pytest.mark.parametrize("days", [1094, "ever"])
def test_a_texts_period_shorter_than_the_bodies_and_cases_stops_the_start(tmp_path, days):
    with pytest.raises(ConfigError, match="RETENTION_MESSAGES_DAYS"):
        make_app(tmp_path, DATABASE_URL=NO_DATABASE, RETENTION_MESSAGES_DAYS=days)
    app = make_app(tmp_path, DATABASE_URL=NO_DATABASE, RETENTION_MESSAGE_BODIES_DAYS=1500)
    assert partitions.days_in_force(app.config, case_retention.MESSAGES) is None  # unset: every month kept
    with pytest.raises(ConfigError, match="RETENTION_MESSAGES_DAYS"):
        make_app(tmp_path, DATABASE_URL=NO_DATABASE, RETENTION_MESSAGE_BODIES_DAYS=1500, RETENTION_MESSAGES_DAYS=1400)

"""An inbound text is stored once per provider id across the month boundary of the partitioned `message` table
(crm/cases/texts.py: the claim). A provider's retry minutes after midnight on the 1st falls in the next month's
partition; it must find the first copy's claim, whether it comes after it, before its commit or out of order."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from crm.cases import texts
from crm.models import Case, CaseEvent, Message, MessageClaim
from crm.platform import partitions
from crm.platform.extensions import db
from tests.telephony import twilio_sign
from tests.telephony.conftest import sid

pytestmark = pytest.mark.pg
HELPLINE = "+911800112233"


def _midnight() -> datetime:
    """The next month's first midnight (UTC): both months have their partitions (made three months ahead)."""
    month = partitions.next_month(partitions.month_of(datetime.now(UTC)))
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def _deliver(client, params: dict, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        response = twilio_sign.post(client, "/telephony/sms", params)
    assert response.status_code == 200


def _stored(provider_id: str) -> list[tuple[str, datetime]]:
    """The partition and time of every message stored under `provider_id`."""
    return [tuple(row) for row in db.session.execute(text(
        "SELECT tableoid::regclass::text, created_at FROM message WHERE sid = :sid"), {"sid": provider_id})]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deliveries=st.lists(st.tuples(st.integers(0, 2), st.integers(-180, 180)), min_size=1, max_size=7))
def test_copies_around_midnight_on_the_first_store_each_text_once_in_its_first_copys_month(client, deliveries):
    """Any order of copies of up to three texts, each within three minutes of the month's end: one message per
    provider id, in the month of the copy that came first, one timeline entry each and one acknowledgement."""
    midnight, sender = _midnight(), f"+9198{int(sid(''), 16) % 10**8:08d}"
    ids = [sid("SM") for _ in range(3)]
    first_at: dict[str, datetime] = {}
    for which, seconds in deliveries:
        at = midnight + timedelta(seconds=seconds)
        first_at.setdefault(ids[which], at)
        _deliver(client, {"MessageSid": ids[which], "AccountSid": "AC" + "0" * 32, "From": sender, "To": HELPLINE,
                          "Body": f"bukhar hai ({which})", "NumMedia": "0", "SmsStatus": "received"}, at)
    db.session.expire_all()
    for provider_id, at in first_at.items():
        assert _stored(provider_id) == [(partitions.partition_name("message", partitions.month_of(at)), at)]
    case = db.session.scalars(select(Case).where(Case.caller_phone == sender)).one()
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert kinds.count("sms_in") == len(first_at) and kinds.count("sms_out") == 1
    assert db.session.scalar(select(func.count()).select_from(Message).where(
        Message.case_id == case.id, Message.direction == "outbound")) == 1


def _store(connection, provider_id: str, now: datetime):
    return connection.execute(texts.STORE, {
        "sid": provider_id, "case_id": None, "channel": "sms", "sender": "+919810000077", "helpline": HELPLINE,
        "body": "STOP", "script": None, "segments": 1, "now": now}).first()


@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
def test_a_copy_racing_the_first_across_midnight_waits_for_it_and_stores_only_if_the_first_did_not(app, first_ends):
    """Two copies at once, one a millisecond before midnight and one after (different partitions): the second
    waits on the first's claim; it stores nothing if the first committed, and the text if the first rolled back."""
    midnight, provider_id = _midnight(), sid("SM")
    before, after = midnight - timedelta(milliseconds=1), midnight + timedelta(milliseconds=1)
    second_got = {}
    with db.engine.connect() as first, db.engine.connect() as second:
        assert _store(first, provider_id, before) is not None
        racer = threading.Thread(target=lambda: second_got.setdefault("row", _store(second, provider_id, after)))
        racer.start()
        racer.join(0.5)
        assert racer.is_alive()  # held on the first copy's claim, not stored beside it in the next month
        getattr(first, first_ends)()
        racer.join(10)
        second.commit()
    assert not racer.is_alive()
    if first_ends == "commit":
        assert second_got["row"] is None
        assert _stored(provider_id) == [(partitions.partition_name("message", partitions.month_of(before)), before)]
    else:
        assert second_got["row"] is not None
        assert _stored(provider_id) == [(partitions.partition_name("message", partitions.month_of(after)), after)]


def test_claims_are_forgotten_after_the_retry_window_and_kept_within_it(app):
    now = datetime.now(UTC)
    db.session.add_all([MessageClaim(sid="SMold", at=now - timedelta(days=texts.CLAIM_DAYS, seconds=1)),
                        MessageClaim(sid="SMnew", at=now - timedelta(days=texts.CLAIM_DAYS - 1))])
    db.session.commit()
    assert texts.forget_claims(now) == 1
    db.session.commit()
    assert db.session.scalars(select(MessageClaim.sid)).all() == ["SMnew"]
    assert texts.forget_claims(now) == 0

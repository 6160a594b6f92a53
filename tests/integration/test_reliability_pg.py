"""A lost database connection (failover, network cut) costs no text and stops no sweep."""

import psycopg
import pytest
from sqlalchemy import func, select

from crm.models import Message
from crm.platform import sweeps
from crm.platform.extensions import db
from crm.platform.jobs import HeldRunner
from tests.conftest import PG_URL
from tests.telephony.twilio_sign import post

pytestmark = pytest.mark.pg


def _cut_connections(database_url: str) -> int:
    """Terminate every server process of the database and wait (up to 5 s each) until they are gone."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        return len(conn.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = %s "
                                "AND pid <> pg_backend_pid()", (name,)).fetchall())


def _text(client, n: int, body: str):
    params = {"MessageSid": f"SM{n:032x}", "From": f"+91988880{n:04d}", "To": "+911800112233", "Body": body}
    return post(client, "/telephony/sms", params)


def test_texts_and_sweeps_go_on_after_every_database_connection_is_cut(pg_app, pg_database):
    pg_app.extensions["sampark_jobs"] = HeldRunner(pg_app)
    client = pg_app.test_client()
    assert _text(client, 1, "bukhar hai").status_code == 200
    db.session.remove()
    assert _cut_connections(pg_database) >= 1
    assert _text(client, 2, "saans nahi aa rahi").status_code == 200  # the pool notices and reconnects
    _cut_connections(pg_database)
    assert sweeps.run_guarded(pg_app) is not None
    inbound = db.session.scalar(select(func.count()).where(Message.direction == "inbound"))
    assert inbound == 2

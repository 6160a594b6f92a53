"""Sampark through PgBouncer in transaction mode (README, several machines): a private pgbouncer in front of the
test database, two server connections shared by every client, and the app's hottest paths through it.

In transaction mode a client gets a server connection for one transaction only, so whatever a connection keeps
between transactions is lost or, worse, met by another client: prepared statements (psycopg prepares a statement
it has run five times, and crm.platform.direct_sql prepares its own at once, each connection naming them
_pg3_0, _pg3_1, ...; on a shared server connection the second client's _pg3_0 "already exists"), SET without
LOCAL, session advisory locks, LISTEN. Sampark keeps SET LOCAL and transaction advisory locks only, and with
DATABASE_PREPARED_STATEMENTS=off sends no prepared statement (PgBouncer 1.18 here; from 1.21 it can keep them
with max_prepared_statements).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from urllib.parse import urlsplit

import psycopg
import pytest
from sqlalchemy import func, select

from crm.cases import lifecycle
from crm.models import AuditLog, Case, CaseEvent
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.staff.auth import tokens
from tests import factories
from tests.conftest import PGBOUNCER, TEST_DATABASE, make_app
from tests.telephony import twilio_sign
from tests.telephony.conftest import call_params, sid

pytestmark = [pytest.mark.pg, pytest.mark.pgbouncer]
ROUNDS = 8  # past psycopg's prepare threshold (5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def bouncer(tmp_path):
    """A pgbouncer of our own (port, ini) in transaction mode in front of the test database; yields its URL."""
    server = urlsplit(TEST_DATABASE.url())
    name, port = server.path.lstrip("/"), _free_port()
    ini = tmp_path / "pgbouncer.ini"
    ini.write_text(f"""[databases]
{name} = host={server.hostname} port={server.port} dbname={name} user={server.username}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 2
max_client_conn = 50
query_wait_timeout = 15
server_reset_query =
ignore_startup_parameters = extra_float_digits
{"user = postgres" if os.geteuid() == 0 else ""}
""")  # pgbouncer will not run as root: started as root, it becomes postgres
    process = subprocess.Popen([PGBOUNCER, str(ini)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"postgresql://{server.username}@127.0.0.1:{port}/{name}"
    deadline = time.monotonic() + 15
    while True:  # until it answers a query (or has exited)
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            break
        except psycopg.OperationalError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"pgbouncer did not start: {process.communicate()[0]}")
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def bounced_app(tmp_path, bouncer):
    """The app with DATABASE_URL on the pgbouncer, prepared statements off."""
    app = make_app(tmp_path, DATABASE_URL=bouncer, DATABASE_PREPARED_STATEMENTS="off")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_through_pgbouncer_in_transaction_mode_lookups_webhooks_and_claims_work(bounced_app, bouncer):
    app = bounced_app
    assert db.engine.url.port == urlsplit(bouncer).port != urlsplit(TEST_DATABASE.url()).port

    # The card lookup API (one prepared-by-default statement on its own autocommit connection), two clients.
    operator = factories.make_staff("operator")
    bearer = tokens.issue(operator)
    cards = [factories.make_card(factories.make_patient(name=f"Resident {n}")) for n in range(2)]
    db.session.commit()
    clients = [app.test_client(), app.test_client()]
    for n in range(ROUNDS):
        card = cards[n % 2]
        answer = clients[n % 2].post("/api/v1/lookup", json={"qr": card.qr_token},
                                     headers={"Authorization": f"Bearer {bearer}"})
        assert answer.status_code == 200, answer.data
        assert answer.json["card"]["number"] == card.number

    # Twilio's incoming-call webhook: each one statement (a data-modifying WITH), in autocommit.
    for n in range(ROUNDS):
        answer = twilio_sign.post(clients[n % 2], "/telephony/voice", call_params(sid("CA"), f"+9198100{n:05d}"))
        assert answer.status_code == 200 and b"<Response>" in answer.data, answer.data

    # Operators answering the next case: the claim's pick, update and timeline row in one statement, under a
    # transaction advisory lock (crm.platform.turns) sent in the same pipeline.
    for n in range(ROUNDS):
        lifecycle.open_case("voice", f"+9198200{n:05d}", status="queued", queue="tier1", queued_at=utcnow())
    db.session.commit()
    served = []
    for _ in range(ROUNDS):
        case = lifecycle.claim_next(factories.make_staff("operator"), ("tier1",))
        db.session.commit()
        served.append(case.id)
    assert len(set(served)) == ROUNDS
    claimed = db.session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "claimed"))
    assert claimed == ROUNDS
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2 * ROUNDS
    viewed = db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "view_patient"))
    assert viewed == ROUNDS

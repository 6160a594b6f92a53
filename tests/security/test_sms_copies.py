"""Eight copies of one signed SMS at once: one message, one case, one reply, and no 500."""

import threading

import pytest

from crm.models import Case, Message
from crm.platform.extensions import db
from tests.conftest import make_app
from tests.telephony import twilio_sign
from tests.telephony.conftest import sid

COPIES = 8


def _storm(app):
    params = {"MessageSid": sid("SM"), "AccountSid": "AC" + "0" * 32, "From": "+919810000077",
              "To": "+911800112233", "Body": "bukhar hai teen din se", "NumMedia": "0"}
    start, codes = threading.Barrier(COPIES), []

    def deliver():
        client = app.test_client()
        start.wait()
        codes.append(twilio_sign.post(client, "/telephony/sms", params).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


def _one_of_everything():
    db.session.expire_all()
    assert Message.query.filter_by(direction="inbound").count() == 1
    assert Case.query.count() == 1
    assert Message.query.filter_by(direction="outbound").count() == 1


@pytest.mark.pg
def test_concurrent_copies_on_postgresql(tmp_path, pg_database):
    from flask_migrate import downgrade, upgrade

    app = make_app(tmp_path, DATABASE_URL=pg_database, JOBS_HOLD=True, JOBS_EAGER=False)
    with app.app_context():
        upgrade()
        try:
            assert _storm(app) == [200] * COPIES
            _one_of_everything()
        finally:
            db.session.remove()
            downgrade(revision="base")
            db.engine.dispose()


def test_concurrent_copies_on_sqlite(app):
    assert _storm(app) == [200] * COPIES
    _one_of_everything()

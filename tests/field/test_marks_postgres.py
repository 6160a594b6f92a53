"""On PostgreSQL, the same mark arriving on several connections at once is recorded once (the phone resent
it while the first answer was still on its way)."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from crm.models import FieldMark, HealthCard
from crm.platform.extensions import db
from crm.residents.field import worklist
from tests import factories

pytestmark = pytest.mark.pg


def test_concurrent_resends_record_one_mark(pg_app):
    verifier = factories.make_staff("field_verifier")
    numbers = [factories.make_card(ward="Seelampur").number for _ in range(4)]
    worklist.assign("Seelampur", verifier.id, factories.make_staff("registrar"))
    db.session.commit()
    clients = []
    for _ in range(4):
        client = pg_app.test_client()
        assert client.post("/login", data={"username": verifier.username,
                                           "password": factories.PASSWORD}).status_code == 302
        clients.append(client)
    for number in numbers:
        payload = {"client_id": str(uuid.uuid4()), "card_number": number, "outcome": "delivered"}
        barrier = threading.Barrier(len(clients))
        statuses = []

        def send(client, payload=payload, barrier=barrier, statuses=statuses):
            barrier.wait()
            statuses.append(client.post("/api/v1/field/marks", json=payload).status_code)

        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(statuses) == [200, 200, 200, 201], statuses
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FieldMark)) == 4
    assert set(db.session.scalars(select(HealthCard.status))) == {"delivered"}


def test_two_marks_of_one_card_at_once_are_applied_one_after_the_other(pg_app):
    verifier = factories.make_staff("field_verifier")
    number = factories.make_card(ward="Seelampur").number
    worklist.assign("Seelampur", verifier.id, factories.make_staff("registrar"))
    db.session.commit()
    clients = []
    for _ in range(3):
        client = pg_app.test_client()
        client.post("/login", data={"username": verifier.username, "password": factories.PASSWORD})
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    answers = []

    def send(client):
        barrier.wait()
        payload = {"client_id": str(uuid.uuid4()), "card_number": number, "outcome": "verified"}
        answers.append(client.post("/api/v1/field/marks", json=payload).json["result"])

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers) == ["applied", "conflict", "conflict"]  # one verification; the others told so

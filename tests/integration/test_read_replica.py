"""Reads sent to a read replica (crm/platform/replica.py): reports, the access log, exports and FHIR searches.

The "replica" here is a second connection to the test database as a PostgreSQL role that can only read (SELECT
grants, read-only transactions): a statement routed wrongly to it fails, and each read path's SELECTs are seen
on it, so the routing itself is what is tested; streaming replication is PostgreSQL's (README, several machines).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import psycopg
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import MultiDict

from crm.models import AuditLog, Patient
from crm.platform import replica
from crm.platform.extensions import db
from tests import factories
from tests.conftest import TEST_DATABASE, app_with_schema


@pytest.fixture
def reader():
    """A login role that may only read this process's test database; dropped afterwards."""
    url = TEST_DATABASE.url()
    role = f"sampark_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
        conn.execute(f'ALTER ROLE "{role}" SET default_transaction_read_only = on')
    parts = urlsplit(url)
    yield role, parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}").geturl()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{role}"')
        conn.execute(f'DROP ROLE "{role}"')


@pytest.fixture
def replica_app(tmp_path, reader):
    """An app whose DATABASE_REPLICA_URL is the read-only role's connection; yields (app, role, statements seen)."""
    role, url = reader
    with app_with_schema(tmp_path, DATABASE_REPLICA_URL=url) as app:
        seen: list[str] = []
        event.listen(db.engines[replica.BIND], "before_cursor_execute",
                     lambda conn, cursor, statement, *args: seen.append(statement))
        yield app, role, seen
        db.session.remove()
        db.engines[replica.BIND].dispose()


def test_without_a_replica_every_read_stays_on_the_primary(app):
    factories.make_patient(name="Asha Devi")
    with replica.reads():
        assert db.session.scalar(select(func.current_user())) == urlsplit(TEST_DATABASE.url()).username
        assert db.session.scalar(select(func.count()).select_from(Patient)) == 1
    assert replica.BIND not in db.engines


def test_the_replica_connection_can_read_but_never_write(replica_app):
    _app, role, _seen = replica_app
    factories.make_patient(name="Asha Devi")
    db.session.commit()
    with replica.reads():
        assert db.session.scalar(select(func.current_user())) == role
        assert db.session.scalar(select(Patient.name)) == "Asha Devi"
        # Writes inside reads() still go to the primary: the ORM's flush, and text() statements.
        db.session.add(AuditLog(action="probe", detail={}))
        db.session.flush()
    assert db.session.scalar(select(func.current_user())) != role  # outside reads(): the primary
    db.session.commit()
    with db.engines[replica.BIND].connect() as connection, pytest.raises(DBAPIError):
        connection.execute(text("INSERT INTO audit_log (at, action, detail) VALUES (now(), 'x', '{}')"))


def test_the_access_log_search_and_export_read_on_the_replica(replica_app):
    from crm.staff.access_log import services as access_log

    app, _role, seen = replica_app
    officer = factories.make_staff(role="officer")
    patient = factories.make_patient(name="Asha Devi")
    db.session.add(AuditLog(action="view_patient", staff_id=officer.id, patient_id=patient.id, detail={}))
    db.session.commit()
    with app.test_request_context("/access-log"):
        rows, more = access_log.search(access_log.parse(MultiDict({"patient": str(patient.id)})))
        exported = access_log.export_csv(access_log.parse(MultiDict({"patient": str(patient.id)})))
        db.session.commit()  # their own audit rows went to the primary
    assert [r["action"] for r in rows] == ["view_patient"] and not more
    assert "view_patient" in exported
    assert sum("FROM audit_log" in s for s in seen) >= 2
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"search_audit_log", "export_audit_log"} <= actions


def test_reports_and_fhir_searches_read_on_the_replica(replica_app):
    from crm.helpline.supervisor import period_reports
    from crm.hospitals.fhir import search

    app, _role, seen = replica_app
    factories.make_patient(name="Asha Devi")
    db.session.commit()
    today = date.today()
    with app.test_request_context("/reports"):
        assert period_reports.grouped(today - timedelta(days=1), today, "queue") == []
        assert isinstance(period_reports.daily(today, datetime.now(UTC)), dict)
    assert any("case_event" in s for s in seen)
    seen.clear()
    with app.test_request_context("/fhir/Patient"):
        _rows, resources, total, _count, _offset = search.find("Patient", MultiDict({"name": "asha"}))
    assert total == 1 and resources[0]["resourceType"] == "Patient"
    assert any("FROM patient" in s for s in seen)

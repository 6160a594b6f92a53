"""The card office's jobs with the real services: on PostgreSQL the COPY merge holds one long transaction while
the job's progress is written on a connection of its own; on Redis the import is an rq job with a long timeout."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import create_engine, text

from crm.models import OfficeJob, Patient
from crm.platform.extensions import db
from crm.residents.card_office import work as office
from tests import factories
from tests.admin.test_card_office import BAD, csv_bytes
from tests.test_registry import GOOD


@pytest.mark.pg
def test_progress_is_visible_outside_the_import_transaction(pg_app, monkeypatch):
    monkeypatch.setattr(office, "PROGRESS_ROWS", 1)
    monkeypatch.setattr(office, "PROGRESS_SECONDS", 0)
    seen = []
    outside = create_engine(pg_app.config["SQLALCHEMY_DATABASE_URI"])

    def look(kind, payload, to=None):
        # What another web process would read now, while the import's transaction is still open.
        with outside.connect() as connection:
            row = connection.execute(text("SELECT status, done, total FROM office_job WHERE id = :id"),
                                     {"id": payload["id"]}).one()
            patients = connection.execute(text("SELECT count(*) FROM patient")).scalar_one()
        seen.append((payload["stage"], tuple(row), patients))

    monkeypatch.setattr(office.socketio, "emit", look)
    client, _ = factories.logged_in(pg_app, "registrar")
    response = client.post("/card-office/imports", data={"file": (io.BytesIO(csv_bytes(*GOOD, BAD)), "east.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    job = OfficeJob.query.one()
    assert (job.status, job.done, job.total, job.rejected, job.result["created"]) == ("done", 4, 4, 1, 3)
    assert Patient.query.count() == 3
    reading = [s for s in seen if s[0] == "reading"]
    assert reading and all(status == "running" and patients == 0 for _, (status, _, _), patients in reading)
    assert seen[-1] == ("done", ("done", 4, 4), 3)
    outside.dispose()
    db.session.remove()


@pytest.mark.redis
def test_an_import_is_queued_on_rq_with_a_long_timeout(tmp_path):
    from rq import Queue

    from crm.platform.jobs import redis_connection
    from tests.conftest import REDIS_URL, app_with_schema

    with app_with_schema(tmp_path, REDIS_URL=REDIS_URL, JOBS_EAGER=False) as app:
        Queue("default", connection=redis_connection(REDIS_URL)).empty()
        client, _ = factories.logged_in(app, "registrar")
        client.post("/card-office/imports", data={"file": (io.BytesIO(csv_bytes(*GOOD)), "east.csv")},
                    content_type="multipart/form-data")
        job = OfficeJob.query.one()
        queued = Queue("default", connection=redis_connection(REDIS_URL)).fetch_job(f"office-{job.id}")
        try:
            assert queued.args[:2] == (office.IMPORT_JOB, job.id) and queued.timeout == office.JOB_TIMEOUT
        finally:
            queued.delete()

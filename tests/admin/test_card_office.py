"""The card office's jobs: a registry upload checked and imported with progress, rejects, bulk card issue."""

from __future__ import annotations

import io

import pytest

from crm.models import AuditLog, HealthCard, OfficeJob, Patient
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.card_office import work as office
from crm.residents.registry import REQUIRED_COLUMNS
from tests import factories
from tests.test_registry import GOOD

HEADER = ",".join(REQUIRED_COLUMNS)
BAD = "R4,,No Sex,,1980-01-01,,Q,,HH2,,,self"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def upload(client, data: bytes, name: str = "delhi.csv", path: str = "/card-office/imports"):
    return client.post(path, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.fixture
def events(monkeypatch):
    """The progress events the job sends, as (payload, room)."""
    sent = []
    monkeypatch.setattr(office.socketio, "emit", lambda kind, payload, to=None: sent.append((kind, payload, to)))
    return sent


def test_upload_imports_as_a_job_with_progress_and_rejects(app, client, login, events, monkeypatch):
    monkeypatch.setattr(office, "PROGRESS_ROWS", 1)
    monkeypatch.setattr(office, "PROGRESS_SECONDS", 0)
    registrar = login("registrar")
    response = upload(client, csv_bytes(*GOOD, BAD))
    assert response.status_code == 303
    job = OfficeJob.query.one()
    assert response.headers["Location"].endswith(f"/card-office/?job={job.id}#job-{job.id}")
    assert (job.status, job.done, job.total, job.rejected) == ("done", 4, 4, 1)
    assert job.result["created"] == 3 and job.result["reasons"] == {"sex": 1}
    assert Patient.query.count() == 3
    kinds = {kind for kind, _, _ in events}
    rooms = {to for _, _, to in events}
    assert kinds == {"office.progress"} and rooms == {f"staff:{registrar.id}"}
    stages = [payload["stage"] for _, payload, _ in events]
    assert stages[0] == "counting" and "reading" in stages and stages[-1] == "done"
    dones = [payload["done"] for _, payload, _ in events]
    assert dones == sorted(dones) and dones[-1] == 4
    assert all("Ramesh" not in str(payload) for _, payload, _ in events)  # counts only, never a resident
    assert client.get(f"/api/v1/card-office/jobs/{job.id}").json["rejects"] is True
    rejects = client.get(f"/card-office/jobs/{job.id}/rejects.csv")
    assert rejects.status_code == 200 and "attachment" in rejects.headers["Content-Disposition"]
    assert "sex 'Q' is not M, F or O" in rejects.get_data(as_text=True)
    assert {r.action for r in AuditLog.query} >= {"registry_upload", "registry_import", "registry_rejects_download"}
    assert [p.name for p in office.upload_dir().iterdir()] == [f"{job.stored_name[:-4]}.rejects.csv"]  # upload gone


@pytest.mark.parametrize("data, name, message", [
    (csv_bytes(*GOOD), "delhi.xlsx", "is not a .csv file"),
    (csv_bytes(*GOOD, header="id,name,sex"), "delhi.csv", "missing the column(s) registry_id, epic"),
    (b"PK\x03\x04\x00\x00binary", "delhi.csv", "not a text CSV"),
    ("registry_id\n".encode("utf-16"), "delhi.csv", "not a text CSV"),
    (b"", "delhi.csv", "empty"),
])
def test_a_wrong_file_is_refused_with_a_clear_message(app, client, login, data, name, message):
    login("registrar")
    response = upload(client, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert OfficeJob.query.count() == 0
    assert list(office.upload_dir().iterdir()) == []  # nothing kept of a refused file


def test_the_upload_size_is_bounded_by_the_setting(tmp_path):
    from tests.conftest import app_with_schema

    with app_with_schema(tmp_path, REGISTRY_UPLOAD_MAX_MB=1) as app:
        client, _ = factories.logged_in(app, "registrar")
        big = csv_bytes(*GOOD * 7000)
        assert len(big) > 1024 * 1024
        response = upload(client, big)
        assert response.status_code == 413 and "larger than 1 MB" in response.get_data(as_text=True)
        api = upload(client, big, path="/api/v1/card-office/imports")
        assert api.status_code == 413 and api.json["error"] == "too_large"
        assert OfficeJob.query.count() == 0


def test_a_file_past_the_server_limit_gets_the_same_words(tmp_path):
    from tests.conftest import app_with_schema

    with app_with_schema(tmp_path, REGISTRY_UPLOAD_MAX_MB=1) as app:
        app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # what the server itself takes
        client, _ = factories.logged_in(app, "registrar")
        response = upload(client, csv_bytes(*GOOD * 9000))
        assert response.status_code == 413 and "larger than 1 MB" in response.get_data(as_text=True)


def test_a_file_whose_rows_break_the_import_ends_failed_with_its_reason(app, client, login, events, monkeypatch):
    login("registrar")
    monkeypatch.setattr(office, "_check_header", lambda path, name: None)  # as if the header changed after upload
    upload(client, csv_bytes(*GOOD, header="id,name"))
    job = OfficeJob.query.one()
    assert job.status == "failed" and "missing the column(s)" in job.error
    assert events[-1][1]["status"] == "failed"


def test_bulk_issue_gives_every_resident_without_a_card_one(app, client, login, events):
    login("registrar")
    for _ in range(5):
        factories.make_patient()
    factories.make_card()
    assert office.missing_cards() == 5
    response = client.post("/api/v1/card-office/card-issue")
    assert response.status_code == 202
    job = db.session.get(OfficeJob, response.json["id"])
    assert (job.status, job.done, job.total, job.result) == ("done", 5, 5, {"issued": 5})
    assert HealthCard.query.count() == 6 and office.missing_cards() == 0
    assert events[-1][1]["status"] == "done"
    again = client.post("/api/v1/card-office/card-issue")
    assert again.status_code == 409 and again.json["error"] == "nothing_to_do"


def test_one_bulk_issue_at_a_time(app):
    registrar = factories.make_staff("registrar")
    factories.make_patient()
    db.session.add(OfficeJob(kind="card_issue", started_by_id=registrar.id, status="running"))
    db.session.flush()
    with pytest.raises(Refused) as refused:
        office.start_card_issue(registrar)
    assert refused.value.code == "busy"


def test_the_page_reads_the_state_of_a_running_import(app, client, login):
    registrar = login("registrar")
    job = OfficeJob(kind="registry_import", started_by_id=registrar.id, file_name="east.csv", status="running",
                    stage="reading", done=1500, total=6000, rejected=12)
    db.session.add(job)
    db.session.commit()
    page = client.get(f"/card-office/?job={job.id}").get_data(as_text=True)
    assert f'data-job="{job.id}"' in page and 'max="6000" value="1500"' in page and "east.csv" in page
    state = client.get(f"/api/v1/card-office/jobs/{job.id}").json
    assert (state["status"], state["done"], state["total"], state["rejected"], state["rejects"]) == \
        ("running", 1500, 6000, 12, False)
    assert client.get(f"/card-office/jobs/{job.id}/rejects.csv").status_code == 409


def test_a_registrar_connects_to_the_socket_for_progress(app, client, login):
    from crm.platform.extensions import socketio

    registrar = login("registrar")
    socket = socketio.test_client(app, flask_test_client=client)
    assert socket.is_connected()
    socketio.emit("office.progress", {"id": 7}, to=f"staff:{registrar.id}")
    assert [e["name"] for e in socket.get_received()] == ["office.progress"]


def test_a_job_nobody_runs_any_more_is_shown_as_stopped(app, client, login):
    from datetime import timedelta

    from crm.models.base import utcnow

    registrar = login("registrar")
    factories.make_patient()
    old = utcnow() - timedelta(minutes=10)
    job = OfficeJob(kind="card_issue", started_by_id=registrar.id, status="running", stage="issuing", done=200,
                    total=900, created_at=old, updated_at=old)
    fresh = OfficeJob(kind="registry_import", started_by_id=registrar.id, status="running", stage="reading",
                      file_name="east.csv", updated_at=utcnow())
    db.session.add_all([job, fresh])
    db.session.commit()
    state = client.get(f"/api/v1/card-office/jobs/{job.id}").json
    assert state["status"] == "failed" and "start it again" in state["error"]
    assert client.get(f"/api/v1/card-office/jobs/{fresh.id}").json["status"] == "running"  # still moving
    page = client.get("/card-office/").get_data(as_text=True)
    assert "stopped without finishing" in page
    assert client.post("/api/v1/card-office/card-issue").status_code == 202  # a stopped run does not block a new one

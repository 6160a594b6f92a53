"""Every read of case data is audited, and a supervisor can search it, review break-the-glass, export it."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from crm.cases import lifecycle, tier2
from crm.models import AuditLog
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.platform.jobs import HeldRunner
from tests import factories


@pytest.fixture
def case(app):
    app.extensions["sampark_jobs"] = HeldRunner(app)
    patient = factories.make_patient(name="Kamla Devi", mobile="+919810000555")
    case = lifecycle.open_case("sms", "+919810000555", status="queued", queue="tier1", queued_at=utcnow())
    db.session.commit()
    assert case.patient_id == patient.id
    return case


def _actions(staff_id: int) -> list[str]:
    return [a.action for a in db.session.scalars(select(AuditLog).where(AuditLog.staff_id == staff_id)
                                                 .order_by(AuditLog.id))]


@pytest.mark.parametrize("path, action", [
    ("/api/v1/cases/{id}", "view_case"), ("/api/v1/cases?limit=10", "list_cases"),
    ("/api/v1/cases/{id}/messages", "read_thread"), ("/api/v1/queues/tier1", "list_tier1")])
def test_operator_reads_of_case_data_are_audited(app, case, path, action):
    client, operator = factories.logged_in(app, "operator")
    assert client.get(path.format(id=case.id)).status_code == 200
    row = db.session.scalars(select(AuditLog).where(AuditLog.staff_id == operator.id,
                                                    AuditLog.action == action)).one()
    assert case.id in (row.case_id, *row.detail.get("cases", []))
    assert row.patient_id == case.patient_id or case.patient_id in (row.patient_ids or [])


def test_the_tier2_list_and_the_doctor_panel_are_audited(app, case):
    operator = factories.make_staff("operator")
    lifecycle.claim(case.id, operator)
    tier2.escalate(case, operator, None, "urgent", "Fever and rash")
    db.session.commit()
    client, doctor = factories.logged_in(app, "doctor")
    assert client.get("/api/v1/queues/tier2").status_code == 200
    assert client.get(f"/doctor/cases/{case.id}/panel").status_code == 200
    assert {"list_tier2", "view_case", "view_patient"} <= set(_actions(doctor.id))


def test_a_supervisor_searches_reviews_and_exports_and_each_step_is_audited(app, case):
    client, operator = factories.logged_in(app, "operator")
    client.get(f"/api/v1/cases/{case.id}")
    sup, supervisor = factories.logged_in(app, "supervisor")
    found = sup.get(f"/api/v1/audit?staff={operator.username}&case=SMP-{case.id:05d}").json["rows"]
    assert [r["action"] for r in found] == ["view_case"] and found[0]["staff"] == operator.username
    page = sup.get(f"/access-log/?patient={case.patient_id}").get_data(as_text=True)
    assert "view_case" in page and operator.name in page
    exported = list(csv.reader(io.StringIO(sup.get(f"/api/v1/audit.csv?staff={operator.username}").get_data(as_text=True))))
    assert exported[0][0] == "at (Delhi)" and exported[1][3] == "view_case"
    assert {"search_audit_log", "export_audit_log"} <= set(_actions(supervisor.id))
    assert sup.get("/api/v1/audit?from=yesterday").status_code == 422
    assert client.get("/api/v1/audit").status_code == 403  # operators do not read the access log


def test_break_the_glass_reads_wait_for_a_supervisors_verdict(app, case):
    operator = factories.make_staff("operator")
    lifecycle.claim(case.id, operator)
    tier2.escalate(case, operator, None, "urgent", "Fever and rash")
    db.session.commit()
    doc, _ = factories.logged_in(app, "doctor")
    assert doc.post(f"/api/v1/cases/{case.id}/accept").status_code == 200
    doc.post(f"/api/v1/cases/{case.id}/notes", json={"body": "Measles likely"})
    other, colleague = factories.logged_in(app, "doctor")
    assert other.post(f"/api/v1/cases/{case.id}/notes/break-glass", json={"reason": "Patient called my clinic"}
                      ).status_code == 200
    sup, _ = factories.logged_in(app, "supervisor")
    waiting = sup.get("/api/v1/audit/break-glass").json["rows"]
    assert len(waiting) == 1 and waiting[0]["staff"] == colleague.username and "Patient called" in waiting[0]["detail"]
    assert "Patient called my clinic" in sup.get("/access-log/").get_data(as_text=True)
    assert sup.post(f"/api/v1/audit/{waiting[0]['id']}/review", json={"verdict": "maybe"}).status_code == 422
    assert sup.post(f"/api/v1/audit/{waiting[0]['id']}/review", json={"verdict": "justified"}).status_code == 200
    assert sup.get("/api/v1/audit/break-glass").json["rows"] == []


def test_a_resident_shown_among_many_finds_the_read_in_their_access_log_and_on_their_own_page(app, case):
    """A list of cases names several residents in one audit row: each of them, not only the first, finds it, both in
    the privacy officer's search and on the resident's "who saw my data" page."""
    from crm.citizens.portal import my_data

    other = factories.make_patient(name="Rafiq Ahmed", mobile="+919810000556")
    lifecycle.open_case("sms", "+919810000556", status="queued", queue="tier1", queued_at=utcnow())
    db.session.commit()
    client, operator = factories.logged_in(app, "operator")
    assert client.get("/api/v1/cases?limit=10").status_code == 200
    [row] = db.session.scalars(select(AuditLog).where(AuditLog.staff_id == operator.id, AuditLog.action == "list_cases"))
    assert row.patient_id is None and row.patient_ids == sorted([case.patient_id, other.id])

    sup, _ = factories.logged_in(app, "supervisor")
    for patient_id in (case.patient_id, other.id):
        found = sup.get(f"/api/v1/audit?patient={patient_id}&action=list_cases").json["rows"]
        assert [(r["action"], r["staff"], r["patients"]) for r in found] == [("list_cases", operator.username, 2)]
    assert sup.get(f"/api/v1/audit?patient={other.id + 1000}&action=list_cases").json["rows"] == []  # nobody else's
    page = sup.get(f"/access-log/?patient={other.registry_id or other.id}").get_data(as_text=True)
    assert "list_cases" in page and "2 residents" in page
    exported = list(csv.reader(io.StringIO(sup.get(f"/api/v1/audit.csv?patient={other.id}&action=list_cases")
                                           .get_data(as_text=True))))
    assert exported[0][4:6] == ["patient_id", "residents shown"] and exported[1][3:6] == ["list_cases", "", "2"]

    seen = my_data.views([other.id]).rows
    assert [r["what"] for r in seen] and len(seen) == 1 and seen[0]["case"] == ""

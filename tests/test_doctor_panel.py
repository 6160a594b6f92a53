"""What the doctor's case panel tells: the caller's words and the triage rules in plain language (never rule ids),
a link to the case report, and which specialties have a doctor on duty to refer to."""

from __future__ import annotations

from crm.cases import tier2
from crm.helpline.messages import inbound
from crm.models import Case
from crm.platform.extensions import db
from tests import factories


def test_the_panel_gives_the_reason_the_report_and_who_is_on_duty_to_refer_to(app):
    doctor_client, doctor = factories.logged_in(app, "doctor", name="Dr. Mehta", specialty="general_medicine")
    _cardio_client, cardiologist = factories.logged_in(app, "doctor", name="Dr. Kapoor", specialty="cardiology")
    cardiologist.on_duty = True
    neuro = factories.make_staff("doctor", name="Dr. Away", specialty="neurology")  # on duty, not logged in
    neuro.on_duty = True
    db.session.commit()
    inbound.receive(inbound.InboundText("SM" + "a" * 32, "+919810000601", "+911800112233", "papa ko seene me dard hai"))
    case = db.session.query(Case).filter_by(caller_phone="+919810000601").one()
    assert tier2.accept(case.id, doctor) is not None
    db.session.commit()
    panel = doctor_client.get(f"/doctor/cases/{case.id}/panel").get_data(as_text=True)
    assert "“papa ko seene me dard hai”" in panel
    assert "Why triage flagged it" in panel and "chest_pain" not in panel and "model P1" not in panel
    assert f'/workspace/cases/{case.id}/report' in panel
    assert "Cardiology · doctor on duty" in panel and "Neurology · nobody on duty now" in panel
    listed = doctor_client.get("/api/v1/queues/tier2").get_json()["mine"][0]["reason"]
    assert listed["words"] == "papa ko seene me dard hai" and all("_" not in r for r in listed["rules"])

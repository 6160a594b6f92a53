"""The operator API: the board, presence, outcomes, the SMS thread, the screen-pop and the report."""

from datetime import timedelta

import pytest

from crm.cases import lifecycle
from crm.models import AuditLog, Case, Message
from crm.models.base import DELHI, utcnow
from crm.platform import sms_templates
from crm.platform.extensions import db
from tests import factories
from tests.operator_desk.conftest import make_facility, waiting_case
from tests.telephony.test_sms import text


def claim(client, case_id):
    response = client.post(f"/api/v1/cases/{case_id}/claim")
    assert response.status_code == 200, response.json
    return response.json


def test_board_orders_by_priority_then_wait_and_masks(client, login):
    earlier = utcnow() - timedelta(minutes=5)
    routine_old = waiting_case(priority="P4", queued_at=earlier, phone="+919810000001")
    urgent_new = waiting_case(priority="P2", phone="+919810000002")
    urgent_old = waiting_case(priority="P2", queued_at=earlier, phone="+919810000003")
    login("operator")
    board = client.get("/api/v1/queues/tier1").json
    assert [c["id"] for c in board["waiting"]] == [urgent_old.id, urgent_new.id, routine_old.id]
    assert board["waiting"][0]["caller"] == "+91 XXXXXX0003"
    assert "9810000003" not in client.get("/api/v1/queues/tier1").get_data(as_text=True)
    assert set(board["operators"]) == {"available", "on_call", "wrap_up", "break", "offline"}


def test_board_shows_the_matched_patient_as_initials_only(client, login):
    factories.make_patient(name="Sunita Devi", sex="F", mobile="+919810000011", ward="Mehrauli")
    waiting_case(phone="+919810000011")
    login("operator")
    (item,) = client.get("/api/v1/queues/tier1").json["waiting"]
    assert item["patient"].startswith("S.D. F") and "Sunita" not in repr(item)


def test_board_carries_triage_flags_of_an_sms(client, login):
    text(client, "bachche ko bahut tez bukhar hai aur dast", sender="+919810000021")
    login("operator")
    (item,) = client.get("/api/v1/queues/tier1").json["waiting"]
    assert item["channel"] == "sms" and item["flags"] and item["flags"][0]["priority"] in ("P2", "P3")


def test_claim_makes_the_operator_on_call_on_the_next_read(client, login):
    case = waiting_case()
    login("operator")
    client.put("/api/v1/me/presence", json={"presence": "available"})
    claim(client, case.id)
    board = client.get("/api/v1/queues/tier1").json
    assert board["me"]["presence"] == "on_call" and board["operators"]["on_call"] == 1
    assert [c["id"] for c in board["mine"]] == [case.id] and board["waiting"] == []


def test_presence_is_refused_while_working_a_case(client, login):
    login("operator")
    assert client.put("/api/v1/me/presence", json={"presence": "sleeping"}).status_code == 422
    claim(client, waiting_case().id)
    refused = client.put("/api/v1/me/presence", json={"presence": "break"})
    assert refused.status_code == 409 and "SMP-" in refused.json["message"]


def test_work_a_case_through_the_api_to_closed(client, login, app):
    case = waiting_case(phone="+919810000031")
    staff = login("operator")
    claim(client, case.id)
    saved = client.post(f"/api/v1/cases/{case.id}/assessment",
                        json={"reason": "Fever 3 days", "red_flags": ["high_fever"], "notes": "Child, 6"})
    assert saved.status_code == 200 and saved.json["offer"]["urgency"] == "urgent"
    resolved = client.post(f"/api/v1/cases/{case.id}/resolve", json={"disposition": "home_care",
                                                                     "advice": "Paracetamol, fluids; clinic tomorrow"})
    assert resolved.status_code == 200 and resolved.json["outcome"] == "resolved"
    assert resolved.json["me"]["presence"] == "wrap_up"
    ready = client.put("/api/v1/me/presence", json={"presence": "available"})
    assert ready.status_code == 200 and ready.json["presence"] == "available"
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "closed" and case.assigned_to_id == staff.id


@pytest.mark.parametrize("path, payload", [
    ("resolve", {"disposition": "home_care", "advice": "x"}),
    ("inform", {"facility_id": 1, "message": "x"}),
    ("escalate", {"urgency": "urgent", "summary": "x"}),
    ("schedule-callback", {"in_minutes": 30}),
    ("assessment", {"reason": "x"}),
])
def test_only_the_operator_working_the_case_acts_on_it(client, login, path, payload):
    case = waiting_case()
    queue_holder = factories.make_staff("operator")

    lifecycle.claim(case.id, queue_holder)
    db.session.commit()
    login("operator")
    response = client.post(f"/api/v1/cases/{case.id}/{path}", json=payload)
    assert response.status_code == 409 and response.json["error"] == "not_yours"


@pytest.mark.parametrize("role", ["doctor", "registrar", "admin"])
def test_other_roles_cannot_give_tier1_outcomes(client, login, role):
    case = waiting_case()
    login(role)
    assert client.post(f"/api/v1/cases/{case.id}/resolve", json={"disposition": "home_care"}).status_code == 403


def test_escalate_and_inform_through_the_api(client, login):
    facility = make_facility()
    first, second = waiting_case(), waiting_case()
    login("operator")
    claim(client, first.id)
    escalated = client.post(f"/api/v1/cases/{first.id}/escalate",
                            json={"specialty": "paediatrics", "urgency": "urgent", "summary": "Child, fever, rash"})
    assert escalated.status_code == 200 and escalated.json["queue"] == "tier2:paediatrics"
    claim(client, second.id)
    informed = client.post(f"/api/v1/cases/{second.id}/inform",
                           json={"facility_id": facility.id, "message": "Three fever cases in one lane"})
    assert informed.status_code == 200 and informed.json["outcome"] == "informed"


def test_the_emergency_key_raises_a_routine_case_to_p1_and_rings_the_doctors(client, login):
    case = waiting_case(priority="P4")
    login("operator")
    claim(client, case.id)
    raised = client.post(f"/api/v1/cases/{case.id}/emergency", json={"note": "caller sounds breathless"})
    assert raised.status_code == 200, raised.json
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.priority, case.queue, case.status, case.alarm_level) == ("P1", "emergency", "escalated", 1)
    assert case.escalation_summary == "Raised to P1 by the operator (emergency key). caller sounds breathless"
    again = client.post(f"/api/v1/cases/{case.id}/emergency")  # a second press: the case is no longer being worked
    assert again.status_code == 409


def test_only_the_operator_working_a_case_may_press_its_emergency_key(client, login):
    case = waiting_case()
    login("doctor")
    assert client.post(f"/api/v1/cases/{case.id}/emergency").status_code == 403
    login("operator")
    assert client.post(f"/api/v1/cases/{case.id}/emergency").status_code == 409  # not claimed: nobody works it


def test_schedule_callback_takes_delhi_time_without_an_offset(client, login):
    case = waiting_case()
    login("operator")
    claim(client, case.id)
    due = (utcnow() + timedelta(hours=2)).astimezone(DELHI)
    response = client.post(f"/api/v1/cases/{case.id}/schedule-callback",
                           json={"due_at": due.replace(tzinfo=None).isoformat(timespec="minutes")})
    assert response.status_code == 200
    db.session.expire_all()
    assert abs((db.session.get(Case, case.id).callback_due_at - due).total_seconds()) < 60
    board = client.get("/api/v1/queues/tier1").json
    assert [c["id"] for c in board["scheduled"]] == [case.id] and board["waiting"] == []


def test_reply_to_the_sms_thread_and_read_it(client, login):
    text(client, "<script>alert(1)</script> bukhar", sender="+919810000041")
    case = Case.query.one()
    login("operator")
    claim(client, case.id)
    sent = client.post(f"/api/v1/cases/{case.id}/messages", json={"body": "Paracetamol lein, pani piyen."})
    assert sent.status_code == 201 and sent.json["direction"] == "outbound"
    thread = client.get(f"/api/v1/cases/{case.id}/messages").json["messages"]
    assert [m["direction"] for m in thread] == ["inbound", "outbound", "outbound"]  # text, ack, reply
    assert thread[0]["body"] == "<script>alert(1)</script> bukhar"  # stored as sent; shown as text
    assert client.post(f"/api/v1/cases/{case.id}/messages", json={"body": " "}).status_code == 422


def test_no_sms_to_a_citizen_who_texted_stop(client, login):
    text(client, "bukhar hai", sender="+919810000042")
    case = Case.query.one()
    login("operator")
    claim(client, case.id)
    text(client, "STOP", sender="+919810000042")
    refused = client.post(f"/api/v1/cases/{case.id}/messages", json={"body": "Hello"})
    assert refused.status_code == 409 and refused.json["error"] == "opted_out"


def test_canned_replies_are_filled_in_and_short(client, login):
    from crm.platform.sms_parts import segments

    case = waiting_case()
    login("operator")
    replies = client.get(f"/api/v1/canned-replies?case_id={case.id}").json["replies"]
    assert {"fever_care", "ors", "dengue_warning", "clinic_timings", "call_108"} <= {r["id"] for r in replies}
    for reply in replies:
        assert case.reference in reply["en"] and case.reference in reply["hi"] and "{" not in reply["hi"]
        assert segments(reply["en"]) <= 2 and segments(reply["hi"]) <= 2


def test_checklist_and_dispositions_come_in_both_languages(client, login):
    login("operator")
    hindi = client.get("/api/v1/checklist?lang=hi").json
    assert hindi["items"][0]["priority"] == "P1" and "cardiology" in hindi["specialties"]
    assert client.get("/api/v1/checklist?lang=fr").status_code == 422
    codes = client.get("/api/v1/dispositions").json["dispositions"]
    assert all(d["en"] and d["hi"] for d in codes)


def test_screen_pop_is_audited_with_the_case_and_lists_prior_cases(client, login):
    patient = factories.make_patient(mobile="+919810000051")
    earlier = waiting_case(phone="+919810000051")
    case = waiting_case(phone="+919810000051")
    staff = login("operator")
    claim(client, case.id)
    pop = client.get(f"/api/v1/cases/{case.id}/screen-pop").json
    assert pop["patient"]["patient"]["id"] == patient.id
    assert [c["id"] for c in pop["prior_cases"]] == [earlier.id]
    row = AuditLog.query.filter_by(staff_id=staff.id, case_id=case.id).one()
    assert (row.action, row.patient_id, row.via) == ("view_patient", patient.id, "screen_pop")


def test_scan_during_the_call_attaches_the_patient(client, login):
    card = factories.make_card()
    case = waiting_case(phone="+919810000061")
    login("operator")
    claim(client, case.id)
    bad = client.post(f"/api/v1/cases/{case.id}/patient", json={"card_number": "123456789012"})
    assert bad.status_code == 422
    found = client.post(f"/api/v1/cases/{case.id}/patient", json={"qr": card.qr_token})
    assert found.status_code == 200 and found.json["patient"]["patient"]["id"] == card.patient_id
    db.session.expire_all()
    assert db.session.get(Case, case.id).patient_id == card.patient_id


def test_report_has_the_timeline_with_who_and_when_and_is_audited(client, login):
    case = waiting_case(phone="+919810000071")
    staff = login("operator", name="Priya Sharma")
    claim(client, case.id)
    client.post(f"/api/v1/cases/{case.id}/resolve", json={"disposition": "clinic_info", "advice": "Opens 8am"})
    report = client.get(f"/api/v1/cases/{case.id}/report").json
    kinds = [e["kind"] for e in report["timeline"]]
    assert kinds[0] == "opened" and "claimed" in kinds and kinds[-1] == "resolved"
    claimed_row = report["timeline"][kinds.index("claimed")]
    assert claimed_row["who"] == "Priya Sharma (operator)" and claimed_row["at"]
    assert report["times"]["waited"] is not None and report["disposition"]["code"] == "clinic_info"
    assert AuditLog.query.filter_by(action="view_report", staff_id=staff.id, case_id=case.id).count() == 1


def test_report_pdf_is_a_pdf_with_hindi(client, login):
    import pypdfium2

    factories.make_patient(name="Geeta Rawat", name_hi="गीता रावत", mobile="+919810000081")
    case = waiting_case(phone="+919810000081", language="hi")
    login("operator")
    claim(client, case.id)
    client.post(f"/api/v1/cases/{case.id}/resolve", json={"disposition": "home_care", "advice": "आराम करें"})
    response = client.get(f"/api/v1/cases/{case.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.data)
    words = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert case.reference in words and "Geeta Rawat" in words and "Home-care advice given" in words


def test_report_sms_in_the_citizens_language_once(client, login):
    case = waiting_case(phone="+919810000091", language="hi")
    login("operator")
    assert client.post(f"/api/v1/cases/{case.id}/report/sms").status_code == 409  # no outcome yet
    claim(client, case.id)
    client.post(f"/api/v1/cases/{case.id}/resolve", json={"disposition": "home_care", "advice": "ORS पिलाते रहें"})
    sent = client.post(f"/api/v1/cases/{case.id}/report/sms")
    assert sent.status_code == 201
    # The advice itself is read in the portal; the SMS is the registered text (DLT) in the caller's language.
    assert sent.json["body"] == sms_templates.render("case_report", "hi", ref=case.reference,
                                                     link="sampark.test/portal", helpline="1800-11-2233")
    assert client.post(f"/api/v1/cases/{case.id}/report/sms").json["error"] == "already_sent"
    assert Message.query.filter_by(kind="report").count() == 1


def test_report_pdf_draws_devanagari_with_shaped_cells_only(client, login, monkeypatch):
    from fpdf import FPDF

    def refuse(*args, **kwargs):
        raise AssertionError("multi_cell loses HarfBuzz shaping for Devanagari")

    monkeypatch.setattr(FPDF, "multi_cell", refuse)
    monkeypatch.setattr(FPDF, "table", refuse)
    case = waiting_case(phone="+919810000082", language="hi")
    login("operator")
    claim(client, case.id)
    client.post(f"/api/v1/cases/{case.id}/assessment", json={"reason": "बुखार तीन दिन से", "red_flags": ["high_fever"]})
    client.post(f"/api/v1/cases/{case.id}/resolve", json={"disposition": "home_care", "advice": "दिन में तीन बार पानी पिएं " * 20})
    assert client.get(f"/api/v1/cases/{case.id}/report.pdf").status_code == 200


def test_a_text_nobody_can_read_waits_at_p2_marked_for_a_reader_of_its_script(client, login):
    text(client, "என் அப்பாவுக்கு உடம்பு சரியில்லை", sender="+919810000022")
    login("operator")
    (item,) = client.get("/api/v1/queues/tier1").json["waiting"]
    assert item["priority"] == "P2"
    assert {"id": "needs_reader:Tamil", "label": "needs a reader of Tamil", "priority": "P2"} in item["flags"]

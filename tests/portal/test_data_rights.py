"""A resident's data rights (DPDP Act, 2023) on PostgreSQL: they see and download what Sampark holds about them and no
one else's, ask for a correction or an erasure that changes nothing by itself, and the card office alone decides it;
the resident reads the answer in the portal and is texted the decision in their language."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from crm.cases import lifecycle
from crm.cases.status import Status
from crm.models import AuditLog, DataRequest, Message, Patient
from crm.platform import audit, outbox, sms_templates
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.card_office import data_requests
from tests import factories
from tests.portal.conftest import sign_in, texts_to

pytestmark = pytest.mark.pg
MOTHER = "+919810011111"


def _citizen(app, lang: str = "en"):
    citizen = app.test_client()
    sign_in(citizen, MOTHER)
    citizen.get(f"/portal/lang/{lang}?next=/portal/")
    return citizen


def _audited(action: str) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_my_data_shows_the_residents_own_record_and_not_another_adults(app, family):
    citizen = _citizen(app)
    page = citizen.get("/portal/my-data").get_data(as_text=True)
    assert "Sunita Devi" in page and "Aman Kumar" in page  # the mother and her son share the mobile
    assert family["mother"].household.code in page and "B+" in page
    assert family["cards"]["Sunita Devi"].number[:4] in page
    assert "Rakesh Kumar" not in page and "diabetes" not in page  # the husband's record is his own
    [seen] = _audited("portal_view_my_data")
    assert seen.via == "portal" and seen.patient_ids == sorted([family["mother"].id, family["son"].id])


def test_each_list_is_paginated_newest_first_and_holds_only_this_mobiles_messages(app, family):
    for n in range(25):
        outbox.queue_sms(MOTHER, f"Sampark note {n:02d}", kind="reply")
    outbox.queue_sms("+919810022222", "Sampark note for the husband", kind="reply")
    db.session.commit()
    citizen = _citizen(app)
    first = citizen.get("/portal/my-data/messages").get_data(as_text=True)
    # 20 a page, newest first: the sign-in code's text (masked), then notes 24 down to 06.
    assert "******" in first and first.count("Sampark note") == 19 and "note 06" in first and "note 05" not in first
    assert "page=2" in first and "husband" not in first
    second = citizen.get("/portal/my-data/messages?page=2").get_data(as_text=True)
    assert second.count("Sampark note") == 6 and "note 00" in second and "page=3" not in second
    assert citizen.get("/portal/my-data/messages?page=0").status_code == 422
    assert citizen.get("/portal/my-data/other-things").status_code == 404
    assert [a.detail["page"] for a in _audited("portal_view_my_data")] == [1, 2]


def test_who_opened_the_record_is_shown_by_role_and_never_by_name(app, family):
    doctor = factories.make_staff("doctor", name="Dr. Farah Khan")
    case = lifecycle.open_case("voice", MOTHER, status=Status.QUEUED, patient_id=family["mother"].id)
    audit.record("view_patient", patient_id=family["mother"].id, staff_id=doctor.id, case_id=case.id)
    audit.record("view_patient", patient_id=family["husband"].id, staff_id=doctor.id)  # not hers
    db.session.commit()
    citizen = _citizen(app)
    page = citizen.get("/portal/my-data/views").get_data(as_text=True)
    assert "Doctor" in page and case.reference in page and "Opened your record" in page
    assert "Farah" not in page and doctor.username not in page
    assert page.count('class="p-view"') == 1


def test_the_download_holds_everything_as_json_and_is_audited(app, family):
    case = lifecycle.open_case("sms", MOTHER, status=Status.QUEUED, patient_id=family["mother"].id)
    db.session.commit()
    citizen = _citizen(app)
    response = citizen.get("/portal/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert {r["name"] for r in document["residents"]} == {"Sunita Devi", "Aman Kumar"}
    assert [c["reference"] for c in document["cases"]] == [case.reference]
    assert document["residents"][0]["cards"][0]["issued_at"].endswith("+00:00")
    assert set(document) >= {"messages", "appointments", "grievances", "views", "requests"}
    assert len(_audited("portal_download_my_data")) == 1


def test_a_correction_is_a_request_and_the_record_stays_as_it_was(app, family):
    citizen = _citizen(app)
    assert citizen.get("/portal/my-data/correct").status_code == 200
    response = citizen.post("/portal/my-data/correct", data={
        "patient_id": family["son"].id, "field": "dob", "correct_value": "12/03/2009 " + "x" * 400,
        "reason": "As on the birth certificate"})
    assert response.status_code == 303 and "filed=DR-00001" in response.location
    request = db.session.scalar(select(DataRequest))
    assert (request.kind, request.field, request.patient_id, request.status) == ("correction", "dob",
                                                                                 family["son"].id, "open")
    assert len(request.correct_value) == 200  # bounded to its column
    db.session.refresh(family["son"])
    assert family["son"].dob.year != 2009  # nothing changed by itself
    page = citizen.get("/portal/my-data").get_data(as_text=True)
    assert "DR-00001" in page and "Waiting for the card office" in page
    assert citizen.post("/portal/my-data/correct", data={"patient_id": family["son"].id, "field": "salary",
                                                         "correct_value": "x"}).status_code == 422


def test_a_resident_cannot_file_a_request_about_another_adult(app, family):
    citizen = _citizen(app)
    response = citizen.post("/portal/my-data/erase", data={"patient_id": family["husband"].id, "reason": "not mine"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(DataRequest.id))) == 0


def test_the_erasure_page_explains_what_is_kept_and_one_erasure_is_open_at_a_time(app, family):
    citizen = _citizen(app)
    page = citizen.get("/portal/my-data/erase").get_data(as_text=True)
    assert "What can be erased" in page and "What must be kept, and why" in page and "medical records" in page
    assert citizen.post("/portal/my-data/erase", data={"patient_id": family["mother"].id,
                                                       "reason": ""}).status_code == 422
    assert citizen.post("/portal/my-data/erase", data={"patient_id": family["mother"].id,
                                                       "reason": "Remove my mobile number"}).status_code == 303
    again = citizen.post("/portal/my-data/erase", data={"patient_id": family["mother"].id, "reason": "again"})
    assert again.status_code == 409
    assert db.session.scalar(select(Patient.mobile).where(Patient.id == family["mother"].id)) == MOTHER


def test_requests_sent_at_once_stop_at_the_daily_limit(app, family):
    citizen = _citizen(app)
    cookie, mother_id = citizen.get_cookie("session"), family["mother"].id
    codes = [0] * 12
    start = threading.Barrier(12)

    def one(n: int) -> None:
        client = app.test_client()
        client.set_cookie("session", cookie.value, domain=cookie.domain)
        start.wait()
        codes[n] = client.post("/portal/my-data/correct", data={
            "patient_id": mother_id, "field": "ward", "correct_value": f"Ward {n}"}).status_code

    threads = [threading.Thread(target=one, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [303] * data_requests.REQUESTS_PER_DAY + [429] * (12 - data_requests.REQUESTS_PER_DAY)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(DataRequest.id))) == data_requests.REQUESTS_PER_DAY


def test_the_card_office_opens_and_refuses_and_the_resident_is_told_in_urdu(app, family):
    citizen = _citizen(app, "ur")
    citizen.post("/portal/my-data/erase", data={"patient_id": family["mother"].id, "reason": "ہٹا دیں"})
    office, registrar = factories.logged_in(app, "registrar")
    listing = office.get("/card-office/data-requests").get_data(as_text=True)
    assert "DR-00001" in listing and "Sunita Devi" in listing
    assert "DR-00001" in office.get("/card-office/data-requests/1").get_data(as_text=True)
    [opened] = _audited("data_request_opened")
    assert (opened.staff_id, opened.patient_id) == (registrar.id, family["mother"].id)
    assert office.post("/card-office/data-requests/1/decide", data={"outcome": "refused", "answer": ""}).status_code == 422
    response = office.post("/card-office/data-requests/1/decide", data={
        "outcome": "refused", "answer": "Your mobile number is how the helpline calls you back; keep it or change it."})
    assert response.status_code == 303
    again = office.post("/card-office/data-requests/1/decide", data={"outcome": "done", "answer": "changed my mind"})
    assert again.status_code == 409
    [text] = texts_to(MOTHER, data_requests.SMS_KIND)
    assert text == sms_templates.render("data_request_refused", "ur", ref="DR-00001")
    assert sms_templates.match(text).name == "data_request_refused"
    page = citizen.get("/portal/my-data").get_data(as_text=True)
    assert "منظور نہیں" in page and "keep it or change it" in page and 'dir="rtl"' in page


def test_only_the_card_office_lists_opens_or_decides(app, family):
    mother = family["mother"]
    with app.test_request_context("/portal/my-data/erase"):
        request = data_requests.submit(mother, MOTHER, "erasure", "Remove my mobile number", "hi")
        db.session.commit()
    operator, staff = factories.logged_in(app, "operator")
    assert operator.get("/card-office/data-requests").status_code == 403
    assert operator.get(f"/card-office/data-requests/{request.id}").status_code == 403
    assert operator.post(f"/card-office/data-requests/{request.id}/decide",
                         data={"outcome": "done", "answer": "erased"}).status_code == 403
    with app.test_request_context("/"), pytest.raises(Refused) as refused:
        data_requests.decide(request.id, staff, "done", "erased")
    assert refused.value.status == 403
    assert db.session.scalar(select(DataRequest.status)) == "open"
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == data_requests.SMS_KIND)) == 0


def test_the_card_office_list_is_paginated_oldest_open_first(app, family):
    with app.test_request_context("/portal/my-data/correct"):
        for n in range(data_requests.PAGE + 2):
            db.session.add(DataRequest(patient_id=family["mother"].id, mobile=MOTHER, kind="correction", field="ward",
                                       correct_value=f"Ward {n}", reason="", status="open"))
        db.session.commit()
    office, _ = factories.logged_in(app, "supervisor")
    first = office.get("/card-office/data-requests").get_data(as_text=True)
    assert first.count('data-status="open"') == data_requests.PAGE and "DR-00001" in first and "page=2" in first
    second = office.get("/card-office/data-requests?page=2").get_data(as_text=True)
    assert second.count('data-status="open"') == 2 and "DR-00027" in second

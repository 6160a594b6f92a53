"""Grievances from the portal, by SMS keyword and by an operator; routed to the officer's desk with a deadline;
overdue ones on the supervisors' floor; every change texted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.cases import lifecycle
from crm.cases.status import Status
from crm.citizens.grievances import services
from crm.models import Case, Facility, Grievance, Message
from crm.models.base import utcnow
from crm.platform import sms_templates
from crm.platform.extensions import db
from tests import factories
from tests.portal.conftest import sign_in, texts_to
from tests.telephony.test_sms import text


def _facility(code="MC-SEELAMPUR", name="Mohalla Clinic Seelampur", **extra):
    facility = Facility(code=code, name=name, kind="mohalla_clinic", district="North East", **extra)
    db.session.add(facility)
    db.session.commit()
    return facility


def _officer(app, section):
    client, officer = factories.logged_in(app, "officer")
    officer.section = section
    db.session.commit()
    return client, officer


def test_a_portal_grievance_goes_to_the_facilitys_officer_who_resolves_it(app):
    facility = _facility()
    officer_client, _ = _officer(app, facility.code)
    other_client, _ = _officer(app, "card_office")
    factories.make_patient(mobile="+919810011111")
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    response = citizen.post("/portal/grievances", data={"category": "facility", "facility_id": facility.id,
                                                        "body": "Clinic was closed at 10 am on a weekday"})
    assert response.status_code == 302 and "GRV-00001" in response.location
    grievance = db.session.scalar(select(Grievance))
    assert grievance.routed_to == facility.code
    assert (grievance.due_at - grievance.created_at).days == 7
    assert "GRV-00001" in officer_client.get("/grievances").get_data(as_text=True)
    assert "GRV-00001" not in other_client.get("/grievances").get_data(as_text=True)
    assert other_client.post(f"/grievances/{grievance.id}/status", data={"status": "in_progress"}).status_code == 403

    assert officer_client.post(f"/grievances/{grievance.id}/status", data={"status": "in_progress"}).status_code == 302
    officer_client.post(f"/grievances/{grievance.id}/status",
                        data={"status": "resolved", "resolution": "Doctor's hours corrected; staff warned"})
    sms = texts_to("+919810011111", "grievance")
    assert len(sms) == 3 and all("GRV-00001" in s for s in sms)
    # The officer's own words are read in the portal: an SMS in India carries only registered words (DLT).
    assert "staff warned" not in sms[-1] and sms_templates.match(sms[-1]).name == "grievance_resolved"
    citizen.get("/portal/lang/en?next=/portal/")
    page = citizen.get("/portal/grievances").get_data(as_text=True)
    assert "Resolved" in page and "staff warned" in page


def test_without_an_officer_for_the_facility_it_goes_to_the_section(app):
    facility = _facility()
    grievance = services.file("staff", "rude guard", "portal", "+919810011111", facility=facility)
    assert grievance.routed_to == "facilities"
    assert services.file("card_delivery", "card not delivered", "portal", None).routed_to == "card_office"


def test_a_grievance_by_sms_keyword_is_filed_and_acknowledged_in_the_senders_script(app, client):
    text(client, "SHIKAYAT card 3 mahine se nahi mila", sender="+919810033333")
    text(client, "शिकायत हेल्पलाइन पर कोई फोन नहीं उठाता", sender="+919810044444")
    text(client, "COMPLAINT", sender="+919810055555")
    rows = db.session.scalars(select(Grievance).order_by(Grievance.id)).all()
    assert [(g.category, g.channel, g.language) for g in rows] == [("card_delivery", "sms", "hl"),
                                                                  ("helpline", "sms", "hi")]
    assert texts_to("+919810033333")[0].startswith("Sampark: aapki shikayat GRV-00001")
    assert "शिकायत GRV-00002" in texts_to("+919810044444")[0]
    assert "COMPLAINT" in texts_to("+919810055555")[0]  # how to file, not a case
    assert db.session.scalar(select(Case.id)) is None  # a grievance is not a medical case
    assert db.session.scalar(select(Message.id).where(Message.direction == "inbound")) is not None


@pytest.mark.parametrize(("body", "language", "words"), [
    ("ਸ਼ਿਕਾਇਤ ਮੁਹੱਲਾ ਕਲੀਨਿਕ ਸਵੇਰੇ ਬੰਦ ਸੀ", "pa", "ਸ਼ਿਕਾਇਤ GRV-00001 ਦਰਜ"),
    ("شکایت ڈاکٹر نے بات نہیں سنی", "ur", "شکایت GRV-00001 درج"),
])
def test_a_punjabi_or_urdu_grievance_by_sms_is_answered_in_its_script_at_every_step(app, client, body, language, words):
    text(client, body, sender="+919810077777")
    grievance = db.session.scalar(select(Grievance))
    assert grievance.language == language
    assert words in texts_to("+919810077777")[0]
    _, officer = _officer(app, grievance.routed_to)
    services.move(grievance, officer, "in_progress")
    db.session.commit()
    update = sms_templates.match(texts_to("+919810077777")[-1])  # the registered words, in the sender's script
    assert (update.name, update.language) == ("grievance_in_progress", language)


def test_an_operator_records_a_callers_complaint_on_their_case(app):
    operator_client, operator = factories.logged_in(app, "operator")
    case = lifecycle.open_case("voice", "+919810066666", status=Status.QUEUED, language="en")
    db.session.commit()
    form = operator_client.get(f"/grievances/new?case_id={case.id}").get_data(as_text=True)
    assert case.reference in form
    page = operator_client.post("/grievances/new", data={"case_id": case.id, "category": "helpline", "language": "en",
                                                         "body": "Was put on hold for 20 minutes"})
    assert "GRV-00001" in page.get_data(as_text=True)
    grievance = db.session.scalar(select(Grievance))
    assert (grievance.channel, grievance.case_id, grievance.filed_by_id) == ("operator", case.id, operator.id)
    assert "GRV-00001" in texts_to("+919810066666")[0]


def test_overdue_grievances_are_flagged_on_the_supervisors_floor(app):
    old = services.file("helpline", "nobody called back", "sms", "+919810077777", now=utcnow() - timedelta(days=3))
    services.file("helpline", "recent", "sms", "+919810088888")
    db.session.commit()
    assert [g.id for g in services.overdue()] == [old.id]
    supervisor, _ = factories.logged_in(app, "supervisor")
    floor = supervisor.get("/supervisor").get_data(as_text=True)
    assert 'data-ref="GRV-00001"' in floor and 'data-ref="GRV-00002"' not in floor
    assert "overdue" in supervisor.get("/grievances").get_data(as_text=True)


def test_officers_land_on_their_desk_and_see_no_patient_pages(app):
    client, _ = _officer(app, "helpline")
    assert client.get("/").location.endswith("/grievances")
    assert client.get("/lookup").status_code == 403


def test_a_complaint_that_tells_of_an_emergency_is_filed_and_also_triaged_as_one(app, client):
    text(client, "SHIKAYAT ambulance nahi aayi, papa ko seene mein tez dard hai aur saans nahi aa rahi",
         sender="+919810066666")
    assert db.session.scalar(select(Grievance.id)) is not None  # the complaint is kept
    case = db.session.scalars(select(Case)).one()  # and the emergency is not lost behind the keyword
    assert case.priority == "P1"
    assert (case.status, case.queue) == (Status.QUEUED, "emergency")


@pytest.mark.parametrize(("keyword", "language"), [("ਸ਼ਿਕਾਇਤ", "pa"), ("شکایت", "ur")])
def test_the_keyword_alone_in_punjabi_or_urdu_is_told_how_to_file_with_an_example_that_files(app, client, keyword,
                                                                                                  language):
    from crm.citizens.grievances.keyword import parse

    text(client, keyword, sender="+919810088888")
    (usage,) = texts_to("+919810088888")
    example = usage.rsplit(":", 1)[1].strip()
    assert keyword in usage and parse(example).language == language and parse(example).category == "facility"

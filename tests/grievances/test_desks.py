"""The grievance desk's work: one grievance's page, internal notes, replies by the citizen's channel, transfers,
escalation past the deadline, the citizen's reopening and rating, the figures per desk, and who may act."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crm.citizens.grievances import desk_work, figures, followup, services
from crm.models import Facility, Grievance, GrievanceEvent, Message
from crm.models.base import DELHI, utcnow
from crm.models.citizen import GRIEVANCE_STATUSES
from crm.platform import sms_templates, sweeps
from crm.platform.extensions import db
from tests import factories
from tests.grievances.test_grievances import _facility, _officer
from tests.portal.conftest import sign_in, texts_to
from tests.telephony.test_sms import text

MOBILE = "+919810011111"


def _filed(category="helpline", channel="portal", phone=MOBILE, days_ago=0, facility=None):
    grievance = services.file(category, "Nobody called back after two days", channel, phone, "en", facility=facility,
                              now=utcnow() - timedelta(days=days_ago))
    db.session.commit()
    return grievance


def test_the_detail_page_shows_the_citizens_words_escaped_with_history_and_notes(app):
    client, officer = _officer(app, "helpline")
    grievance = services.file("helpline", "<script>alert(1)</script> nobody answered", "portal", MOBILE, "en")
    db.session.commit()
    desk_work.note(grievance, officer, "Called the night shift lead; waiting for the roster")
    db.session.commit()
    page = client.get(f"/grievances/{grievance.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; nobody answered" in page and "<script>alert(1)" not in page
    assert "Internal note" in page and "waiting for the roster" in page and "Filed by portal" in page
    assert 'rows="10"' in page and 'maxlength="4000"' in page  # a resolution box that holds a real answer


def test_a_reply_reaches_the_citizen_in_the_portal_with_a_registered_sms_and_notes_never_do(app):
    factories.make_patient(mobile=MOBILE)
    client, _ = _officer(app, "helpline")
    grievance = _filed()
    client.post(f"/grievances/{grievance.id}/note", data={"body": "Operator on leave that day"})
    response = client.post(f"/grievances/{grievance.id}/reply", data={"body": "Sorry: we will call you today at 4 pm"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Grievance, grievance.id).status == "in_progress"
    sms = texts_to(MOBILE, "grievance")[-1]
    assert sms_templates.match(sms).name == "grievance_reply" and "4 pm" not in sms  # DLT: only registered words
    citizen = app.test_client()
    sign_in(citizen, MOBILE)
    citizen.get("/portal/lang/en?next=/portal/")
    page = citizen.get("/portal/grievances").get_data(as_text=True)
    assert "Reply from the officer" in page and "we will call you today at 4 pm" in page
    assert "Operator on leave" not in page


def test_a_whatsapp_complaint_is_answered_on_whatsapp_inside_its_window_and_by_sms_after(app, client):
    text(client, "COMPLAINT the clinic sent me away", sender="whatsapp:+919810022222", To="whatsapp:+911800112233")
    grievance = db.session.scalar(select(Grievance))
    assert grievance.channel == "whatsapp"
    officer = factories.make_staff("supervisor")
    desk_work.reply(grievance, officer, "The clinic's doctor will see you tomorrow at 10")
    sent = db.session.scalars(select(Message).where(Message.kind == "grievance").order_by(Message.id.desc())).first()
    assert sent.channel == "whatsapp" and "tomorrow at 10" in sent.body
    db.session.execute(db.update(Message).where(Message.direction == "inbound")
                       .values(created_at=utcnow() - timedelta(hours=25)))
    event = desk_work.reply(grievance, officer, "Please bring your card")
    assert event.channel == "sms"
    assert sms_templates.match(texts_to("+919810022222", "grievance")[-1]).name == "grievance_reply"


def test_a_transfer_moves_it_to_the_other_desk_with_the_reason(app):
    helpline, _ = _officer(app, "helpline")
    cards, _ = _officer(app, "card_office")
    grievance = _filed()
    assert helpline.post(f"/grievances/{grievance.id}/transfer", data={"desk": "nowhere", "reason": "x y z"}).status_code == 422
    assert helpline.post(f"/grievances/{grievance.id}/transfer", data={"desk": "card_office"}).status_code == 422
    response = helpline.post(f"/grievances/{grievance.id}/transfer",
                             data={"desk": "card_office", "reason": "It is about the card's delivery"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Grievance, grievance.id).routed_to == "card_office"
    assert grievance.reference in cards.get("/grievances").get_data(as_text=True)
    assert grievance.reference not in helpline.get("/grievances").get_data(as_text=True)
    assert "It is about the card&#39;s delivery" in cards.get(f"/grievances/{grievance.id}").get_data(as_text=True)


def test_past_the_deadline_the_sweep_escalates_up_the_desks_to_the_named_senior_desk(app):
    facility = _facility()
    factories.make_staff("officer").section = facility.code
    grievance = _filed("facility", facility=facility, days_ago=8)
    assert grievance.routed_to == facility.code
    assert sweeps.run_once()["grievances_escalated"] == 1  # registered with the sweeps
    assert (grievance.routed_to, grievance.escalated_at is not None) == ("facilities", True)
    assert sweeps.run_once()["grievances_escalated"] == 0  # the section has its days before it goes up again
    assert services.is_overdue(grievance)  # the citizen's deadline stays: red on the section's desk
    later = utcnow() + timedelta(days=followup.DEFAULT_ESCALATION_DAYS, hours=1)
    assert followup.escalate_overdue(later) == 1 and grievance.routed_to == "grievance_cell"
    assert followup.escalate_overdue(later + timedelta(days=10)) == 0  # the senior desk is the last
    steps = db.session.scalars(select(GrievanceEvent.to_desk).where(GrievanceEvent.kind == "escalated")).all()
    assert steps == ["facilities", "grievance_cell"]


def test_the_citizen_reopens_within_the_set_period_and_not_after(app):
    factories.make_patient(mobile=MOBILE)
    grievance = _filed()
    officer = factories.make_staff("supervisor")
    services.move(grievance, officer, "resolved", "Called back and booked")
    db.session.commit()
    citizen = app.test_client()
    sign_in(citizen, MOBILE)
    app.config["GRIEVANCE_REOPEN_DAYS"] = 2
    assert citizen.post(f"/portal/grievances/{grievance.id}/reopen", data={"reason": ""}).status_code == 422
    grievance.resolved_at = utcnow() - timedelta(days=3)
    db.session.commit()
    assert citizen.post(f"/portal/grievances/{grievance.id}/reopen", data={"reason": "Nobody called"}).status_code == 409
    grievance.resolved_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert citizen.post(f"/portal/grievances/{grievance.id}/reopen", data={"reason": "Nobody called"}).status_code == 302
    db.session.expire_all()
    assert (grievance.status, grievance.reopened) == ("open", 1)
    assert grievance.due_at > utcnow() + timedelta(days=services.days_for("helpline"), minutes=-1)  # a fresh deadline
    assert sms_templates.match(texts_to(MOBILE, "grievance")[-1]).name == "grievance_reopened"


def test_the_citizen_rates_an_answer_once_from_one_to_five_and_only_their_own(app):
    factories.make_patient(mobile=MOBILE)
    mine, others = _filed(), _filed(phone="+919810099999")
    officer = factories.make_staff("supervisor")
    citizen = app.test_client()
    sign_in(citizen, MOBILE)
    assert citizen.post(f"/portal/grievances/{mine.id}/rate", data={"rating": "5"}).status_code == 409  # not answered
    for g in (mine, others):
        services.move(g, officer, "resolved", "Called back and booked")
    db.session.commit()
    assert citizen.post(f"/portal/grievances/{others.id}/rate", data={"rating": "5"}).status_code == 404
    assert citizen.post("/portal/grievances/99999999999999/rate", data={"rating": "5"}).status_code == 404
    for bad in ("0", "6", "4.5", "five"):
        assert citizen.post(f"/portal/grievances/{mine.id}/rate", data={"rating": bad}).status_code == 422
    assert citizen.post(f"/portal/grievances/{mine.id}/rate", data={"rating": "4"}).status_code == 302
    assert citizen.post(f"/portal/grievances/{mine.id}/rate", data={"rating": "1"}).status_code == 409
    db.session.expire_all()
    assert (db.session.get(Grievance, mine.id).rating, db.session.get(Grievance, others.id).rating) == (4, None)


WRITES = [("note", {"body": "mine now"}), ("status", {"status": "in_progress"}), ("reply", {"body": "hello there"}),
          ("transfer", {"desk": "helpline", "reason": "not ours"})]


def test_an_officer_of_another_desk_is_refused_every_write_and_the_page_and_a_senior_desk_is_not(app):
    other, _ = _officer(app, "card_office")
    senior, _ = _officer(app, "grievance_cell")  # the desk above every section
    grievance = _filed(category="staff")  # the facilities section's
    assert other.get(f"/grievances/{grievance.id}").status_code == 403
    for action, data in WRITES:
        assert other.post(f"/grievances/{grievance.id}/{action}", data=data).status_code == 403, action
    db.session.expire_all()
    assert db.session.scalars(select(GrievanceEvent.kind)).all() == ["filed"]
    assert grievance.reference not in other.get("/grievances").get_data(as_text=True)
    assert other.post("/grievances/99999999999999999999/note", data={"body": "x y z"}).status_code == 404
    for action, data in WRITES:
        assert senior.post(f"/grievances/{grievance.id}/{action}", data=data).status_code == 302, action


def test_a_facility_officer_keeps_to_their_facility_and_the_section_officer_sees_it(app):
    seelampur, gtb = _facility(), _facility("HS-GTB", "Guru Teg Bahadur Hospital")
    mine, _ = _officer(app, seelampur.code)
    _officer(app, gtb.code)
    section, _ = _officer(app, "facilities")
    theirs = _filed("facility", facility=gtb)
    assert mine.post(f"/grievances/{theirs.id}/status", data={"status": "in_progress"}).status_code == 403
    assert theirs.reference in section.get("/grievances").get_data(as_text=True)
    assert section.post(f"/grievances/{theirs.id}/status", data={"status": "in_progress"}).status_code == 302


def test_the_desk_list_says_overdue_due_today_and_due_later_in_words(app):
    client, _ = _officer(app, "helpline")
    late, today, later, tomorrow = _filed(days_ago=5), _filed(), _filed(), _filed()
    today.due_at = utcnow() + timedelta(minutes=1)
    tomorrow.due_at = utcnow() + timedelta(days=1)
    db.session.commit()
    page = client.get("/grievances").get_data(as_text=True)
    assert page.index(late.reference) < page.index(today.reference) < page.index(later.reference)
    days = services.days_for("helpline")  # 2 in these tests (tests/grievances/conftest.py)
    assert f"Overdue by {5 - days} days" in page and "Due today" in page and f"Due in {days} days" in page
    assert "Due tomorrow" in page and "Due in 1 day" not in page
    assert '<strong>1</strong> overdue' in page and '<strong>1</strong> due today' in page
    assert client.get("/grievances?page=99999999999999999").status_code == 200  # bounded, not an error


def test_the_figures_per_desk(app):
    officer = factories.make_staff("supervisor")
    quick, slow = _filed(days_ago=2), _filed(days_ago=4)
    _filed(days_ago=5)  # open and overdue
    _filed(category="card_delivery")
    for grievance in (quick, slow):
        services.move(grievance, officer, "resolved", "Called back")
    quick.resolved_at = quick.created_at + timedelta(hours=10)
    slow.resolved_at = slow.created_at + timedelta(hours=30)
    followup.rate(quick, 5)
    followup.rate(slow, 2)
    followup.reopen(slow, "Still nobody called")
    db.session.commit()
    rows = {row["desk"]: row for row in figures.per_desk()}
    helpline = rows["helpline"]
    assert (helpline["open"], helpline["overdue"], helpline["resolved"], helpline["reopened"]) == (2, 1, 1, 1)
    assert helpline["median_hours"] == 10.0 and helpline["mean_rating"] == 5.0  # a reopened answer's rating is void
    assert (rows["card_office"]["open"], rows["card_office"]["overdue"]) == (1, 0)
    supervisor, _ = factories.logged_in(app, "supervisor")
    page = supervisor.get("/grievances/figures").get_data(as_text=True)
    assert "Helpline section" in page and "10.0 h" in page and "5.0 of 5" in page
    officer_client, _ = _officer(app, "helpline")
    assert officer_client.get("/grievances/figures").status_code == 403


def test_the_complaint_form_finds_the_place_by_a_search_showing_kind_and_address_and_names_it_after(app):
    factories.make_patient(mobile=MOBILE)
    for n, (ward, pincode) in enumerate([("Seelampur", "110053"), ("Mustafabad", "110094"), ("Rohini", "110085")]):
        _facility(f"MC-{n}", "Aam Aadmi Mohalla Clinic", address=f"Block {n}, Main Road", ward=ward, pincode=pincode)
    citizen = app.test_client()
    sign_in(citizen, MOBILE)
    citizen.get("/portal/lang/pa?next=/portal/")
    page = citizen.get("/portal/grievances?place=mohalla").get_data(as_text=True)
    assert page.count('name="facility_id" value="') == 4  # three clinics and "not about one place"
    assert "ਮੁਹੱਲਾ ਕਲੀਨਿਕ · Block 1, Main Road, Mustafabad, 110094" in page
    narrowed = citizen.get("/portal/grievances?place=mohalla+110094").get_data(as_text=True)
    assert narrowed.count('name="facility_id" value="') == 2 and "Mustafabad" in narrowed and "Rohini" not in narrowed
    assert "ਕੋਈ ਕਲੀਨਿਕ ਜਾਂ ਹਸਪਤਾਲ ਨਹੀਂ ਮਿਲਿਆ" in citizen.get("/portal/grievances?place=zzzz").get_data(as_text=True)
    mustafabad = db.session.scalar(select(Facility).where(Facility.ward == "Mustafabad"))
    citizen.post("/portal/grievances", data={"category": "facility", "facility_id": mustafabad.id,
                                             "body": "The clinic opened two hours late"})
    filed = citizen.get("/portal/grievances").get_data(as_text=True).split('id="new-complaint"')[0]
    assert "Aam Aadmi Mohalla Clinic · ਮੁਹੱਲਾ ਕਲੀਨਿਕ · Block 1, Main Road, Mustafabad, 110094" in filed


@settings(max_examples=60, deadline=None)
@given(minutes=st.integers(-30 * 24 * 60, 30 * 24 * 60), status=st.sampled_from(GRIEVANCE_STATUSES),
       hour=st.integers(0, 23))
def test_property_the_deadline_words_follow_delhis_calendar(minutes, status, hour):
    now = datetime(2026, 12, 7, hour, 17, tzinfo=UTC)
    kind, days = services.deadline(SimpleNamespace(status=status, due_at=now + timedelta(minutes=minutes)), now)
    calendar_days = ((now + timedelta(minutes=minutes)).astimezone(DELHI).date() - now.astimezone(DELHI).date()).days
    if status not in services.OPEN:
        assert kind == "done"
    elif minutes < 0:
        assert kind == "overdue" and days == max(1, -calendar_days)
    else:
        assert (kind, days) == (("today", 0) if calendar_days == 0 else ("due", calendar_days))

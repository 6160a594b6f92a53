"""A case's report says what its timeline says, on every path a contact can take: who finished it, how long the
caller waited, who answered (and is credited in the figures), and why it is a case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from crm.cases import assessment, lifecycle, tier2, voice
from crm.helpline import case_report
from crm.helpline.messages import inbound
from crm.helpline.supervisor import period_reports
from crm.models import Case, CaseEvent
from crm.platform.extensions import db
from tests import factories
from tests.supervisor.scripted_day import END_OF_DAY, Day, at


@pytest.fixture
def day(app):
    with time_machine.travel(at("08:00:00"), tick=False) as traveller:
        yield Day(traveller)


@pytest.fixture
def people(app):
    return {"asha": factories.make_staff("operator", name="Asha Verma"),
            "mehta": factories.make_staff("doctor", name="Dr. Mehta", specialty="general_medicine"),
            "kapoor": factories.make_staff("doctor", name="Dr. Kapoor", specialty="cardiology")}


def first(case: Case, kind: str, **detail):
    """When the timeline first records `kind` (with this detail)."""
    events = db.session.query(CaseEvent).filter_by(case_id=case.id, kind=kind).order_by(CaseEvent.at, CaseEvent.id)
    return next(e.at for e in events if all((e.detail or {}).get(k) == v for k, v in detail.items()))


def seconds(start, end) -> int:
    return round((end - start).total_seconds())


def report(case: Case) -> dict:
    db.session.commit()
    return case_report.build(db.session.get(Case, case.id), audited=False)


def queued_call(day: Day, clock: str, phone: str) -> Case:
    _call, case = day.call(clock, phone)
    day.queue(clock[:-2] + "10", case)
    return case


def test_tier1_resolve_is_credited_to_the_operator_with_the_timeline_wait(day, people):
    case = queued_call(day, "09:00:00", "+919810000201")
    day.to("09:00:40")
    lifecycle.claim(case.id, people["asha"])
    day.staff_leg(case, people["asha"], "09:00:42", "09:03:42")
    day.to("09:04:00")
    assessment.save(case, people["asha"], "Fever for three days", [])
    assessment.resolve(case, people["asha"], "home_care", "Fluids and rest")
    record = report(case)["record"]
    assert record.finished == "tier1" and record.finished_text == "Resolved at tier 1"
    assert record.finished_by == record.answered_by == "Asha Verma"
    assert record.waited == seconds(first(case, "queued"), first(case, "claimed")) == 30
    assert [leg.queue for leg in record.legs] == ["tier1"]
    assert record.legs[0].handled >= 180  # the call leg, plus wrap-up


def test_an_escalation_is_finished_by_the_doctor_not_resolved_at_tier_1(day, people):
    case = queued_call(day, "09:30:00", "+919810000202")
    day.to("09:32:00")
    lifecycle.claim(case.id, people["asha"])
    day.to("09:35:00")
    assessment.escalate(case, people["asha"], "general_medicine", "urgent", "Fever for a week, now confused")
    day.to("09:37:00")
    tier2.accept(case.id, people["mehta"])
    day.doctor_resolves("09:45:00", case, people["mehta"])
    built = report(case)
    record = built["record"]
    assert record.finished == "doctor" and record.finished_by == "Dr. Mehta"
    assert record.answered_by == "Asha Verma"  # who first answered the caller
    tier1, doctor = record.legs
    assert (tier1.queue, tier1.waited, tier1.answered_by) == ("tier1", 110, "Asha Verma")
    assert doctor.queue == "tier2" and doctor.answered_by == "Dr. Mehta"
    assert doctor.waited == seconds(first(case, "escalated"), first(case, "accepted")) == 120
    assert doctor.handled == seconds(first(case, "accepted"), first(case, "resolved", by="doctor")) == 480


def test_a_referral_names_the_specialist_who_finished_and_credits_the_doctor_who_answered(app, day, people):
    case = queued_call(day, "10:00:00", "+919810000203")
    day.to("10:01:00")
    lifecycle.claim(case.id, people["asha"])
    day.to("10:02:00")
    assessment.escalate(case, people["asha"], "general_medicine", "urgent", "Chest tightness on and off")
    day.to("10:03:00")
    tier2.accept(case.id, people["mehta"])
    day.to("10:06:00")
    tier2.refer(case, people["mehta"], "cardiology", "Please assess angina")
    day.to("10:08:00")
    assert tier2.accept(case.id, people["kapoor"]) is not None
    day.doctor_resolves("10:20:00", case, people["kapoor"])
    record = report(case)["record"]
    assert record.finished == "referral" and "Cardiology" in record.finished_text
    assert record.finished_by == "Dr. Kapoor"
    assert record.legs[1].answered_by == "Dr. Mehta"  # the doctor who answered, not the specialist referred to
    by_agent = period_reports.grouped(date(2026, 11, 20), date(2026, 11, 20), "agent")
    assert {(r["group"], r["queue"]) for r in by_agent} == {("Asha Verma", "tier1"), ("Dr. Mehta", "tier2")}


def test_an_ivr_emergency_reports_its_wait_for_a_doctor_and_the_callers_words(day, people):
    call, case = day.call("11:00:00", "+919810000204")
    day.to("11:00:05")
    voice.menu(call.sid, "in-progress", "", "papa ko seene me dard hai", 0)
    day.to("11:00:25")
    tier2.accept(case.id, people["mehta"])
    day.doctor_resolves("11:10:25", case, people["mehta"])
    built = report(case)
    record = built["record"]
    assert [leg.queue for leg in record.legs] == ["emergency"]
    assert record.waited == seconds(first(case, "queued", queue="emergency"), first(case, "accepted")) == 20
    assert record.handled == 600
    assert record.finished == "doctor" and record.answered_by == "Dr. Mehta"
    assert record.reason.words == "papa ko seene me dard hai" and record.reason.via == "speech"
    assert record.reason.rules and all("_" not in r and "model" not in r.lower() for r in record.reason.rules)
    assert built["times"]["waited"] == 20 and built["times"]["handled"] == 600


def test_an_sms_emergency_shows_the_text_and_the_rule_in_plain_words(day, people):
    day.to("13:00:00")
    inbound.receive(inbound.InboundText("SM" + "e" * 32, "+919810000205", "+911800112233",
                                        "papa ko seene me dard hai"))
    case = db.session.query(Case).filter_by(caller_phone="+919810000205").one()
    day.to("13:01:00")
    tier2.accept(case.id, people["mehta"])
    record = report(case)["record"]
    assert record.finished == "with_doctor"
    assert record.legs[0].queue == "emergency" and record.waited == 60
    assert record.reason.words == "papa ko seene me dard hai" and record.reason.via == "sms"
    assert record.reason.rules and all("_" not in r for r in record.reason.rules)


def test_an_abandoned_call_reports_the_wait_until_the_caller_hung_up(day, people):
    call, case = day.call("09:19:50", "+919810000206")
    day.queue("09:20:00", case)
    day.hang_up_waiting("09:20:40", call, 40)
    record = report(case)["record"]
    assert record.finished == "abandoned" and record.finished_by is None and record.answered_by is None
    assert record.waited == seconds(first(case, "queued"), first(case, "abandoned")) == 40
    assert record.legs[0].abandoned


def test_a_scheduled_call_back_is_reported_as_such(day, people):
    case = queued_call(day, "10:30:00", "+919810000207")
    day.to("10:31:00")
    lifecycle.claim(case.id, people["asha"])
    day.to("10:33:00")
    assessment.save(case, people["asha"], "Wants to speak to a doctor tomorrow", [])
    assessment.schedule_callback(case, people["asha"], at("10:33:00") + timedelta(hours=20))
    record = report(case)["record"]
    assert record.finished == "callback" and record.finished_by == "Asha Verma"
    assert record.waited == seconds(first(case, "queued"), first(case, "claimed")) == 50


def test_the_page_and_the_pdf_say_who_finished_it(client, login, day, people):
    case = queued_call(day, "09:30:00", "+919810000208")
    day.to("09:31:00")
    lifecycle.claim(case.id, people["asha"])
    assessment.escalate(case, people["asha"], "general_medicine", "urgent", "Fever for a week")
    day.to("09:33:00")
    tier2.accept(case.id, people["mehta"])
    day.doctor_resolves("09:40:00", case, people["mehta"])
    db.session.commit()
    login("supervisor")
    page = client.get(f"/workspace/cases/{case.id}/report").get_data(as_text=True)
    assert "Finished by a doctor · Dr. Mehta" in page and "Resolved at tier 1" not in page
    pdf = client.get(f"/api/v1/cases/{case.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_day_s_emergencies_in_the_daily_report_name_the_doctor_who_answered(day, people):
    call, case = day.call("11:00:00", "+919810000209")
    day.to("11:00:05")
    voice.menu(call.sid, "in-progress", "9", "", 0)
    day.to("11:00:25")
    tier2.accept(case.id, people["mehta"])
    day.to("11:02:00")
    tier2.refer(case, people["mehta"], "cardiology", "ECG changes")
    day.to("11:03:00")
    tier2.accept(case.id, people["kapoor"])
    db.session.commit()
    daily = period_reports.daily(date(2026, 11, 20), END_OF_DAY)
    assert [e["doctor"] for e in daily["emergencies"]] == ["Dr. Mehta"]

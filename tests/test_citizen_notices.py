"""The citizen is told: a scheduled call-back gets its time by text, a caller who hung up waiting gets "we missed your
call" with the call-back offer, each in the language of the contact."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from crm.cases import assessment, lifecycle, voice
from crm.helpline.messages import notices, replies
from crm.models import Case, Message, OptOut
from crm.models.base import utcnow
from crm.platform import sweeps
from crm.platform.extensions import db
from tests import factories
from tests.supervisor.scripted_day import Day, at


@pytest.fixture
def day(app):
    app.config["JOBS_EAGER"] = False
    from crm.platform.jobs import HeldRunner

    app.extensions["sampark_jobs"] = HeldRunner(app)  # what would be sent stays in the table to read
    with time_machine.travel(at("09:00:00"), tick=False) as traveller:
        yield Day(traveller)


def texts(case: Case, kind: str) -> list[Message]:
    return list(Message.query.filter_by(case_id=case.id, kind=kind, direction="outbound"))


@pytest.mark.parametrize(("language", "expected"), [("en", "we will call you back at 21 Nov 09:30 IST"),
                                                     ("hi", "21 Nov 09:30 IST पर कॉल करेंगे")])
def test_a_scheduled_call_back_texts_its_time_in_delhi_time_and_the_callers_language(day, language, expected):
    asha = factories.make_staff("operator", name="Asha Verma")
    _call, case = day.call("09:00:00", "+919810000401")
    day.queue("09:00:10", case)
    day.to("09:01:00")
    lifecycle.claim(case.id, asha)
    case.language = language
    assessment.save(case, asha, "Wants a doctor to call tomorrow morning", [])
    assessment.schedule_callback(case, asha, at("09:30:00") + timedelta(days=1))
    db.session.commit()
    (sms,) = texts(case, "callback_scheduled")
    assert expected in sms.body and case.reference in sms.body and sms.to_number == "+919810000401"


def abandoned(day: Day, clock: str, phone: str, seconds: int, language: str = "hi") -> Case:
    call, case = day.call(clock, phone)
    day.to(clock[:-2] + "10")
    voice.menu(call.sid, "in-progress", "2" if language == "en" else "1", "", 0)  # the language key
    voice.card(call.sid, "in-progress", "", None)  # no card: into the tier-1 queue
    hang_up = at(clock[:-2] + "10") + timedelta(seconds=seconds)
    day.hang_up_waiting(hang_up.strftime("%H:%M:%S"), call, seconds)
    return db.session.get(Case, case.id)


def test_a_caller_who_hung_up_waiting_is_told_we_missed_your_call_once(day):
    case = abandoned(day, "09:20:00", "+919810000402", 40, language="en")
    day.to("09:21:00")
    assert sweeps.run_once(utcnow())["missed_callers"] == 1
    db.session.commit()
    assert sweeps.run_once(utcnow())["missed_callers"] == 0  # told once
    (sms,) = texts(case, notices.MISSED_KIND)
    assert sms.body == replies.reply("missed_call", "en", ref=case.reference)
    assert "call you back" in sms.body


def test_no_missed_call_text_for_a_short_abandon_a_caller_who_called_again_or_texted_stop(day):
    short = abandoned(day, "09:10:00", "+919810000403", 3)  # under the short-abandon setting: a misdial
    again = abandoned(day, "09:20:00", "+919810000404", 40)
    day.call("09:22:00", "+919810000404")  # they called again: their new call is answered instead
    stopped = abandoned(day, "09:30:00", "+919810000405", 40)
    db.session.add(OptOut(phone="+919810000405", keyword="stop"))
    day.to("09:40:00")
    assert sweeps.run_once(utcnow())["missed_callers"] == 0
    db.session.commit()
    assert not texts(short, notices.MISSED_KIND) + texts(again, notices.MISSED_KIND) + texts(stopped, notices.MISSED_KIND)


def test_a_hindi_caller_is_told_in_hindi(day):
    case = abandoned(day, "09:20:00", "+919810000406", 40)
    day.to("09:21:00")
    sweeps.run_once(utcnow())
    db.session.commit()
    (sms,) = texts(case, notices.MISSED_KIND)
    assert sms.body == replies.reply("missed_call", "hi", ref=case.reference) and "कॉल नहीं लगी" in sms.body

"""A closed facility's opening is said from the day it is asked on: "today" or "tomorrow", never "opens Mon" on a
Monday, in all four languages, on the finder page, in the SMS answer and in the operators' API."""

from datetime import UTC, datetime

import pytest
import time_machine

from crm.citizens.facilities import answer
from crm.citizens.facilities.question import Question
from crm.models import Facility
from crm.platform import sms_templates
from crm.platform.extensions import db

MONDAY_0630_IST = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
MONDAY_1500_IST = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
SUNDAY_1000_IST = datetime(2026, 12, 6, 4, 30, tzinfo=UTC)
SATURDAY_1000_IST = datetime(2026, 12, 5, 4, 30, tzinfo=UTC)
PAGE_WORDS = {  # (moment, language) -> what the page says of the clinic
    (MONDAY_0630_IST, "en"): "opens today at 08:00",
    (MONDAY_0630_IST, "hi"): "आज 08:00 बजे खुलेगा",
    (MONDAY_0630_IST, "pa"): "ਅੱਜ 08:00 ਵਜੇ ਖੁੱਲ੍ਹੇਗਾ",
    (MONDAY_0630_IST, "ur"): "آج 08:00 بجے کھلے گا",
    (SUNDAY_1000_IST, "en"): "opens tomorrow at 08:00",
    (SUNDAY_1000_IST, "hi"): "कल 08:00 बजे खुलेगा",
    (SUNDAY_1000_IST, "pa"): "ਕੱਲ੍ਹ 08:00 ਵਜੇ ਖੁੱਲ੍ਹੇਗਾ",
    (SUNDAY_1000_IST, "ur"): "کل 08:00 بجے کھلے گا",
    (MONDAY_1500_IST, "en"): "opens next Mon at 08:00",  # open on Mondays only, and today's hours are over
    (MONDAY_1500_IST, "hi"): "अगले सोम 08:00 बजे खुलेगा",
    (SATURDAY_1000_IST, "en"): "opens Mon at 08:00",  # two days ahead: the weekday names it
}


@pytest.fixture
def clinic(app):
    weekdays = {day: [["08:00", "14:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    found = Facility(code="MC-T1", name="Mohalla Clinic Test", name_hi="मोहल्ला क्लिनिक टेस्ट", kind="mohalla_clinic",
                     district="East", ward="Laxmi Nagar", pincode="110092", lat=28.6304, lon=77.2773,
                     address="Block A, Laxmi Nagar", phone="+911122064039", services=["general_opd"], timings=weekdays)
    db.session.add(found)
    db.session.commit()
    return found


@pytest.mark.parametrize(("moment", "lang"), list(PAGE_WORDS))
def test_the_finder_page_says_today_or_tomorrow(client, clinic, moment, lang):
    if moment == MONDAY_1500_IST:
        clinic.timings = {"mon": [["08:00", "14:00"]]}
        db.session.commit()
    with time_machine.travel(moment, tick=False):
        page = client.get(f"/facilities?q=110092&lang={lang}").get_data(as_text=True)
    assert PAGE_WORDS[moment, lang] in page
    if moment != SATURDAY_1000_IST:
        assert "opens Mon" not in page.replace("opens next Mon", "")


@pytest.mark.parametrize(("script", "words"), [
    ("en", "opens today at 08:00"), ("hinglish", "aaj 08:00 khulega"), ("hi", "आज 08:00 खुलेगा"),
    ("pa", "ਅੱਜ 08:00 ਖੁੱਲ੍ਹੇਗਾ"), ("ur", "آج 08:00 بجے کھلے گا")])
def test_the_sms_answer_says_today_and_is_still_its_registered_template(app, clinic, script, words):
    with app.test_request_context():
        text = answer.text_for(Question("any", "110092", None, script), MONDAY_0630_IST)
    assert words in text
    assert sms_templates.match(text).name.startswith("facilities_near_")


def test_the_operators_api_gives_the_day_ahead_and_its_words(client, clinic, login):
    with time_machine.travel(SUNDAY_1000_IST, tick=False):
        login("operator")
        data = client.get("/api/v1/facilities/nearest?place=110092").json
    opens = data["facilities"][0]["opens"]
    assert opens == {"day": "mon", "time": "08:00", "in_days": 1, "day_label": "tomorrow"}

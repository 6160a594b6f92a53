"""The nearest open facilities to a pincode or ward, the import, the public page and the operators' API."""

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from crm.citizens.facilities import answer, finder, importer, question
from crm.models import Facility
from crm.platform.extensions import db
from tests import factories

MONDAY_10_IST = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)
SUNDAY_10_IST = datetime(2026, 12, 6, 4, 30, tzinfo=UTC)
EARLY_MONDAY_IST = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 06:30 in Delhi


@pytest.fixture
def delhi(app):
    result = importer.import_file(importer.DEMO_FILE)
    db.session.commit()
    return result


def test_the_demo_set_imports_whole_and_again_without_duplicates(delhi):
    assert delhi.rejected == [] and delhi.created >= 60
    again = importer.import_file(importer.DEMO_FILE)
    assert (again.created, again.updated) == (0, delhi.created)
    kinds = set(db.session.scalars(select(Facility.kind)))
    assert kinds == {"mohalla_clinic", "polyclinic", "dispensary", "hospital"}


def test_bad_rows_are_listed_not_loaded(app, tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("code,name,name_hi,kind,district,ward,pincode,lat,lon,address,phone,services,timings\n"
                    "X1,Good,,mohalla_clinic,East,Laxmi Nagar,110092,28.63,77.27,,,general_opd,Mon-Sat 08:00-14:00\n"
                    "X2,Bad kind,,spa,East,,110092,28.63,77.27,,,,\n"
                    "X3,Bad hours,,hospital,East,,110092,28.63,77.27,,,,Mon 9-5\n", encoding="utf-8")
    result = importer.import_file(path)
    assert result.created == 1 and [r.split(":")[0] for r in result.rejected] == ["line 3 (X2)", "line 4 (X3)"]


def test_on_a_weekday_morning_the_nearest_open_clinics_come_first(delhi):
    place = finder.place_for("110092")
    found = finder.nearest(place, MONDAY_10_IST, 5, finder.KIND_CHOICES["clinic"])
    assert found and all(f.facility.kind != "hospital" for f in found)
    opens = [f.open_now for f in found]
    assert opens == sorted(opens, reverse=True)  # open ones first
    open_kms = [f.km for f in found if f.open_now]
    assert open_kms == sorted(open_kms) and open_kms[0] < 2


def test_on_sunday_the_open_hospital_comes_before_closed_clinics(delhi):
    found = finder.nearest(finder.place_for("Laxmi Nagar"), SUNDAY_10_IST, 5)
    assert found[0].open_now and found[0].facility.kind in ("hospital", "polyclinic")
    closed = [f for f in found if not f.open_now]
    assert closed and all(f.opens for f in closed)


def test_a_pincode_not_in_the_areas_file_is_placed_at_its_facilities(app):
    db.session.add(Facility(code="T1", name="Test clinic", kind="mohalla_clinic", district="X", pincode="110999",
                            lat=28.5, lon=77.1, timings={"mon": [["08:00", "14:00"]]}))
    db.session.commit()
    place = finder.place_for("110999")
    assert (place.lat, place.lon) == (28.5, 77.1)
    assert finder.place_for("110998") is None and finder.place_for("Atlantis") is None


def test_hindi_ward_names_find_the_same_place(delhi):
    assert finder.place_for("लक्ष्मी नगर") == finder.place_for("laxmi nagar")


def test_the_sms_answer_lists_three_in_the_citizens_script(app, delhi):
    with app.test_request_context():
        hindi = answer.text_for(question.read("नज़दीकी अस्पताल 110092"), MONDAY_10_IST)
        roman = answer.text_for(question.read("sabse paas clinic kahan hai 110092"), MONDAY_10_IST)
        ask = answer.text_for(question.read("where is the nearest clinic"), MONDAY_10_IST)
    assert hindi.startswith("सम्पर्क, 110092 के पास:") and hindi.count("\n") == 2 and "किमी" in hindi
    assert roman.count("\n") == 3  # a Hindi SMS lists two, GSM-7 ones three
    with app.test_request_context():
        on_whatsapp = answer.text_for(question.read("नज़दीकी अस्पताल 110092"), MONDAY_10_IST, "whatsapp")
    assert on_whatsapp.count("\n") == 6 and "/facilities?q=110092" in on_whatsapp  # five, and the finder's link
    assert roman.startswith("Sampark, 110092 ke paas:") and "tak khula" in roman
    assert "pincode" in ask and "110092" in ask


def test_the_public_page_in_both_languages_remembers_the_choice(client, delhi):
    with time_machine.travel(EARLY_MONDAY_IST, tick=False):  # clinics still closed: the hospital open all day is near the top
        _both_languages(client)


def _both_languages(client):
    english = client.get("/facilities?q=110092&lang=en")
    assert english.status_code == 200 and "Find a clinic or hospital" in english.get_data(as_text=True)
    assert "sampark_lang=en" in english.headers["Set-Cookie"]
    hindi = client.get("/facilities?q=110092&lang=hi").get_data(as_text=True)
    assert "क्लिनिक या अस्पताल खोजें" in hindi and "लाल बहादुर शास्त्री अस्पताल" in hindi
    remembered = client.get("/facilities?q=110053").get_data(as_text=True)
    assert 'lang="hi"' in remembered
    unknown = client.get("/facilities?q=<script>alert(1)</script>&lang=en").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in unknown and "We do not know the place" in unknown


def test_the_operators_api_needs_a_login_and_answers_nearest_open_first(app, client, delhi):
    assert client.get("/api/v1/facilities/nearest?place=110092").status_code == 401
    staff = factories.make_staff("operator")
    client.post("/login", data={"username": staff.username, "password": factories.PASSWORD})
    data = client.get("/api/v1/facilities/nearest?place=110092&kind=hospital&limit=3").get_json()
    assert data["place"]["code"] == "110092" and len(data["facilities"]) == 3
    assert {f["kind"] for f in data["facilities"]} == {"hospital"}
    assert client.get("/api/v1/facilities/nearest?place=Atlantis").status_code == 404
    assert client.get("/api/v1/facilities/nearest?place=110092&kind=spa").status_code == 422


def test_at_night_when_the_nearest_are_closed_the_nearest_open_hospital_leads(delhi):
    monday_5am = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # 05:00 IST Monday
    found = finder.nearest(finder.place_for("Dwarka"), monday_5am, 5)
    assert found[0].open_now and found[0].facility.kind == "hospital" and found[0].km <= finder.OPEN_REACH_KM
    assert not any(f.open_now for f in found[1:])


@pytest.mark.parametrize(("body", "head", "km"), [
    ("ਨੇੜੇ ਦਾ ਹਸਪਤਾਲ 110092", "ਸੰਪਰਕ, 110092 ਦੇ ਨੇੜੇ:", "ਕਿਮੀ"),
    ("قریبی اسپتال 110092", "سمپرک، 110092 کے قریب:", "کلومیٹر"),
])
def test_punjabi_and_urdu_answers_are_in_their_script_by_sms_and_whatsapp(app, delhi, body, head, km):
    with app.test_request_context():
        sms = answer.text_for(question.read(body), MONDAY_10_IST)
        on_whatsapp = answer.text_for(question.read(body), MONDAY_10_IST, "whatsapp")
    assert sms.startswith(head) and km in sms and sms.count("\n") == 2  # UCS-2: two, like Hindi
    assert on_whatsapp.startswith(head) and on_whatsapp.count("\n") == 6 and "/facilities?q=110092" in on_whatsapp


def test_a_name_longer_than_a_dlt_variable_is_shortened_at_a_word():
    assert answer.short_name("Delhi Government Dispensary Rohini Sector 16") == "Dispensary Rohini Sector 16"
    assert answer.short_name("दिल्ली सरकार औषधालय रोहिणी सेक्टर 16 (उत्तर-पश्चिम)") == "औषधालय रोहिणी सेक्टर 16…"
    shortened = answer.short_name("Maharishi Valmiki Infectious Diseases Hospital Kingsway Camp")
    assert len(shortened) <= 30 and shortened.endswith("…") and shortened.startswith("Maharishi Valmiki")
    assert answer.short_name("Mohalla Clinic Seelampur") == "Mohalla Clinic Seelampur"


@pytest.mark.parametrize("script", ["hi", "en", "pa", "ur", "hinglish"])
def test_every_hours_phrase_fits_a_dlt_variable(script):
    from crm.citizens.facilities.timings import DAYS, Opening
    from crm.citizens.facilities.words import ANSWER, opening_day

    longest = max((opening_day(Opening(d, "23:59", ahead), script) for d in DAYS for ahead in range(8)), key=len)
    with_values = [ANSWER[key][script].format(time="23:59", day=longest)
                   for key in ("open", "round_clock", "closed", "never", "no_phone")]
    assert all(len(words) <= answer.LONGEST for words in with_values), with_values

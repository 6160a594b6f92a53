"""'Where is the nearest clinic' by SMS: answered from the finder, no case; a danger sign still makes a case."""

import pytest

from crm.citizens.facilities import importer
from crm.models import Case, Message
from crm.platform import sms_templates
from crm.platform.extensions import db
from tests.telephony.test_sms import outbound, text


@pytest.fixture
def app(tmp_path):
    from tests.conftest import app_with_schema

    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as app:
        importer.import_file(importer.DEMO_FILE)
        db.session.commit()
        yield app


@pytest.mark.parametrize(("body", "starts"), [
    ("sabse paas clinic kahan hai 110092", "Sampark, 110092 ke paas:"),
    ("नज़दीकी अस्पताल 110092", "सम्पर्क, 110092 के पास:"),
    ("where is the nearest clinic in Laxmi Nagar", "Sampark, near Laxmi Nagar:"),
    ("ਸਭ ਤੋਂ ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ ਕਿੱਥੇ ਹੈ 110092", "ਸੰਪਰਕ, 110092 ਦੇ ਨੇੜੇ:"),
    ("قریبی ہسپتال کہاں ہے ۱۱۰۰۹۲", "سمپرک، 110092 کے قریب:"),  # Urdu digits, as an Urdu keyboard types them
    ("سیلم پور میں قریبی کلینک", "سمپرک، Seelampur کے قریب:"),  # and in Urdu, its parts apart
])
def test_the_answer_comes_by_sms_in_the_senders_script_without_a_case(client, body, starts):
    text(client, body)
    (reply,) = outbound()
    assert reply.body.startswith(starts) and reply.kind == "facilities" and reply.channel == "sms"
    assert Case.query.count() == 0
    assert Message.query.filter_by(direction="inbound").one().body == body
    # A registered DLT template, so an Indian gateway carries it (telephony/exotel.py matches every text it sends).
    assert sms_templates.match(reply.body).name.startswith("facilities_near_")


@pytest.mark.parametrize(("body", "words"), [
    ("ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ ਦੱਸੋ", "ਪਿੰਨਕੋਡ ਜਾਂ ਵਾਰਡ"),
    ("قریبی کلینک کہاں ہے", "پن کوڈ یا وارڈ"),
])
def test_a_punjabi_or_urdu_question_without_a_place_is_asked_for_one_in_its_script(client, body, words):
    text(client, body)
    (reply,) = outbound()
    assert words in reply.body and sms_templates.match(reply.body).name == "facilities_ask"
    assert Case.query.count() == 0


def test_an_urdu_question_with_a_story_beside_it_gets_a_case_in_urdu_and_the_answer_in_urdu(client):
    text(client, "میرے بیٹے کو تین دن سے بخار ہے، قریبی کلینک کہاں ہے 110092")
    case = Case.query.one()
    assert case.language == "ur" and case.status == "queued"
    ack, answer = outbound()
    assert "پیغام ملا" in ack.body and answer.body.startswith("سمپرک، 110092 کے قریب:")


def test_without_a_place_the_citizen_is_asked_for_a_pincode(client):
    text(client, "nearest clinic please")
    (reply,) = outbound()
    assert "pincode" in reply.body and Case.query.count() == 0


def test_a_danger_sign_with_the_question_is_an_emergency_not_a_list(client):
    text(client, "seene me dard hai sabse paas aspatal kahan hai 110092")
    case = Case.query.one()
    assert case.priority == "P1"
    assert any("112" in m.body for m in outbound())


def test_a_question_with_a_story_beside_it_gets_the_answer_and_a_case_for_a_person(client):
    text(client, "mere bete ko teen din se bukhar hai, paas me clinic kahan hai 110092")
    case = Case.query.one()
    assert case.status == "queued" and case.queue == "tier1"
    kinds = [m.kind for m in outbound()]
    assert kinds == ["ack", "facilities"]
    assert outbound()[1].body.startswith("Sampark, 110092 ke paas:") and outbound()[1].case_id == case.id

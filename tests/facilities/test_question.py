"""Reading "where is the nearest clinic" in English, Hindi (Devanagari, romanised), Punjabi and Urdu (property tests
included)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.citizens.facilities import areas
from crm.citizens.facilities.question import DIGITS, read

PINCODES = ["110092", "110053", "110075", "110002"]


@pytest.mark.parametrize(("text", "kinds", "pincode", "ward", "script"), [
    ("sabse paas clinic kahan hai 110092", "clinic", "110092", None, "hinglish"),
    ("नज़दीकी अस्पताल 110092", "hospital", "110092", None, "hi"),
    ("नजदीकी अस्पताल ११००९२", "hospital", "110092", None, "hi"),  # Devanagari digits, no nukta
    ("Where is the nearest clinic? 110053", "clinic", "110053", None, "en"),
    ("nearest hospital laxmi nagar", "hospital", None, "Laxmi Nagar", "en"),
    ("nazdiki dawakhana rohini sector 16", "clinic", None, "Rohini Sector 16", "hinglish"),
    ("पास में क्लिनिक कहाँ है संगम विहार", "clinic", None, "Sangam Vihar", "hi"),
    ("where is the nearest clinic", "clinic", None, None, "en"),
    ("aspatal kahan hai", "hospital", None, None, "hinglish"),
    ("nearest doctor 110075", "any", "110075", None, "en"),
    ("ਸਭ ਤੋਂ ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ ਕਿੱਥੇ ਹੈ 110092", "clinic", "110092", None, "pa"),
    ("ਨੇੜੇ ਦਾ ਹਸਪਤਾਲ ੧੧੦੦੫੩", "hospital", "110053", None, "pa"),  # Gurmukhi digits
    ("ਲਕਸ਼ਮੀ ਨਗਰ ਵਿੱਚ ਨੇੜੇ ਦਾ ਹਸਪਤਾਲ", "hospital", None, "Laxmi Nagar", "pa"),  # the ward in Gurmukhi
    ("قریبی ہسپتال کہاں ہے ۱۱۰۰۹۲", "hospital", "110092", None, "ur"),  # Urdu digits
    ("قریبی کلینک ١١٠٠٧٥", "clinic", "110075", None, "ur"),  # Arabic-Indic digits
    ("سیلم پور میں قریبی کلینک", "clinic", None, "Seelampur", "ur"),  # the ward in Urdu, its parts apart
    ("لکشمی نگر میں قریبی اسپتال کہاں ہے", "hospital", None, "Laxmi Nagar", "ur"),
    ("قریبی ڈاکٹر کہاں ہے", "any", None, None, "ur"),
    ("কাছের হাসপাতাল 110092", None, None, None, None),  # Bengali words are not read: a case for a person
])
def test_the_question_is_read_in_each_way_of_writing(text, kinds, pincode, ward, script):
    question = read(text)
    if kinds is None:
        assert question is None
        return
    assert question is not None
    assert (question.kinds, question.pincode, question.ward, question.script) == (kinds, pincode, ward, script)


@pytest.mark.parametrize("text", [
    "bukhar hai teen din se", "I have chest pain", "मेरा हेल्थ कार्ड कब आएगा", "stop", "my card number is 1234 5678 9012",
    "hospital wale ne dawai di thi", "", "110092",
])
def test_other_messages_are_not_facility_questions(text):
    assert read(text) is None


FACILITY = st.sampled_from(["clinic", "hospital", "aspatal", "dawakhana", "अस्पताल", "क्लिनिक", "दवाखाना", "mohalla clinic"])
NEAR = st.sampled_from(["nearest", "sabse paas", "nazdiki", "kahan hai", "नज़दीकी", "नजदीकी", "कहाँ है", "where is the"])
FILLER = st.text(alphabet="abcdefghij klmnop", max_size=20)


@given(FACILITY, NEAR, st.sampled_from(PINCODES), FILLER, st.booleans())
def test_any_facility_word_with_a_nearness_word_and_a_pincode_is_read_with_that_pincode(
        facility, near, pincode, filler, devanagari_digits):
    digits = pincode.translate(str.maketrans("0123456789", "०१२३४५६७८९")) if devanagari_digits else pincode
    question = read(f"{filler} {near} {facility} {digits}")
    assert question is not None and question.pincode == pincode and question.ward is None


@given(FACILITY, NEAR, st.sampled_from(areas.wards()), st.booleans())
def test_a_ward_named_in_either_language_is_found(facility, near, ward, hindi):
    question = read(f"{near} {facility} {ward.name_hi if hindi else ward.name.lower()}")
    assert question is not None and question.pincode is None
    # A longer ward name may contain this one ("Rohini Sector 16" holds "Rohini"): never a shorter one.
    assert question.ward is not None and ward.name in question.ward


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.?", max_size=80))
def test_text_without_a_facility_word_is_never_a_question(text):
    words = set(areas.fold(text).split())
    if not words & {"clinic", "clinics", "hospital", "hospitals", "dispensary", "polyclinic", "mohalla", "doctor",
                    "facility", "dr", "aspatal", "aspataal", "asptal", "haspatal", "hospatal", "davakhana",
                    "dawakhana", "davakhaana", "dispensari"}:
        assert read(text) is None


@given(st.text(max_size=200))
def test_the_reader_never_fails_and_a_pincode_it_finds_is_six_digits_in_the_text(text):
    question = read(text)
    if question is not None and question.pincode:
        assert len(question.pincode) == 6 and question.pincode.isdigit()
        assert question.pincode in text.translate(DIGITS)


@pytest.mark.parametrize(("text", "bare"), [
    ("sabse paas clinic kahan hai 110092", True),
    ("where is the nearest government hospital open now in 110092", True),
    ("पास में क्लिनिक कहाँ है संगम विहार", True),
    ("mere bete ko teen din se bukhar hai, paas me clinic kahan hai 110092", False),
    ("I need to pass urine frequently, which hospital near me", False),
    ("ਸਭ ਤੋਂ ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ ਕਿੱਥੇ ਹੈ 110092", True),
    ("ਮੇਰੇ ਪੁੱਤਰ ਨੂੰ ਤਿੰਨ ਦਿਨਾਂ ਤੋਂ ਬੁਖਾਰ ਹੈ ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ ਕਿੱਥੇ ਹੈ 110092", False),
    ("سیلم پور میں قریبی کلینک", True),
    ("میرے بیٹے کو تین دن سے بخار ہے، قریبی کلینک کہاں ہے 110092", False),
])
def test_a_bare_question_is_told_from_one_with_a_story(text, bare):
    assert read(text).bare is bare


PA_UR_WORDS = {"pa": (["ਕਲੀਨਿਕ", "ਹਸਪਤਾਲ", "ਡਿਸਪੈਂਸਰੀ"], ["ਨੇੜੇ ਦਾ", "ਕਿੱਥੇ ਹੈ", "ਸਭ ਤੋਂ ਨੇੜੇ"]),
               "ur": (["کلینک", "اسپتال", "ہسپتال", "ڈسپنسری"], ["قریبی", "کہاں ہے", "نزدیکی"])}
OTHER_DIGITS = st.sampled_from(["੦੧੨੩੪੫੬੭੮੯", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "0123456789"])


@given(st.data(), st.sampled_from(["pa", "ur"]), st.sampled_from(PINCODES), OTHER_DIGITS)
def test_punjabi_and_urdu_questions_are_read_with_their_pincode_in_any_digits_and_answered_in_their_script(
        data, script, pincode, digits):
    facilities, nears = PA_UR_WORDS[script]
    facility, near = data.draw(st.sampled_from(facilities)), data.draw(st.sampled_from(nears))
    question = read(f"{near} {facility} {pincode.translate(str.maketrans('0123456789', digits))}")
    assert question is not None and question.pincode == pincode and question.script == script

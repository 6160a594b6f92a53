"""The registered SMS texts (crm/platform/sms_templates.json): every text the code sends is one of them, word for word,
in Delhi's four languages, and the routine ones cost one SMS part (the DLT scrubber's check, and the bill's)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.helpline.messages import replies
from crm.platform import sms_templates
from crm.platform.sms_parts import segments

TEMPLATES = sms_templates.all_templates()
NAMES = sorted({t.name for t in TEMPLATES})
SCRIPTS = {"hi": "DEVANAGARI", "pa": "GURMUKHI", "ur": "ARABIC"}
LANGUAGES = ("hi", "en", "pa", "ur", "hinglish")


def longest(template) -> str:
    """The template filled with every variable at its longest (what `parts` must cover)."""
    return template.render(**{name: "9" * most for name, most in template.variables})


def scripts_of(text: str) -> set[str]:
    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


@pytest.mark.parametrize("name", NAMES)
def test_every_text_is_registered_in_delhis_four_languages(name):
    languages = {t.language for t in TEMPLATES if t.name == name}
    assert set(sms_templates.LANGUAGES) <= languages


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t.language in SCRIPTS], ids=lambda t: f"{t.name}-{t.language}")
def test_each_language_is_written_in_its_own_script(template):
    # Punjabi in Gurmukhi and Urdu in Persian script (Arabic letters), never Hindi's Devanagari; Latin only for
    # the reference ("SMP-") and names like the helpline's.
    words = scripts_of(template.text.replace(sms_templates.VARIABLE, ""))
    assert SCRIPTS[template.language] in words and words <= {SCRIPTS[template.language], "LATIN"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: f"{t.name}-{t.language}")
def test_the_file_states_the_parts_each_text_costs(template):
    assert segments(longest(template)) == template.parts


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t.routine], ids=lambda t: f"{t.name}-{t.language}")
def test_routine_acknowledgements_fit_one_sms_part(template):
    assert template.parts == 1 and segments(longest(template)) == 1


def test_advice_that_takes_more_than_one_part_says_so():
    longer = [t for t in TEMPLATES if segments(longest(t)) > 1]
    assert longer and all(not t.routine and t.parts > 1 for t in longer)


def test_each_dlt_template_id_is_one_text():
    ids = [t.dlt_template_id for t in TEMPLATES]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[0-9]{19}", i) for i in ids)
    assert {t.category for t in TEMPLATES} <= {"transactional", "service_implicit", "service_explicit", "promotional"}


def produced_texts():
    """Every SMS text the code can produce, by the functions that produce them, in every language."""
    from types import SimpleNamespace

    from crm.helpline.missed_call.services import sms_text
    from crm.platform.outbox import SECRET_MASK

    from datetime import datetime, timezone

    from crm.models.base import local

    whens = [local(datetime(2026, m, d, h, 5, tzinfo=timezone.utc)).strftime("%d %b %H:%M")  # as notices writes it
             for m, d, h in ((1, 1, 0), (9, 30, 18), (12, 31, 23))]
    for kind in replies.KINDS:
        for language in LANGUAGES:
            for ref in ("SMP-00001", "SMP-1234567"):
                for when in (whens if kind == "callback_at" else [None]):
                    yield kind, replies.reply(kind, language, ref=ref, when=when)
    for language in (None, *LANGUAGES):
        for minutes in (5, 120):
            case = SimpleNamespace(reference="SMP-00042", language=language)
            yield "callback_scheduled", sms_text(case, minutes)
    for language in LANGUAGES:
        text = sms_templates.render("signin_code", language, code=SECRET_MASK, minutes=10)
        yield "signin_code", text.replace(SECRET_MASK, "004217")  # what the send job hands the provider


@pytest.mark.parametrize(("name", "text"), list(produced_texts()))
def test_every_text_the_code_produces_matches_its_template_exactly(name, text):
    matched = sms_templates.match(text)
    assert matched is not None and matched.name == name, text


FACILITY_QUESTIONS = {  # a question in each script: with a pincode, a known ward, none, and a place nobody knows
    "hi": ("नज़दीकी अस्पताल 110092", "लक्ष्मी नगर में नज़दीकी क्लिनिक", "नज़दीकी क्लिनिक कहां है", "नज़दीकी क्लिनिक 110999"),
    "en": ("nearest hospital 110092", "nearest clinic in Laxmi Nagar", "nearest clinic please", "nearest clinic 110999"),
    "hinglish": ("sabse paas aspatal kahan hai 110092", "Laxmi Nagar me paas clinic kahan hai",
                 "sabse paas clinic kahan hai", "paas clinic kahan hai 110999"),
    "pa": ("ਨੇੜੇ ਦਾ ਹਸਪਤਾਲ 110092", "ਲਕਸ਼ਮੀ ਨਗਰ ਵਿੱਚ ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ", "ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ ਕਿੱਥੇ ਹੈ",
           "ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ 110999"),
    "ur": ("قریبی اسپتال 110092", "لکشمی نگر میں قریبی کلینک", "قریبی کلینک کہاں ہے", "قریبی کلینک 110999"),
}


@pytest.mark.parametrize("script", sorted(FACILITY_QUESTIONS))
def test_every_facility_answer_by_sms_is_a_registered_template_in_the_senders_script(app, script):
    # Opening hours change the words in the variables, not the template: early morning, mid-morning and night.
    from datetime import UTC, datetime

    from crm.citizens.facilities import answer, importer, question
    from crm.platform.extensions import db

    importer.import_file(importer.DEMO_FILE)
    db.session.commit()
    seen = set()
    with app.test_request_context():
        for body in FACILITY_QUESTIONS[script]:
            asked = question.read(body)
            assert asked is not None and asked.script == script, body
            for moment in (datetime(2026, 11, 30, 0, 30, tzinfo=UTC), datetime(2026, 11, 30, 4, 30, tzinfo=UTC),
                           datetime(2026, 12, 6, 17, 0, tzinfo=UTC)):
                text = answer.text_for(asked, moment)
                matched = sms_templates.match(text)
                assert matched is not None and matched.language == script, text
                seen.add(matched.name)
    assert {"facilities_ask", "facilities_unknown"} <= seen and seen & {"facilities_near_2", "facilities_near_3"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: f"{t.name}-{t.language}")
def test_a_text_matches_only_its_own_template(template):
    assert sms_templates.match(longest(template)) == template


@given(st.data())
def test_any_filling_within_bounds_matches_and_any_changed_word_does_not(data):
    template = data.draw(st.sampled_from(TEMPLATES))
    values = {name: data.draw(st.text(min_size=1, max_size=most)) for name, most in template.variables}
    text = template.render(**values)
    assert template.matches(text)
    fixed = template.text.replace(sms_templates.VARIABLE, "")
    assert not template.matches(text + "!") and not template.matches("x" + text)
    if template.variables:
        name, most = template.variables[0]
        assert not template.matches(template.render(**(values | {name: "9" * (most + 1)})))
    assert fixed  # a template is words, not only variables


def test_a_text_with_a_word_changed_matches_nothing():
    text = replies.reply("ack", "en", ref="SMP-00042").replace("advisor", "doctor")
    assert sms_templates.match(text) is None

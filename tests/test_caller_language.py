"""The caller's language on the case is used for every later message (issue 27): replies, reminders, call-backs."""

import pytest

from crm.cases import languages
from crm.helpline.messages import replies
from crm.helpline.whatsapp import approved


@pytest.mark.parametrize(("triage_language", "case_language"), [
    ("hi", "hi"), ("hinglish", "hi"), ("en", "en"), ("pa", "pa"), ("ur", "ur"), ("bn", "hi"), (None, "hi"), ("xx", "hi"),
])
def test_the_case_language_of_what_triage_read(triage_language, case_language):
    assert languages.of_triage(triage_language) == case_language


@pytest.mark.parametrize(("script", "words"), [("pa", "ਸੁਨੇਹਾ ਮਿਲਿਆ"), ("ur", "پیغام ملا"), ("bn", "संदेश मिला")])
def test_a_text_is_acknowledged_in_its_senders_language(script, words):
    assert words in replies.reply("ack", script, ref="SMP-00001")


def test_the_emergency_advice_names_112_and_108_in_every_language():
    for script in ("hi", "hinglish", "en", "pa", "ur"):
        text = replies.reply("emergency", script, ref="SMP-00001")
        assert "112" in text and "108" in text and "SMP-00001" in text


def test_every_whatsapp_template_is_approved_in_the_four_languages_in_their_scripts():
    for template in approved.all_templates():
        letters = {"hi": "\u0900-\u097f", "pa": "\u0a00-\u0a7f", "ur": "\u0600-\u06ff", "en": "a-z"}[template.language]
        assert any(letters[0] <= c <= letters[-1] for c in template.body.lower()), template

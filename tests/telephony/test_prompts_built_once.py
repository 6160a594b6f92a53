"""Prompts are built once per language and choice; what Twilio receives is what building afresh gives."""

from hypothesis import given
from hypothesis import strategies as st

from telephony import prompts

urls = st.one_of(st.none(), st.text(min_size=1, max_size=60).map(lambda s: "/telephony/voice/x?case=1&q=" + s))
some_url = st.text(min_size=1, max_size=60).map(lambda s: "/telephony/voice/menu?case=" + s)
lang = st.sampled_from(["hi", "en"])


def same(prompt, *args) -> None:
    assert prompt(*args) == prompt.__wrapped__(*args)


@given(some_url, st.one_of(st.none(), lang), st.booleans(), some_url, st.booleans(), st.integers(0, 3))
def test_the_menus_built_once_match_the_menus_built_afresh(menu, known, speech, other, wrong, noinput):
    same(prompts.greeting, menu, known, speech)
    same(prompts.greeting, other, known, speech)  # the same template, another case
    same(prompts.menu_again, menu, wrong, noinput, speech)


@given(lang, some_url, some_url, st.sampled_from([None, "card_ok", "card_unknown", "card_revoked"]), st.booleans())
def test_the_queue_and_card_prompts_built_once_match(language, wait, action, before, retry):
    same(prompts.emergency, language, "emergency", wait, action)
    same(prompts.enqueue, language, "tier1", wait, action, before)
    same(prompts.ask_card, language, wait, retry)


@given(lang, st.integers(1, 1000), st.integers(0, 500), urls, st.text(min_size=1, max_size=30), st.booleans())
def test_the_wait_and_conference_prompts_built_once_match(language, position, minutes, choice, name, caller):
    same(prompts.waiting, language, position, minutes, choice)
    same(prompts.conference, name, language, "/telephony/voice/conference-status?case=1&x=" + name, caller)
    same(prompts.staff_leg, "SMP-" + name, name, "/telephony/voice/conference-status?case=1")
    for prompt in (prompts.emergency_waiting, prompts.on_hold, prompts.callback_booked, prompts.hangup):
        same(prompt, language)
    same(prompts.callback_booked, language, "+14155238886", "+911140000000")
    same(prompts.empty)
    same(prompts.leave_queue)
    same(prompts.fallback)

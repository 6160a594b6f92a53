"""The operator types a reason with a red flag in romanised Hindi: triage suggests the flag as they type,
focus stays in the field, nothing typed is lost, and a ticked suggestion lands on the case timeline."""

import pytest

from tests.browser.operator_desk import desk_fixture, log_in, make_operator, text_in  # noqa: F401
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

FIRST = "papa ka aadha sharir sunn pad gaya"
SECOND = ", muh tedha ho gaya aur bol nahi pa rahe"


def _focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_reason_suggests_red_flags_without_taking_the_typists_focus_or_words(live_server, live_app, desk):
    page = desk("operator", 1440, 900)
    log_in(page, live_server, make_operator(live_app, "Kavita Rao"))
    text_in(live_server, "pet me dard hai do din se", sender="+919810006666")
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    page.wait_for_selector("#case-ref:has-text('SMP-')")
    page.click("#reason")
    page.keyboard.type(FIRST, delay=25)
    stroke = page.wait_for_selector("#flag-hints li[data-flag=stroke]")
    assert "Stroke" in stroke.inner_text() and "set by the rule" in page.inner_text("#flag-hints .hint-head")
    assert "null" not in page.inner_text("#flag-hints")
    assert _focused(page) == "reason"
    # Keep typing while the next suggestion is fetched and drawn: not a character lost, focus where it was.
    page.keyboard.type(SECOND, delay=60)
    page.wait_for_selector("#flag-hints li[data-flag=unconscious]")
    page.wait_for_timeout(600)  # past the debounce: the last answer is drawn
    assert page.input_value("#reason") == FIRST + SECOND
    assert _focused(page) == "reason"
    assert not page.is_checked("input[name=red_flags][value=stroke]")  # a suggestion ticks nothing by itself
    page.screenshot(path=str(ARTIFACTS / "flag_hints_suggested_1440.png"))

    page.click("#flag-hints li[data-flag=stroke] button.hint-tick")
    page.wait_for_selector("#flag-hints li[data-flag=stroke] .hint-done")
    assert page.is_checked("input[name=red_flags][value=stroke]")
    assert _focused(page) == "reason"  # back to the words, to go on typing
    assert page.is_visible("#flag-offer") and "EMERGENCY" in page.inner_text("#flag-offer")
    # The suggestion is drawn beside the red flags, never into the bar that rings a contact (one id each): that bar
    # keeps its Accept and Reject, and stays hidden while nothing rings.
    assert page.locator("#flag-offer").evaluate("(box) => !!box.closest('fieldset, form, section')")
    assert page.locator("#offer-accept").count() == 1 and page.locator("#offer").is_hidden()
    assert page.evaluate("() => [...document.querySelectorAll('[id]')].map((e) => e.id)"
                         ".filter((id, i, all) => all.indexOf(id) !== i)") == []  # no id used twice
    page.keyboard.type(" (since 20 min)")
    assert page.input_value("#reason") == FIRST + SECOND + " (since 20 min)"
    page.click("#case-timeline summary") if page.is_visible("#case-timeline summary") else None
    page.wait_for_selector("#timeline li:has-text('red flags suggested')", state="attached")

    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator("#flag-hints").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "flag_hints_ticked_1280.png"))

    # Escalating from the box: the summary is written from the flags, and once the case is escalated the red box,
    # which offered exactly that, goes (it stayed on screen after escalating once).
    page.click("#flag-offer button")
    assert "Stroke" in page.input_value("#summary")
    page.click("#form-escalate button[type=submit]")
    page.wait_for_selector("#wrapup:not([hidden])")
    page.wait_for_selector("#flag-offer", state="hidden")

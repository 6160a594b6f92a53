"""Two operators at two desks answer the same SMS case at the same instant: exactly one gets it."""

import time

import pytest

from crm.models import Case, CaseEvent
from crm.platform.extensions import db
from tests.browser.late_reads import Held
from tests.browser.operator_desk import desk_fixture, held_jobs_live_app, log_in, make_operator, text_in  # noqa: F401

pytestmark = pytest.mark.browser
CLICK_AT = "at => setTimeout(() => document.querySelector('.q-answer').click(), Math.max(0, at - Date.now()))"


def test_two_operators_race_for_one_case_and_exactly_one_gets_it(live_server, live_app, desk):
    priya, imran = make_operator(live_app, "Priya Sharma"), make_operator(live_app, "Imran Qureshi")
    first, second = desk("priya"), desk("imran")
    log_in(first, live_server, priya)
    log_in(second, live_server, imran)

    text_in(live_server, "mujhe bukhar hai teen din se", sender="+919810001111")
    for page in (first, second):  # the case arrives live on both desks, no reload
        page.wait_for_selector(".q-row .q-answer")
        assert "XXXXXX1111" in page.inner_text("#queue-list")

    at = int(time.time() * 1000) + 400  # both clicks fire at the same wall-clock millisecond
    first.evaluate(CLICK_AT, at)
    second.evaluate(CLICK_AT, at)

    won = []
    for page in (first, second):
        # The winner's case opens (its own "is yours" toast comes first); the loser is told why, in red.
        page.wait_for_function("() => !document.getElementById('case').hidden"
                               " || document.getElementById('toast').classList.contains('bad')")
    for page in (first, second):
        if not page.locator("#case").is_hidden():
            won.append(page)
    assert len(won) == 1
    winner = won[0]
    loser = second if winner is first else first
    winner.wait_for_selector("#case-ref:has-text('SMP-')")
    assert loser.locator("#case").is_hidden()
    assert "Someone else answered this case" in loser.inner_text("#toast")
    loser.wait_for_selector("#queue-empty:not([hidden])")  # and the loser's queue refreshed
    with live_app.app_context():
        case = db.session.scalars(db.select(Case)).one()
        claims = db.session.scalars(db.select(CaseEvent).where(CaseEvent.kind == "claimed")).all()
        assert case.status == "in_progress" and len(claims) == 1 and claims[0].staff_id == case.assigned_to_id


def test_a_board_read_overtaken_by_the_claim_keeps_the_case_open_and_the_words_typed(live_server, live_app, desk):
    """Under load a board read can be on its way when the operator answers: its late, older answer (the case
    still waiting, not yet hers) must not close the case she has just opened, nor take her words or focus."""
    page = desk("priya")
    log_in(page, live_server, make_operator(live_app, "Priya Sharma"))
    text_in(live_server, "mujhe bukhar hai teen din se", sender="+919810002222")
    page.wait_for_selector(".q-row .q-answer")

    board = Held(page, "**/api/v1/queues/tier1")  # the board as it is now, delivered later
    text_in(live_server, "khansi aur zukaam", sender="+919810003333")  # its event makes the desk read the board
    board.wait()

    page.keyboard.press("n")  # answers the longest-waiting case while that read is still on its way
    page.wait_for_selector("#case-ref:has-text('SMP-')")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'reason'")
    page.keyboard.type("Fever for three days")
    reference = page.inner_text("#case-ref")

    board.deliver()
    page.wait_for_selector(f"#mine-list li:has-text('{reference}')")
    assert page.locator("#case").is_visible()
    assert page.inner_text("#case-ref") == reference
    assert page.input_value("#reason") == "Fever for three days"
    assert page.evaluate("() => document.activeElement.id") == "reason"
    page.keyboard.type(", no rash")
    assert page.input_value("#reason") == "Fever for three days, no rash"

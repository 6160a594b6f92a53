"""The queue at a busy moment: order, ticking waits, SLA colour, call-backs, presence counts, help."""

from datetime import timedelta

import pytest

from crm.cases import assessment, lifecycle
from crm.helpline import presence
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories
from tests.browser.operator_desk import desk_fixture, held_jobs_live_app, log_in, make_operator  # noqa: F401

pytestmark = pytest.mark.browser


LANGUAGE = {"routine_old": "hi", "soon_known": "hi", "urgent_new": "pa", "urgent_old": "hi", "soon_sms": "ur"}


def seed_busy_queue(app) -> dict[str, str]:
    """Five waiting cases of mixed priority and age, one scheduled call-back, colleagues in each presence."""
    now = utcnow()
    with app.app_context():
        factories.make_patient(name="Kavita Yadav", sex="F", mobile="+919810000301", ward="Sangam Vihar")
        refs = {}
        for key, channel, priority, minutes, phone in (
            ("routine_old", "voice", "P4", 9, "+919810000300"),
            ("soon_known", "voice", "P3", 2, "+919810000301"),
            ("urgent_new", "sms", "P2", 0.2, "+919810000302"),
            ("urgent_old", "voice", "P2", 3, "+919810000303"),
            ("soon_sms", "sms", "P3", 0.5, "+919810000304"),
        ):
            case = lifecycle.open_case(channel, phone, status="queued", queue="tier1", priority=priority,
                                   queued_at=now - timedelta(minutes=minutes), language=LANGUAGE[key])
            db.session.commit()
            refs[key] = case.reference
        db.session.commit()
        refs["urgent_old_id"] = str(case.id)
        waiting = lifecycle.open_case("voice", "+919810000305", status="queued", queue="tier1", queued_at=now)
        db.session.commit()
        colleague = factories.make_staff("operator", name="Imran Qureshi")
        lifecycle.claim(waiting.id, colleague)
        db.session.commit()
        assessment.schedule_callback(waiting, colleague, now + timedelta(minutes=45), "After his shift")
        db.session.commit()
        refs["scheduled"] = waiting.reference
        presence.set_presence(factories.make_staff("operator", name="Meena"), "break")
        db.session.commit()
        presence.set_presence(factories.make_staff("operator", name="Farah"), "available")
        db.session.commit()
    return refs


def test_busy_queue_is_ordered_ticking_and_readable(live_server, live_app, desk):
    refs = seed_busy_queue(live_app)
    page = desk("board")
    log_in(page, live_server, make_operator(live_app, "Priya Sharma"))
    page.wait_for_selector(".q-row")
    order = page.locator(".q-row .q-ref").all_inner_texts()
    assert order == [refs["urgent_old"], refs["urgent_new"], refs["soon_known"], refs["soon_sms"], refs["routine_old"]]
    assert "K.Y. F" in page.inner_text("#queue-list")
    # Each row names the caller's language: Punjabi and Urdu as such, never as English.
    assert [page.locator(".q-row").nth(i).locator(".pill").nth(1).inner_text() for i in range(5)] == [
        "HI", "PA", "HI", "UR", "HI"]
    first = page.locator(".q-row .q-wait").first
    before = first.inner_text()
    page.wait_for_timeout(2100)
    assert first.inner_text() != before  # the wait ticks without a re-read
    assert page.locator(".q-row").last.locator(".q-wait").get_attribute("data-over") == "true"  # past the SLA
    assert refs["scheduled"] in page.inner_text("#scheduled-list") and "in 4" in page.inner_text("#scheduled-list")
    assert page.inner_text("#stat-break") == "1" and page.inner_text("#stat-waiting") == "5"
    page.keyboard.press("ArrowDown")
    assert page.locator(".q-row").nth(1).get_attribute("aria-selected") == "true"
    page.keyboard.press("a")
    page.wait_for_selector("[data-presence=available][aria-checked=true]")
    assert page.inner_text("#stat-available") == "2"
    page.keyboard.press("?")
    page.locator("#help").screenshot(path="test-artifacts/test_operator_board_help.png")
    page.keyboard.press("Escape")


def test_the_desk_listens_over_a_websocket(live_server, live_app, desk):
    """One WebSocket per desk, not a long-poll request every few seconds that waits behind a burst's webhooks."""
    page = desk("websocket")
    log_in(page, live_server, make_operator(live_app, "Anil Verma"))
    page.wait_for_function("() => window.sampark.socket.io.engine && window.sampark.socket.io.engine.transport")
    assert page.evaluate("window.sampark.socket.io.opts.transports") == ["websocket", "polling"]  # polling: fallback
    assert page.evaluate("window.sampark.socket.io.engine.transport.name") == "websocket"

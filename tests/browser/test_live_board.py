"""The one live-board client every desk follows the database with (Sampark.live in static/js/sampark.js), as a
person at the desk would notice it: a burst of changes is a few reads and shows the newest state, a slow read
neither freezes the board nor, when it comes back late, overwrites what is newer, and after the connection
drops (or the server's Redis comes back) the board shows what changed meanwhile."""

from __future__ import annotations

import pytest

from crm.cases import lifecycle
from crm.models.base import utcnow
from crm.platform.extensions import db, socketio
from tests.browser import floor_desk
from tests.browser.late_reads import Held
from tests.browser.operator_desk import desk_fixture, held_jobs_live_app, log_in, make_operator, text_in  # noqa: F401

pytestmark = pytest.mark.browser
BOARD = "/api/v1/queues/tier1"
ROWS = "() => document.querySelectorAll('#queue-list .q-row').length"


def waiting(app, count: int, first: int, announce: bool = True) -> list[str]:
    """`count` citizens' texts waiting in tier 1, committed at once; their references. announce=False: their
    events are lost (as while the server's Redis is away)."""
    with app.app_context():
        cases = [lifecycle.open_case("sms", f"+9198200{first + n:05d}", status="queued", queue="tier1",
                                     queued_at=utcnow(), priority="P4") for n in range(count)]
        if not announce:
            db.session.info.pop("sampark_live_pending", None)
        db.session.commit()
        return [case.reference for case in cases]


def test_a_burst_of_twenty_changes_is_a_few_reads_and_the_desk_shows_all_of_them(live_server, live_app, desk):
    page = desk("operator")
    log_in(page, live_server, make_operator(live_app, "Priya Sharma"))
    page.wait_for_selector("#queue-empty:not([hidden])")
    reads = []
    page.on("request", lambda request: reads.append(request.url) if request.url.endswith(BOARD) else None)

    references = waiting(live_app, 20, first=1)  # twenty events leave the server together

    page.wait_for_function(f"() => ({ROWS})() === 20")
    page.wait_for_timeout(1000)  # a read the burst still owed would have gone out by now
    assert 1 <= len(reads) <= 3, reads  # not one read per event
    assert page.inner_text("#waiting-count") == "(20)"
    assert references[-1] in page.inner_text("#queue-list")


def test_a_slow_read_neither_freezes_the_desk_nor_overwrites_a_newer_one_when_it_comes_back(live_server, live_app,
                                                                                              desk):
    page = desk("operator")
    log_in(page, live_server, make_operator(live_app, "Imran Qureshi"))
    text_in(live_server, "bukhar hai", sender="+919810007001")
    page.wait_for_selector(".q-row")

    slow = Held(page, f"**{BOARD}")  # the next read: answered by the server now, reaching the page only later
    text_in(live_server, "khansi hai", sender="+919810007002")
    slow.wait()  # out, with two cases in its answer
    text_in(live_server, "sir dard hai", sender="+919810007003")

    page.wait_for_function(f"() => ({ROWS})() === 3")  # a newer read went out and is shown meanwhile
    slow.deliver()  # the slow answer arrives: two cases, older than what is on screen
    page.wait_for_timeout(300)
    assert page.evaluate(ROWS) == 3
    assert "XXXXXX7003" in page.inner_text("#queue-list")


def test_after_a_dropped_connection_or_the_servers_redis_coming_back_the_board_shows_what_it_missed(
        live_server, live_app, desk):
    supervisor, _ = floor_desk.make_staff(live_app, "supervisor", "Meena Rawat")
    page = desk("supervisor")
    floor_desk.log_in(page, live_server, supervisor, "/supervisor")
    page.wait_for_selector("#live[data-state=live]")
    page.wait_for_selector("#waiting-cases td.muted")  # nobody waiting

    # The connection drops; Socket.IO reconnects by itself (after 2.5 s here, so that the change lands between).
    page.evaluate("() => { const io = window.sampark.socket.io; io.reconnectionDelay(2500); io.randomizationFactor(0);"
                  " io.engine.close(); }")
    page.wait_for_selector("#live[data-state=down]")
    (missed,) = waiting(live_app, 1, first=100)  # its event reaches nobody on this page
    assert missed not in page.inner_text("#waiting-cases")
    page.wait_for_selector("#live[data-state=live]")
    page.wait_for_selector(f"#waiting-cases tr:has-text('{missed}')")

    # Connected all along, but the server lost its Redis for a moment: the event of a change never arrived,
    # and the server's "Redis is back" signal (crm.helpline.live.sockets.REREAD) makes the board read again.
    (lost,) = waiting(live_app, 1, first=200, announce=False)
    page.wait_for_timeout(500)
    assert lost not in page.inner_text("#waiting-cases")
    with live_app.app_context():
        socketio.emit("live.reread", {})
    page.wait_for_selector(f"#waiting-cases tr:has-text('{lost}')")

"""The supervisor's floor in Chromium against the emulator: live without a reload, listen / whisper / barge,
the page's figures equal the API's for a scripted day, the wallboard, the reports page."""

from __future__ import annotations

import pytest
import time_machine

from emulators.twilio.driver import EmulatorControl, Phone
from tests.browser.floor_desk import log_in, make_staff, shown, tile
from tests.browser.operator_desk import desk_fixture  # noqa: F401
from tests.live import eventually, served
from tests.supervisor.scripted_day import END_OF_DAY, play
from tests.telephony.test_end_to_end import _api

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path):
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        yield app, base


def queued_call(base: str, number: str):
    """A citizen calls, picks English, skips the card and waits in the tier-1 queue."""
    call = Phone(f"{base}/emulator", number).call()
    call.wait_for("press 9", timeout=10)
    call.press("2")
    call.wait_for("card number", timeout=10)
    call.press("#")
    call.wait_for(lambda v: v.get("queue") is not None, timeout=10)
    return call


def screen(page, base: str, username: str, path: str, queue: str, field: str, expected: str) -> None:
    """Log a screen in, open `path` and wait until a queue tile shows the expected figure."""
    log_in(page, base, username, "/supervisor")
    if path != "/supervisor":
        page.goto(f"{base}{path}")
    page.wait_for_function(
        "([q, f, v]) => document.querySelector(`[data-queue='${q}'] [data-field='${f}']`).textContent === v",
        arg=[queue, field, expected])


def changes_live(page, queue: str, field: str, expected: str) -> None:
    """Wait until the tile shows `expected`, with no reload: the page follows the event on its own.

    How fast is a benchmark's business (bench/bench_queue_events.py, bench/bench_supervisor_board.py), not this
    test's: on a loaded CI machine a page may take longer than a second, and that is not what is checked here.
    """
    page.wait_for_function(
        "([q, f, v]) => document.querySelector(`[data-queue='${q}'] [data-field='${f}']`).textContent === v",
        arg=[queue, field, expected], timeout=15000)


def test_board_follows_calls_live_and_the_supervisor_listens_whispers_barges(live, desk):
    app, base = live
    supervisor, supervisor_id = make_staff(app, "supervisor", "Meena Rawat")
    page = desk("board_1920", 1920, 1080)
    log_in(page, base, supervisor, "/supervisor")
    page.wait_for_selector("#live[data-state=live]")
    page.wait_for_function("() => document.querySelector('#agents td') !== null")
    changes_live(page, "tier1", "waiting", "0")  # the tiles are filled by the board's first read ("–" until then)

    call = queued_call(base, "+919833333333")
    changes_live(page, "tier1", "waiting", "1")
    assert tile(page, "tier1", "offered") == "1"

    operator, operator_id = _api(app, base, "operator")
    case_id = operator.get(f"{base}/api/v1/cases?phone=9833333333").json()["cases"][0]["id"]
    assert operator.post(f"{base}/api/v1/cases/{case_id}/claim").status_code == 200
    changes_live(page, "tier1", "answered", "1")
    assert tile(page, "tier1", "waiting") == "0"
    page.wait_for_selector(f"#agents tr[data-agent='{operator_id}'][data-state=on_call]", timeout=15000)
    call.wait_for(lambda v: len((v.get("conference") or {}).get("members", [])) == 2, timeout=10)

    other = queued_call(base, "+919844444444")
    changes_live(page, "tier1", "waiting", "1")
    other.hang_up()
    changes_live(page, "tier1", "abandoned", "1")
    assert tile(page, "tier1", "offered") == "2"

    me = f"supervisor-{supervisor_id}"

    def member():
        members = {m["name"]: m for m in call.conference["members"]}
        return members.get(me) if members.get(me, {}).get("status") == "connected" else None

    row = page.locator(f"#agents tr[data-agent='{operator_id}']")
    row.locator("button[data-mode=listen]").click()
    page.wait_for_selector("#monitor-status:has-text('Listening to')")
    assert eventually(lambda: member() and member()["muted"], timeout=10)
    page.locator(f"#agents tr[data-agent='{operator_id}'] button[data-mode=whisper]").click()
    page.wait_for_selector("#monitor-status:has-text('Whispering to')")
    coached = eventually(lambda: (m := member()) and m["coaching"] and m, timeout=10)
    assert coached["muted"] is False and coached["call_sid_to_coach"].startswith("CA")
    assert coached["hears"] and len(coached["hears"]) == 2
    page.locator(f"#agents tr[data-agent='{operator_id}'] button[data-mode=barge]").click()
    page.wait_for_selector("#monitor-status:has-text('Barged into')")
    barged = eventually(lambda: (m := member()) and not m["coaching"] and not m["muted"] and m, timeout=10)
    assert barged["call_sid_to_coach"] is None
    page.locator(f"#agents tr[data-agent='{operator_id}'] button.stop").click()
    page.wait_for_selector("#monitor-status:has-text('Left the call')")
    assert eventually(lambda: me not in {m["name"] for m in call.conference["members"]}, timeout=10)

    screen(desk("board_1280", 1280, 720), base, supervisor, "/supervisor", "tier1", "offered", "2")
    screen(desk("wallboard_1920", 1920, 1080), base, supervisor, "/wallboard", "tier1", "abandoned", "1")
    call.hang_up()
    EmulatorControl(f"{base}/emulator").settle(timeout=10)
    assert EmulatorControl(f"{base}/emulator").requests(invalid_only=True) == []


def test_page_figures_equal_the_api_for_a_scripted_day(live, desk):
    app, base = live
    with app.app_context():
        play(app)
    supervisor, _ = make_staff(app, "supervisor", "Meena Rawat")
    with time_machine.travel(END_OF_DAY, tick=True):
        page = desk("scripted_day_1920", 1920, 1080)
        log_in(page, base, supervisor, "/supervisor")
        page.wait_for_selector("#live[data-state=live]")
        page.wait_for_function("() => document.querySelector('[data-queue=tier1] [data-field=offered]').textContent === '5'")
        api = page.request.get(f"{base}/api/v1/supervisor/board").json()
        for queue in api["queues"]:
            for element in page.locator(f"[data-queue='{queue['queue']}'] [data-field]").all():
                field, kind = element.get_attribute("data-field"), element.get_attribute("data-kind")
                if field == "longest_wait":
                    continue  # ticks on the page
                assert element.inner_text() == shown(queue[field], kind), (queue["queue"], field)
        assert page.inner_text("#fcr") == "50.0%" and page.inner_text("#callbacks") == "1"
        # Calls by language: the four in the Act's order, each row's figures as the API counts them.
        rows = page.locator("#languages tr").all()
        assert [r.locator("td").first.inner_text() for r in rows] == [r["name"] for r in api["languages"]] == [
            "Hindi", "English", "Punjabi", "Urdu"]
        for row, figures in zip(rows, api["languages"], strict=True):
            cells = row.locator("td").all_inner_texts()
            assert (cells[1], cells[3], cells[5]) == (str(figures["waiting"]), str(figures["offered"]),
                                                      str(figures["speakers_available"]))
            assert cells[4] == ("–" if figures["service_level"] is None else f"{round(figures['service_level'])}%")
        names = page.locator("#agents .agent-name").all_inner_texts()
        assert sorted(names) == ["Asha Verma", "Dr. Mehta", "Ravi Kumar"]
        assert page.locator("[data-queue=tier1] [data-field=service_level]").get_attribute("data-rag") == "red"
        for label, width, height in (("scripted_day_1440", 1440, 900), ("scripted_day_1280", 1280, 720)):
            screen(desk(label, width, height), base, supervisor, "/supervisor", "tier1", "offered", "5")
        wall = desk("scripted_wallboard_1920", 1920, 1080)
        screen(wall, base, supervisor, "/wallboard", "emergency", "answered", "2")
        text = wall.inner_text("body")
        assert "Asha" not in text and "SMP-" not in text and "+91" not in text
        assert wall.inner_text("[data-queue=tier1] [data-field=service_level]") == "25.0%"
        screen(desk("scripted_wallboard_1280", 1280, 720), base, supervisor, "/wallboard", "tier1", "answered", "3")

        reports = desk("reports_1920", 1920, 1080)
        log_in(reports, base, supervisor, "/supervisor")
        reports.goto(f"{base}/supervisor/reports")
        reports.fill("input[name=from]", "2026-11-20")
        reports.fill("input[name=to]", "2026-11-20")
        reports.click("#report-form button[type=submit]")
        reports.wait_for_function("() => document.querySelectorAll('#report-rows tr').length > 3")
        assert "09:00" in reports.inner_text("#report-rows")
        assert reports.get_attribute("#csv-link", "href").endswith("from=2026-11-20&to=2026-11-20&by=hour")


def give_reason(page, reason: str) -> None:
    """Answer the page's own reason dialog (no browser prompt)."""
    page.wait_for_selector("#reason-dialog[open]")
    page.fill("#reason-text", reason)
    page.click("#reason-form button[type=submit]")


def test_setting_an_agents_state_survives_live_updates(live, desk):
    app, base = live
    supervisor, _ = make_staff(app, "supervisor", "Meena Rawat")
    _name, asha = make_staff(app, "operator", "Asha Verma")
    page = desk("set_state_1440", 1440, 900)
    log_in(page, base, supervisor, "/supervisor")
    page.wait_for_selector("#live[data-state=live]")
    select = page.locator(f"#agents tr[data-agent='{asha}'] select.state-select")
    select.focus()
    handle = select.element_handle()
    queued_call(base, "+919855555555")  # a call arrives while the supervisor is choosing
    changes_live(page, "tier1", "waiting", "1")
    assert page.evaluate("(el) => el.isConnected && document.activeElement === el", handle)  # not rebuilt under them
    select.select_option("break")  # she was offline (never logged in): now on a break
    give_reason(page, "Tea break")
    page.wait_for_selector(f"#agents tr[data-agent='{asha}'][data-state=break]")
    assert "Asha Verma is now on a break" in page.inner_text("#monitor-status")


def test_floor_control_moves_and_raises_a_waiting_call_from_the_board(live, desk):
    """A supervisor moves a waiting caller to cardiology, then raises them to P1: the doctors' alarm rings."""
    app, base = live
    supervisor, _ = make_staff(app, "supervisor", "Meena Rawat")
    page = desk("floor_control_1280", 1280, 720)
    log_in(page, base, supervisor, "/supervisor")
    page.wait_for_selector("#live[data-state=live]")
    queued_call(base, "+919866666666")
    row = page.locator("#waiting-cases tr[data-case]")
    row.wait_for()
    reference = row.locator(".case-ref").inner_text()
    row.locator("select[aria-label^='Move']").select_option("tier2:cardiology")
    give_reason(page, "Chest pain: straight to cardiology")
    page.wait_for_function("() => document.querySelector('#waiting-cases tr[data-case] td:nth-child(2)')"
                           ".textContent === 'tier2:cardiology'")
    assert f"{reference} moved to tier2:cardiology." in page.inner_text("#monitor-status")
    page.locator("#waiting-cases tr[data-case] select[aria-label^='Raise']").select_option("P1")
    give_reason(page, "Now breathless")
    page.wait_for_selector("#waiting-cases tr[data-priority=P1]")
    assert page.inner_text("#waiting-cases tr[data-case] td:nth-child(2)") == "emergency"
    with app.app_context():
        from sqlalchemy import select

        from crm.models import Case, CaseEvent
        from crm.platform.extensions import db

        case = db.session.scalars(select(Case).where(Case.caller_phone == "+919866666666")).one()
        kinds = [e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))]
        assert case.alarm_level == 1 and "moved" in kinds and "priority_raised" in kinds
        db.session.remove()

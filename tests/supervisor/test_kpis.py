"""The KPI definitions against a day whose every figure was worked out by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest

from crm.helpline.supervisor import floor_board as board
from crm.helpline.supervisor import kpis
from crm.models.base import DELHI
from tests.supervisor.scripted_day import END_OF_DAY, EXPECTED, play


@pytest.fixture
def day(app):
    return play(app)


def test_each_queue_gives_the_figures_worked_out_by_hand(app, day):
    figures = kpis.day_figures(date(2026, 11, 20), END_OF_DAY)["queues"]
    for queue, expected in EXPECTED.items():
        got = {key: figures[queue][key] for key in expected}
        assert got == expected, queue


def test_first_contact_resolution_counts_the_caller_who_called_again(app, day):
    fcr = kpis.day_figures(date(2026, 11, 20), END_OF_DAY)["first_contact_resolution"]
    # A (called again at noon) and D (escalated) were not resolved first time; F and G were.
    assert fcr == {"contacts": 4, "resolved_first_time": 2, "percent": 50.0, "final": False}
    week_later = kpis.day_figures(date(2026, 11, 20), END_OF_DAY + timedelta(days=8))["first_contact_resolution"]
    assert week_later["final"] is True and week_later["percent"] == 50.0


def test_the_day_before_and_after_are_empty(app, day):
    for other in (date(2026, 11, 19), date(2026, 11, 21)):
        figures = kpis.day_figures(other, END_OF_DAY)["queues"]
        assert all(q["offered"] == 0 and q["service_level"] is None for q in figures.values())


def test_delhi_day_starts_at_midnight_in_delhi():
    start, end = kpis.delhi_day(date(2026, 11, 20))
    assert start.astimezone(DELHI).hour == 0 and (end - start) == timedelta(days=1)
    assert start.utcoffset() == timedelta(hours=5, minutes=30)
    assert kpis.today(datetime(2026, 11, 19, 18, 29, tzinfo=UTC)) == date(2026, 11, 19)  # 23:59 in Delhi
    assert kpis.today(datetime(2026, 11, 19, 18, 45, tzinfo=UTC)) == date(2026, 11, 20)  # 00:15 in Delhi


def test_agents_show_state_current_case_cases_today_and_handle_time(app, day):
    agents = {a["name"]: a for a in board.read(END_OF_DAY)["agents"]}
    asha, ravi, mehta = agents["Asha Verma"], agents["Ravi Kumar"], agents["Dr. Mehta"]
    assert (asha["cases_today"], asha["average_handle_time"]) == (2, 210.0)
    assert (ravi["cases_today"], ravi["average_handle_time"]) == (2, 240.0)
    assert (mehta["cases_today"], mehta["average_handle_time"]) == (3, 540.0)
    assert asha["state"] == "wrap_up" and asha["case"] is None
    assert asha["seconds_in_state"] == 3 * 3600 + 7 * 60  # since F's outcome at 10:53
    assert mehta["state"] == "on_call" and mehta["case"] == day["e2"].reference
    assert mehta["seconds_in_state"] == 59 * 60  # accepted E2 at 13:01


def test_board_waiting_now_and_colours(app, day):
    data = board.read(END_OF_DAY)
    queues = {q["queue"]: q for q in data["queues"]}
    assert all(q["waiting"] == 0 and q["longest_wait"] is None for q in queues.values())
    assert queues["tier1"]["status"] == {"service_level": "red", "abandon_rate": "red"}
    assert queues["texts"]["status"]["service_level"] == "green"
    assert queues["emergency"]["status"] == {"service_level": "red", "abandon_rate": "green",
                                             "time_to_doctor_p90": "amber"}
    assert data["callbacks_requested"] == 1


def test_the_wallboard_view_names_nobody(app, day):
    view = board.public_view(board.read(END_OF_DAY))
    text = repr(view)
    assert "Asha" not in text and "SMP-" not in text and "+91" not in text
    assert view["agents"] == {"wrap_up": 2, "on_call": 1}


def test_thresholds_come_from_settings(tmp_path):
    from tests.conftest import app_with_schema

    with app_with_schema(tmp_path, SL_TIER1_SECONDS="20", SL_TIER1_TARGET="90", SHORT_ABANDON_SECONDS="10"):
        assert kpis.targets()["tier1"] == kpis.Target(20, 90)
        assert kpis.settings()["SHORT_ABANDON_SECONDS"] == 10
        assert kpis.targets()["emergency"] == kpis.Target(30, 95)

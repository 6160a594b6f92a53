"""Screens share the day's figures until the timeline changes; a new case event is seen at once."""

from crm.cases import lifecycle, queue
from crm.helpline.supervisor import floor_board as board
from crm.helpline.supervisor import kpis
from crm.models.base import utcnow
from crm.platform.extensions import db


def test_figures_are_shared_until_a_case_event_is_written(app, monkeypatch):
    computed = []
    real = kpis.day_figures
    monkeypatch.setattr(kpis, "day_figures", lambda day, now: computed.append(day) or real(day, now))
    case = lifecycle.open_case("voice", "+919810000777", status="ivr")
    db.session.commit()
    first = board.read(utcnow())
    board.read(utcnow())
    assert len(computed) == 1 and first["queues"][0]["offered"] == 0
    lifecycle.enter_queue(case, queue.TIER1)  # writes a 'queued' event
    after = board.read(utcnow())
    assert len(computed) == 2
    assert after["queues"][0]["offered"] == 1 and after["queues"][0]["waiting"] == 1

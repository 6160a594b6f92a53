"""The floor shows waits and service level per caller's language, and an agent on a phone leg as on a call."""

from __future__ import annotations

import itertools
from datetime import timedelta

import time_machine

from crm.cases import lifecycle
from crm.helpline.supervisor import floor_board
from crm.models import Call
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories

_n = itertools.count(1)


def _waiting(language: str, minutes: int):
    case = lifecycle.open_case("voice", f"+9197{next(_n):08d}", status="queued", queue="tier1", language=language,
                               queued_at=utcnow() - timedelta(minutes=minutes))
    lifecycle.timeline.add_event(case, "queued", queue="tier1")
    db.session.commit()
    return case


def _operator(languages, presence="available"):
    staff = factories.make_staff("operator")
    staff.languages, staff.presence, staff.presence_since = list(languages), presence, utcnow()
    db.session.commit()
    return staff


def test_a_punjabi_caller_waiting_with_no_punjabi_speaker_free_shows_on_the_board(app):
    _operator(["hi", "en"])
    _waiting("pa", 3)
    _waiting("hi", 1)
    answered = _waiting("hi", 2)
    lifecycle.claim(answered.id, _operator(["hi"]))
    db.session.commit()
    rows = {r["language"]: r for r in floor_board.read(utcnow())["languages"]}
    assert list(rows) == ["hi", "en", "pa", "ur"]
    assert (rows["pa"]["waiting"], rows["pa"]["speakers_available"]) == (1, 0)
    assert 170 <= rows["pa"]["longest_wait"] <= 200
    assert (rows["hi"]["waiting"], rows["hi"]["offered"], rows["hi"]["answered"]) == (1, 2, 1)
    assert rows["hi"]["speakers_available"] == 1


def test_an_agent_whose_leg_is_up_is_on_a_call_on_the_floor_whatever_they_chose(app):
    staff = _operator(["hi"], presence="wrap_up")
    db.session.add(Call(sid=f"CA{next(_n):032x}", staff_id=staff.id, purpose="staff", status="in-progress"))
    db.session.commit()
    agent = next(a for a in floor_board.read(utcnow())["agents"] if a["id"] == staff.id)
    assert (agent["state"], agent["on_a_leg"]) == ("on_call", True)


def test_service_level_is_counted_per_language_against_the_tier1_threshold(app):
    # Two Urdu callers answered, one within the threshold (30 s) and one after 3 minutes; a Punjabi one within it.
    with time_machine.travel(utcnow() - timedelta(minutes=3), tick=False):
        slow = _waiting("ur", 0)
    with time_machine.travel(utcnow() - timedelta(seconds=30), tick=False):
        quick, punjabi = _waiting("ur", 0), _waiting("pa", 0)
    for case in (quick, slow, punjabi):
        lifecycle.claim(case.id, _operator(["hi", "pa", "ur"]))
    db.session.commit()
    rows = {r["language"]: r for r in floor_board.read(utcnow())["languages"]}
    assert (rows["ur"]["offered"], rows["ur"]["answered"], rows["ur"]["service_level"]) == (2, 2, 50.0)
    assert (rows["pa"]["answered"], rows["pa"]["service_level"]) == (1, 100.0)
    assert rows["hi"]["offered"] == 0 and rows["ur"]["threshold_seconds"] == 60

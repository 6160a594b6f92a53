"""Facts defined once and read from there: the case summary's columns and the queues."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from crm.cases import floor, queue, voice_sql
from crm.helpline.live.events import case_summary, rooms_for
from crm.models.case import SUMMARY_COLUMNS, Case
from triage import specialties


def test_a_case_event_and_its_rooms_are_built_from_the_summary_columns():
    # A step done in one statement returns SUMMARY_COLUMNS and builds the live event and picks its rooms from
    # them: a column either reads that is not among them would be missing there.
    case = Case(id=7, status="queued", priority="P2", channel="voice", language="hi", queue=queue.TIER1,
                specialty=None, caller_phone="+919810000001", patient_id=3, queued_at=datetime(2026, 12, 1, tzinfo=UTC),
                callback_requested_at=None, assigned_to_id=5, doctor_id=None, alarm_level=0)
    read: set[str] = set()

    class Watched:
        def __getattr__(self, name):
            read.add(name)
            return getattr(case, name)

    assert case_summary(Watched()) == case_summary(case) == {"id": 7, "status": "queued"}  # no number on the wire
    assert rooms_for(Watched()) == rooms_for(case) == ["supervisors", "tier1", "staff:5"]
    assert read <= set(SUMMARY_COLUMNS), read - set(SUMMARY_COLUMNS)
    assert voice_sql.SUMMARY is SUMMARY_COLUMNS  # the voice steps return these, not a copy


def test_a_supervisor_moves_cases_only_into_queues_someone_answers():
    doctors = {q for code in specialties.CODES for q in queue.queues_of(SimpleNamespace(specialty=code))}
    assert set(floor.queues()) == {queue.TIER1} | doctors

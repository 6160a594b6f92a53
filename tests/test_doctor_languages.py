"""Tier 2 prefers doctors who speak the caller's language, as tier 1 does; an emergency never waits for a language."""

from datetime import timedelta

import pytest

from crm.cases import languages, lifecycle, tier2
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests import factories


def _doctor(app, speaks, specialty=None):
    client, doctor = factories.logged_in(app, "doctor", specialty=specialty)
    doctor.languages, doctor.on_duty = list(speaks), True
    db.session.commit()
    return client


def _escalated(language, urgency="soon", specialty=None, waited=0):
    operator = factories.make_staff("operator")
    case = lifecycle.open_case("voice", "+919810000001", status="queued", queue="tier1", queued_at=utcnow(),
                               language=language)
    db.session.commit()
    case = tier2.escalate(lifecycle.claim(case.id, operator), operator, specialty, urgency, "Fever three days")
    case.escalated_at = utcnow() - timedelta(seconds=waited)
    db.session.commit()
    return case.id


def _listed(client):
    return [c["id"] for c in client.get("/api/v1/queues/tier2").get_json()["waiting"]]


def test_a_case_in_punjabi_is_offered_first_to_the_doctor_who_speaks_it(app):
    speaker, other = _doctor(app, ["pa", "hi"]), _doctor(app, ["hi", "en"])
    case_id = _escalated("pa")
    assert _listed(speaker) == [case_id]
    assert _listed(other) == []  # kept for the Punjabi speaker for the language wait


def test_past_the_language_wait_every_doctor_of_the_queue_is_offered_it(app):
    speaker, other = _doctor(app, ["pa"]), _doctor(app, ["hi"])
    case_id = _escalated("pa", waited=app.config.get("LANGUAGE_WAIT_SECONDS", 60) + 1)
    assert _listed(speaker) == _listed(other) == [case_id]


def test_nobody_on_duty_speaks_it_so_nobody_waits_for_a_speaker(app):
    other = _doctor(app, ["hi", "en"])
    off_duty = factories.make_staff("doctor")  # speaks it, but off duty and not logged in
    off_duty.languages = ["ur"]
    db.session.commit()
    case_id = _escalated("ur")
    assert _listed(other) == [case_id]


def test_a_speaker_of_another_specialty_does_not_hold_the_case(app):
    _doctor(app, ["pa"])  # speaks it, but takes no cardiology cases
    other = _doctor(app, ["hi"], specialty="cardiology")
    case_id = _escalated("pa", specialty="cardiology")
    assert _listed(other) == [case_id]


@pytest.mark.parametrize("urgency", ["emergency", "urgent"])
def test_an_emergency_or_urgent_case_rings_every_doctor_on_duty_at_once_whatever_they_speak(app, urgency):
    speaker, other = _doctor(app, ["pa"]), _doctor(app, ["hi"])
    case_id = _escalated("pa", urgency=urgency)
    for client in (speaker, other):
        [row] = [c for c in client.get("/api/v1/queues/tier2").get_json()["waiting"] if c["id"] == case_id]
        assert row["language"] == "pa"
        assert row["alarm_level"] == (1 if urgency == "emergency" else 0)


@pytest.mark.parametrize("priority, waited, held", [
    ("P1", 0, False), ("P2", 0, False), ("P3", 0, True), ("P4", 59, True), ("P3", 60, False), (None, 0, True)])
def test_the_one_language_rule_of_both_tiers(priority, waited, held):
    assert languages.held_for_speaker(priority, waited, 60) is held

"""The alarm burden: emergencies rung per shift and per rule, and the share a doctor closed as not an emergency,
on the floor, in the daily report and on the triage review page (hazard H2, alarm fatigue)."""

from __future__ import annotations

from datetime import datetime

from crm.helpline.supervisor import alarm_burden, kpis
from crm.models import Case
from crm.models.base import DELHI, utcnow
from crm.platform.extensions import db
from tests import factories
from tests.conftest import ARTIFACTS
from tests.telephony.test_sms import text

CHEST = "papa ke seene me tez dard ho raha hai aur pasina aa raha hai"
BREATH = "meri beti saans nahi le pa rahi, hont neele ho gaye"


def _rung_and_closed(client, app, not_emergency: dict[str, bool]) -> dict[str, int]:
    ids = {}
    for n, (body, _) in enumerate(not_emergency.items()):
        text(client, body, sender=f"+91981000009{n}")
        db.session.expire_all()
        ids[body] = db.session.query(Case).filter_by(caller_phone=f"+91981000009{n}").one().id
    doctor, _ = factories.logged_in(app, "doctor", specialty="general_medicine")
    for body, verdict in not_emergency.items():
        assert doctor.post(f"/api/v1/cases/{ids[body]}/accept").status_code == 200
        done = doctor.post(f"/api/v1/cases/{ids[body]}/complete", json={"advice": "seen", "not_an_emergency": verdict})
        assert done.status_code == 200, done.json
    return ids


def test_a_doctors_verdict_counts_per_shift_and_per_rule_that_rang(client, app):
    ids = _rung_and_closed(client, app, {CHEST: True, BREATH: False})
    today = kpis.today(utcnow())
    burden = alarm_burden.burden(today, today)
    assert (burden["rung"], burden["closed_by_doctor"], burden["not_emergency"]) == (2, 2, 1)
    shift = next(s for s in burden["shifts"] if s["name"] == alarm_burden.shift_of(utcnow()))
    assert (shift["rung"], shift["not_emergency"], shift["share_not_emergency"]) == (2, 1, 0.5)
    causes = {c["name"]: c for c in burden["causes"]}
    assert causes["chest_pain"]["not_emergency"] == 1 and causes["chest_pain"]["share_not_emergency"] == 1.0
    assert burden["causes"][0]["name"] == "chest_pain"  # the rule that cried wolf most comes first
    assert sum(c["rung"] for c in causes.values()) == 2 and len(ids) == 2


def test_the_floor_the_daily_report_and_the_triage_review_show_it(client, app):
    _rung_and_closed(client, app, {CHEST: True})
    supervisor, _ = factories.logged_in(app, "supervisor")
    floor = supervisor.get("/supervisor").get_data(as_text=True)
    assert "Alarm burden" in floor and "<code>chest_pain</code>" in floor
    daily = supervisor.get("/api/v1/supervisor/reports/daily").json["alarm_burden"]
    assert daily["rung"] == 1 and daily["not_emergency"] == 1
    pdf = supervisor.get("/api/v1/supervisor/reports/daily.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "daily_report_with_alarm_burden.pdf").write_bytes(pdf.data)
    doctor, _ = factories.logged_in(app, "doctor")
    review = doctor.get("/triage-review/").get_data(as_text=True)
    assert "Rules that cried wolf most" in review and "<code>chest_pain</code>" in review


def test_shifts_follow_delhi_time():
    at = lambda h: datetime(2026, 12, 7, h, 30, tzinfo=DELHI)
    assert [alarm_burden.shift_of(at(h)) for h in (2, 8, 13, 14, 19, 20, 23)] == [
        "night", "morning", "morning", "evening", "evening", "night", "night"]

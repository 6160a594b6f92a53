"""An appointment on the portal can be added to the phone's calendar (.ics, correct UTC times) and has directions
(an OpenStreetMap link from the facility's point, else its address); another family's appointment is not served."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from crm.models import AuditLog
from crm.platform.extensions import db
from tests.portal.conftest import sign_in
from tests.portal.test_records import _booked


def _unfold(text: str) -> dict[str, str]:
    lines = text.replace("\r\n ", "").split("\r\n")
    return {line.split(":", 1)[0]: line.split(":", 1)[1] for line in lines if ":" in line}


def test_a_booked_appointment_downloads_as_a_calendar_event_at_its_delhi_time(app, family):
    appointment, _ = _booked(family["mother"])
    facility = appointment.slot.facility
    facility.lat, facility.lon, facility.address = 28.68311, 77.30947, "Dilshad Garden, Shahdara; Delhi 110095"
    db.session.commit()
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    page = citizen.get("/portal/appointments").get_data(as_text=True)
    assert f"/portal/appointments/{appointment.id}.ics" in page
    assert "https://www.openstreetmap.org/directions?to=28.68311%2C77.30947" in page

    response = citizen.get(f"/portal/appointments/{appointment.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))  # folded as RFC 5545 asks
    event = _unfold(body)
    starts = appointment.slot.starts_at.astimezone(UTC)
    # 09:00 in Delhi is 03:30 UTC: the file says so with a Z, which every calendar shows at 09:00 in Delhi.
    assert event["DTSTART"] == starts.strftime("%Y%m%dT%H%M%SZ") and starts.strftime("%H:%M") == "03:30"
    ends = datetime.strptime(event["DTEND"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert ends - starts == timedelta(minutes=15)
    assert event["GEO"] == "28.683110;77.309470"
    assert event["LOCATION"] == "GTB Hospital\\, Dilshad Garden\\, Shahdara\\; Delhi 110095"  # escaped
    assert "cardiology" in event["SUMMARY"].lower() or "हृदय" in event["SUMMARY"]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "portal_appointment_calendar")) is not None


def test_without_coordinates_the_directions_search_the_address(app, family):
    appointment, _ = _booked(family["mother"])
    appointment.slot.facility.address = "Dilshad Garden"
    db.session.commit()
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    page = citizen.get("/portal/appointments").get_data(as_text=True)
    link = next(part.split('"')[0] for part in page.split('href="') if "/directions?" in part)
    assert parse_qs(urlsplit(link.replace("&amp;", "&")).query)["to"] == ["GTB Hospital, Dilshad Garden, Delhi"]


def test_another_familys_or_a_cancelled_appointment_gives_no_calendar(app, family):
    appointment, _ = _booked(family["husband"])  # his own mobile: not the mother's to read
    citizen = app.test_client()
    sign_in(citizen, "+919810011111")
    assert citizen.get(f"/portal/appointments/{appointment.id}.ics").status_code == 404
    mine, _ = _booked(family["mother"])
    assert citizen.post(f"/portal/appointments/{mine.id}/cancel").status_code == 302
    assert citizen.get(f"/portal/appointments/{mine.id}.ics").status_code == 404

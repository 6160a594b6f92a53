"""An appointment as an iCalendar file (RFC 5545) for the citizen's phone calendar: times in UTC (a "Z" time needs
no time zone table, and a calendar shows it in the phone's own zone, Delhi's in Delhi), the facility as its place,
point and directions link, and a reminder two hours before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _

from crm.citizens.facilities import maps
from crm.models import Appointment
from crm.models.base import utcnow

LINE_OCTETS = 75  # RFC 5545 3.1: a longer line is folded


def _utc(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", ""))


def _fold(line: str) -> str:
    """A content line folded at 75 octets, never inside a UTF-8 character (Hindi takes 3 octets a letter)."""
    out, part = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(part) + len(encoded) > (LINE_OCTETS if not out else LINE_OCTETS - 1):
            out.append(part.decode("utf-8"))
            part = b""
        part += encoded
    out.append(part.decode("utf-8"))
    return "\r\n ".join(out)


def ics(appointment: Appointment, place: str, specialty: str) -> str:
    """The appointment as a one-event calendar, in the current (citizen's) language; `place` the facility's name."""
    slot, facility = appointment.slot, appointment.slot.facility
    host = current_app.config["PUBLIC_BASE_URL"].split("://", 1)[-1].split("/", 1)[0]
    summary = _("Appointment: %(specialty)s at %(place)s", specialty=specialty, place=place)
    where = ", ".join(part for part in (place, facility.address) if part)
    about = [_("Doctor: %(name)s", name=slot.doctor.name), _("Directions: %(url)s", url=maps.directions_url(facility)),
             _("To change or cancel, open the portal or call the helpline %(number)s.",
               number=current_app.config["HELPLINE_DISPLAY_NUMBER"])]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Sampark//Delhi health helpline//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "BEGIN:VEVENT", f"UID:appointment-{appointment.id}@{host}", f"DTSTAMP:{_utc(utcnow())}",
             f"DTSTART:{_utc(slot.starts_at)}", f"DTEND:{_utc(slot.starts_at + timedelta(minutes=slot.minutes or 15))}",
             f"SUMMARY:{_text(summary)}", f"LOCATION:{_text(where)}", f"DESCRIPTION:{_text(chr(10).join(about))}",
             f"URL:{maps.directions_url(facility)}"]
    if facility.lat is not None and facility.lon is not None:
        lines.append(f"GEO:{facility.lat:.6f};{facility.lon:.6f}")
    lines += ["STATUS:CONFIRMED", "BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_text(summary)}",
              "TRIGGER:-PT2H", "END:VALARM", "END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines)

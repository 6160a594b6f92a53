"""`flask --app wsgi schedule add ...`: doctors' appointment slots from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from crm.models import StaffUser
from crm.platform import unit_of_work
from crm.platform.errors import Refused
from crm.platform.extensions import db

schedule_cli = AppGroup("schedule", help="Doctors' schedules (appointment slots).")


@schedule_cli.command("add")
@click.argument("username")
@click.option("--facility", "facility_code", required=True, help="Facility code, e.g. HS-GTB.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--from", "start", default="09:00", show_default=True, help="Delhi time")
@click.option("--to", "end", default="13:00", show_default=True, help="Delhi time")
@click.option("--minutes", default=15, show_default=True)
def schedule_add(username: str, facility_code: str, day, start: str, end: str, minutes: int) -> None:
    """Open appointment slots for doctor USERNAME at a facility on one day."""
    from crm.helpline import appointments
    from crm.models import Facility

    doctor = db.session.scalar(select(StaffUser).where(StaffUser.username == username.lower()))
    facility = db.session.scalar(select(Facility).where(Facility.code == facility_code))
    if doctor is None or facility is None:
        raise click.ClickException("Unknown doctor or facility code.")
    try:
        made = appointments.add_schedule(doctor, facility, day.date(), start, end, minutes)
        unit_of_work.commit()
    except Refused as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{made} new slots for {doctor.name} at {facility.name} on {day:%d %b %Y}.")

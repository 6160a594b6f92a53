"""Command-line tools: `flask --app wsgi staff|registry|cards|demo ...`."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from crm import unit_of_work
from crm.auth import passwords, tokens
from crm.cards import number as card_number
from crm.cards import operations as cards
from crm.errors import Refused
from crm.extensions import db
from crm.models import Patient, StaffUser
from crm.models.staff import ROLES

staff_cli = AppGroup("staff", help="Staff accounts and API tokens.")
registry_cli = AppGroup("registry", help="The voter / population registry.")
cards_cli = AppGroup("cards", help="Health cards.")
demo_cli = AppGroup("demo", help="Demo data.")
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
    from crm import appointments
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


sweep_cli = AppGroup("sweep", help="Time-based work: alarms, reminders, lost jobs.")


@sweep_cli.command("once")
def sweep_once() -> None:
    """Run every sweep once and print what it did."""
    from crm import sweeps

    done = sweeps.run_once()
    unit_of_work.commit()
    click.echo(", ".join(f"{k}: {v}" for k, v in done.items()))


@sweep_cli.command("loop")
@click.option("--interval", default=5.0, show_default=True)
def sweep_loop(interval: float) -> None:
    """Run the sweeps forever (a dedicated process, if web processes should not)."""
    import time

    from flask import current_app

    from crm import sweeps

    app = current_app._get_current_object()
    while True:  # a database or Redis outage fails one pass, never the loop
        sweeps.run_guarded(app)
        time.sleep(interval)


@click.command("worker")
@click.option("--queue", "queues", multiple=True, default=("default",), show_default=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty (tests, drills).")
def worker(queues: tuple[str, ...], burst: bool) -> None:
    """Run background jobs from REDIS_URL: app built once, jobs in-process, survives Redis outages."""
    from flask import current_app

    from crm import worker as job_worker

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it jobs run inside the web process.")
    job_worker.serve(app, app.config["REDIS_URL"], tuple(queues), burst=burst)


@staff_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--specialty", help="Doctors only: cardiology, paediatrics, ...")
@click.option("--name", help="Full name shown to colleagues.")
def staff_create(username: str, role: str, specialty: str | None, name: str | None) -> None:
    """Create a staff account; the password is read from stdin, or generated and printed."""
    piped = not sys.stdin.isatty()
    password = sys.stdin.readline().rstrip("\n") if piped else ""
    generated = not password
    password = password or secrets.token_urlsafe(12)
    try:
        staff = passwords.create_staff(username, role, password, name=name, specialty=specialty)
    except passwords.StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {staff.role} {staff.username}" + (f" ({staff.specialty})" if staff.specialty else "") + ".")
    if generated:
        click.echo(f"Password: {password}")


@staff_cli.command("token")
@click.argument("username")
@click.option("--label", default="cli", help="What the token is for.")
def staff_token(username: str, label: str) -> None:
    """Print a new personal API token for USERNAME (last line; shown only once)."""
    staff = db.session.scalar(select(StaffUser).where(StaffUser.username == username.lower()))
    if staff is None:
        raise click.ClickException(f"No staff member {username!r}.")
    click.echo(f"Token for {staff.username} ({staff.role}); use it as 'Authorization: Bearer <token>':")
    click.echo(tokens.issue(staff, label))


@registry_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), help="Default: FILE.rejects.csv beside FILE.")
def registry_import(file: Path, rejects: Path | None) -> None:
    """Import (or re-import) a registry CSV export."""
    from crm import registry

    with file.open("rb") as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
    try:
        with click.progressbar(length=total, label=f"Importing {file.name}", show_pos=True) as bar:
            summary = registry.import_file(file, rejects, progress=bar.update)
    except registry.RegistryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"read {summary.read}, created {summary.created}, updated {summary.updated}, "
        f"unchanged {summary.unchanged}, rejected {summary.rejected} "
        f"(households created {summary.households_created})"
    )
    if summary.rejected:
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(summary.reasons.items(), key=lambda kv: -kv[1]))
        click.echo(f"Rejected rows with reasons: {summary.rejects_path} ({reasons})")


@cards_cli.command("issue")
@click.option("--all", "all_", is_flag=True, help="Every resident without a live card.")
@click.option("--registry-id", multiple=True, help="One resident (repeatable).")
def cards_issue(all_: bool, registry_id: tuple[str, ...]) -> None:
    """Issue health cards."""
    if all_ == bool(registry_id):
        raise click.UsageError("Give either --all or one or more --registry-id.")
    if all_:
        missing = db.session.query(Patient).count()
        with click.progressbar(length=missing, label="Issuing cards") as bar:
            issued = cards.issue_missing(progress=bar.update)
        click.echo(f"Issued {issued} cards.")
        return
    for rid in registry_id:
        patient = db.session.scalar(select(Patient).where(Patient.registry_id == rid))
        if patient is None:
            raise click.ClickException(f"No resident with registry id {rid}.")
        try:
            card = cards.issue(patient)
            unit_of_work.commit()
        except Refused as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"{rid}: card {card_number.pretty(card.number)}")


@cards_cli.command("reissue")
@click.argument("number")
@click.option("--reason", type=click.Choice(["revised", "duplicate"]), required=True)
def cards_reissue(number: str, reason: str) -> None:
    """Replace card NUMBER; older cards of the holder become superseded."""
    try:
        card = cards.reissue(number, reason)
        unit_of_work.commit()
    except Refused as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"New card {card_number.pretty(card.number)} (version {card.version}, {reason}).")


@cards_cli.command("revoke")
@click.argument("number")
@click.option("--reason", required=True)
def cards_revoke(number: str, reason: str) -> None:
    """Revoke card NUMBER."""
    try:
        cards.revoke(number, reason)
        unit_of_work.commit()
    except Refused as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Revoked {card_number.pretty(number)}.")


@cards_cli.command("new-key")
@click.option("--rotate", is_flag=True, help="Add a new signing key; old keys keep verifying.")
def cards_new_key(rotate: bool) -> None:
    """Create (or rotate) the card signing key in CARD_SIGNING_KEY_FILE."""
    from flask import current_app

    from crm.cards.token import KeyRing

    path = Path(current_app.config["CARD_SIGNING_KEY_FILE"])
    if rotate:
        KeyRing.rotate(path)
    elif path.exists():
        raise click.ClickException(f"{path} exists; use --rotate to add a new key.")
    else:
        KeyRing.generate(path)
    click.echo(f"Signing key {KeyRing.load(path).kids[0]} in {path}.")


@demo_cli.command("seed")
@click.option("--residents", default=3000, show_default=True)
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same people).")
def demo_seed(residents: int, seed: int) -> None:
    """Create a synthetic Delhi population with cards, facilities and staff of every role."""
    from crm import demo

    for line in demo.seed(residents=residents, seed=seed):
        click.echo(line)


def init_app(app: Flask) -> None:
    """Register the command groups."""
    for group in (staff_cli, registry_cli, cards_cli, demo_cli, schedule_cli, sweep_cli, worker):
        app.cli.add_command(group)

"""Command-line tools: `flask --app wsgi staff|registry|cards|demo ...`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from crm.models import ApiToken, Patient, StaffUser
from crm.models.staff import ROLES
from crm.platform import unit_of_work
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.security.bounds import MAX_ID
from crm.residents.cards import number as card_number
from crm.residents.cards import operations as cards
from crm.staff.admin import staff as admin_staff
from crm.staff.auth import passwords, tokens

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


sweep_cli = AppGroup("sweep", help="Time-based work: alarms, reminders, lost jobs.")


@sweep_cli.command("once")
def sweep_once() -> None:
    """Run every sweep once and print what it did."""
    from crm.platform import sweeps

    done = sweeps.run_once()
    unit_of_work.commit()
    click.echo(", ".join(f"{k}: {v}" for k, v in done.items()))


@sweep_cli.command("loop")
@click.option("--interval", default=5.0, show_default=True)
def sweep_loop(interval: float) -> None:
    """Run the sweeps forever (a dedicated process, if web processes should not)."""
    import time

    from flask import current_app

    from crm.platform import sweeps

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

    from crm.platform import worker as job_worker

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it jobs run inside the web process.")
    job_worker.serve(app, app.config["REDIS_URL"], tuple(queues), burst=burst)


@staff_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--specialty", help="Doctors only: cardiology, paediatrics, ...")
@click.option("--name", help="Full name shown to colleagues.")
@click.option("--desk-phone", help="The desk phone that rings for their calls (else the browser phone).")
@click.option("--section", help="Officers only: the grievance desk, a facility code (HS-GTB) or a section "
              "(facilities, card_office, helpline).")
def staff_create(username: str, role: str, specialty: str | None, name: str | None, desk_phone: str | None,
                 section: str | None) -> None:
    """Create a staff account; the password is read from stdin, or generated and printed."""
    if section and role != "officer":
        raise click.ClickException("--section is for officers.")
    with _refusals():
        staff, generated = admin_staff.create(None, username, role, name=name, specialty=specialty,
                                              desk_phone=desk_phone, password=_piped_password())
        if section:
            staff.section = section.strip()[:40]
        unit_of_work.commit()
    click.echo(f"Created {staff.role} {staff.username}" + (f" ({staff.specialty})" if staff.specialty else "") + ".")
    if generated:
        click.echo(f"Password: {generated}")


def _piped_password() -> str | None:
    """A password piped on stdin, or None (the service then makes one, printed once)."""
    piped = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else ""
    return piped or None


@contextmanager
def _refusals() -> Iterator[None]:
    """A refused change (crm.platform.errors.Refused) becomes the command's error message; nothing is stored."""
    try:
        yield
    except Refused as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc


def _staff(username: str) -> StaffUser:
    staff = db.session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if staff is None:
        raise click.ClickException(f"No staff member {username!r}.")
    return staff


@staff_cli.command("token")
@click.argument("username")
@click.option("--label", default="cli", help="What the token is for.")
@click.option("--days", type=click.IntRange(1, tokens.MAX_DAYS), help="How long it works (default API_TOKEN_DAYS, 90).")
def staff_token(username: str, label: str, days: int | None) -> None:
    """Print a new personal API token for USERNAME (last line; shown only once)."""
    staff = _staff(username)
    token = tokens.issue(staff, label, days)
    click.echo(f"Token for {staff.username} ({staff.role}); use it as 'Authorization: Bearer <token>':")
    click.echo(token)


@staff_cli.command("tokens")
@click.argument("username")
def staff_tokens(username: str) -> None:
    """List USERNAME's API tokens: id, label, state, expiry and last use."""
    for row in tokens.of(_staff(username)):
        shown = tokens.describe(row)
        click.echo(f"{shown['id']}\t{shown['label'] or '-'}\t{shown['state']}\texpires {shown['expires_at']}"
                   f"\tlast used {shown['last_used_at'] or 'never'}")


@staff_cli.command("revoke-token")
@click.argument("token_id", type=click.IntRange(1, MAX_ID))
def staff_revoke_token(token_id: int) -> None:
    """Revoke API token TOKEN_ID (from `staff tokens`) at once."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"No token {token_id}.")
    admin_staff.revoke_token(None, row.staff, token_id)
    db.session.commit()
    click.echo(f"Revoked token {token_id} of {row.staff.username}.")


@staff_cli.command("unlock")
@click.argument("username")
def staff_unlock(username: str) -> None:
    """Unlock USERNAME after repeated wrong passwords."""
    was_locked = admin_staff.unlock(None, _staff(username))
    db.session.commit()
    click.echo(f"Unlocked {username}." if was_locked else f"{username} was not locked; the failure count is cleared.")


@staff_cli.command("password")
@click.argument("username")
def staff_password(username: str) -> None:
    """Reset USERNAME's password (read from stdin, or generated and printed); their sessions end."""
    staff = _staff(username)
    with _refusals():
        generated, ended = admin_staff.reset_password(None, staff, _piped_password())
        db.session.commit()
    click.echo(f"Password of {staff.username} changed; {ended} session(s) ended.")
    if generated:
        click.echo(f"Password: {generated}")


@staff_cli.command("disable")
@click.argument("username")
def staff_disable(username: str) -> None:
    """Disable USERNAME: no login, sessions ended, API tokens revoked (the last active admin stays)."""
    with _refusals():
        admin_staff.disable(None, _staff(username))
        db.session.commit()
    click.echo(f"Disabled {username}; their sessions and tokens no longer work.")


@staff_cli.command("enable")
@click.argument("username")
def staff_enable(username: str) -> None:
    """Let a disabled USERNAME log in again (their old sessions and tokens stay ended)."""
    admin_staff.enable(None, _staff(username))
    db.session.commit()
    click.echo(f"Enabled {username}.")


@staff_cli.command("logout-everywhere")
@click.argument("username")
def staff_logout_everywhere(username: str) -> None:
    """End every session of USERNAME (a lost or shared device)."""
    ended = passwords.log_out_everywhere(_staff(username))
    db.session.commit()
    click.echo(f"Ended {ended} session(s) of {username}.")


@registry_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), help="Default: FILE.rejects.csv beside FILE.")
def registry_import(file: Path, rejects: Path | None) -> None:
    """Import (or re-import) a registry CSV export; progress goes to stderr."""
    from crm.residents import registry
    from crm.residents.registry.progress_line import ProgressLine

    try:
        summary = registry.import_file(file, rejects, progress=ProgressLine(f"Importing {file.name}"))
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

    from crm.residents.cards.token import KeyRing

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
    from crm.seed import demo

    for line in demo.seed(residents=residents, seed=seed):
        click.echo(line)


def init_app(app: Flask) -> None:
    """Register the command groups."""
    for group in (staff_cli, registry_cli, cards_cli, demo_cli, schedule_cli, sweep_cli, worker):
        app.cli.add_command(group)

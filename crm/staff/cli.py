"""`flask --app wsgi staff ...`: staff accounts and personal API tokens from the command line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup
from sqlalchemy import select

from crm.models import ApiToken, StaffUser
from crm.models.staff import ROLES
from crm.platform import unit_of_work
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.platform.security.bounds import MAX_ID
from crm.staff.admin import staff as admin_staff
from crm.staff.auth import passwords, tokens

staff_cli = AppGroup("staff", help="Staff accounts and API tokens.")


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

"""`flask --app wsgi registry|cards ...`: the registry import and health cards from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from crm.models import Patient
from crm.platform import unit_of_work
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.card_office.work import missing_cards
from crm.residents.cards import number as card_number
from crm.residents.cards import operations as cards

registry_cli = AppGroup("registry", help="The voter / population registry.")
cards_cli = AppGroup("cards", help="Health cards.")


@registry_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), help="Default: FILE.rejects.csv beside FILE.")
@click.option("--first-load", is_flag=True, help="Into an empty registry, before the helpline opens: the indexes are built "
              "after the rows (about twice as fast at 20 million), and every read of the registry (card lookups, the "
              "IVR's caller match) waits until the import commits.")
def registry_import(file: Path, rejects: Path | None, first_load: bool) -> None:
    """Import (or re-import) a registry CSV export; progress goes to stderr."""
    from crm.residents import registry
    from crm.residents.duplicates import finding
    from crm.residents.registry.progress_line import ProgressLine

    since = finding.import_started()
    try:
        summary = registry.import_file(file, rejects, progress=ProgressLine(f"Importing {file.name}"), first_load=first_load)
    except registry.RegistryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    queued = finding.after_import(since)
    db.session.commit()
    click.echo(
        f"read {summary.read}, created {summary.created}, updated {summary.updated}, "
        f"unchanged {summary.unchanged}, rejected {summary.rejected} "
        f"(households created {summary.households_created})"
    )
    if queued:
        click.echo(f"Likely duplicates queued for the card office's review: {queued} (/card-office/duplicates)")
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
        with click.progressbar(length=missing_cards(), label="Issuing cards") as bar:  # those without one, not all
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

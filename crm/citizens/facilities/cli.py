"""`flask facilities import FILE` and `flask facilities nearest PLACE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from crm.citizens.facilities import finder, importer
from crm.models.base import utcnow
from crm.platform import unit_of_work

facilities_cli = AppGroup("facilities", help="The facility finder's data.")


@facilities_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
def import_command(path: Path | None) -> None:
    """Create or update facilities from a CSV (default: the demo's Delhi set)."""
    result = importer.import_file(path or importer.DEMO_FILE)
    unit_of_work.commit()
    click.echo(f"Facilities: created {result.created}, updated {result.updated}, rejected {len(result.rejected)}.")
    for line in result.rejected:
        click.echo(f"  rejected {line}", err=True)


@facilities_cli.command("nearest")
@click.argument("place")
@click.option("--kind", type=click.Choice(list(finder.KIND_CHOICES)), default="any")
def nearest_command(place: str, kind: str) -> None:
    """The nearest facilities to a pincode or ward, open now first."""
    where = finder.place_for(place)
    if where is None:
        raise click.ClickException(f"No pincode or ward called {place!r} is known.")
    for found in finder.nearest(where, utcnow(), 5, finder.KIND_CHOICES[kind]):
        state = "open" if found.open_now else "closed"
        click.echo(f"{found.km:5.1f} km  {state:6}  {found.facility.code:10} {found.facility.name}")

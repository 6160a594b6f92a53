"""`flask --app wsgi kpis rebuild`: count the floor's kept sums again from the case timeline."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from crm.helpline.supervisor import aggregates, kpis
from crm.models.base import utcnow
from crm.platform.extensions import db

kpis_cli = AppGroup("kpis", help="The floor's figures kept as sums.")


@kpis_cli.command("rebuild")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First Delhi day (default: all history)")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last Delhi day (default: today)")
def rebuild(first, last) -> None:
    """Count days again from the timeline, one committed day at a time. Without --from: every day, after forgetting
    every sum (after deploying the sums, or after a threshold setting changed); with it, those days only (a repair)."""
    if first is None and last is not None:
        raise click.UsageError("--to needs --from (without both, every day is counted).")
    end = last.date() if last else kpis.today(utcnow())
    if first is None:
        start = aggregates.first_day()
        aggregates.reset()
        db.session.commit()
    else:
        start = first.date()
    day, total = start, 0
    while day is not None and day <= end:
        total += aggregates.rebuild(day, day)
        db.session.commit()
        day += timedelta(days=1)
    if first is None:  # every day is counted: the board and the reports read the sums from now on
        aggregates.rebuilt()
        db.session.commit()
    click.echo(f"Counted {total} case-days from {start} to {end}.")
    if aggregates.basis() == aggregates.NOT_COUNTED:
        click.echo("Not every day is counted yet: the figures come from the timeline until a rebuild without --from.")

"""The platform's commands: `flask --app wsgi sweep once|loop` and `flask --app wsgi worker`.

Each area adds its own command groups in its register(app) (staff, registry, cards, schedule, demo ...).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from crm.platform import unit_of_work

sweep_cli = AppGroup("sweep", help="Time-based work: alarms, reminders, lost jobs.")
backup_cli = AppGroup("backup", help="Backups of the database, and the drill that proves one restores.")


@backup_cli.command("create")
@click.option("--to", "folder", required=True, type=click.Path(file_okay=False), help="The folder of backups.")
def backup_create(folder: str) -> None:
    """Dump the database (pg_dump, custom format) with a manifest of its rows, in one snapshot."""
    from pathlib import Path

    from flask import current_app

    from crm.platform import backups

    dump = backups.create(backups.libpq_url(current_app.config["SQLALCHEMY_DATABASE_URI"]), Path(folder))
    click.echo(f"backup written: {dump}")


@backup_cli.command("drill")
@click.option("--from", "folder", required=True, type=click.Path(exists=True, file_okay=False))
def backup_drill(folder: str) -> None:
    """Restore the newest backup into a scratch database, check it against its manifest, drop the scratch copy."""
    import json
    from pathlib import Path

    from flask import current_app

    from crm.platform import backups

    try:
        report = backups.drill(backups.libpq_url(current_app.config["SQLALCHEMY_DATABASE_URI"]), Path(folder))
    except backups.DrillFailed as failed:
        raise click.ClickException(f"restore drill FAILED: {failed}") from failed
    click.echo("restore drill passed: " + json.dumps(report))


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

    from crm.platform import collector
    from crm.platform import worker as job_worker

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it jobs run inside the web process.")
    collector.freeze_startup()
    job_worker.serve(app, app.config["REDIS_URL"], tuple(queues), burst=burst)


def init_app(app: Flask) -> None:
    """Register the platform's commands."""
    for group in (sweep_cli, backup_cli, worker):
        app.cli.add_command(group)

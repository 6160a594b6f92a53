"""The synthetic demo city: `flask --app wsgi demo seed` (crm.seed.demo); no URLs, no templates."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data.")

# What other areas may import from the demo seed (tests/architecture/test_layers.py): wsgi.py prints its banner.
PUBLIC = ()


@demo_cli.command("seed")
@click.option("--residents", default=3000, show_default=True)
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same people).")
def demo_seed(residents: int, seed: int) -> None:
    """Create a synthetic Delhi population with cards, facilities and staff of every role."""
    from crm.seed import demo

    for line in demo.seed(residents=residents, seed=seed):
        click.echo(line)

def register(app: Flask) -> None:
    """Add the demo's commands."""
    app.cli.add_command(demo_cli)

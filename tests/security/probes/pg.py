"""The probe suite's PostgreSQL: one migrated database per module, every table emptied after each test, row counts.

A module sets APP_SETTINGS (a dict of settings) to change its app, and imports the fixtures it uses:
`probe_app` (module-scoped, the schema from the real migrations) and `app` (each test on it, emptied after).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crm.extensions import db
from tests.conftest import migrated_pg_app

__all__ = ["app", "probe_app", "row_counts", "empty_every_table", "APP_SETTINGS"]

APP_SETTINGS: dict = {}


def _tables() -> list[str]:
    return list(db.session.scalars(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' "
        "ORDER BY tablename")))


def row_counts() -> dict[str, int]:
    """How many rows every table of the schema holds (partitions too), in one statement."""
    counts = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM \"{name}\"" for name in _tables())
    found = dict(db.session.execute(text(counts)).all())
    db.session.rollback()  # a fresh snapshot next time: the request under test commits on its own connection
    return found


def empty_every_table() -> None:
    """TRUNCATE every table, ids restarted."""
    db.session.remove()
    names = ", ".join(f'"{name}"' for name in _tables())
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture(scope="module")
def probe_app(request, tmp_path_factory, pg_database):
    """This module's app on PostgreSQL, the schema built by the migrations (its APP_SETTINGS applied)."""
    settings = getattr(request.module, "APP_SETTINGS", {})
    with migrated_pg_app(tmp_path_factory.mktemp("probe"), pg_database, **settings) as app:
        yield app
        empty_every_table()


@pytest.fixture
def app(probe_app):
    """The module's PostgreSQL app for one test, every table emptied afterwards."""
    with probe_app.app_context():
        yield probe_app
        empty_every_table()

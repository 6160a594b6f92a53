"""The probe suite's PostgreSQL: row counts of every table, and an `app` fixture for tests written for SQLite.

A module that imports `app` runs each test on its module's `probe_app` (tests/security/probes/conftest.py), every
table emptied afterwards.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crm.platform.extensions import db

__all__ = ["app", "empty_every_table", "row_counts"]


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
    """DELETE the rows of every table that has some, children first (cheaper than TRUNCATE for a test's few rows)."""
    db.session.remove()
    counts = row_counts()
    for table in reversed(db.metadata.sorted_tables):
        if counts.get(table.name):
            db.session.execute(text(f'DELETE FROM "{table.name}"'))
    db.session.commit()
    left = {name: n for name, n in row_counts().items() if n}
    assert not left, f"rows left after the test: {left}"


@pytest.fixture
def app(probe_app):
    """The module's PostgreSQL app for one test, every table emptied afterwards."""
    with probe_app.app_context():
        yield probe_app
        empty_every_table()

"""The probe suite's fixtures: a PostgreSQL database migrated once, each module's own app on it, cheap passwords.

A module sets APP_SETTINGS (a dict of settings) to change its app.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

from crm.platform.extensions import db
from tests.conftest import MISSING, PG_URL, make_app
from tests.security.probes.pg import empty_every_table


@pytest.fixture(scope="session")
def probe_database(tmp_path_factory):
    """A PostgreSQL database of the probe suite's own, its schema built once by the real migrations, dropped after."""
    if MISSING["pg"]:
        pytest.skip(MISSING["pg"])
    import psycopg
    from flask_migrate import upgrade

    name = f"sampark_test_probes_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(PG_URL)._replace(path=f"/{name}").geturl()
    app = make_app(tmp_path_factory.mktemp("migrations"), DATABASE_URL=url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def probe_app(request, tmp_path_factory, probe_database):
    """This module's app (its APP_SETTINGS applied) on the suite's database, every table emptied after the module."""
    app = make_app(tmp_path_factory.mktemp("probe"), DATABASE_URL=probe_database,
                   **getattr(request.module, "APP_SETTINGS", {}))
    with app.app_context():
        empty_every_table()  # whatever a module stopped by a failure left
        yield app
        empty_every_table()
        db.engine.dispose()



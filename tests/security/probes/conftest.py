"""The probe suite's fixtures: each module's own app on PostgreSQL (migrated once), cheap passwords for walks.

A module sets APP_SETTINGS (a dict of settings) to change its app.
"""

from __future__ import annotations

import pytest

from crm.auth import passwords
from tests.conftest import migrated_pg_app
from tests.security.probes.pg import empty_every_table


@pytest.fixture(scope="module")
def probe_app(request, tmp_path_factory, pg_database):
    """This module's app on PostgreSQL, the schema built by the migrations (its APP_SETTINGS applied)."""
    settings = getattr(request.module, "APP_SETTINGS", {})
    with migrated_pg_app(tmp_path_factory.mktemp("probe"), pg_database, **settings) as app:
        yield app
        empty_every_table()


@pytest.fixture(scope="module")
def cheap_passwords():
    """Argon2 at its lowest cost while a module's staff are made and log in (a second each otherwise, on a busy
    machine): the walks are about who sees what; tests/security/test_logins.py is about passwords."""
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield

"""Fixtures: app -> client -> login, a fresh database per test, and the real services.

Integration tests use the machine's PostgreSQL and Redis over real connections and real Chromium.
Where one is missing the tests that need it are skipped and the run says so at the end; with CI=true
(or SAMPARK_REQUIRE_SERVICES=1) a missing service fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from crm import create_app
from crm.platform.extensions import db
from tests import factories

PG_URL = os.environ.get("SAMPARK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SAMPARK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("SAMPARK_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("CI", "").lower() == "true" or os.environ.get("SAMPARK_REQUIRE_SERVICES") == "1"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


def _browser_missing() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


MISSING = {
    "pg": None if _reachable(PG_URL) else f"PostgreSQL is not reachable at {PG_URL}",
    "redis": None if _reachable(REDIS_URL) else f"Redis is not reachable at {REDIS_URL}",
    "browser": _browser_missing(),
}


def pytest_collection_modifyitems(config, items):
    """Skip (or, in CI, fail) the tests whose service is missing."""
    for item in items:
        for marker, reason in MISSING.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=f"SKIPPED-SERVICE: {reason}"))


def pytest_sessionfinish(session, exitstatus):
    """In CI a missing service is a failure, whatever else passed."""
    missing = [reason for reason in MISSING.values() if reason]
    if REQUIRE and missing:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say plainly which integration tests did not run and why."""
    missing = {marker: reason for marker, reason in MISSING.items() if reason}
    if not missing:
        terminalreporter.write_line("Integration: PostgreSQL, Redis and Chromium were all available; no test was skipped for a missing service.", green=True)
        return
    for marker, reason in missing.items():
        terminalreporter.write_line(f"NOT RUN: tests marked '{marker}': {reason}", yellow=True, bold=True)
    if REQUIRE:
        terminalreporter.write_line("CI requires every service: failing the run.", red=True, bold=True)


CHECKOUT_INSTANCE = Path(__file__).resolve().parents[1] / "instance"


def instance_snapshot(folder: Path = CHECKOUT_INSTANCE) -> dict:
    """Every file under the checkout's instance/ with its size and modification time."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture(scope="session", autouse=True)
def checkout_instance_untouched():
    """Fail the run if any test wrote the checkout's instance/ (the secret key and card key `./run demo` uses)."""
    before = instance_snapshot()
    yield
    after = instance_snapshot()
    assert after == before, f"a test changed the checkout's instance/: {sorted(set(after.items()) ^ set(before.items()))}"


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (own `g`, own db session), as in production.

    Tests keep an app context open for factories; without this, Flask would reuse it for every
    request and leak `g` (the logged-in user, the CSRF token) from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(tmp_path, **overrides):
    """An app on its own instance folder; SQLite unless DATABASE_URL is given."""
    settings = {
        "TESTING": True,
        "SAMPARK_ENV": "testing",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "JOBS_EAGER": True,
        "PUBLIC_BASE_URL": "http://sampark.test",
        "EMULATOR_MOUNT": False,
    }
    if os.environ.get("SAMPARK_TEST_SOCKETIO_CHANNEL"):  # `./run tests` runs two pytest processes on one Redis
        settings["SOCKETIO_CHANNEL"] = os.environ["SAMPARK_TEST_SOCKETIO_CHANNEL"]
    settings.update(overrides)
    app = create_app(settings)
    app.test_client_class = FreshContextClient
    return app


_SCHEMA_TEMPLATE: list[Path] = []


def _sqlite_schema_template() -> Path:
    """An empty SQLite database with the whole schema, built once per test process and copied for each test
    (building the schema afresh, 270 CREATE statements, was about half of every test's set-up)."""
    if not _SCHEMA_TEMPLATE:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="sampark-schema-"))
        app = make_app(folder)
        with app.app_context():
            db.create_all()
            db.session.remove()
            db.engine.dispose()  # the last connection closed: the WAL is folded into the file
        _SCHEMA_TEMPLATE.append(folder / "test.db")
    return _SCHEMA_TEMPLATE[0]


@contextmanager
def app_with_schema(tmp_path, **overrides):
    """An app with an empty schema and its context pushed (for factories), cleaned up afterwards."""
    copied = "DATABASE_URL" not in overrides and not (tmp_path / "test.db").exists()
    if copied:
        shutil.copyfile(_sqlite_schema_template(), tmp_path / "test.db")
    app = make_app(tmp_path, **overrides)
    with app.app_context():
        if not copied:
            db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    """A fresh app and empty schema for each test."""
    with app_with_schema(tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    """A test client of `app`."""
    return app.test_client()


@pytest.fixture
def login(client):
    """login(role) logs the client in as a new staff member with that role; returns the staff."""

    def _login(role: str = "operator", **kwargs):
        staff = factories.make_staff(role=role, **kwargs)
        response = client.post("/login", data={"username": staff.username, "password": factories.PASSWORD})
        assert response.status_code == 302, response.data
        return staff

    return _login


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's build, not Playwright's download) for the whole run.

    Playwright's sync API allows one instance per process, so every browser test shares this one.
    """
    if MISSING["browser"]:
        pytest.skip(MISSING["browser"])
    from playwright.sync_api import sync_playwright

    # Without this, Chromium's offline emulation (context.set_offline) does not reach requests that pass
    # through a service worker (microsoft/playwright#2311, #15684): the field page's offline test needs it.
    os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway PostgreSQL database for this test session, dropped at the end."""
    if MISSING["pg"]:
        pytest.skip(MISSING["pg"])
    import psycopg

    name = f"sampark_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(PG_URL)
    yield parts._replace(path=f"/{name}").geturl()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_pg_app(folder, database_url: str):
    """An app (instance in `folder`) on PostgreSQL with the schema built by the real migrations, emptied after."""
    from flask_migrate import downgrade, upgrade

    app = make_app(folder, DATABASE_URL=database_url)
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


@pytest.fixture
def pg_app(tmp_path, pg_database):
    """An app on PostgreSQL with the schema built by the real migrations, emptied afterwards."""
    with migrated_pg_app(tmp_path, pg_database) as app:
        yield app

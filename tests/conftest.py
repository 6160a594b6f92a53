"""Fixtures: app -> client -> login, an empty PostgreSQL database for each test, and the real services.

Every app runs on PostgreSQL (TestDatabase: one database per pytest process, emptied after each test);
integration tests use the machine's Redis over real connections and real Chromium.
Where one is missing (PgBouncer included) the tests that need it are skipped and the run says so at the end; with CI=true
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
from tests import factories, fast_setup

fast_setup.install()

PG_URL = os.environ.get("SAMPARK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
UNREACHABLE_DATABASE_URL = "postgresql://postgres@127.0.0.1:1/sampark"  # nothing listens on port 1: the database is down
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


PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
MISSING = {
    "pg": None if _reachable(PG_URL) else f"PostgreSQL is not reachable at {PG_URL}",
    "redis": None if _reachable(REDIS_URL) else f"Redis is not reachable at {REDIS_URL}",
    "browser": _browser_missing(),
    "pgbouncer": None if os.path.exists(PGBOUNCER) else "pgbouncer is not installed (apt-get install pgbouncer)",
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
        terminalreporter.write_line("Integration: PostgreSQL, Redis, Chromium and PgBouncer were all available; no test was skipped for a missing service.", green=True)
        return
    for marker, reason in missing.items():
        which = "every test on the app's database and the tests marked 'pg'" if marker == "pg" else f"tests marked '{marker}'"
        terminalreporter.write_line(f"NOT RUN: {which}: {reason}", yellow=True, bold=True)
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
    """An app on its own instance folder; on this process's test database unless DATABASE_URL is given."""
    settings = {
        "TESTING": True,
        "SAMPARK_ENV": "testing",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "JOBS_EAGER": True,
        "PUBLIC_BASE_URL": "http://sampark.test",
        "EMULATOR_MOUNT": False,
    }
    if os.environ.get("SAMPARK_TEST_SOCKETIO_CHANNEL"):  # `./run tests` runs two pytest processes on one Redis
        settings["SOCKETIO_CHANNEL"] = os.environ["SAMPARK_TEST_SOCKETIO_CHANNEL"]
    settings.update(overrides)
    shared = "DATABASE_URL" not in settings
    if shared:
        settings["DATABASE_URL"] = TEST_DATABASE.url()
    app = create_app(settings)
    fast_setup.share_templates(app)
    app.test_client_class = FreshContextClient
    if shared:
        TEST_DATABASE.apps.append(app)
    return app


class TestDatabase:
    """This test process's PostgreSQL database: built once by the real migrations, emptied after every test.

    Building the schema (18 migrations) takes seconds, so it is done once per pytest process; after each test
    that used it, the tables that got rows are emptied and the sequences that moved are reset, so every test
    starts from the empty schema with ids from 1, as on a fresh database. `./run tests` runs two processes,
    each with its own database (named after its process id); a database left by a killed run is dropped by
    the next one.
    """

    PREFIX = "sampark_t"

    def __init__(self) -> None:
        self.name: str | None = None
        self._url: str | None = None
        self.apps: list = []
        self.used = False  # since the last emptying
        self._conn = None
        self._probe: str | None = None

    def url(self) -> str:
        """The database's URL (for an app, or a child process such as a worker), creating it on first use."""
        if self._url is None:
            if MISSING["pg"]:
                pytest.skip(f"SKIPPED-SERVICE: {MISSING['pg']}")
            self._create()
        self.used = True
        return self._url

    def _create(self) -> None:
        import psycopg
        from flask_migrate import upgrade

        self._drop_abandoned()
        name = f"{self.PREFIX}{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            # A test's commit need not wait for the disk: a crash loses only a throwaway database.
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        self.name, self._url = name, urlsplit(PG_URL)._replace(path=f"/{name}").geturl()
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="sampark-migrate-"))
        app = make_app(folder, DATABASE_URL=self._url)
        with app.app_context():
            upgrade()
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
        self._conn = psycopg.connect(self._url, autocommit=True)
        # A partitioned table is emptied through its parent: its partitions come and go with the sweep's months.
        tables = [row[0] for row in self._conn.execute(
            "SELECT format('%I', relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relkind IN ('r', 'p') AND NOT relispartition AND relname <> 'alembic_version'")]
        # One round trip says which tables have a row and which sequences were used since the last reset.
        self._probe = " UNION ALL ".join(
            [f"SELECT 't', '{t}' WHERE EXISTS (SELECT FROM {t})" for t in tables]
            + ["SELECT 's', format('%I', sequencename) FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"])

    def _drop_abandoned(self) -> None:
        """Drop the test databases of pytest processes that no longer run (a killed run leaves its own)."""
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            names = [row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                                    (self.PREFIX + "%",))]
            for name in names:
                pid = name[len(self.PREFIX):].split("_")[0]
                if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def empty(self) -> None:
        """Close the engines of this test's apps; empty the tables that got rows and reset the used sequences."""
        apps, self.apps = self.apps, []
        for app in apps:
            with app.app_context():
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()
        if self._conn is None or not self.used:
            return
        self.used = False
        self.clear()

    def clear(self) -> None:
        """Empty the tables that have rows and reset the used sequences (the apps' sessions must hold no rows)."""
        import psycopg

        try:
            used = self._conn.execute(self._probe).fetchall()
        except psycopg.OperationalError:  # a test ended every connection to the database (a failover drill)
            self._conn = psycopg.connect(self._url, autocommit=True)
            used = self._conn.execute(self._probe).fetchall()
        tables = [name for kind, name in used if kind == "t"]
        sequences = [name for kind, name in used if kind == "s"]
        self._await_others()
        if tables:
            self._delete(tables)
        if sequences:
            self._conn.execute("SELECT " + ", ".join(f"setval('{s}', 1, false)" for s in sequences))

    def _await_others(self, most: float = 3.0) -> None:
        """Wait (at most `most` seconds) until no other connection to the database is inside a transaction.

        A thread of the last test (a webhook's job, a settle) may still be writing: a row it commits after the
        DELETE below survives it, with an id the reset sequence hands out again (a duplicate key in the next test).
        """
        import time

        busy = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND (state = 'active' OR state LIKE 'idle in transaction%')")
        deadline = time.monotonic() + most
        while self._conn.execute(busy).fetchone()[0] and time.monotonic() < deadline:
            time.sleep(0.02)

    def _delete(self, tables: list[str]) -> None:
        """DELETE, not TRUNCATE: a TRUNCATE makes new files and waits for the disk (about 1 s against 10 ms here).

        The foreign keys are not checked meanwhile (session_replication_role), so the order does not matter.
        """
        import psycopg

        for attempt in (1, 2):
            try:
                with self._conn.transaction():
                    self._conn.execute("SET LOCAL session_replication_role = replica")
                    self._conn.execute("SET LOCAL lock_timeout = '5s'")
                    for table in tables:
                        self._conn.execute(f"DELETE FROM {table}")
                return
            except psycopg.errors.LockNotAvailable:
                if attempt == 2:
                    raise
                # A connection the test left in a transaction (a thread, a child process) holds a row: end it.
                self._conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    def drop(self) -> None:
        """Drop the database at the end of the run."""
        if self._url is None:
            return
        import psycopg

        self._conn.close()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._url = None


TEST_DATABASE = TestDatabase()


@pytest.fixture(scope="session", autouse=True)
def _test_database():
    """Drop this process's test database when the run ends."""
    yield TEST_DATABASE
    TEST_DATABASE.drop()


@pytest.fixture(autouse=True)
def _empty_test_database():
    """After each test (and its fixtures), the shared test database is empty again."""
    yield
    TEST_DATABASE.empty()


@contextmanager
def app_with_schema(tmp_path, **overrides):
    """An app with an empty schema and its context pushed (for factories), cleaned up afterwards."""
    app = make_app(tmp_path, **overrides)
    with app.app_context():
        if "DATABASE_URL" in overrides:
            db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    """A fresh app on the empty schema for each test."""
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
def app_database(app) -> str:
    """The URL of the database `app` is on: for child processes (workers, servers, claimers) that share its rows."""
    return TEST_DATABASE.url()


@pytest.fixture
def pg_app(app):
    """The default `app` (PostgreSQL, the migrations' schema): the name the PostgreSQL-only tests were written with."""
    return app

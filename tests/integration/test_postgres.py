"""The production database path: real migrations, import and lookup on PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from crm.models import HealthCard, Patient
from crm.platform.extensions import db
from crm.residents import registry
from crm.residents.cards import operations as cards
from crm.residents.lookup import lookup
from tests import factories
from tests.test_registry import GOOD, write

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.pg


def _flask(args, database_url, tmp_path):
    # Its own instance folder and secret: a test never writes the checkout's instance/ that `./run demo` uses.
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi", "SAMPARK_ENV": "development",
           "INSTANCE_PATH": str(tmp_path / "cli-instance"), "SECRET_KEY": "cli-test-secret",
           "CARD_SIGNING_KEY_FILE": str(tmp_path / "cli-instance" / "card-signing-key.pem")}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "flask", *args], check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_flask_db_upgrade_and_downgrade_work(pg_database, tmp_path):
    up = _flask(["db", "upgrade"], pg_database, tmp_path)
    assert up.returncode == 0, up.stderr
    assert "Running upgrade" in up.stderr
    down = _flask(["db", "downgrade", "base"], pg_database, tmp_path)
    assert down.returncode == 0, down.stderr


def test_migrations_match_the_models_on_postgresql(pg_app):
    with db.engine.connect() as connection:
        # A partitioned table's months are made by the sweep, not declared: the models declare the parent.
        months = set(connection.execute(text("SELECT relname FROM pg_class WHERE relispartition")).scalars())
        context = MigrationContext.configure(connection, opts={
            "include_name": lambda name, kind, parent: not (kind == "table" and name in months)})
        diff = compare_metadata(context, db.metadata)
    assert months and diff == []


def test_the_call_and_case_tables_keep_room_for_updates_in_place(pg_app):
    """A webhook's update of a leg changes no indexed column; with room on its page it is a HOT update (no new index
    entries, the row not moved). The migrations give the tables that room, as the models say."""
    with db.engine.connect() as connection:
        options = dict(connection.execute(text(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN ('call', 'case') AND relkind = 'r'")).all())
    assert options == {"call": ["fillfactor=70"], "case": ["fillfactor=80"]}
    declared = {name: db.metadata.tables[name].dialect_options["postgresql"]["with"] for name in ("call", "case")}
    assert declared == {"call": {"fillfactor": 70}, "case": {"fillfactor": 80}}


def test_import_issue_and_lookup_on_postgresql(pg_app, tmp_path):
    summary = registry.import_file(write(tmp_path, *GOOD))
    assert summary.created == 3
    again = registry.import_file(write(tmp_path, *GOOD, name="again.csv"))
    assert (again.created, again.unchanged) == (0, 3)
    assert cards.issue_missing() == 3
    card = HealthCard.query.join(Patient).filter(Patient.registry_id == "R2").one()
    with pg_app.test_request_context():
        view = lookup({"qr": card.qr_token}, viewer=factories.make_staff("operator"))  # what an operator sees
    assert view["patient"]["name"] == "Sunita Devi" and len(view["household"]) == 3


def test_postgresql_enforces_one_live_card_per_person(pg_app):
    card = factories.make_card()
    db.session.add(HealthCard(number="123456789010", patient_id=card.patient_id, version=2, qr_token="x", key_id="k"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    cards.reissue(card.number, "duplicate")  # superseding first leaves room for exactly one new card
    db.session.commit()
    assert HealthCard.query.filter(HealthCard.status == "issued").count() == 1

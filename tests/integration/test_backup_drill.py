"""The restore drill on the real PostgreSQL: a backup taken while the helpline has cases and cards restores into a
scratch database whose every table, newest case and card lookup match what was backed up; a backup that does not
match is reported by name, and the scratch copy never stays behind."""

from __future__ import annotations

import json

import psycopg
import pytest
from click.testing import CliRunner

from crm.platform import backups
from crm.platform.backups import libpq_url
from crm.platform.cli import backup_cli
from crm.platform.extensions import db
from tests import factories

pytestmark = pytest.mark.pg


def _world(app):
    with app.app_context():
        card = factories.make_card(name="Asha Rani")
        factories.make_staff("operator")
        from crm.models import Case

        db.session.add(Case(channel="voice", status="queued", priority="P2", queue="tier1", caller_phone="+919800000001"))
        db.session.commit()
        return card.number


def _scratch_databases(app) -> list[str]:
    with psycopg.connect(libpq_url(app.config["SQLALCHEMY_DATABASE_URI"])) as connection:
        return [r[0] for r in connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'sampark_restore_drill_%'")]


def test_a_backup_restores_with_every_row_the_newest_case_and_a_card_lookup(app, tmp_path):
    number = _world(app)
    runner = CliRunner()
    with app.app_context():
        made = runner.invoke(backup_cli, ["create", "--to", str(tmp_path / "backups")], obj=None)
        assert made.exit_code == 0, made.output
        drilled = runner.invoke(backup_cli, ["drill", "--from", str(tmp_path / "backups")])
    assert drilled.exit_code == 0, drilled.output
    report = json.loads(drilled.output.split("restore drill passed: ", 1)[1])
    assert report["card_lookup"] == "ok" and report["problems"] == [] and report["rows"] >= 4
    manifest = json.loads(next((tmp_path / "backups").glob("*.manifest.json")).read_text())
    assert manifest["rows"]["case"] == 1 and manifest["newest_card"]["number"] == number
    assert report["newest_case"] == manifest["newest_case"]
    assert _scratch_databases(app) == []


def test_a_restored_copy_that_differs_from_its_manifest_fails_the_drill_by_name(app, tmp_path):
    _world(app)
    folder = tmp_path / "backups"
    dump = backups.create(libpq_url(app.config["SQLALCHEMY_DATABASE_URI"]), folder)
    manifest_path = dump.with_suffix(backups.MANIFEST)
    manifest = json.loads(manifest_path.read_text())
    manifest["rows"]["case"] += 1  # as if a case had been lost between backup and restore
    manifest["newest_card"]["status"] = "revoked"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(backups.DrillFailed) as failed:
        backups.drill(libpq_url(app.config["SQLALCHEMY_DATABASE_URI"]), folder)
    assert "case: 2 rows backed up, 1 restored" in str(failed.value) and "card lookup" in str(failed.value)
    assert _scratch_databases(app) == []


def test_a_folder_without_a_backup_is_a_failed_drill(tmp_path, app):
    with pytest.raises(backups.DrillFailed, match="no backup"):
        backups.drill(libpq_url(app.config["SQLALCHEMY_DATABASE_URI"]), tmp_path)

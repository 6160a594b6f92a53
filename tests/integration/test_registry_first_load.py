"""A first import into an empty registry builds patient's indexes after the rows (registry.first_load): the same
residents, households, rejects and indexes as the ordinary path, and a failure leaves the indexes as they were."""

import psycopg
import pytest
from sqlalchemy import text

from crm.models import Patient
from crm.platform.extensions import db
from crm.residents import registry
from crm.residents.registry import first_load
from tests.integration.test_registry_pg import BAD, CHANGED, _counts, _empty, _state
from tests.test_registry import GOOD, write
from tests.test_registry_reading import MIXED

pytestmark = pytest.mark.pg

INDEXES = "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'patient'::regclass"
CONSTRAINTS = "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'patient'::regclass"


def _schema():
    return sorted(db.session.scalars(text(INDEXES))), sorted(tuple(r) for r in db.session.execute(text(CONSTRAINTS)))


def _import(path, rejects, events=None, first_load=True):
    return registry.import_file(path, rejects, progress=events.append if events is not None else None,
                                first_load=first_load)


def test_a_first_load_gives_what_the_ordinary_path_gives(pg_app, tmp_path, monkeypatch):
    first, again = write(tmp_path, *GOOD, *MIXED, *BAD), write(tmp_path, *CHANGED, name="changed.csv")
    schema = _schema()
    outcomes = {}
    for deferred in (False, True):
        _empty()
        events = []
        one = _import(first, tmp_path / f"{deferred}-1.csv", events, first_load=deferred)
        after_one, schema_after_one = _state(), _schema()
        two = _import(again, tmp_path / f"{deferred}-2.csv", events, first_load=deferred)  # a live registry now: the ordinary path
        stages = [e.stage for e in events]
        outcomes[deferred] = (_counts(one), _counts(two), one.rejects_path.read_bytes(), two.rejects_path.read_bytes(),
                              after_one, _state(), schema_after_one, _schema())
        assert stages.count("indexes") == deferred  # the indexes were set aside once, on the first import only
    assert outcomes[True] == outcomes[False]
    assert outcomes[True][6] == outcomes[True][7] == schema  # every index and constraint as the migrations made them
    assert any("UNIQUE INDEX" in d and "(registry_id)" in d for d in schema[0])


def test_the_rebuilt_unique_index_still_refuses_a_second_registry_id(pg_app, tmp_path):
    _empty()
    _import(write(tmp_path, *GOOD), tmp_path / "rejects.csv")
    household_id = db.session.scalar(text("SELECT household_id FROM patient WHERE registry_id = 'R1'"))
    db.session.add(Patient(registry_id="R1", name="Copy", sex="M", household_id=household_id))
    with pytest.raises(Exception, match="registry_id"):
        db.session.commit()
    db.session.rollback()


def test_a_failure_while_the_indexes_are_set_aside_rolls_them_back(pg_app, tmp_path, monkeypatch):
    _empty()
    schema = _schema()
    rebuild = first_load.rebuild

    def fails_half_way(cursor, aside):
        rebuild(cursor, first_load.SetAside(aside.table, aside.indexes[: len(aside.indexes) // 2], aside.foreign_keys[:1]))
        raise RuntimeError("server went away")

    monkeypatch.setattr(first_load, "rebuild", fails_half_way)
    with pytest.raises(RuntimeError):
        _import(write(tmp_path, *GOOD, *MIXED), tmp_path / "rejects.csv")
    db.session.rollback()
    assert _schema() == schema and Patient.query.count() == 0
    monkeypatch.undo()
    summary = _import(write(tmp_path, *GOOD, *MIXED), tmp_path / "rejects.csv")  # and the next import runs
    assert summary.created == Patient.query.count() > 0 and _schema() == schema


def test_a_registry_someone_is_reading_is_not_locked_by_the_import(pg_app, tmp_path):
    """An empty patient table that another transaction has open: the import does not wait for it (NOWAIT) and
    takes the ordinary path, indexes maintained row by row."""
    _empty()
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as reader:
        reader.execute("SELECT count(*) FROM patient")  # holds its lock on patient until it ends
        events = []
        summary = _import(write(tmp_path, *GOOD), tmp_path / "rejects.csv", events)
        reader.rollback()
    assert summary.created == 3 and "indexes" not in [e.stage for e in events]


def test_a_household_table_someone_is_reading_keeps_its_key(pg_app, tmp_path, monkeypatch):
    """Patient empty and free, household busy: the indexes are built after the rows, the key to household is kept
    (dropping it would lock household) and checked row by row; patient's key to itself is set aside."""
    _empty()
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    aside, rebuild = [], first_load.rebuild
    monkeypatch.setattr(first_load, "rebuild", lambda cursor, what: aside.append(what) or rebuild(cursor, what))
    schema = _schema()
    with psycopg.connect(url) as reader:
        reader.execute("SELECT count(*) FROM household")
        summary = _import(write(tmp_path, *GOOD), tmp_path / "rejects.csv")
        reader.rollback()
    assert summary.created == 3 and _schema() == schema
    assert [k.definition for k in aside[0].foreign_keys] == ["FOREIGN KEY (merged_into_id) REFERENCES patient(id)"]
    assert len(aside[0].indexes) > 10


def test_an_import_not_asked_to_be_a_first_load_leaves_patient_readable(pg_app, tmp_path):
    """The card office's page and a plain `flask registry import` take the ordinary path even into an empty registry:
    a first load locks patient until it commits, and the helpline's lookups would wait on it."""
    from sqlalchemy import create_engine

    outside = create_engine(pg_app.config["SQLALCHEMY_DATABASE_URI"])
    counted = []

    def look(progress):  # what another web process reads while the import's transaction is open
        with outside.connect() as connection:
            connection.execute(text("SET lock_timeout = '2s'"))
            counted.append(connection.execute(text("SELECT count(*) FROM patient")).scalar_one())

    _empty()
    summary = registry.import_file(write(tmp_path, *GOOD), tmp_path / "rejects.csv", progress=look)
    outside.dispose()
    assert summary.created == len(GOOD) and counted and counted[-1] == len(GOOD)

"""Registry import on PostgreSQL: the COPY path gives what the batch path gives, and re-import writes nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from crm.models import Patient
from crm.platform.extensions import db
from crm.residents import registry
from crm.residents.registry import copy_merge, reading
from tests.test_registry import GOOD, rejects, write

pytestmark = pytest.mark.pg

BAD = [
    ",,No Id,,1970-01-01,,M,,HH1,,,self",
    "R5,,Ram,,02/03/1970,,M,,HH1,,,self",
    "R6,,Ram,,1970-01-01,,M,12345,HH2,,,self",
    "R7,XYZ0000001,Old Card,,1950-01-01,,M,,HH3,,,self",
    GOOD[1],  # the same registry id twice
    "R8,,Meena,,,51,F,9810000008,HH4,,,mother",
    "R9,,Gopal,,,55,M,9810000009,HH4,\"Flat 2, Rohini\",Rohini,head",
    "R10,,Sita,,,30,F,,HH4,,,self",  # a later head with no address keeps Gopal's
]
CHANGED = [
    GOOD[0].replace("98100 00001", "9810000099"),
    GOOD[1],
    GOOD[2].replace(",HH1,", ",HH5,").replace("son", "self"),  # moves out
    "R8,,Meena Devi,,,51,F,9810000008,HH4,\"Flat 9, Rohini\",Rohini,self",
]
PATIENTS = "SELECT p.*, h.code FROM patient p JOIN household h ON h.id = p.household_id ORDER BY registry_id"


def _state():
    patients = [dict(r._mapping) for r in db.session.execute(text(PATIENTS))]
    for row in patients:
        for moment in ("created_at", "updated_at", "id", "household_id"):
            row.pop(moment)
    households = [tuple(r) for r in db.session.execute(text("SELECT code, address, ward FROM household ORDER BY code"))]
    return patients, households


def _empty():
    db.session.execute(text("TRUNCATE patient, household RESTART IDENTITY CASCADE"))
    db.session.commit()


def _counts(summary):
    return (summary.read, summary.created, summary.updated, summary.unchanged, summary.rejected,
            summary.households_created, summary.reasons)


def test_copy_path_gives_the_same_rejects_rows_and_counts_as_the_batch_path(pg_app, tmp_path):
    first, again = write(tmp_path, *GOOD, *BAD), write(tmp_path, *CHANGED, name="changed.csv")
    results = {}
    for method in ("batches", "copy"):
        _empty()
        one = registry.import_file(first, tmp_path / f"{method}-1.csv", method=method)
        after_one = _state()
        two = registry.import_file(again, tmp_path / f"{method}-2.csv", method=method)
        results[method] = (_counts(one), _counts(two), rejects(one), rejects(two), after_one, _state())
    assert results["copy"] == results["batches"]
    (first_counts, second_counts, first_rejects, _, (_, households), (_, households_then)) = results["copy"]
    assert first_counts[1:5] == (7, 0, 0, 4) and second_counts[1:5] == (0, 3, 1, 0)
    assert [r["line"] for r in first_rejects] == ["5", "6", "7", "9"]
    assert ("HH4", "Flat 2, Rohini", "Rohini") in households  # Sita, a later head with no address, kept it
    assert ("HH4", "Flat 9, Rohini", "Rohini") in households_then


def test_unchanged_reimport_writes_no_row(pg_app, tmp_path):
    path = write(tmp_path, *GOOD, *BAD)
    registry.import_file(path)
    versions = "SELECT xmin::text FROM patient UNION ALL SELECT xmin::text FROM household"
    before = sorted(db.session.scalars(text(versions)))
    summary = registry.import_file(path)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 7)
    assert sorted(db.session.scalars(text(versions))) == before  # no row got a new version


def test_copy_import_keeps_the_clinical_record_and_reports_progress(pg_app, tmp_path):
    registry.import_file(write(tmp_path, *GOOD))
    patient = Patient.query.filter_by(registry_id="R1").one()
    patient.allergies, patient.blood_group = ["Penicillin"], "B+"
    db.session.commit()
    events = []
    registry.import_file(write(tmp_path, CHANGED[0], name="again.csv"), progress=events.append)
    patient = Patient.query.filter_by(registry_id="R1").one()
    assert patient.allergies == ["Penicillin"] and patient.mobile == "+919810000099"
    assert events[-1].stage == "done" and events[-1].fraction == 1.0 and events[-1].rows_read == 1
    assert "residents" in [e.stage for e in events]


def test_a_failed_copy_import_leaves_nothing_behind(pg_app, tmp_path, monkeypatch):
    def broken(values, today):
        if values[0] == "R3":
            raise RuntimeError("disk full")
        return parse(values, today)

    parse = reading.parse_values
    monkeypatch.setattr(reading, "parse_values", broken)
    with pytest.raises(RuntimeError):
        registry.import_file(write(tmp_path, *GOOD))
    assert Patient.query.count() == 0
    monkeypatch.undo()
    registry.import_file(write(tmp_path, *GOOD))  # and the next import runs (no staging table left over)
    assert Patient.query.count() == 3


def test_workers_give_the_copy_path_the_same_rejects_and_residents(pg_app, tmp_path):
    from tests.test_registry_reading import MIXED

    path = write(tmp_path, *MIXED, *BAD)
    outcomes = []
    for workers in (1, 2):
        _empty()
        summary = registry.import_file(path, tmp_path / f"rejects-{workers}.csv", workers=workers)
        outcomes.append((_counts(summary), _state(), summary.rejects_path.read_bytes()))
    assert outcomes[0] == outcomes[1]


residents = st.tuples(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9/_-]{0,9}", fullmatch=True), st.none() | st.text(max_size=20),
    st.none() | st.booleans(), st.text(min_size=1, max_size=30), st.none() | st.text(max_size=30),
    st.none() | st.dates(), st.none() | st.integers(1800, 2100), st.booleans(), st.sampled_from("MFO"),
    st.none() | st.text(max_size=20), st.text(min_size=1, max_size=40), st.text(max_size=60), st.text(max_size=30),
    st.text(max_size=30),
).filter(lambda r: not any("\x00" in v for v in r if isinstance(v, str)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(residents, min_size=1, max_size=20))
def test_staged_lines_are_what_psycopg_would_have_copied(pg_app, rows):
    """The workers write COPY text themselves; the staging table must hold what psycopg's write_row gave."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    columns = ", ".join(copy_merge.STAGE_COLUMNS)
    staged = []
    for how in ("psycopg", "text"):
        cursor.execute(copy_merge.CREATE_STAGE.replace("ON COMMIT DROP", ""))
        with cursor.copy(f"COPY registry_stage ({columns}) FROM STDIN") as copy:
            for line, r in enumerate(rows, 2):
                if how == "text":
                    copy.write(copy_merge.stage_line(line, r))
                else:
                    copy.write_row((line, r[0], r[10], *r[1:10], *r[11:]))
        staged.append(cursor.execute(f"SELECT {columns} FROM registry_stage ORDER BY line").fetchall())
        cursor.execute("DROP TABLE registry_stage")
    db.session.rollback()
    assert staged[0] == staged[1]

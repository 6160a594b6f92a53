"""Registry import on PostgreSQL: the COPY path gives what the batch path gives, and re-import writes nothing."""

import pytest
from sqlalchemy import text

from crm import registry
from crm.extensions import db
from crm.models import Patient
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
    def broken(resident, today=None):
        if resident["registry_id"] == "R3":
            raise RuntimeError("disk full")
        return parse(resident)

    parse = registry.parse_row
    monkeypatch.setattr(registry, "parse_row", broken)
    with pytest.raises(RuntimeError):
        registry.import_file(write(tmp_path, *GOOD))
    assert Patient.query.count() == 0
    monkeypatch.undo()
    registry.import_file(write(tmp_path, *GOOD))  # and the next import runs (no staging table left over)
    assert Patient.query.count() == 3

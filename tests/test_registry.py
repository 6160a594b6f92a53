"""Registry import: validation, households, idempotence, rejects with reasons."""

import csv
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.models import Household, Patient
from crm.residents import registry

HEADER = ",".join(registry.REQUIRED_COLUMNS)
TODAY = date(2026, 11, 25)


def write(tmp_path, *lines, header=HEADER, name="registry.csv", bom=False):
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def rejects(summary):
    with summary.rejects_path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


GOOD = [
    "R1,ABC1234566,Ramesh Kumar,रमेश कुमार,1975-03-02,,M,98100 00001,HH1,\"House 5, Seelampur\",Seelampur,self",
    "R2,,Sunita Devi,सुनीता देवी,,47,f,+91-9810000002,HH1,\"House 5, Seelampur\",Seelampur,wife",
    "R3,,Aarav,,2019-07-01,,M,,HH1,\"House 5, Seelampur\",Seelampur,son",
]


def test_import_maps_households_and_normalises(app, tmp_path):
    summary = registry.import_file(write(tmp_path, *GOOD))
    assert (summary.read, summary.created, summary.rejected, summary.households_created) == (3, 3, 0, 1)
    household = Household.query.one()
    assert [p.registry_id for p in household.members] == ["R1", "R2", "R3"]
    ramesh, sunita, aarav = household.members
    assert ramesh.mobile == "+919810000001" and sunita.mobile == "+919810000002" and aarav.mobile is None
    assert sunita.relation == "spouse" and sunita.sex == "F"
    assert sunita.dob is None and sunita.dob_estimated and sunita.birth_year == date.today().year - 47
    assert ramesh.name_hi == "रमेश कुमार"


def test_epic_is_checked_softly(app, tmp_path):
    registry.import_file(write(tmp_path, GOOD[0], "R9,XYZ0000001,Old Card,,1950-01-01,,M,,HH9,,,self"))
    assert Patient.query.filter_by(registry_id="R1").one().epic_valid is True
    old = Patient.query.filter_by(registry_id="R9").one()
    assert old.epic == "XYZ0000001" and old.epic_valid is False


def test_reimport_updates_and_never_duplicates(app, tmp_path):
    registry.import_file(write(tmp_path, *GOOD))
    changed = GOOD[0].replace("98100 00001", "9810000099")
    summary = registry.import_file(write(tmp_path, changed, *GOOD[1:], name="again.csv"))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 2)
    assert Patient.query.count() == 3 and Household.query.count() == 1
    assert Patient.query.filter_by(registry_id="R1").one().mobile == "+919810000099"


def test_reimport_keeps_the_clinical_record(app, tmp_path):
    registry.import_file(write(tmp_path, *GOOD))
    patient = Patient.query.filter_by(registry_id="R1").one()
    patient.allergies, patient.blood_group = ["Penicillin"], "B+"
    from crm.platform.extensions import db

    db.session.commit()
    registry.import_file(write(tmp_path, *GOOD, name="again.csv"))
    assert Patient.query.filter_by(registry_id="R1").one().allergies == ["Penicillin"]


def test_moving_house_moves_the_resident(app, tmp_path):
    registry.import_file(write(tmp_path, *GOOD))
    registry.import_file(write(tmp_path, GOOD[2].replace(",HH1,", ",HH2,").replace("son", "self"), name="moved.csv"))
    assert Patient.query.filter_by(registry_id="R3").one().household.code == "HH2"


@pytest.mark.parametrize("line, reason", [
    (",,No Id,,1970-01-01,,M,,HH1,,,self", "registry_id is empty"),
    ("R5,,,,1970-01-01,,M,,HH1,,,self", "name is empty"),
    ("R5,,Ram,,1970-01-01,,X,,HH1,,,self", "sex 'X' is not M, F or O"),
    ("R5,,Ram,,02/03/1970,,M,,HH1,,,self", "not a date as YYYY-MM-DD"),
    ("R5,,Ram,,2999-01-01,,M,,HH1,,,self", "in the future"),
    ("R5,,Ram,,,,M,,HH1,,,self", "both dob and age are empty"),
    ("R5,,Ram,,,old,M,,HH1,,,self", "age 'old'"),
    ("R5,,Ram,,1970-01-01,,M,12345,HH1,,,self", "mobile"),
    ("R5,,Ram,,1970-01-01,,M,,,,,self", "household_id is empty"),
    ("R 5,,Ram,,1970-01-01,,M,,HH1,,,self", "characters other than"),
])
def test_bad_rows_are_rejected_with_their_reason(app, tmp_path, line, reason):
    summary = registry.import_file(write(tmp_path, GOOD[0], line))
    assert (summary.created, summary.rejected) == (1, 1)
    (row,) = rejects(summary)
    assert reason in row["reason"] and row["line"] == "3"
    assert row["name"] == line.split(",")[2]  # the original row is kept for the clerk to fix


def test_repeated_registry_id_in_one_file_is_rejected(app, tmp_path):
    summary = registry.import_file(write(tmp_path, GOOD[0], GOOD[0]))
    assert summary.created == 1 and "first on line 2" in rejects(summary)[0]["reason"]


def test_missing_column_stops_the_import_with_a_clear_message(app, tmp_path):
    with pytest.raises(registry.RegistryFileError, match="missing the column.*relation"):
        registry.import_file(write(tmp_path, "R1,,A,,1970-01-01,,M,,HH1,,", header=HEADER.rsplit(",", 1)[0]))


def test_excel_bom_extra_columns_and_blank_lines_are_fine(app, tmp_path):
    path = write(tmp_path, GOOD[0] + ",extra", "", GOOD[1] + ",extra", header=HEADER + ",polling_booth", bom=True)
    summary = registry.import_file(path, tmp_path / "rej.csv")
    assert (summary.read, summary.created, summary.rejected) == (2, 2, 0)
    assert summary.rejects_path == tmp_path / "rej.csv"


def test_rejects_file_defaults_beside_the_input(app, tmp_path):
    summary = registry.import_file(write(tmp_path, *GOOD, name="delhi.csv"))
    assert summary.rejects_path == tmp_path / "delhi.rejects.csv" and summary.rejects_path.exists()


field = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({c: field for c in registry.REQUIRED_COLUMNS}))
def test_any_row_is_either_accepted_or_rejected_with_a_reason(row):
    try:
        resident = registry.parse_row(row, today=TODAY)
    except registry.RowError as exc:
        assert str(exc)
    else:
        assert resident.registry_id and resident.name and resident.sex in "MFO"
        assert resident.mobile is None or resident.mobile.startswith("+")


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(1902, 1, 1), max_value=TODAY),
    st.sampled_from(["M", "F", "O", "m", "female"]),
    st.integers(min_value=6_000_000_000, max_value=9_999_999_999),
    st.sampled_from(["", "0", "+91 ", "91"]),
)
def test_valid_rows_always_import(dob, sex, mobile, prefix):
    row = {c: "" for c in registry.REQUIRED_COLUMNS} | {
        "registry_id": "R1", "name": "Asha", "dob": dob.isoformat(), "sex": sex, "mobile": f"{prefix}{mobile}",
        "household_id": "HH1"}
    resident = registry.parse_row(row, today=TODAY)
    assert resident.mobile == f"+91{mobile}" and resident.dob == dob and resident.relation == "self"

"""Reading a registry file with worker processes gives what one process gives: same rows, rejects, order."""

import csv
import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.models import Household, Patient
from crm.residents import registry
from crm.residents.registry import reading
from crm.residents.registry.batches import BatchMerge
from crm.residents.registry.rows import REQUIRED_COLUMNS, column_picker, read_header, read_rows
from tests.test_registry import GOOD, HEADER, write

TODAY = date(2026, 11, 25)
MIXED = [
    *GOOD,
    "",
    ",,No Id,,1970-01-01,,M,,HH1,,,self",
    GOOD[1],  # the same registry id again
    "R4,,Kamla,,1950-02-30,,F,,HH2,,,self",
    'R5,,"Multi\nline Name",,,40,F,,HH2,"Flat 2\nRohini",Rohini,daughter',
    "R6,,Short Row,,,33,M",
    "R7,DL/01/002/000003,Old Voter,,,70,M,09810000007,HH3,\"Gali 4, \\\"Ward\\\" 7\",7,Head",
    ",,,,,,,,,,,",
]


def _checked(path, workers, size=3):
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = read_header(reader, path.name)
        original = reading.BATCH_ROWS
        reading.BATCH_ROWS = size
        try:
            return [(rows, results) for rows, results in reading.checked(
                reader, header, TODAY, BatchMerge.encode, workers)]
        finally:
            reading.BATCH_ROWS = original


def test_a_pool_of_workers_returns_every_batch_in_file_order(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "BATCH_ROWS", 3)
    path = write(tmp_path, *MIXED * 5)
    alone, pooled = _checked(path, 1), _checked(path, 2)
    assert pooled == alone and len(pooled) == 19  # 55 rows, blank ones included, 3 at a time
    lines = [line for rows, results in pooled for (_, line), result in zip(rows, results) if result != reading.BLANK]
    assert lines == [line for line, _ in read_rows(path)]  # numbered as the plain CSV reader numbers them
    assert len(lines) == 45 and lines[:9] == [2, 3, 4, 6, 7, 8, 11, 12, 13]  # blank rows skipped


def test_the_rejects_file_and_the_residents_are_the_same_with_workers(app, tmp_path):
    path = write(tmp_path, *MIXED)
    alone = registry.import_file(path, tmp_path / "alone.csv", workers=1)
    state = [(p.registry_id, p.name, p.mobile, p.epic, p.household.code) for p in Patient.query.order_by(Patient.id)]
    Patient.query.delete()
    Household.query.delete()
    pooled = registry.import_file(path, tmp_path / "pooled.csv", workers=2)
    again = [(p.registry_id, p.name, p.mobile, p.epic, p.household.code) for p in Patient.query.order_by(Patient.id)]
    assert (tmp_path / "pooled.csv").read_bytes() == (tmp_path / "alone.csv").read_bytes()
    assert again == state and (pooled.read, pooled.created, pooled.rejected) == (alone.read, alone.created, 4)
    assert pooled.reasons == alone.reasons


def test_workers_check_a_large_file_when_a_core_is_spare(monkeypatch):
    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(reading.os, "getloadavg", lambda: (0.4, 0.5, 0.5))
    assert reading.worker_count(1000, None) == 1
    assert reading.worker_count(reading.POOL_FROM_BYTES, None) == 2
    assert reading.worker_count(1000, 3) == 3 and reading.worker_count(10**9, 1) == 1
    monkeypatch.setattr(reading.os, "getloadavg", lambda: (1.5, 0.5, 0.5))  # the other core is busy
    assert reading.worker_count(reading.POOL_FROM_BYTES, None) == 1


extras = st.lists(st.sampled_from([*REQUIRED_COLUMNS, "polling_booth"]), max_size=4)  # repeated columns too
headers = extras.flatmap(lambda more: st.permutations([*REQUIRED_COLUMNS, *more]))


@settings(max_examples=200, deadline=None)
@given(headers, st.lists(st.text(max_size=3), max_size=18))
def test_picking_columns_reads_a_row_as_the_dict_of_header_and_values_did(header, values):
    row = dict(zip(header, values, strict=False))
    assert column_picker(header)(values) == [row.get(c) or "" for c in REQUIRED_COLUMNS]


cell = st.sampled_from(["", " ", "R1", "R2", "Asha", "F", "m", "X", "1970-01-01", "2999-01-01", "41", "old",
                        "9810000001", "+91 98100 00002", "98100", "HH1", "ABC1234566", "a,b", 'say "hi"', "x\ny"])


@pytest.fixture(scope="module")
def warm_workers():
    """The pool's workers start with the row encoder's modules already imported (the app's models, triage's rules).

    Production's forkserver preloads only the row checks, so each new worker imports the encoder's modules itself:
    1-3 s of CPU, paid by each of the two workers of every one of this property test's pools (about 2 s an example
    on two busy cores). The results do not depend on where the import happened; the tests above (and
    tests/integration/test_registry_pg.py) run the workers as production starts them.
    """
    import multiprocessing.forkserver

    server = multiprocessing.forkserver._forkserver
    server._stop()  # a server started by an earlier test preloads only what production asks for
    server.set_forkserver_preload(["crm.residents.registry.rows", "crm.residents.registry.batches"])
    server.ensure_running()
    yield
    server._stop()  # later pools start one as production does


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(cell, min_size=10, max_size=13), min_size=1, max_size=40))
def test_any_file_reads_the_same_alone_and_with_workers(warm_workers, tmp_path_factory, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("pool") / "registry.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert _checked(path, 2, size=4) == _checked(path, 1, size=4)

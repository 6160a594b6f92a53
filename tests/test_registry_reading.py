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


def _flat(results):
    """What a reading gave, stretch boundaries forgotten: accepted rows (with their values), rejects, rows read."""
    accepted, rejected, read = [], [], 0
    for result, values in results:
        accepted += [(i, line, enc, values(line)) for i, line, enc in zip(result.ids, result.lines, result.encoded)]
        rejected += result.rejects
        read += result.read
    return accepted, rejected, read


def _read(path, workers, chunk):
    """The file read in stretches of about `chunk` characters."""
    original = reading.CHUNK_CHARS
    reading.CHUNK_CHARS = chunk
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = read_header(reader, path.name)
            return _flat(reading.checked(handle, reader.line_num, header, TODAY, BatchMerge.encode, workers))
    finally:
        reading.CHUNK_CHARS = original


def _exact(path):
    """The reference: one CSV reader over the whole file, as the rejects file has always numbered rows."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = read_header(reader, path.name)
        results = reading.exactly(handle, reader.line_num, header, TODAY, BatchMerge.encode)
        return _flat((result, result.repeats.__getitem__) for result in results)


def test_stretches_checked_by_a_pool_give_every_row_in_file_order(tmp_path):
    path = write(tmp_path, *MIXED * 5)
    exact = _exact(path)
    assert _read(path, 1, 40) == exact and _read(path, 2, 40) == exact and _read(path, 2, 1 << 20) == exact
    accepted, rejected, read = exact
    assert read == 45 and len(rejected) == 15  # blank rows skipped; within a stretch nobody decides a repeat
    lines = sorted([line for _, line, _, _ in accepted] + [line for line, _, _ in rejected])
    assert lines == [line for line, _ in read_rows(path)]  # numbered as the plain CSV reader numbers them
    assert lines[:9] == [2, 3, 4, 6, 7, 8, 11, 12, 13]


def test_a_stretch_cut_inside_a_quoted_field_is_told_and_read_exactly(tmp_path):
    assert reading.records_of('R1,"two\n', 1) == ([], False)
    assert reading.records_of('R1,"two\nlines"\n', 1) == ([(["R1", "two\nlines"], 3)], True)
    # A quote CSV takes literally makes the quote count odd: every cut after it is a guess the worker checks.
    rows = ['R1,,Asha 5"3,,1970-01-01,,F,,HH1,,,self', 'R2,,"Ravi\nKumar",,1970-01-01,,M,,HH1,"a\nb",,son'] * 20
    path = write(tmp_path, *rows)
    exact = _exact(path)
    for chunk in (10, 30, 57, 200):
        assert _read(path, 1, chunk) == exact and _read(path, 2, chunk) == exact
    assert [(i, line) for i, line, _, _ in exact[0][:3]] == [("R1", 2), ("R2", 5), ("R1", 6)] and len(exact[0]) == 40


def test_a_line_break_is_counted_as_the_csv_reader_counts_it():
    assert [reading.lines_in(t) for t in ("", "a", "a\n", "a\r\nb\r\n", "a\rb\n", "a\r", "a\nb")] == [
        0, 1, 1, 2, 2, 1, 2]
    assert reading.cut('a\n"b\nc"\nd') == 8 and reading.cut('x,"a\nb') == 5 and reading.cut("abc") == -1


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
@given(st.lists(st.lists(cell, min_size=10, max_size=13), min_size=1, max_size=40), st.integers(8, 300),
       st.sampled_from(["\n", "\r\n"]))
def test_any_file_reads_the_same_in_stretches_alone_and_with_workers(warm_workers, tmp_path_factory, rows, chunk, end):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=end)
    writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("pool") / "registry.csv"
    path.write_bytes(out.getvalue().encode())
    exact = _exact(path)
    assert _read(path, 1, chunk) == exact
    assert _read(path, 2, chunk) == exact


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from('ab,"\n\r '), max_size=80), st.integers(1, 30))
def test_any_text_reads_the_same_in_stretches(text, chunk):
    """Malformed CSV too: stray quotes, lone carriage returns, quoted fields left open at the end."""
    exact, stretched = io.StringIO(text, newline=""), io.StringIO(text, newline="")
    original = reading.CHUNK_CHARS
    reading.CHUNK_CHARS = chunk
    try:
        header = list(REQUIRED_COLUMNS)
        assert _flat(reading.checked(stretched, 0, header, TODAY, BatchMerge.encode)) == _flat(
            (r, r.repeats.__getitem__) for r in reading.exactly(exact, 0, header, TODAY, BatchMerge.encode))
    finally:
        reading.CHUNK_CHARS = original

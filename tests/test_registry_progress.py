"""The import's progress: events a job can relay, and the bar the command line draws on stderr."""

import io

from crm.residents import registry
from crm.residents.registry import reading
from crm.residents.registry.progress_line import ProgressLine
from tests.test_registry import GOOD, write


def test_the_import_reports_reading_saving_and_done(app, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "PROGRESS_EVERY", 1)
    events = []
    registry.import_file(write(tmp_path, *GOOD, "R9,,,,1970-01-01,,M,,HH1,,,self"), progress=events.append)
    stages = [e.stage for e in events]
    assert stages[0] == "reading" and stages[-1] == "done" and "residents" in stages
    assert (events[0].rows_read, events[0].rejected) == (4, 1)  # a small file is one stretch: one event for it
    fractions = [e.fraction for e in events]  # by bytes read (a small file is read in one buffer)
    assert fractions == sorted(fractions) and 0 < fractions[0] and fractions[-1] == 1


def test_a_long_file_reports_as_it_goes(app, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "PROGRESS_EVERY", 10)
    monkeypatch.setattr(reading, "CHUNK_CHARS", 200)  # about 4 rows a stretch
    rows = [f"R{n},,Asha {n},,1970-01-01,,F,,HH{n},,,self" for n in range(60)] + ["R70,,,,1970-01-01,,F,,H,,,self"]
    events = []
    registry.import_file(write(tmp_path, *rows), progress=events.append)
    read = [(e.rows_read, e.rejected) for e in events if e.stage == "reading"]
    assert len(read) == 6 and [r for r, _ in read] == sorted(r for r, _ in read)  # one event a multiple of 10
    assert all(r // 10 > before // 10 for (r, _), (before, _) in zip(read[1:], read))
    assert events[-1].stage == "done" and (events[-1].rows_read, events[-1].rejected) == (61, 1)


def test_the_bar_shows_share_rate_and_time_left():
    event = registry.ImportProgress("reading", rows_read=250_000, rejected=12, bytes_read=40, bytes_total=160)
    line = ProgressLine("Importing delhi.csv", io.StringIO()).render(event, elapsed=20.0)
    assert "[#######.......................]  25%" in line
    assert "250,000 rows (12 rejected) 12,500 rows/s ETA 1:00 reading" in line
    done = ProgressLine("x", io.StringIO()).render(registry.ImportProgress("done", 10, 0, 5, 5), elapsed=61.0)
    assert done.endswith("1:01 elapsed done")


def test_off_a_terminal_the_bar_prints_a_line_per_tenth():
    out = io.StringIO()
    bar = ProgressLine("x", out)
    for done in range(0, 101, 5):
        bar(registry.ImportProgress("reading", done, 0, done, 100))
    bar(registry.ImportProgress("done", 100, 0, 100, 100))
    assert len(out.getvalue().splitlines()) == 12  # 0%, 10%, ... 100%, and done


def test_a_small_file_is_read_in_several_stretches_so_its_bar_moves(app, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "PROGRESS_EVERY", 100)  # the card office's page asks for events this often
    rows = [f"R{n},,Asha {n},,1970-01-01,,F,,HH{n // 4},House {n // 4} Laxmi Nagar,Laxmi Nagar,self" for n in range(3000)]
    events = []
    registry.import_file(write(tmp_path, *rows), progress=events.append)  # about 200 kB: a 64th is the 16 kB floor
    read = [e.rows_read for e in events if e.stage == "reading"]
    assert len(read) >= 10 and 0 < read[0] < 3000 and read == sorted(read)

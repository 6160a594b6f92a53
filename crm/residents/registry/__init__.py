"""Importing the voter / population registry: residents, households, rejects with reasons.

`import_file` is the service: the command line shows its progress as a bar, and a browser upload can
run it as a job that reports the same progress events.
"""

from __future__ import annotations

import csv
from datetime import date
from operator import itemgetter
from pathlib import Path

from crm.platform import spreadsheets
from crm.residents.registry.reading import Checked, checked, worker_count
from crm.residents.registry.rows import (
    REQUIRED_COLUMNS,
    RegistryFileError,
    Resident,
    RowError,
    parse_row,
    read_header,
    read_rows,
)
from crm.residents.registry.summary import ImportProgress, ImportSummary, Progress

__all__ = [
    "REQUIRED_COLUMNS", "ImportProgress", "ImportSummary", "Progress", "RegistryFileError", "Resident", "RowError",
    "import_file", "parse_row", "read_rows",
]
PROGRESS_EVERY = 5000  # rows between progress events while reading


def import_file(
    path: Path, rejects_path: Path | None = None, progress: Progress | None = None, method: str | None = None,
    every: int | None = None, workers: int | None = None, first_load: bool = False,
) -> ImportSummary:
    """Import a registry CSV idempotently; every rejected row goes to the rejects CSV with its reason.

    `method` is "copy" (PostgreSQL: COPY into a staging table and a set-based merge, one transaction) or
    "batches" (the ORM in batches of 1,000, each committed: bench/bench_registry.py's baseline); "copy" unless told.
    `progress` hears where the import is each time the rows read pass a multiple of `every` (PROGRESS_EVERY unless
    told; at most once a stretch of the file: about 6,000 rows, or a 64th of a small file), at each stage
    after reading, and when done. `workers` processes check the rows (by default one per core for a large
    file when the machine has a core to spare, else none: reading.worker_count); the outcome, rejects file
    included, is the same for any number. `first_load` (COPY path, an empty registry only): patient's indexes and
    keys are built after the rows, and patient is locked until the import commits (every reader waits): for the
    first load before the helpline opens (`flask registry import --first-load`), never from the card office's page.
    """
    every = every or PROGRESS_EVERY
    path = Path(path)
    rejects_path = Path(rejects_path) if rejects_path else path.with_name(path.stem + ".rejects.csv")
    summary = ImportSummary(rejects_path=rejects_path)
    total = path.stat().st_size
    merge = _merger(method, summary, first_load)
    seen: dict[str, int] = {}  # registry id -> the line it was first accepted on
    today = date.today()
    reported = 0

    def report(stage: str, done: int) -> None:
        if progress:
            progress(ImportProgress(stage, summary.read, summary.rejected, done, total))

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle, \
                rejects_path.open("w", newline="", encoding="utf-8") as out:
            rejects = spreadsheets.writer(out)  # the registry's own values, formulas included
            rejects.writerow(["line", "reason", *REQUIRED_COLUMNS])
            reader = csv.reader(handle)
            header = read_header(reader, path.name)
            stretches = checked(handle, reader.line_num, header, today, merge.encode, worker_count(total, workers),
                                total)
            for result, values in stretches:
                merge.add_all(_take(result, values, seen, summary, rejects))
                if progress and summary.read // every > reported:
                    reported = summary.read // every
                    report("reading", handle.buffer.tell())
            merge.finish(lambda stage: report(stage, total))
    except BaseException:
        merge.abort()
        raise
    report("done", total)
    return summary


def _merger(method: str | None, summary: ImportSummary, first_load: bool = False):
    method = method or "copy"
    if method == "copy":
        from crm.residents.registry.copy_merge import CopyMerge

        return CopyMerge(summary, first_load)
    if method == "batches":
        from crm.residents.registry.batches import BatchMerge

        return BatchMerge(summary)
    raise ValueError(f"unknown import method {method!r}: copy or batches")


def _take(result: Checked, values, seen: dict[str, int], summary: ImportSummary, rejects) -> list:
    """A checked stretch's accepted rows, less those whose registry id came earlier in the file (rejected as
    repeats); every rejected row goes to the rejects file in file order. Most stretches repeat no id: their rows
    pass with a few set operations instead of a step per row."""
    summary.read += result.read
    found = result.rejects
    if not result.repeats and seen.keys().isdisjoint(result.ids):
        seen.update(zip(result.ids, result.lines))
        accepted = result.encoded
    else:
        accepted, found = [], list(found)
        for registry_id, line, encoded in zip(result.ids, result.lines, result.encoded, strict=True):
            if (first := seen.setdefault(registry_id, line)) == line:
                accepted.append(encoded)
            else:
                found.append((line, values(line), f"registry_id {registry_id} appears again (first on line {first})"))
        found.sort(key=itemgetter(0))
    for line, row, reason in found:
        summary.rejected += 1
        key = reason.split(" ")[0].rstrip(":")
        summary.reasons[key] = summary.reasons.get(key, 0) + 1
        rejects.writerow([line, reason, *row])
    return accepted

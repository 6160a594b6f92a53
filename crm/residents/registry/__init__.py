"""Importing the voter / population registry: residents, households, rejects with reasons.

`import_file` is the service: the command line shows its progress as a bar, and a browser upload can
run it as a job that reports the same progress events.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from crm.platform import spreadsheets
from crm.residents.registry.reading import checked, worker_count
from crm.residents.registry.rows import (
    REQUIRED_COLUMNS,
    RegistryFileError,
    Resident,
    RowError,
    column_picker,
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
    `progress` hears where the import is every `every` rows read (PROGRESS_EVERY unless told), at each stage
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
    seen: dict[str, int] = {}
    today = date.today()

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
            pick = column_picker(header)
            for rows, results in checked(reader, header, today, merge.encode, worker_count(total, workers)):
                accepted = []
                for (values, line), (registry_id, fields) in zip(rows, results, strict=True):
                    if registry_id is None:
                        if fields is None:
                            continue  # a blank row
                        summary.read += 1
                        _reject(summary, rejects, line, pick(values), fields)
                    elif (first := seen.setdefault(registry_id, line)) != line:
                        summary.read += 1
                        _reject(summary, rejects, line, pick(values),
                                f"registry_id {registry_id} appears again (first on line {first})")
                    else:
                        summary.read += 1
                        accepted.append(fields)
                    if progress and summary.read % every == 0:
                        report("reading", handle.buffer.tell())
                merge.add_all(accepted)
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


def _reject(summary: ImportSummary, rejects, line: int, values: list[str], reason: str) -> None:
    summary.rejected += 1
    key = reason.split(" ")[0].rstrip(":")
    summary.reasons[key] = summary.reasons.get(key, 0) + 1
    rejects.writerow([line, reason, *values])

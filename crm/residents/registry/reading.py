"""Reading a registry file in stretches of text, each parsed and checked in a worker process, in file order.

The importing process only cuts the file into stretches of about CHUNK_CHARS (a 64th of a small file, SMALLEST at
least), each ending at a line break, and hands each stretch to a pool of processes: they parse its CSV, check its
rows and format the accepted ones, and the results come back in the order the stretches were sent. The importing process keeps what must see the whole
file in order: repeated registry ids, the rejects file, the COPY stream.

Only a CSV reader knows where a quoted field with a line break ends. A stretch is cut after a line break with an
even number of quotes before it (a well-formed quoted field is never cut), and the worker that parses it checks
that it ended between two records: it parses the stretch followed by a line of its own, SENTINEL, which comes
back as a record of its own only when the stretch ended outside quotes. When it did not (a quote where CSV takes
it literally fooled the count, or no line break for CUT_AFTER characters), the rest of the file from that
stretch on is read by one CSV reader in the importing process (`exactly`): slower, never wrong.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice, repeat
from operator import attrgetter
from typing import TextIO

from crm.residents.registry.rows import RowError, column_picker, parse_values

CHUNK_CHARS = 1 << 20  # a stretch: about 6,000 rows of a registry export
SMALLEST = 16 << 10  # a small file is still read in several stretches (a 64th of it), so its progress moves
CUT_AFTER = 64 * CHUNK_CHARS  # a stretch with no line break this long is read exactly
BATCH_ROWS = 2000  # rows checked at a time when the file is read exactly
POOL_FROM_BYTES = 8_000_000  # about 50,000 rows: below it starting the workers costs more than they save
SENTINEL = "\ufdd0end of a stretch\ufdd0"  # a Unicode noncharacter: no registry row is this line
Encode = Callable[[int, tuple], object]
Record = tuple[list[str], int]  # a CSV record's values and the line it ends on


@dataclass
class Checked:
    """One stretch of the file, checked: its accepted rows (registry id, line, encode's result, in file order),
    its rejected rows (line, the REQUIRED_COLUMNS values, reason) and how many rows it held, blank ones not
    counted. `repeats` gives the values of an accepted row whose registry id came earlier in the same stretch
    (the importing process decides which came first in the file). `clean` is False when the stretch did not end
    between records: nothing else in it counts then."""

    ids: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    encoded: list = field(default_factory=list)
    rejects: list[tuple[int, list[str], str]] = field(default_factory=list)
    read: int = 0
    repeats: dict[int, list[str]] = field(default_factory=dict)
    clean: bool = True


def worker_count(size: int, workers: int | None) -> int:
    """How many processes check rows: as asked, else one per core (at most 4) for a large file on a machine with
    a core to spare. Sending text to workers and results back costs CPU too, so on a busy machine one process
    reads faster; with idle cores the workers use them."""
    if workers is not None:
        return max(1, workers)
    cores = os.cpu_count() or 1
    spare = cores - os.getloadavg()[0]
    return min(cores, 4) if size >= POOL_FROM_BYTES and cores > 1 and spare >= 1 else 1


def check_records(
    records: Iterable[Record], header: list[str], today: date, encode: Encode, keep: bool = False,
) -> Checked:
    """Check each record: accepted, rejected with a reason, or blank (no values, or only empty ones: skipped).
    `keep` puts every accepted row's values in `repeats` (for a check in the importing process: nothing to send)."""
    pick = column_picker(header)
    checked = Checked()
    here: dict[str, int] = {}
    for values, line in records:
        if not "".join(values).strip():
            continue
        checked.read += 1
        picked = pick(values)
        try:
            fields = parse_values(picked, today)
        except RowError as exc:
            checked.rejects.append((line, picked, str(exc)))
            continue
        registry_id = fields[0]
        if keep or here.setdefault(registry_id, line) != line:
            checked.repeats[line] = picked
        checked.ids.append(registry_id)
        checked.lines.append(line)
        checked.encoded.append(encode(line, fields))
    return checked


def numbered(reader, first_line: int) -> Iterator[Record]:
    """A CSV reader's records with the line each ends on, counted from `first_line` (read as each record is taken,
    which keeps the per-row work in C)."""
    return zip(reader, map(first_line.__add__, map(attrgetter("line_num"), repeat(reader))))


def records_of(text: str, first_line: int) -> tuple[list[Record], bool]:
    """The CSV records of a stretch numbered from `first_line` (the lines before it), and whether the stretch
    ended between records (SENTINEL came back as a record of its own)."""
    ending = "" if text.endswith(("\n", "\r")) else "\n"
    reader = csv.reader(io.StringIO(text + ending + SENTINEL + "\n", newline=""))
    try:
        records = list(numbered(reader, first_line))
    except csv.Error:  # e.g. a field over csv's limit that is the rest of the stretch: read it exactly
        return [], False
    if not records or records[-1][0] != [SENTINEL]:
        return [], False
    return records[:-1], True


def check_stretch(text: str, first_line: int, header: list[str], today: date, encode: Encode) -> Checked:
    """Parse and check one stretch (in a worker)."""
    records, clean = records_of(text, first_line)
    return check_records(records, header, today, encode) if clean else Checked(clean=False)


def lines_in(text: str) -> int:
    """Lines in `text` as a CSV reader over a file opened with newline="" counts them (\\n, \\r\\n or \\r end one)."""
    ends = text.count("\n") + text.count("\r") - text.count("\r\n")
    return ends + (bool(text) and not text.endswith(("\n", "\r")))


def cut(text: str) -> int:
    """Where a stretch ends: after the last line break with an even number of quotes before it (of the last few),
    else after the last line break (the worker tells if that was inside quotes); -1 when there is none."""
    end = text.rfind("\n")
    if end < 0:
        return -1
    at, quotes = end, text.count('"', 0, end)
    for _ in range(8):
        if quotes % 2 == 0:
            return at + 1
        before = text.rfind("\n", 0, at)
        if before < 0:
            break
        quotes -= text.count('"', before, at)
        at = before
    return end + 1


class Stretches:
    """The rest of an open file as (text, lines before it) stretches; `rest` gives back what was not yet handed out."""

    def __init__(self, handle: TextIO, first_line: int, size: int | None = None) -> None:
        self.handle, self.line, self.pending = handle, first_line, ""
        self.chars = CHUNK_CHARS if size is None else min(CHUNK_CHARS, max(SMALLEST, size // 64))

    def __iter__(self) -> Iterator[tuple[str, int]]:
        while True:
            block = self.handle.read(self.chars)
            text, self.pending = self.pending + block, ""
            end = cut(text) if block else len(text)  # the file's last stretch ends where the file does
            if end < 0 and len(text) < CUT_AFTER:
                self.pending = text
                continue
            end = len(text) if end < 0 else end
            text, self.pending = text[:end], text[end:]
            if text:
                first, self.line = self.line, self.line + lines_in(text)
                yield text, first
            if not block:
                return

    def rest(self, before: str) -> Iterator[str]:
        """`before` (stretches handed out but not used), what was read but not handed out, then the file: as lines,
        the text read ahead completed to the end of its line so no line is split in two."""
        text = before + self.pending
        self.pending = ""
        if text and not text.endswith("\n"):
            text += self.handle.readline()
        return chain(io.StringIO(text, newline=""), self.handle)


def exactly(lines: Iterable[str], first_line: int, header: list[str], today: date, encode: Encode) -> Iterator[Checked]:
    """The rest of the file through one CSV reader in this process, BATCH_ROWS rows at a time."""
    records = numbered(csv.reader(lines), first_line)
    while batch := list(islice(records, BATCH_ROWS)):
        yield check_records(batch, header, today, encode, keep=True)


def checked(
    handle: TextIO, first_line: int, header: list[str], today: date, encode: Encode, workers: int = 1,
    size: int | None = None,
) -> Iterator[tuple[Checked, Callable[[int], list[str]]]]:
    """(checked stretch, the values of its row ending on a line) in file order for the rest of `handle`
    (`first_line` lines already read; `size` the file's bytes, when known): the values are for a row the caller
    rejects as a repeat.

    With workers > 1 the stretches are checked in a pool kept a few stretches ahead of the caller, never the whole
    file."""
    stretches = Stretches(handle, first_line, size)
    pool = ProcessPoolExecutor(workers, mp_context=pool_context()) if workers > 1 else None
    ahead: deque[tuple[str, int, Future | Checked]] = deque()
    limit = 2 * workers if pool else 0  # stretches in flight
    try:
        for text, first in stretches:
            if pool is None:
                ahead.append((text, first, check_stretch(text, first, header, today, encode)))
            else:
                ahead.append((text, first, pool.submit(check_stretch, text, first, header, today, encode)))
            while len(ahead) > limit and _result(ahead[0][2]).clean:
                yield _taken(ahead.popleft(), header)
            if len(ahead) > limit:
                break  # a stretch did not end between records: the rest is read exactly
        while ahead and _result(ahead[0][2]).clean:
            yield _taken(ahead.popleft(), header)
        if ahead:
            first = ahead[0][1]
            lines = stretches.rest("".join(text for text, _, _ in ahead))
            _cancel(ahead)
            for result in exactly(lines, first, header, today, encode):
                yield result, result.repeats.__getitem__
    finally:
        _cancel(ahead)
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _result(result: Future | Checked) -> Checked:
    return result.result() if isinstance(result, Future) else result


def _taken(stretch: tuple[str, int, Future | Checked], header: list[str]):
    text, first, result = stretch
    result = _result(result)
    found: dict[int, list[str]] = {}

    def values(line: int) -> list[str]:
        if line in result.repeats:
            return result.repeats[line]
        if not found:
            found.update(values_by_line(text, first, header))
        return found[line]

    return result, values


def _cancel(ahead: deque) -> None:
    for _, _, result in ahead:
        if isinstance(result, Future):
            result.cancel()
    ahead.clear()


def values_by_line(text: str, first_line: int, header: list[str]) -> dict[int, list[str]]:
    """Each record of a stretch's text as REQUIRED_COLUMNS values, by the line it ends on: the values of a row
    found repeated across stretches, for the rejects file."""
    pick = column_picker(header)
    records, _ = records_of(text, first_line)
    return {line: pick(values) for values, line in records}


def pool_context():
    """Workers forked from a clean server process, not from this one (which may hold threads and sockets)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crm.residents.registry.rows"])
    return context

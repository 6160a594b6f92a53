"""Reading a registry file in batches, the rows of each checked in worker processes, in file order.

The CSV itself is read in the importing process (only a CSV reader knows where a quoted field with a line
break ends, and the rejects file names each row's line); checking a row is what costs, so batches of rows
go to a pool of processes and their results come back in the order they were sent. The importing process
keeps what must see the whole file in order: repeated registry ids, the rejects file, the COPY stream.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from itertools import islice, repeat
from operator import attrgetter

from crm.residents.registry.rows import RowError, column_picker, parse_values

BATCH_ROWS = 2000
POOL_FROM_BYTES = 8_000_000  # about 50,000 rows: below it starting the workers costs more than they save
# A row is (the CSV values, line number); a result is (registry id, encoded fields) or (None, reason).
Row = tuple[list[str], int]
BLANK = (None, None)
Encode = Callable[[int, tuple], object]


def worker_count(size: int, workers: int | None) -> int:
    """How many processes check rows: as asked, else one per core (at most 4) for a large file on a machine with
    a core to spare. Sending rows to workers and back costs CPU too (half as much again, measured on two busy
    cores), so on a busy machine one process reads faster; with idle cores the workers use them."""
    if workers is not None:
        return max(1, workers)
    cores = os.cpu_count() or 1
    spare = cores - os.getloadavg()[0]
    return min(cores, 4) if size >= POOL_FROM_BYTES and cores > 1 and spare >= 1 else 1


def batches(reader, size: int | None = None) -> Iterator[list[Row]]:
    """The file's rows as (values, line number), `size` (BATCH_ROWS) at a time, blank ones included (check_batch
    skips them). Numbering by the reader's own count, read as each row is taken, keeps the per-row work in C."""
    numbered = zip(reader, map(attrgetter("line_num"), repeat(reader)))
    while rows := list(islice(numbered, size or BATCH_ROWS)):
        yield rows


def check_batch(rows: list[Row], header: list[str], today: date, encode: Encode) -> list[tuple]:
    """Each row's (registry id, encode(line, fields)) when it is valid, (None, reason) when it is not, and
    (None, None) for a blank row (no values, or only empty ones)."""
    pick = column_picker(header)
    results = []
    for values, line in rows:
        if not "".join(values).strip():
            results.append(BLANK)
            continue
        try:
            fields = parse_values(pick(values), today)
        except RowError as exc:
            results.append((None, str(exc)))
        else:
            results.append((fields[0], encode(line, fields)))
    return results


def checked(
    reader, header: list[str], today: date, encode: Encode, workers: int = 1,
) -> Iterator[tuple[list[Row], list[tuple]]]:
    """(rows, their results) batch after batch in file order; with workers > 1 the checks run in a pool
    that is kept a few batches ahead of the caller, never the whole file."""
    if workers <= 1:
        for rows in batches(reader):
            yield rows, check_batch(rows, header, today, encode)
        return
    ahead: deque = deque()
    with ProcessPoolExecutor(workers, mp_context=pool_context()) as pool:
        try:
            for rows in batches(reader):
                ahead.append((rows, pool.submit(check_batch, rows, header, today, encode)))
                if len(ahead) > 2 * workers:
                    rows, result = ahead.popleft()
                    yield rows, result.result()
            while ahead:
                rows, result = ahead.popleft()
                yield rows, result.result()
        finally:
            for _, result in ahead:
                result.cancel()


def pool_context():
    """Workers forked from a clean server process, not from this one (which may hold threads and sockets)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crm.residents.registry.rows"])
    return context

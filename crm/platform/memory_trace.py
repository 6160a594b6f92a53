"""Where a web process's memory goes, for the memory benchmark only (bench/burst_memory.py --trace).

SAMPARK_TRACEMALLOC=<directory> in the environment of a gunicorn worker (gunicorn.conf.py post_worker_init) starts
tracemalloc (SAMPARK_TRACEMALLOC_FRAMES frames a trace, default 12) and a thread that writes, every
SAMPARK_TRACEMALLOC_EVERY seconds (default 60), a snapshot
(`snapshot-<pid>-<seconds>.pickle`) and the count of live objects per type after a full collection
(`objects-<pid>-<seconds>.json`). Diffing two of them (`python -m crm.platform.memory_trace <dir> <first> <last>`) names
the lines whose live memory grew. Tracing costs the process time and memory of its own: never set in production.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path

FRAMES = 12  # deep enough to reach the app's own frame under SQLAlchemy, Jinja or Socket.IO (the default)


def start_from_environment() -> bool:
    """Start tracing if SAMPARK_TRACEMALLOC names a directory; True if it did."""
    where = os.environ.get("SAMPARK_TRACEMALLOC")
    if not where:
        return False
    every = float(os.environ.get("SAMPARK_TRACEMALLOC_EVERY", "60"))
    frames = int(os.environ.get("SAMPARK_TRACEMALLOC_FRAMES", str(FRAMES)))  # fewer: cheaper, the process keeps up
    directory = Path(where)
    directory.mkdir(parents=True, exist_ok=True)
    tracemalloc.start(frames)
    threading.Thread(target=_dump_every, args=(directory, every), name="sampark-memory-trace", daemon=True).start()
    return True


def dump(directory: Path, label: str) -> None:
    """One snapshot and one count of live objects per type, named by `label`."""
    gc.collect()
    counts = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())
    (directory / f"objects-{label}.json").write_text(json.dumps(dict(counts.most_common())))
    tracemalloc.take_snapshot().dump(str(directory / f"snapshot-{label}.pickle"))


def _dump_every(directory: Path, every: float) -> None:
    began = time.monotonic()
    while True:
        time.sleep(every)
        dump(directory, f"{os.getpid()}-{time.monotonic() - began:05.0f}")


def grown(directory: Path, first: str, last: str, top: int = 25) -> str:
    """What grew between two dumps: lines (by traceback) and object types, largest first."""
    older = tracemalloc.Snapshot.load(str(directory / f"snapshot-{first}.pickle"))
    newer = tracemalloc.Snapshot.load(str(directory / f"snapshot-{last}.pickle"))
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>")]
    older, newer = older.filter_traces(ignore), newer.filter_traces(ignore)
    total = [sum(s.size for s in snapshot.statistics("filename")) / 1e6 for snapshot in (older, newer)]
    lines = [f"traced: {total[0]:.1f} MB -> {total[1]:.1f} MB", "", "by line:"]
    for stat in newer.compare_to(older, "lineno")[:top]:
        lines.append(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {stat.traceback[0]}")
    lines += ["", "by traceback (the largest growth):"]
    for stat in newer.compare_to(older, "traceback")[:8]:
        lines.append(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks")
        lines += [f"      {frame}" for frame in stat.traceback.format()[-2 * FRAMES:]]
    before = json.loads((directory / f"objects-{first}.json").read_text())
    after = json.loads((directory / f"objects-{last}.json").read_text())
    change = sorted(((after.get(k, 0) - before.get(k, 0), k) for k in set(before) | set(after)), reverse=True)
    lines += ["", "live objects by type (most grown):", *(f"  {n:+8d} {k}" for n, k in change[:top] if n)]
    return "\n".join(lines)


def steady_growth(directory: Path, labels: list[str], top: int = 25) -> str:
    """Lines ranked by how steadily their live memory grew over a series of dumps (least-squares KiB per dump): what
    is kept for good grows at every dump, what is in flight at a dump (requests, connections) comes and goes."""
    series: dict[str, list[float]] = {}
    for n, label in enumerate(labels):
        for stat in tracemalloc.Snapshot.load(str(directory / f"snapshot-{label}.pickle")).statistics("lineno"):
            series.setdefault(str(stat.traceback[0]), [0.0] * len(labels))[n] = stat.size / 1024
    xs = range(len(labels))
    mean_x = sum(xs) / len(labels)
    spread = sum((x - mean_x) ** 2 for x in xs) or 1.0

    def slope(ys: list[float]) -> float:
        mean_y = sum(ys) / len(ys)
        return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread

    ranked = sorted(series.items(), key=lambda item: -slope(item[1]))[:top]
    return "\n".join(f"{slope(ys):+8.1f} KiB/dump  {' '.join(f'{y:.0f}' for y in ys)}  {where}" for where, ys in ranked)


if __name__ == "__main__":
    if sys.argv[2] == "--series":
        print(steady_growth(Path(sys.argv[1]), sys.argv[3:]))
    else:
        print(grown(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))

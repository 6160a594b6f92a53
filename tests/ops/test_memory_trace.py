"""The memory benchmark's tracing (crm.platform.memory_trace): off unless asked, and a diff that names what grew."""

from __future__ import annotations

import tracemalloc

from crm.platform import memory_trace


class Hoard:
    """Objects kept alive between two dumps, as a leak would keep them."""


def test_off_without_the_environment_variable(monkeypatch):
    monkeypatch.delenv("SAMPARK_TRACEMALLOC", raising=False)
    assert memory_trace.start_from_environment() is False


def test_the_diff_names_the_line_and_the_type_that_grew(tmp_path):
    tracemalloc.start(memory_trace.FRAMES)
    try:
        memory_trace.dump(tmp_path, "first")
        kept = [Hoard() for _ in range(20_000)]
        memory_trace.dump(tmp_path, "last")
    finally:
        tracemalloc.stop()
    text = memory_trace.grown(tmp_path, "first", "last")
    by_line = text.split("by traceback")[0]
    assert "test_memory_trace.py" in by_line.splitlines()[3]  # the largest growth is the hoarding line
    grown_types = dict(line.split()[::-1] for line in text.split("live objects by type")[1].splitlines()[1:])
    assert int(grown_types[f"{__name__}.Hoard"]) >= 20_000
    assert len(kept) == 20_000

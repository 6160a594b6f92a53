"""The memory benchmark's tracing (crm.platform.memory_trace): off unless asked, and a diff that names what grew."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crm.platform import memory_trace


def test_off_without_the_environment_variable(monkeypatch):
    monkeypatch.delenv("SAMPARK_TRACEMALLOC", raising=False)
    assert memory_trace.start_from_environment() is False


# Run in a small interpreter of its own: in the test process, tracing and counting every live object of the whole
# suite's modules took 45 s; the behaviour checked is the same.
HOARDING = """
import sys, tracemalloc
from pathlib import Path
from crm.platform import memory_trace

class Hoard:
    pass

where = Path(sys.argv[1])
tracemalloc.start(memory_trace.FRAMES)
memory_trace.dump(where, "first")
kept = [Hoard() for _ in range(20_000)]
memory_trace.dump(where, "last")
tracemalloc.stop()
print(memory_trace.grown(where, "first", "last"))
"""


def test_the_diff_names_the_line_and_the_type_that_grew(tmp_path):
    script = tmp_path / "hoarding.py"
    script.write_text(HOARDING, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=120,
                          cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, check=True)
    text = done.stdout
    by_line = text.split("by traceback")[0]
    assert "hoarding.py" in by_line.splitlines()[3]  # the largest growth is the hoarding line
    grown_types = dict(line.split()[::-1] for line in text.split("live objects by type")[1].splitlines()[1:])
    assert int(grown_types["__main__.Hoard"]) >= 20_000

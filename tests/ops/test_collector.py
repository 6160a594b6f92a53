"""crm.platform.collector: once a serving process has loaded the app, the collector no longer walks its objects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, os, tempfile
from tests.conftest import make_app
from crm.platform import collector
from pathlib import Path
make_app(Path(tempfile.mkdtemp()))
walked_before = len(gc.get_objects())
frozen = collector.freeze_startup()
walked_after = len(gc.get_objects())
print(walked_before, frozen, walked_after, gc.get_freeze_count())
"""


def test_the_apps_objects_leave_the_collectors_walk_once_frozen():
    # In a process of its own: freezing this test run's objects would keep every test's app until the run ends.
    done = subprocess.run([sys.executable, "-c", PROBE], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    walked_before, frozen, walked_after, freeze_count = map(int, done.stdout.split()[-4:])
    assert walked_before > 100_000  # the app, its models, triage's rules and model, the translations
    assert frozen == freeze_count and frozen > 0.9 * walked_before
    assert walked_after < 0.01 * walked_before  # what a full collection still walks

"""The cyclic garbage collector in a long-running process: what exists at start is never walked again.

CPython's collector stops every thread while it walks a generation; its oldest generation holds everything the
process made at start (the app, the models, triage's rules and model, the translations: some 350,000 objects), so a
full collection pauses every request in flight for a quarter to most of a second (bench/gc_pauses.py). Those objects
live as long as the process: once it has loaded the app, `freeze_startup` collects what start-up left over and moves
the rest to the generation the collector never walks (gc.freeze). Only in a process that serves (gunicorn's worker,
the job worker): a test run that froze its objects would keep every test's app until it ends.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup() -> int:
    """Collect, then freeze every object alive now; returns how many were frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("collector: %d objects from start-up frozen (never walked by a collection)", frozen)
    return frozen

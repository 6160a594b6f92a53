"""A progress bar for the import on a terminal (stderr): share of the file, rows per second, ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from crm.residents.registry.summary import ImportProgress

WIDTH = 30


class ProgressLine:
    """Callable progress sink; redraws one line on a terminal, prints every tenth of the file otherwise."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.tty = self.stream.isatty()
        self.printed_tenth = -1

    def __call__(self, event: ImportProgress) -> None:
        """Show one progress event."""
        line = self.render(event, time.monotonic() - self.started)
        if self.tty:
            self.stream.write("\r" + line.ljust(110) + ("\n" if event.stage == "done" else ""))
        elif event.stage != "reading" or int(event.fraction * 10) > self.printed_tenth:
            self.printed_tenth = int(event.fraction * 10)
            self.stream.write(line + "\n")
        self.stream.flush()

    def render(self, event: ImportProgress, elapsed: float) -> str:
        """'delhi.csv [#####.....] 52% 520,000 rows 8,100 rows/s ETA 0:58 reading'."""
        filled = int(event.fraction * WIDTH)
        rate = event.rows_read / elapsed if elapsed > 0 else 0.0
        if event.stage == "reading" and 0 < event.fraction < 1:
            eta = "ETA " + _clock(elapsed * (1 - event.fraction) / event.fraction)
        else:
            eta = _clock(elapsed) + " elapsed"
        return (f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {event.fraction:4.0%} "
                f"{event.rows_read:,} rows ({event.rejected:,} rejected) {rate:,.0f} rows/s {eta} {event.stage}")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"

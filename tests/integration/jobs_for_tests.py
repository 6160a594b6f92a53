"""Jobs that only tests queue (the worker imports them by dotted path)."""

from pathlib import Path


def touch(path: str) -> None:
    """Leave a file behind: proof that a worker ran this job."""
    Path(path).touch()

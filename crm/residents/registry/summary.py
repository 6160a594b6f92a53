"""What an import reports: the summary for the clerk and the progress events for a bar or a job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# The fields the registry owns on a patient; clinical fields belong to the clinical record.
REGISTRY_FIELDS = (
    "epic", "epic_valid", "name", "name_hi", "dob", "birth_year", "dob_estimated", "sex", "mobile", "address", "ward",
    "relation",
)


@dataclass
class ImportSummary:
    """What an import did, for the clerk."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    households_created: int = 0
    rejects_path: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportProgress:
    """Where an import is: `stage` is reading, then saving or merging steps, then done."""

    stage: str
    rows_read: int
    rejected: int
    bytes_read: int
    bytes_total: int

    @property
    def fraction(self) -> float:
        """Share of the file read, 0..1 (the merge after reading is a few seconds more)."""
        return self.bytes_read / self.bytes_total if self.bytes_total else 1.0


Progress = Callable[[ImportProgress], None]

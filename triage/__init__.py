"""Triage: classify() (rules, symptom floor, model), the rules file and the modules of the case flow."""

from functools import lru_cache

from triage.engine import Match, Triage
from triage.rules import RULES_VERSION, checklist
from triage.safety import classify, reader_needed


def review_state() -> list[dict]:
    """The rules' versions, newest first, with their clinical review state (triage.versioning)."""
    from triage.versioning import review_state as state  # not at import: `python -m triage.versioning` runs it

    return state()


def unsigned_versions() -> frozenset[str]:
    """The rules versions no clinician has signed yet (read once: the rules file does not change while running)."""
    return _unsigned()


@lru_cache(maxsize=1)
def _unsigned() -> frozenset[str]:
    return frozenset(v["version"] for v in review_state() if v["pending"])


__all__ = ["RULES_VERSION", "Match", "Triage", "checklist", "classify", "reader_needed", "review_state",
           "unsigned_versions"]

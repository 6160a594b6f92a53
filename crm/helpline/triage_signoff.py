"""The clinician's sign-off of the triage rules, as every screen that shows a priority triage set must say it.

A step of the clinical safety case (docs/clinical-safety/hazard-log.md, H1 and H2): until a clinician signs a
rules version in triage/rules.toml, the operator desk, the doctor desk, the case report and the supervisor's
floor say that the priorities it set are unsigned.
"""

from __future__ import annotations

from collections.abc import Iterable

from triage import RULES_VERSION, unsigned_versions


def state(versions: Iterable[str | None] = ()) -> dict:
    """The rules in use and any of `versions` (those a case's triage recorded) that no clinician has signed."""
    named = [v for v in dict.fromkeys((RULES_VERSION, *versions)) if v]
    unsigned = [v for v in named if v in unsigned_versions()]
    return {"version": RULES_VERSION, "signed": not unsigned, "unsigned": unsigned}


def versions_of(events) -> list[str]:
    """The rules versions a case's triaged messages recorded, first seen first."""
    found = ((e.detail or {}).get("triage", {}).get("rules_version") for e in events if e.kind in ("sms_in", "speech"))
    return [v for v in dict.fromkeys(found) if v]

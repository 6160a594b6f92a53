"""Safety figures of a classifier on labelled messages: the numbers issue 12 sets targets for."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SafetyFigures:
    """Emergency recall, emergencies below P2, symptoms given P4 and routine raised to P1."""

    messages: int
    emergencies: int
    emergencies_p1: int
    emergencies_below_p2: int
    non_routine: int
    non_routine_p4: int
    routine: int
    routine_p1: int
    over_triaged: int = 0  # P2-P4 messages given P1

    @property
    def over_triage(self) -> float:
        """Share of the non-emergency messages that came out P1."""
        return self.over_triaged / max(1, self.messages - self.emergencies)

    @property
    def emergency_recall(self) -> float:
        """Share of expected-P1 messages that came out P1."""
        return self.emergencies_p1 / max(1, self.emergencies)

    @property
    def routine_false_alarm(self) -> float:
        """Share of expected-P4 messages that came out P1."""
        return self.routine_p1 / max(1, self.routine)

    def lines(self) -> str:
        """The figures as the test run and the bench README print them."""
        return (
            f"{self.messages} messages: emergency recall {self.emergencies_p1}/{self.emergencies} "
            f"({self.emergency_recall:.1%}); emergencies below P2: {self.emergencies_below_p2}; "
            f"P1-P3 messages given P4 (P4 misses): {self.non_routine_p4}/{self.non_routine}; "
            f"routine raised to P1: {self.routine_p1}/{self.routine} ({self.routine_false_alarm:.1%}); "
            f"P2-P4 given P1: {self.over_triaged}/{self.messages - self.emergencies} ({self.over_triage:.1%})"
        )


def read_labelled(path: Path) -> list[dict[str, str]]:
    """Rows of a labelled TSV (text, expected_priority, ...); lines starting with # are comments."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def safety_figures(rows: Iterable[dict[str, str]], priority_of: Callable[[str], str]) -> SafetyFigures:
    """Run priority_of over the rows and count what the targets are about."""
    counts = dict.fromkeys(("n", "e", "e1", "e_low", "nr", "nr4", "r", "r1", "over"), 0)
    for row in rows:
        expected, got = row["expected_priority"], priority_of(row["text"])
        counts["n"] += 1
        counts["over"] += expected != "P1" and got == "P1"
        if expected == "P1":
            counts["e"] += 1
            counts["e1"] += got == "P1"
            counts["e_low"] += got in ("P3", "P4")
        if expected == "P4":
            counts["r"] += 1
            counts["r1"] += got == "P1"
        else:
            counts["nr"] += 1
            counts["nr4"] += got == "P4"
    return SafetyFigures(
        counts["n"], counts["e"], counts["e1"], counts["e_low"], counts["nr"], counts["nr4"], counts["r"], counts["r1"],
        counts["over"],
    )  # fmt: skip

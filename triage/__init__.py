"""Triage: red-flag rules today; queues, claims and escalation modules join this package later."""

from triage.engine import Match, Triage, classify
from triage.rules import RULES_VERSION, checklist

__all__ = ["RULES_VERSION", "Match", "Triage", "checklist", "classify"]

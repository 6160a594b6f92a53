"""Triage: classify() (rules, symptom floor, model), the rules file and the modules of the case flow."""

from triage.engine import Match, Triage
from triage.rules import RULES_VERSION, checklist
from triage.safety import classify
from triage.versioning import review_state

__all__ = ["RULES_VERSION", "Match", "Triage", "checklist", "classify", "review_state"]

"""The hold-out's safety figures are printed at the end of every run that ran the hold-out test."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Emergency recall, emergencies below P2 and routine raised to P1 on the hold-out, as issue 12 asks."""
    module = sys.modules.get("tests.triage.test_holdout")
    if module is not None:
        terminalreporter.write_line(f"Triage hold-out: {module.FIGURES.lines()}", bold=True)
        for language, figures in getattr(module, "FIGURES_BY_LANGUAGE", {}).items():
            terminalreporter.write_line(f"Triage hold-out ({language}): {figures.lines()}", bold=True)
    context = sys.modules.get("tests.triage.test_context_holdout")
    if context is not None:  # issue 28: routine messages with alarming words, per language
        terminalreporter.write_line("Triage context hold-out (routine with alarming words, per language):", bold=True)
        for line in context.lines():
            terminalreporter.write_line(f"  {line}")

"""The shape of the house: packages that depend one way, one refusal type, one classify entry point, one specialties
registry (who writes a case's status: tests/architecture/test_case_status_writer.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crm.cases.status import TRANSITIONS, Status

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("crm", "telephony", "triage")


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "emulator" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_top_level_packages_depend_one_way():
    depends = {package: set() for package in PACKAGES}
    for path, tree in _sources():
        package = path.relative_to(ROOT).parts[0]
        depends[package] |= (_imports(tree) & set(PACKAGES)) - {package}
    # telephony -> crm -> triage; triage is the classifier and imports neither.
    assert depends["triage"] == set()
    assert depends["crm"] <= {"triage"}
    for a in PACKAGES:
        for b in depends[a]:
            assert a not in depends[b], f"{a} and {b} import each other"


@pytest.mark.parametrize("name", sorted(TRANSITIONS))
def test_every_transition_starts_somewhere_and_leads_to_a_state(name):
    rule = TRANSITIONS[name]
    assert rule.sources and all(isinstance(s, Status) for s in rule.sources)
    assert rule.target is None or isinstance(rule.target, Status)


def test_ended_cases_are_never_reopened_by_a_transition():
    # A replayed or late request finds a closed or abandoned case and is refused.
    for name, rule in TRANSITIONS.items():
        assert Status.CLOSED not in rule.sources, name
        assert Status.ABANDONED not in rule.sources, name


def test_one_refusal_type():
    # Services raise crm.platform.errors.Refused; nobody declares another (code, message, status) error class.
    offenders = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name != "Refused":
                init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
                if init and [a.arg for a in init.args.args][1:4] == ["code", "message", "status"]:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert offenders == []


def test_specialties_are_one_registry():
    from triage import specialties
    from triage.rules import RULESET

    named = {r.specialty for r in RULESET.rules if r.specialty}
    assert named <= set(specialties.CODES), named - set(specialties.CODES)


def _triage_imports(tree: ast.AST) -> list[tuple[str, str]]:
    """(module, name) for every name imported from the triage package or its modules."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "triage":
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "*") for alias in node.names if alias.name.split(".")[0] == "triage"]
    return found


def test_one_classify_entry_point():
    # SMS, IVR transcripts, the operator's reason and the review page all read text through triage.classify
    # (rules, floor, model). Nobody outside triage reaches a single layer (engine, floor, model) on its own.
    layers = {"triage.engine", "triage.safety", "triage.floor", "triage.model", "triage.normalize", "triage.train"}
    offenders, callers = [], set()
    for path, tree in _sources():
        if path.relative_to(ROOT).parts[0] == "triage":
            continue
        for module, name in _triage_imports(tree):
            if module in layers or name in ("*", "classify_tokens") or (name == "classify" and module != "triage"):
                offenders.append(f"{path.relative_to(ROOT)}: {module}.{name}")
            if (module, name) == ("triage", "classify"):
                callers.add(str(path.relative_to(ROOT)))
    assert offenders == []
    assert {"crm/helpline/messages/inbound.py", "crm/cases/voice.py", "crm/cases/flag_hints.py"} <= callers, callers


def test_the_classify_walker_sees_a_layer_reached_directly():
    tree = ast.parse("from triage.engine import classify\nfrom triage import classify\nimport triage.model\n")
    assert _triage_imports(tree) == [("triage.engine", "classify"), ("triage", "classify"), ("triage.model", "*")]

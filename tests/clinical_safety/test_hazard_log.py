"""The clinical safety case's hazard log names, for every hazard, the tests that prove its controls: a test it
names that no longer exists (renamed, deleted, moved) fails here, so the log cannot drift from the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAFETY_CASE = ROOT / "docs" / "clinical-safety"
HAZARD_LOG = SAFETY_CASE / "hazard-log.md"
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")
HAZARDS = {
    "H1": "Missed emergency", "H2": "False alarm", "H3": "Wrong patient identified", "H4": "Wrong language",
    "H5": "A hospital record shown wrong or incomplete", "H6": "An allergy not shown",
    "H7": "A stale or revoked card accepted", "H8": "A caller left in a queue", "H9": "A lost message",
    "H10": "A wrong appointment",
}


def defined_tests(path: Path) -> set[str]:
    """Names of the test functions a test module defines (at module level or in a class)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def missing_tests(text: str, root: Path = ROOT) -> list[str]:
    """Every `tests/<path>::<name>` the text names whose file or test function does not exist."""
    missing, read = [], {}
    for path, name in TEST_REF.findall(text):
        file = root / path
        if path not in read:
            read[path] = defined_tests(file) if file.is_file() else set()
        if name not in read[path]:
            missing.append(f"{path}::{name}")
    return missing


def hazards(text: str) -> dict[str, str]:
    """Each `## H<n> title` section of the log, by id."""
    parts = re.split(r"^## (H\d+) ", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_test_the_safety_case_names_exists() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SAFETY_CASE.glob("*.md")))
    assert TEST_REF.findall(text), "the safety case names no test"
    assert missing_tests(text) == []


def test_every_hazard_has_causes_controls_tests_and_a_residual_risk() -> None:
    sections = hazards(HAZARD_LOG.read_text(encoding="utf-8"))
    assert set(sections) == set(HAZARDS)
    for hazard, title in HAZARDS.items():
        section = sections[hazard]
        assert section.startswith(title), hazard
        for heading in ("**Causes**", "**Controls in Sampark**", "**Residual risk**"):
            assert heading in section, (hazard, heading)
        assert TEST_REF.search(section), f"{hazard} names no test proving its controls"


def test_a_test_named_in_the_log_that_no_longer_exists_is_caught(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_here.py").write_text(
        "def test_still_here():\n    pass\n\nclass TestGroup:\n    def test_in_a_class(self):\n        pass\n")
    planted = ("- `tests/test_here.py::test_still_here`\n- `tests/test_here.py::test_in_a_class`\n"
               "- `tests/test_here.py::test_renamed_away`\n- `tests/test_gone.py::test_deleted_file`\n")
    assert missing_tests(planted, tmp_path) == ["tests/test_here.py::test_renamed_away",
                                                "tests/test_gone.py::test_deleted_file"]


def test_a_hazard_without_a_test_is_caught() -> None:
    planted = "## H1 Missed emergency\n**Causes**\n**Controls in Sampark**\n**Residual risk**\n"
    assert not TEST_REF.search(hazards(planted)["H1"])

"""Rules are reviewed like code: content and version change together, and each change names its reviewer."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from triage.floor import LEXICON_PATH
from triage.model import MODEL_PATH
from triage.rules import RULES_PATH
from triage.versioning import check


def test_the_shipped_rules_match_their_version() -> None:
    check()


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path, Path]:
    paths = tuple(Path(shutil.copy(p, tmp_path / p.name)) for p in (RULES_PATH, LEXICON_PATH, MODEL_PATH))
    check(*paths)
    return paths  # type: ignore[return-value]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("which", [0, 1])
def test_a_clinical_change_without_a_new_version_is_refused(copies: tuple[Path, Path, Path], which: int) -> None:
    old = '"drowning", "drowned"' if which == 0 else '"pain*", "ache"'
    _edit(copies[which], old, old + ', "something new"')
    with pytest.raises(ValueError, match="without a new version"):
        check(*copies)


def test_a_retrained_model_needs_a_new_version(copies: tuple[Path, Path, Path]) -> None:
    model = copies[2].read_bytes()
    copies[2].write_bytes(re.sub(rb'"threshold":[0-9.]+', b'"threshold":0.99', model, count=1))
    assert copies[2].read_bytes() != model
    with pytest.raises(ValueError, match="without a new version"):
        check(*copies)


def test_comments_and_the_changelog_itself_are_not_clinical_content(copies: tuple[Path, Path, Path]) -> None:
    _edit(copies[0], "# Sampark triage rules.", "# Sampark triage rules (a comment edited).")
    _edit(copies[0], 'reviewed_by = "PENDING clinical review"', 'reviewed_by = "Dr. A. Reviewer, 2026-11-30"')
    check(*copies)


def test_a_new_version_without_its_changelog_entry_is_refused(copies: tuple[Path, Path, Path]) -> None:
    _edit(copies[0], 'version = "2026.11.2"\n\n[checklist]', 'version = "2026.11.3"\n\n[checklist]')
    with pytest.raises(ValueError, match="no \\[\\[changelog\\]\\] entry for version 2026.11.3"):
        check(*copies)


def test_a_version_superseded_before_its_review_is_refused(copies: tuple[Path, Path, Path]) -> None:
    text = copies[0].read_text(encoding="utf-8")
    entry = text[text.rindex("[[changelog]]") :].replace('"2026.11.2"', '"2026.11.3"')
    copies[0].write_text(
        text.replace('version = "2026.11.2"\n\n[checklist]', 'version = "2026.11.3"\n\n[checklist]') + "\n" + entry,
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="superseded before its clinical review"):
        check(*copies)

"""Rules are reviewed like code: content and version change together, and each change names its reviewer."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from triage.floor import LEXICON_PATH
from triage.model import MODEL_PATH
from triage.rules import RULES_PATH, RULES_VERSION
from triage.versioning import check, content_hash, review_state

NEXT = RULES_VERSION.rsplit(".", 1)[0] + "." + str(int(RULES_VERSION.rsplit(".", 1)[1]) + 1)


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


def _bump(path: Path, includes: str | None, *siblings: Path) -> None:
    """A new version whose changelog entry is a copy of the current one, naming `includes` for review."""
    text = path.read_text(encoding="utf-8")
    entry = text[text.rindex("[[changelog]]") :].replace(f'"{RULES_VERSION}"', f'"{NEXT}"')
    entry = "\n".join(line for line in entry.splitlines() if not line.startswith("review_includes"))
    if includes:
        entry = entry.replace("[[changelog]]", f'[[changelog]]\nreview_includes = ["{includes}"]', 1)
    old = f'version = "{RULES_VERSION}"\n\n[checklist]'
    path.write_text(text.replace(old, f'version = "{NEXT}"\n\n[checklist]') + "\n" + entry + "\n", encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    head, tail = text[: text.rindex("[[changelog]]")], text[text.rindex("[[changelog]]") :]
    recorded = re.sub(r'content_sha256 = "[0-9a-f]+"', f'content_sha256 = "{content_hash(path, *siblings)}"', tail)
    path.write_text(head + recorded, encoding="utf-8")


def test_a_new_version_without_its_changelog_entry_is_refused(copies: tuple[Path, Path, Path]) -> None:
    _edit(copies[0], f'version = "{RULES_VERSION}"\n\n[checklist]', f'version = "{NEXT}"\n\n[checklist]')
    with pytest.raises(ValueError, match=f"no \\[\\[changelog\\]\\] entry for version {NEXT}"):
        check(*copies)


def test_a_version_superseded_before_its_review_is_refused(copies: tuple[Path, Path, Path]) -> None:
    _bump(copies[0], None, *copies[1:])
    with pytest.raises(ValueError, match=f"changelog {RULES_VERSION}: superseded before its clinical review"):
        check(*copies)


def test_a_pending_version_may_be_superseded_by_one_whose_review_takes_it_in(copies: tuple[Path, Path, Path]) -> None:
    _bump(copies[0], RULES_VERSION, *copies[1:])
    check(*copies)
    state = {v["version"]: v for v in review_state(copies[0])}
    assert state[RULES_VERSION]["pending"] and state[RULES_VERSION]["reviewed_with"] == NEXT
    assert state[NEXT]["pending"] and state[NEXT]["review_includes"] == [RULES_VERSION]


def test_the_review_state_of_the_shipped_rules_is_readable() -> None:
    state = review_state()
    assert state[0]["version"] == RULES_VERSION
    # Every version still awaiting review is named, and a clinician signing the newest signs for all of them.
    pending = [v["version"] for v in state if v["pending"]]
    assert pending[0] == RULES_VERSION and set(pending[1:]) <= set(state[0]["review_includes"])
